"""The greedy plan: the instant preview, the solver's warm start and its fallback.

Candidates go in order of value per hour (then of value), each at the
earliest start that fits the room the ones before it left; of two orders,
by value per hour and by value alone, the better plan wins. It runs in
milliseconds for hundreds of candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lowtide.core.planner.fit import base_room, place, window
from lowtide.core.planner.model import (
    Assignment,
    Candidate,
    Method,
    PlanningProblem,
    PlanResult,
)
from lowtide.core.planner.result import build_result, check_keys

#: Orders the greedy tries; the plan of higher value wins.
_ORDERS: tuple[Callable[[Candidate], tuple[float, ...]], ...] = (
    lambda c: (-c.value / c.total_hours, -c.value),
    lambda c: (-c.value, c.total_hours),
)


def greedy_assignments(
    candidates: Sequence[Candidate], problem: PlanningProblem
) -> list[Assignment]:
    """The new assignments of the better of the greedy orders."""
    check_keys(candidates)
    best: list[Assignment] = []
    best_value = -1.0
    values = {c.key: c.value for c in candidates}
    for order in _ORDERS:
        placed = _fill(sorted(candidates, key=lambda c: (*order(c), c.key)), problem)
        value = sum(values[a.key] for a in placed)
        if value > best_value:
            best, best_value = placed, value
    return best


def greedy_plan(candidates: Sequence[Candidate], problem: PlanningProblem) -> PlanResult:
    """The greedy plan, explained."""
    return build_result(
        candidates, problem, greedy_assignments(candidates, problem), Method.GREEDY, None
    )


def _fill(ordered: Sequence[Candidate], problem: PlanningProblem) -> list[Assignment]:
    room = base_room(problem)
    placed: list[Assignment] = []
    for c in ordered:
        if c.value <= 0 or (c.is_long and room.long_left <= 0):
            continue
        hours = place(c, window(c, problem), room)
        if hours is None:
            continue
        room.take(hours, c.is_long)
        placed.append(Assignment(c.key, tuple(float(h) for h in hours), c.is_long))
    return placed
