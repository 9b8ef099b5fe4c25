"""The best plan by brute force, for small instances: the solver's referee.

Subsets go from the most valuable down; a subset is feasible when some choice
of a start for each fixed commitment and a run of weeks for each piece of
flexible work keeps the caps and leaves an hours split that an LP (scipy's)
finds. The first feasible subset is the optimum.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog

from lowtide.core.planner.fit import base_room, window
from lowtide.core.planner.model import Candidate, Fixed, PlanningProblem

TOL = 1e-7


def placements(c: Candidate, p: PlanningProblem) -> list[tuple[int, int]]:
    """Every (first, last) week the candidate's dates and shape allow."""
    win = window(c, p)
    out = []
    for s in win.starts:
        for e in range(s, win.last + 1):
            n = e - s + 1
            if isinstance(c.shape, Fixed):
                if n == c.shape.weeks:
                    out.append((s, e))
            elif (
                c.shape.min_weekly * n
                <= c.shape.total_hours + TOL
                <= c.shape.max_weekly * n + 2 * TOL
            ):
                out.append((s, e))
    return out


def best_value(candidates: Sequence[Candidate], p: PlanningProblem) -> float:
    room = base_room(p)
    useful = [c for c in candidates if c.value > 0 and placements(c, p)]
    subsets = [combo for r in range(len(useful) + 1) for combo in itertools.combinations(useful, r)]
    subsets.sort(key=lambda combo: -sum(c.value for c in combo))
    for combo in subsets:
        if sum(c.is_long for c in combo) > room.long_left:
            continue
        if any(
            _feasible(combo, runs, p, room)
            for runs in itertools.product(*(placements(c, p) for c in combo))
        ):
            return float(sum(c.value for c in combo))
    return 0.0


def _feasible(
    combo: Sequence[Candidate], runs: Sequence[tuple[int, int]], p: PlanningProblem, room
) -> bool:  # type: ignore[no-untyped-def]
    active = np.zeros(p.n, dtype=int)
    fixed_hours = np.zeros(p.n)
    flex: list[tuple[Candidate, int, int]] = []
    for c, (s, e) in zip(combo, runs, strict=True):
        active[s : e + 1] += 1
        if isinstance(c.shape, Fixed):
            fixed_hours[s : e + 1] += c.shape.weekly_hours
        else:
            flex.append((c, s, e))
    if np.any(active > room.slots) or np.any(fixed_hours > room.hours + TOL):
        return False
    if not flex:
        return True
    # Hours of each flexible run: one variable per (run, week); bounds, totals, week caps.
    cols = [(i, k) for i, (_, s, e) in enumerate(flex) for k in range(s, e + 1)]
    bounds = [(flex[i][0].shape.min_weekly, flex[i][0].shape.max_weekly) for i, _ in cols]  # type: ignore[union-attr]
    a_eq = np.zeros((len(flex), len(cols)))
    for j, (i, _) in enumerate(cols):
        a_eq[i, j] = 1
    b_eq = [c.shape.total_hours for c, _, _ in flex]
    a_ub = np.zeros((p.n, len(cols)))
    for j, (_, k) in enumerate(cols):
        a_ub[k, j] = 1
    b_ub = room.hours - fixed_hours + TOL
    res = linprog(np.zeros(len(cols)), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
    return bool(res.status == 0)
