"""A project's stages on a calendar: the plan, what happened and the forecast, and the
hours the engineer is needed each week.

The plan is the schedule the estimates promised: from the project's first start,
each stage after the ones it waits for (and not before its planned start),
lasting its likely duration. What happened is the stages' recorded dates; what
is still to come is the forecast's P50 window, with its P80 end. Comparing the
two shows where a project slipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lowtide.core.forecast import StageWindow
from lowtide.core.stages import (
    DEFAULT_ESTIMATE,
    DEFAULT_PROFILES,
    EffortProfile,
    Involvement,
    Project,
    Stage,
    StageKind,
    StageStatus,
    stage_order,
)

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """Days `start` to `end` (exclusive); `end_p80` is later when the end is uncertain."""

    start: dt.date
    end: dt.date
    end_p80: dt.date | None = None

    @property
    def last(self) -> dt.date:
        return max(self.end, self.end_p80 or self.end)


@dataclass(frozen=True)
class StageLine:
    """One stage on the timeline: its plan, and what happened or is forecast."""

    project: str
    stage: Stage
    planned: Window
    actual: Window
    hours_per_week: float  # while it runs, the middle of its range
    after_hours: float  # a week after it ends (deployment's maintenance), else 0

    @property
    def involvement(self) -> Involvement:
        return self.stage.effective_involvement

    @property
    def slip_days(self) -> int:
        """Days the actual (or P50 forecast) end lies after the planned one."""
        return (self.actual.end - self.planned.end).days


def stage_lines(
    project: Project,
    windows: Sequence[StageWindow],
    today: dt.date,
    profiles: Mapping[StageKind, EffortProfile] = DEFAULT_PROFILES,
) -> list[StageLine]:
    """The project's stages in order, each with its planned and actual windows."""
    ordered = stage_order(project.stages)
    forecast = {w.key: w for w in windows if w.project == project.name}
    planned = planned_windows(ordered, today)
    lines = []
    for s in ordered:
        profile = profiles[s.kind]
        hours = s.hours or profile.hours
        lines.append(
            StageLine(
                project=project.name,
                stage=s,
                planned=planned[s.key],
                actual=_actual(s, forecast.get(s.key), today),
                hours_per_week=hours.mid,
                after_hours=profile.after.mid if profile.after else 0.0,
            )
        )
    return lines


def planned_windows(ordered: Sequence[Stage], today: dt.date) -> dict[str, Window]:
    """Each stage's window in the plan: after what it waits for, its likely days long."""
    starts = [d for s in ordered for d in (s.started_on, s.planned_start) if d is not None]
    origin = min(starts, default=today)
    out: dict[str, Window] = {}
    for s in ordered:
        begin = max([origin, *(out[d].end for d in s.after)])
        if s.planned_start is not None:
            begin = max(begin, s.planned_start)
        elif not s.after and s.started_on is not None:
            begin = s.started_on
        days = (s.estimate or DEFAULT_ESTIMATE).likely
        out[s.key] = Window(begin, begin + dt.timedelta(days=round(days)))
    return out


def _actual(s: Stage, window: StageWindow | None, today: dt.date) -> Window:
    if s.status is StageStatus.DONE:
        end = s.ended_on or today
        start = s.started_on or end
        return Window(start, max(end, start + DAY))
    if window is None:  # not forecast (the forecast failed): today, one day
        return Window(today, today + DAY)
    start = s.started_on if s.status is StageStatus.ACTIVE and s.started_on else window.start_p50
    end = max(window.end_p50, start + DAY)
    return Window(start, end, max(window.end_p80, end))


def weekly_hours(lines: Sequence[StageLine], first_week: dt.date, weeks: int) -> list[list[float]]:
    """Hours a week each stage needs, for `weeks` weeks from the Monday `first_week`.

    A stage needs its hours a week over the days of its window (P50) that fall in
    the week; a deployment needs its maintenance hours after it ends.
    """
    table = []
    for line in lines:
        row = []
        for k in range(weeks):
            start = first_week + dt.timedelta(days=7 * k)
            end = start + dt.timedelta(days=7)
            busy = _overlap(line.actual.start, line.actual.end, start, end)
            hours = line.hours_per_week * busy / 7
            if line.after_hours:
                hours += line.after_hours * _overlap(line.actual.end, end, start, end) / 7
            row.append(hours)
        table.append(row)
    return table


def _overlap(a: dt.date, b: dt.date, start: dt.date, end: dt.date) -> int:
    return max(0, (min(b, end) - max(a, start)).days)
