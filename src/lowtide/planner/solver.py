"""The best plan, by a MIP solved with HiGHS under a time limit.

The formulation gives each shape the variables that say the most with the
fewest columns:

- a fixed commitment gets one binary per start week that fits the room
  alone; the column carries its hours and its activity in every week it
  covers, so "whole or not at all" needs no constraint at all;
- flexible work gets a binary "active" per week it could use, a start
  column per allowed start week (which carries the value) and continuous
  hours per week, bounded by `min_weekly * active` and the tight
  `min(max_weekly, room) * active`; "active only after a start, in one run"
  is `active[k] <= active[k-1] + start[k]` with a single start.

Weeks that could not hold a candidate alone lose its columns before HiGHS
sees them. A run never crosses a week with no room, so the weeks fall into
stretches that each hold whole runs; a row per stretch says the hours of the
runs that start in it fit its room, and another that their fewest weeks fit
its activity slots. The weekly rows imply both, but on binaries alone they
are knapsacks that HiGHS strengthens with cover cuts, which the weekly rows
on continuous hours hide from it.

The better of the greedy and the best-fit plans is the warm start; the
greedy plan is the answer when the solver fails.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from lowtide.core.planner.fit import Room, base_room, feasible_starts, place_at, window
from lowtide.core.planner.greedy import greedy_assignments
from lowtide.core.planner.model import (
    HOURS_TOLERANCE,
    Assignment,
    Candidate,
    Fixed,
    Flexible,
    Method,
    PlanningProblem,
    PlanResult,
)
from lowtide.core.planner.result import build_result, check_keys
from lowtide.planner.bestfit import best_assignments
from lowtide.planner.model_builder import INF, MipBuilder, solve_mip

log = logging.getLogger(__name__)

#: Seconds the solver may take when the caller does not say; the greedy plan is instant.
DEFAULT_TIME_LIMIT_S = 10.0
#: Relative gap at which a plan counts as optimal: 0.1 %.
DEFAULT_GAP = 1e-3


@dataclass
class _FixedCols:
    candidate: Candidate
    starts: dict[int, int]  # start week -> column


@dataclass
class _FlexCols:
    candidate: Candidate
    starts: dict[int, int]  # start week -> column
    active: dict[int, int] = field(default_factory=dict)  # week -> column
    hours: dict[int, int] = field(default_factory=dict)  # week -> column


def solve(
    candidates: Sequence[Candidate],
    problem: PlanningProblem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    gap: float = DEFAULT_GAP,
    threads: int | None = None,
) -> PlanResult:
    """The plan of the highest value, found by HiGHS and explained.

    Falls back to the greedy plan (method "greedy") when HiGHS fails or finds
    nothing better in time; a plan cut short by the time limit says so
    (method "time-limit") with its gap.
    """
    check_keys(candidates)
    greedy = greedy_assignments(candidates, problem)
    builder, fixed, flexible = build_model(candidates, problem)
    if builder.n_cols == 0:
        return build_result(candidates, problem, greedy, Method.OPTIMAL, 0.0)
    values = {c.key: c.value for c in candidates}
    warm = max(
        (greedy, best_assignments(candidates, problem)),
        key=lambda placed: sum(values[a.key] for a in placed),
    )
    try:
        outcome = solve_mip(
            builder,
            time_limit_s=time_limit_s,
            gap=gap,
            start=warm_start(builder, fixed, flexible, warm),
            threads=threads,
        )
    except Exception:  # HiGHS raises its own kinds; the greedy plan is always an answer
        log.exception("the solver failed; the plan is the greedy one")
        return build_result(candidates, problem, greedy, Method.GREEDY, None)
    if outcome.values is None:
        log.warning("the solver found no plan (%s); the plan is the greedy one", outcome.status)
        return build_result(candidates, problem, greedy, Method.GREEDY, None)
    placed = read_assignments(outcome.values, fixed, flexible, problem.n)
    method = Method.OPTIMAL if outcome.optimal else Method.TIME_LIMIT
    return build_result(candidates, problem, placed, method, max(0.0, outcome.gap))


def build_model(
    candidates: Sequence[Candidate], problem: PlanningProblem
) -> tuple[MipBuilder, list[_FixedCols], list[_FlexCols]]:
    """The MIP of the module docstring, with the columns of each candidate."""
    room = base_room(problem)
    m = MipBuilder()
    cap = [m.row(-INF, float(room.hours[k])) for k in range(problem.n)]
    slot = [m.row(-INF, float(room.slots[k])) for k in range(problem.n)]
    long_row = m.row(-INF, float(room.long_left))
    fixed: list[_FixedCols] = []
    flexible: list[_FlexCols] = []
    for c in candidates:
        if c.value <= 0 or (c.is_long and room.long_left <= 0):
            continue
        win = window(c, problem)
        starts = [s for s in feasible_starts(c, win) if place_at(c, s, win.last, room) is not None]
        if isinstance(c.shape, Fixed):
            cols = _fixed_columns(m, c, c.shape, starts, cap, slot, long_row)
            if cols.starts:
                fixed.append(cols)
        else:
            flex = _flexible_columns(m, c, c.shape, starts, win.last, room, cap, slot, long_row)
            if flex is not None:
                flexible.append(flex)
    _stretch_rows(m, room, [*fixed, *flexible])
    return m, fixed, flexible


def _stretch_rows(m: MipBuilder, room: Room, columns: Sequence[_FixedCols | _FlexCols]) -> None:
    """Per stretch of weeks with room, the hours and fewest weeks of the runs starting in it."""
    usable = (room.hours > HOURS_TOLERANCE) & (room.slots >= 1)
    k = 0
    while k < usable.size:
        if not usable[k]:
            k += 1
            continue
        first = k
        while k < usable.size and usable[k]:
            k += 1
        hours = m.row(-INF, float(room.hours[first:k].sum()))
        slots = m.row(-INF, float(room.slots[first:k].sum()))
        for cols in columns:
            c = cols.candidate
            for s, j in cols.starts.items():
                if first <= s < k:
                    m.add(hours, j, c.total_hours)
                    m.add(slots, j, float(c.shape.min_weeks))


def _fixed_columns(
    m: MipBuilder,
    c: Candidate,
    shape: Fixed,
    starts: list[int],
    cap: list[int],
    slot: list[int],
    long_row: int,
) -> _FixedCols:
    cols = _FixedCols(c, {})
    if not starts:
        return cols
    pick = m.row(-INF, 1.0)
    for s in starts:
        j = m.col(0.0, 1.0, c.value, integer=True)
        cols.starts[s] = j
        m.add(pick, j, 1.0)
        if c.is_long:
            m.add(long_row, j, 1.0)
        for k in range(s, s + shape.weeks):
            m.add(cap[k], j, shape.weekly_hours)
            m.add(slot[k], j, 1.0)
    return cols


def _flexible_columns(
    m: MipBuilder,
    c: Candidate,
    shape: Flexible,
    starts: list[int],
    last: int,
    room: Room,
    cap: list[int],
    slot: list[int],
    long_row: int,
) -> _FlexCols | None:
    """Start, active and hours columns for the weeks a run from some start could use."""
    usable = {
        k
        for k in range(starts[0] if starts else 0, last + 1)
        if room.slots[k] >= 1 and room.hours[k] + HOURS_TOLERANCE >= shape.min_weekly
    }
    reach: set[int] = set()
    for s in starts:  # the weeks of an unbroken run of usable weeks from a start
        k = s
        while k in usable and k not in reach:
            reach.add(k)
            k += 1
    if not starts or not reach:
        return None
    cols = _FlexCols(c, {})
    pick = m.row(-INF, 1.0)
    total = m.row(0.0, 0.0)
    for s in starts:
        j = m.col(0.0, 1.0, c.value, integer=True)
        cols.starts[s] = j
        m.add(pick, j, 1.0)
        m.add(total, j, -shape.total_hours)
        if c.is_long:
            m.add(long_row, j, 1.0)
    for k in sorted(reach):
        a = m.col(0.0, 1.0, integer=True)
        x = m.col(0.0, min(shape.max_weekly, float(room.hours[k])))
        cols.active[k], cols.hours[k] = a, x
        link = m.row(-INF, 0.0, {a: 1.0})  # active[k] <= active[k-1] + start[k]
        if k - 1 in cols.active:
            m.add(link, cols.active[k - 1], -1.0)
        if k in cols.starts:
            m.add(link, cols.starts[k], -1.0)
        m.row(-INF, 0.0, {x: 1.0, a: -min(shape.max_weekly, float(room.hours[k]))})
        m.row(0.0, INF, {x: 1.0, a: -shape.min_weekly})
        m.add(total, x, 1.0)
        m.add(cap[k], x, 1.0)
        m.add(slot[k], a, 1.0)
    return cols


def warm_start(
    m: MipBuilder,
    fixed: Sequence[_FixedCols],
    flexible: Sequence[_FlexCols],
    placed: Sequence[Assignment],
) -> np.ndarray:
    """Column values of the greedy plan."""
    values = np.zeros(m.n_cols)
    by_key = {a.key: a for a in placed}
    for f in fixed:
        a = by_key.get(f.candidate.key)
        if a is not None and a.first_week in f.starts:
            values[f.starts[a.first_week]] = 1.0
    for g in flexible:
        a = by_key.get(g.candidate.key)
        if a is None or a.first_week not in g.starts:
            continue
        if any(k not in g.active for k in a.active):
            continue
        values[g.starts[a.first_week]] = 1.0
        for k in a.active:
            values[g.active[k]] = 1.0
            values[g.hours[k]] = a.hours[k]
    return values


def read_assignments(
    values: np.ndarray,
    fixed: Sequence[_FixedCols],
    flexible: Sequence[_FlexCols],
    n_weeks: int,
) -> list[Assignment]:
    """The chosen candidates' hours a week from the solver's column values."""
    placed: list[Assignment] = []
    for f in fixed:
        for s, j in f.starts.items():
            if values[j] > 0.5:
                shape = f.candidate.shape
                assert isinstance(shape, Fixed)
                hours = [0.0] * n_weeks
                hours[s : s + shape.weeks] = [float(shape.weekly_hours)] * shape.weeks
                placed.append(Assignment(f.candidate.key, tuple(hours), f.candidate.is_long))
    for g in flexible:
        if not any(values[j] > 0.5 for j in g.starts.values()):
            continue
        shape = g.candidate.shape
        assert isinstance(shape, Flexible)
        hours = [0.0] * n_weeks
        for k, a in g.active.items():
            if values[a] > 0.5:
                hours[k] = max(float(values[g.hours[k]]), shape.min_weekly)
        placed.append(Assignment(g.candidate.key, tuple(hours), g.candidate.is_long))
    return placed
