"""A plan's result from its assignments: value, explanations, rejections, frozen work."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lowtide.core.planner.explain import describe_choice, rejection_reason, span_text
from lowtide.core.planner.fit import base_room, habit_hours
from lowtide.core.planner.model import (
    HOURS_TOLERANCE,
    Assignment,
    Candidate,
    Method,
    PlanningProblem,
    PlanResult,
    Rejection,
)


def check_keys(candidates: Sequence[Candidate]) -> dict[str, Candidate]:
    """Candidates by key; ValueError when a key is used twice."""
    by_key: dict[str, Candidate] = {}
    for c in candidates:
        if c.key in by_key:
            raise ValueError(f"two candidates share the key {c.key!r}; keys must be unique")
        by_key[c.key] = c
    return by_key


def build_result(
    candidates: Sequence[Candidate],
    problem: PlanningProblem,
    placed: Sequence[Assignment],
    method: Method,
    gap: float | None,
) -> PlanResult:
    """The plan of `placed` (new work) on top of the problem's frozen work, explained."""
    by_key = check_keys(candidates)
    base = base_room(problem)
    left = base.copy()
    chosen_pairs = []
    for a in placed:
        c = by_key[a.key]
        left.take(np.asarray(a.hours, dtype=float), a.long)
        chosen_pairs.append((c, a))
    explanations = {a.key: describe_choice(c, a, problem) for c, a in chosen_pairs}
    placed_keys = {a.key for a in placed}
    rejected = tuple(
        Rejection(c.key, rejection_reason(c, problem, base, left, chosen_pairs))
        for c in candidates
        if c.key not in placed_keys
    )
    merged = _merge(problem.frozen, placed)
    for a in problem.frozen:
        kept = f"kept from the accepted plan in {span_text(problem, a.first_week, a.last_week)}"
        if a.key in placed_keys:
            explanations[a.key] = f"{kept}; the rest: {explanations[a.key]}"
        else:
            explanations[a.key] = kept
    habit = habit_hours(problem)
    return PlanResult(
        weeks=problem.weeks,
        chosen=merged,
        rejected=rejected,
        value=float(sum(by_key[a.key].value for a in placed)),
        method=method,
        gap=gap,
        explanations=explanations,
        habit=tuple(float(h) for h in habit),
        notes=tuple(_notes(problem, habit, bool(candidates))),
    )


def _merge(frozen: Sequence[Assignment], placed: Sequence[Assignment]) -> tuple[Assignment, ...]:
    """Frozen and new work as one assignment per key, hours added week by week."""
    merged: dict[str, Assignment] = {}
    for a in [*frozen, *placed]:
        if a.key in merged:
            old = merged[a.key]
            hours = tuple(x + y for x, y in zip(old.hours, a.hours, strict=True))
            merged[a.key] = Assignment(a.key, hours, old.long or a.long)
        else:
            merged[a.key] = a
    return tuple(merged.values())


def _notes(problem: PlanningProblem, habit: np.ndarray, any_candidates: bool) -> list[str]:
    """Plan-wide remarks: no free hours at all, a habit that does not fit every week."""
    notes = []
    room = base_room(problem)
    if problem.n == 0:
        notes.append("the plan has no weeks")
    elif not np.any(room.hours > HOURS_TOLERANCE):
        notes.append(
            f"no week has hours free after the rest buffer of {problem.rest_hours:g} h"
            + (" and the habit" if problem.habit_hours > 0 else "")
            + (", so nothing could be planned" if any_candidates else "")
        )
    if problem.habit_hours > 0 and problem.n:
        missing = [k for k in range(problem.n) if habit[k] <= 0]
        if missing:
            notes.append(
                f"the daily-learning habit of {problem.habit_hours:g} h a week does not fit "
                f"in {len(missing)} of {problem.n} weeks, the first "
                f"{span_text(problem, missing[0], missing[0])}"
            )
    return notes
