"""Every choice and every rejection of a plan, in words with weeks, dates and hours.

Weeks are numbered from 1, the plan's first week, and come with their dates:
"needs 10 h a week for 52 weeks; weeks 14-20 (2027-06-07 to 2027-07-25)
have 3 h free". A rejection names the first reason that holds, from the
candidate's own dates to the room the chosen activities left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from lowtide.core.planner.fit import (
    FloatArray,
    Room,
    Window,
    feasible_starts,
    place,
    window,
)
from lowtide.core.planner.model import (
    HOURS_TOLERANCE,
    Assignment,
    Candidate,
    Fixed,
    Flexible,
    PlanningProblem,
)

#: Runs of short weeks a rejection lists before it counts the rest.
RUNS_SHOWN = 2
#: Between the ends of a range of weeks or hours (an en dash).
DASH = "\u2013"


def hours_text(hours: float) -> str:
    """Hours as people write them: 3 h, 2.5 h."""
    return f"{round(hours, 1):g} h"


def span_text(problem: PlanningProblem, first: int, last: int) -> str:
    """'weeks 14-20 (2027-06-07 to 2027-07-25)', or 'week 3 (...)' for one week."""
    start = problem.weeks[first]
    end = problem.weeks[last] + dt.timedelta(days=6)
    weeks = f"week {first + 1}" if first == last else f"weeks {first + 1}{DASH}{last + 1}"
    return f"{weeks} ({start.isoformat()} to {end.isoformat()})"


def shape_text(candidate: Candidate) -> str:
    shape = candidate.shape
    if isinstance(shape, Fixed):
        return f"{hours_text(shape.weekly_hours)} a week for {shape.weeks} weeks"
    pace = f"{shape.min_weekly:g}{DASH}{hours_text(shape.max_weekly)}"
    return f"{hours_text(shape.total_hours)} at {pace} a week"


def describe_choice(candidate: Candidate, assignment: Assignment, problem: PlanningProblem) -> str:
    """Why a chosen candidate is where it is: its weeks, hours and worth."""
    first, last = assignment.first_week, assignment.last_week
    where = span_text(problem, first, last)
    text = f"{shape_text(candidate)} in {where}; worth {round(candidate.value, 1):g}"
    if isinstance(candidate.shape, Flexible):
        busy = [assignment.hours[k] for k in assignment.active]
        lo, hi = min(busy), max(busy)
        pace = hours_text(lo) if hi - lo < 0.05 else f"{hours_text(lo)} to {hours_text(hi)}"
        text += f" ({pace} a week)"
    if candidate.deadline is not None:
        text += f"; done before its deadline {candidate.deadline.isoformat()}"
    return text


def rejection_reason(
    candidate: Candidate,
    problem: PlanningProblem,
    base: Room,
    left: Room,
    chosen: Sequence[tuple[Candidate, Assignment]],
) -> str:
    """Why `candidate` is not in the plan whose chosen work left `left` of `base`."""
    if candidate.value <= 0:
        return "worth nothing at the current value weights"
    win = window(candidate, problem)
    dated = _dates_reason(candidate, problem, win)
    if dated:
        return dated
    alone = place(candidate, win, base)
    if alone is None:
        return _room_reason(candidate, problem, win, base)
    if candidate.is_long and left.long_left <= 0:
        others = [c.title for c, _ in chosen if c.is_long]
        held = ", ".join(others) if others else "frozen work"
        return (
            f"a long commitment ({shape_text(candidate)}), and the plan already holds "
            f"{held}; at most {problem.max_long} at a time"
        )
    if place(candidate, win, left) is not None:
        return "would still fit, but the solver's search stopped before it could add it"
    weeks = [int(k) for k in np.flatnonzero(alone > HOURS_TOLERANCE)]
    rivals = sorted(
        (c for c, a in chosen if any(a.hours[k] > HOURS_TOLERANCE for k in weeks)),
        key=lambda c: -c.value,
    )
    short = _short_weeks(problem, weeks, alone, left)
    text = f"fits alone in {span_text(problem, weeks[0], weeks[-1])}"
    if rivals:
        names = ", ".join(f"{c.title} (worth {round(c.value, 1):g})" for c in rivals[:3])
        text += f", but its hours there go to {names}"
        if len(rivals) > 3:
            text += f" and {len(rivals) - 3} more"
    text += f"; {short}" if short else ""
    return f"{text}; it is worth {round(candidate.value, 1):g}"


def _dates_reason(candidate: Candidate, problem: PlanningProblem, win: Window) -> str:
    """A reason in the candidate's own dates, or '' when its dates leave it weeks."""
    first_week = span_text(problem, 0, 0)
    if candidate.deadline is not None and win.last < 0:
        if candidate.deadline < problem.weeks[0]:
            return (
                f"its deadline {candidate.deadline.isoformat()} has passed; "
                f"the plan starts on {problem.weeks[0].isoformat()}"
            )
        return (
            f"its deadline {candidate.deadline.isoformat()} comes before the end of "
            f"the plan's first whole week, {first_week}"
        )
    if not win.starts:
        if candidate.earliest_start is not None and candidate.earliest_start > problem.weeks[-1]:
            return (
                f"it starts no earlier than {candidate.earliest_start.isoformat()}, "
                f"after the plan's last week, {span_text(problem, problem.n - 1, problem.n - 1)}"
            )
        if candidate.start_windows:
            opens = ", ".join(
                f"{a.isoformat()} to {b.isoformat()}" for a, b in candidate.start_windows
            )
            return f"none of its start windows ({opens}) begins a week it could use"
        return (
            f"it may start no earlier than {candidate.earliest_start}, and its deadline "
            f"{candidate.deadline} leaves no whole week after that"
        )
    if not feasible_starts(candidate, win):
        s = win.starts[0]
        until = (
            f"its deadline {candidate.deadline.isoformat()}"
            if candidate.deadline is not None and win.last < problem.n - 1
            else "the end of the plan"
        )
        return (
            f"needs {candidate.shape.min_weeks} weeks from {span_text(problem, s, s)}, "
            f"but only {win.last - s + 1} remain before {until}"
        )
    return ""


def _room_reason(candidate: Candidate, problem: PlanningProblem, win: Window, room: Room) -> str:
    """Why the candidate does not fit even alone, from the weeks that fall short."""
    starts = feasible_starts(candidate, win)
    shape = candidate.shape
    if isinstance(shape, Fixed):
        best = min(
            starts,
            key=lambda s: int(
                np.sum(
                    (room.hours[s : s + shape.weeks] + HOURS_TOLERANCE < shape.weekly_hours)
                    | (room.slots[s : s + shape.weeks] < 1)
                )
            ),
        )
        weeks = list(range(best, best + shape.weeks))
        need = np.zeros(room.hours.size)
        need[weeks] = shape.weekly_hours
        return f"needs {shape_text(candidate)}; {_short_weeks(problem, weeks, need, room)}"
    first, last = starts[0], win.last
    reach = max(_reach(candidate, s, last, room) for s in starts)
    return (
        f"needs {shape_text(candidate)} within {span_text(problem, first, last)}; "
        f"at most {hours_text(reach)} fit there in a run of weeks "
        f"with {hours_text(shape.min_weekly)} or more free"
    )


def _reach(candidate: Candidate, start: int, last: int, room: Room) -> float:
    """Hours a flexible candidate gets through from `start` before a week stops it."""
    shape = candidate.shape
    assert isinstance(shape, Flexible)
    total = 0.0
    for k in range(start, last + 1):
        can = min(shape.max_weekly, float(room.hours[k])) if room.slots[k] >= 1 else 0.0
        if can <= HOURS_TOLERANCE or can + HOURS_TOLERANCE < shape.min_weekly:
            break
        total += can
    return min(total, shape.total_hours)


def _short_weeks(problem: PlanningProblem, weeks: list[int], need: FloatArray, room: Room) -> str:
    """'weeks 14-20 (...) have 3 h free' for the runs of `weeks` that cannot hold `need`."""
    full = _runs([k for k in weeks if room.slots[k] < 1])
    short = _runs(
        [k for k in weeks if room.slots[k] >= 1 and room.hours[k] + HOURS_TOLERANCE < need[k]]
    )
    parts = [
        f"{span_text(problem, run[0], run[-1])} already hold the most activities at once"
        for run in full[:RUNS_SHOWN]
    ]
    for run in short[: max(0, RUNS_SHOWN - len(parts))]:
        free = [float(room.hours[k]) for k in run]
        lo, hi = min(free), max(free)
        amount = hours_text(lo) if hi - lo < 0.05 else f"{lo:.1f}{DASH}{hours_text(hi)}"
        verb = "has" if len(run) == 1 else "have"
        parts.append(f"{span_text(problem, run[0], run[-1])} {verb} {amount} free")
    hidden = len(full) + len(short) - len(parts)
    if hidden > 0:
        parts.append(f"and {hidden} more such run{'s' if hidden > 1 else ''} of weeks")
    return "; ".join(parts)


def _runs(weeks: list[int]) -> list[list[int]]:
    """Consecutive week indices grouped: [1, 2, 3, 7] -> [[1, 2, 3], [7]]."""
    runs: list[list[int]] = []
    for k in weeks:
        if runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return runs
