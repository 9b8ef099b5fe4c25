"""The rules every plan keeps, checked: the tests' invariants and a guard for accepting.

A week holds no more than its free hours less the rest buffer; no more
activities than the cap; fixed commitments are whole (all their weeks at
their hours); flexible work runs in consecutive weeks within its least and
most hours and adds up to its total; every activity starts when its dates
allow and ends by its deadline; at most `max_long` long commitments.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lowtide.core.planner.fit import window
from lowtide.core.planner.model import (
    HOURS_TOLERANCE,
    Candidate,
    Fixed,
    PlanningProblem,
    PlanResult,
)


def violations(
    candidates: Sequence[Candidate], problem: PlanningProblem, result: PlanResult
) -> list[str]:
    """Every broken rule of `result`, in words; empty for a valid plan."""
    by_key = {c.key: c for c in candidates}
    frozen = {a.key: np.asarray(a.hours, dtype=float) for a in problem.frozen}
    found: list[str] = []
    new_work = np.zeros(problem.n, dtype=bool)
    for a in result.chosen:
        hours = np.asarray(a.hours, dtype=float) - frozen.get(a.key, 0.0)
        if not np.any(hours > HOURS_TOLERANCE):
            continue
        new_work |= hours > HOURS_TOLERANCE
        if a.key not in by_key:
            found.append(f"{a.key}: planned but not a candidate")
            continue
        found.extend(f"{a.key}: {v}" for v in _shape_violations(by_key[a.key], problem, hours))
    total = np.sum([a.hours for a in result.chosen], axis=0) if result.chosen else 0.0
    total = total + np.asarray(result.habit or [0.0] * problem.n)
    room = np.maximum(0.0, np.asarray(problem.free_hours, dtype=float) - problem.rest_hours)
    for k in np.flatnonzero(new_work & (total > room + HOURS_TOLERANCE)):
        found.append(f"week {k + 1}: {total[k]:.2f} h planned, {room[k]:.2f} h free")
    active = np.sum([np.asarray(a.hours) > HOURS_TOLERANCE for a in result.chosen], axis=0)
    for k in np.flatnonzero(new_work & (active > problem.max_concurrent)):
        found.append(f"week {k + 1}: {active[k]} activities, at most {problem.max_concurrent}")
    long_keys = {a.key for a in result.chosen if a.long}
    if len(long_keys) > problem.max_long:
        found.append(f"{len(long_keys)} long commitments, at most {problem.max_long}")
    return found


def _shape_violations(c: Candidate, problem: PlanningProblem, hours: np.ndarray) -> list[str]:
    active = np.flatnonzero(hours > HOURS_TOLERANCE)
    first, last = int(active[0]), int(active[-1])
    found = []
    if last - first + 1 != active.size:
        found.append("its weeks are not consecutive")
    win = window(c, problem)
    if first not in win.starts:
        found.append(f"starts in week {first + 1}, which its dates do not allow")
    if last > win.last:
        found.append(f"ends in week {last + 1}, after its deadline")
    shape = c.shape
    if isinstance(shape, Fixed):
        if active.size != shape.weeks or np.any(
            np.abs(hours[active] - shape.weekly_hours) > HOURS_TOLERANCE
        ):
            found.append(f"not whole: {active.size} weeks, {shape.weeks} needed")
        return found
    busy = hours[first : last + 1]
    if np.any(busy + HOURS_TOLERANCE < shape.min_weekly) or np.any(
        busy > shape.max_weekly + HOURS_TOLERANCE
    ):
        found.append(f"weekly hours outside {shape.min_weekly:g}-{shape.max_weekly:g}")
    if abs(busy.sum() - shape.total_hours) > HOURS_TOLERANCE * max(1, active.size):
        found.append(f"{busy.sum():.2f} h planned of {shape.total_hours:g}")
    return found
