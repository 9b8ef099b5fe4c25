"""Re-planning: keep the next weeks of an accepted plan, roll unfinished work over.

The accepted plan's hours in the first `freeze_weeks` weeks of the new
problem stay as they are. A fixed commitment already under way stays whole:
all its remaining weeks are kept. Flexible work under way keeps its frozen
weeks, and the hours it still lacks come back as a candidate of the same key
that may start after the frozen weeks. Weeks of the old plan before the new
problem's first week count as done.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from lowtide.core.planner.model import (
    HOURS_TOLERANCE,
    Assignment,
    Candidate,
    Fixed,
    Flexible,
    PlanningProblem,
    PlanResult,
)

#: Weeks of an accepted plan kept as they are when the user does not say.
DEFAULT_FREEZE_WEEKS = 2


def replan_inputs(
    accepted: PlanResult,
    candidates: Sequence[Candidate],
    problem: PlanningProblem,
    freeze_weeks: int = DEFAULT_FREEZE_WEEKS,
) -> tuple[PlanningProblem, tuple[Candidate, ...]]:
    """The problem with the accepted plan's kept work frozen, and the candidates left to plan.

    Candidates that the accepted plan finished, or keeps whole, drop out;
    unfinished flexible work comes back with the hours it still lacks.
    """
    if freeze_weeks < 0:
        raise ValueError(f"weeks to freeze must be 0 or more, got {freeze_weeks}")
    index = {monday: k for k, monday in enumerate(problem.weeks)}
    freeze = min(freeze_weeks, problem.n)
    by_key = {c.key: c for c in candidates}
    frozen: list[Assignment] = []
    settled: set[str] = set()
    rolled: dict[str, Candidate] = {}
    for a in accepted.chosen:
        done = 0.0
        kept = [0.0] * problem.n
        later = [0.0] * problem.n
        for monday, h in zip(accepted.weeks, a.hours, strict=True):
            k = index.get(monday)
            if monday < (problem.weeks[0] if problem.n else monday):
                done += h
            elif k is not None and k < freeze:
                kept[k] = h
            elif k is not None:
                later[k] = h
        started = done + sum(kept) > HOURS_TOLERANCE
        c = by_key.get(a.key)
        if c is not None and isinstance(c.shape, Fixed) and started:
            kept = [x + y for x, y in zip(kept, later, strict=True)]  # a commitment stays whole
            settled.add(a.key)
        if any(h > HOURS_TOLERANCE for h in kept):
            frozen.append(Assignment(a.key, tuple(kept), a.long))
        if c is None or a.key in settled or not started:
            continue
        assert isinstance(c.shape, Flexible)
        lacking = c.shape.total_hours - done - sum(kept)
        if lacking <= HOURS_TOLERANCE:
            settled.add(a.key)
            continue
        rolled[a.key] = dataclasses.replace(
            c,
            shape=Flexible(lacking, min(c.shape.min_weekly, lacking), c.shape.max_weekly),
            earliest_start=problem.weeks[freeze] if freeze < problem.n else None,
            start_windows=(),
            long=False if a.long else c.long,  # the frozen part already counts as the long one
        )
    left = tuple(rolled.get(c.key, c) for c in candidates if c.key not in settled)
    return dataclasses.replace(problem, frozen=tuple(frozen)), left
