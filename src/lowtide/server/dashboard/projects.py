"""The Projects pages: each project's stages on a timeline, and who is needed when.

Bars are placed in percent of the timeline's width, so the page draws them with
plain HTML and CSS: no script, and text that stays crisp at any width.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lowtide.core.forecast import Forecast, learn_profiles
from lowtide.core.stages import Project, StageStatus
from lowtide.projects.forecasting import RunEta, build_forecast
from lowtide.projects.timeline import StageLine, Window, stage_lines, weekly_hours
from lowtide.store import Store

#: Weeks the forecast looks ahead for these pages, and samples it draws (fewer than the
#: API's default: the pages show dates to the day, which this many samples settle).
FORECAST_WEEKS = 26
FORECAST_SAMPLES = 500
#: Weeks shown before today on a timeline at most, and in all at least.
PAST_WEEKS_MAX = 12
MIN_SPAN_DAYS = 42
#: Weeks of the "who is needed when" table.
NEED_WEEKS = 12
#: Hours a week that colour a cell of that table fully.
FULL_WEEK_HOURS = 40.0
#: A timeline up to this many days long is marked by week, a longer one by month; it
#: has about MAX_TICKS marks, none closer to today than TODAY_CLEAR_PCT of its width.
WEEKLY_TICKS_DAYS = 120
MAX_TICKS = 10
TODAY_CLEAR_PCT = 4.0
#: No mark further right than this (its label would run past the edge).
LAST_TICK_PCT = 95.0


@dataclass(frozen=True)
class Axis:
    """The dates a timeline spans, and where a date falls on it (percent of its width)."""

    start: dt.date
    end: dt.date
    today: dt.date

    @property
    def days(self) -> int:
        return max(1, (self.end - self.start).days)

    def pct(self, day: dt.date) -> float:
        return round(100 * min(max((day - self.start).days, 0), self.days) / self.days, 3)

    def span(self, a: dt.date, b: dt.date) -> float:
        return round(max(self.pct(b) - self.pct(a), 0.3), 3)

    @property
    def today_pct(self) -> float:
        return self.pct(self.today)

    def ticks(self) -> list[tuple[float, str]]:
        """Mondays on a short timeline, else the first of each month; at most about
        MAX_TICKS of them, and none where the `today` label would cover it."""
        marks: list[dt.date] = []
        if self.days <= WEEKLY_TICKS_DAYS:
            day = self.start + dt.timedelta(days=-self.start.weekday() % 7)
            while day <= self.end:
                marks.append(day)
                day += dt.timedelta(weeks=1)
            label = "%d %b"
        else:
            day = dt.date(self.start.year, self.start.month, 1)
            while day <= self.end:
                if day >= self.start:
                    marks.append(day)
                day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
            label = "%b"
        marks = marks[:: -(-len(marks) // MAX_TICKS) or 1]
        return [
            (self.pct(d), d.strftime("%b %Y" if d.month == 1 and label == "%b" else label))
            for d in marks
            if abs(self.pct(d) - self.today_pct) > TODAY_CLEAR_PCT and self.pct(d) < LAST_TICK_PCT
        ]


@dataclass(frozen=True)
class Bar:
    """A bar on a stage's row: left and width in percent, and what it says on hover."""

    left: float
    width: float
    title: str


@dataclass(frozen=True)
class Row:
    """One stage on a timeline."""

    line: StageLine
    planned: Bar
    actual: Bar
    p80: Bar | None  # the P80 tail past the P50 end

    @property
    def key(self) -> str:
        return self.line.stage.key

    @property
    def status(self) -> str:
        return self.line.stage.status.value


@dataclass(frozen=True)
class ProjectTimeline:
    project: Project
    rows: list[Row]
    active: list[str]
    done: int
    end_p50: dt.date | None
    end_p80: dt.date | None
    slip_days: int


@dataclass(frozen=True)
class NeedRow:
    """A stage's hours for each week of the table; `shades` are 0..1 for the cells."""

    line: StageLine
    hours: list[float]

    @property
    def shades(self) -> list[float]:
        return [round(min(1.0, h / FULL_WEEK_HOURS), 2) for h in self.hours]


@dataclass(frozen=True)
class Needs:
    """Who is needed when: the weeks, each stage's hours, and their total."""

    weeks: list[dt.date]
    rows: list[NeedRow]
    total: list[float]


@dataclass(frozen=True)
class ProjectsView:
    axis: Axis
    timelines: list[ProjectTimeline]
    error: str | None = None


def plan_forecast(store: Store, now: float, run_eta: RunEta) -> Forecast:
    """The forecast the Projects pages draw."""
    result, _ = build_forecast(store, now, run_eta, weeks=FORECAST_WEEKS, samples=FORECAST_SAMPLES)
    return result


def projects_view(
    store: Store, now: float, run_eta: RunEta, name: str | None = None
) -> ProjectsView:
    """Every project (or the one named) as a timeline on one shared axis."""
    plan = store.plan(name)
    forecast = plan_forecast(store, now, run_eta)
    today = dt.datetime.fromtimestamp(now, store.engineer_profile().tz).date()
    profiles = learn_profiles(store.hours_actuals())
    lines = {p.name: stage_lines(p, forecast.stages, today, profiles) for p in plan.projects}
    axis = _axis([line for found in lines.values() for line in found], today)
    timelines = [_timeline(p, lines[p.name], axis) for p in plan.projects]
    # Projects under way first, then by when they start.
    timelines.sort(key=lambda t: (not t.active, _first_start(lines[t.project.name], today)))
    return ProjectsView(axis=axis, timelines=timelines)


def _first_start(lines: list[StageLine], today: dt.date) -> dt.date:
    return min((line.actual.start for line in lines), default=today)


def needs(lines: list[StageLine], today: dt.date, weeks: int = NEED_WEEKS) -> Needs:
    """The hours each stage needs in each of the coming weeks."""
    first = today - dt.timedelta(days=today.weekday())
    table = weekly_hours(lines, first, weeks)
    rows = [NeedRow(line, hours) for line, hours in zip(lines, table, strict=True)]
    rows = [r for r in rows if any(h >= 0.5 for h in r.hours)]
    total = [sum(col) for col in zip(*table, strict=True)] if table else [0.0] * weeks
    return Needs(
        weeks=[first + dt.timedelta(days=7 * k) for k in range(weeks)], rows=rows, total=total
    )


def _axis(lines: list[StageLine], today: dt.date) -> Axis:
    earliest = today - dt.timedelta(weeks=PAST_WEEKS_MAX)
    starts = [min(line.planned.start, line.actual.start) for line in lines]
    ends = [max(line.planned.end, line.actual.last) for line in lines]
    start = max(earliest, min([*starts, today]))
    start -= dt.timedelta(days=start.weekday())
    end = max([*ends, today + dt.timedelta(days=7)])
    end = max(end + dt.timedelta(days=3), start + dt.timedelta(days=MIN_SPAN_DAYS))
    return Axis(start=start, end=end, today=today)


def _timeline(project: Project, lines: list[StageLine], axis: Axis) -> ProjectTimeline:
    rows = [_row(line, axis) for line in lines]
    open_lines = [line for line in lines if line.stage.status is not StageStatus.DONE]
    last = max(lines, key=lambda line: line.actual.end, default=None)
    return ProjectTimeline(
        project=project,
        rows=rows,
        active=[line.stage.key for line in open_lines if line.stage.status is StageStatus.ACTIVE],
        done=len(lines) - len(open_lines),
        end_p50=last.actual.end if last and open_lines else None,
        end_p80=max(line.actual.last for line in lines) if open_lines else None,
        slip_days=last.slip_days if last else 0,
    )


def _row(line: StageLine, axis: Axis) -> Row:
    s = line.stage
    plan = line.planned
    actual = line.actual
    word = {
        StageStatus.DONE: "ran",
        StageStatus.ACTIVE: "runs, P50",
        StageStatus.PLANNED: "forecast, P50",
        StageStatus.BLOCKED: "blocked; if it resumed today, P50",
    }[s.status]
    p80 = None
    if actual.end_p80 is not None and actual.end_p80 > actual.end:
        p80 = Bar(
            axis.pct(actual.end),
            axis.span(actual.end, actual.end_p80),
            f"{s.key}: ends by {_day(actual.end_p80)} at P80",
        )
    return Row(
        line=line,
        planned=Bar(
            axis.pct(plan.start),
            axis.span(plan.start, plan.end),
            f"{s.key}, planned: {_range(plan)}",
        ),
        actual=Bar(
            axis.pct(actual.start),
            axis.span(actual.start, actual.end),
            f"{s.key}, {word}: {_range(actual)}",
        ),
        p80=p80,
    )


def _range(w: Window) -> str:
    return f"{_day(w.start)} to {_day(w.end - dt.timedelta(days=1))}"


def _day(d: dt.date) -> str:
    return d.strftime("%a %d %b")
