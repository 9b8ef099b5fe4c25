"""The best-fit warm start: its plans keep every rule, and its hours spread fits the bounds."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lowtide.core.planner import Candidate, Method, PlanningProblem, violations
from lowtide.core.planner.result import build_result
from lowtide.planner.bestfit import ORDERS, best_assignments, bestfit_assignments, spread
from lowtide.planner.sample import sample_problem
from tests.core.test_planner import flexible, instances, problem


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from(ORDERS), st.booleans())
def test_best_fit_plans_keep_every_rule(
    instance: tuple[list[Candidate], PlanningProblem],
    order: Callable[[Candidate], tuple[float, ...]],
    earliest: bool,
) -> None:
    cs, p = instance
    placed = bestfit_assignments(cs, p, order, earliest=earliest)
    plan = build_result(cs, p, placed, Method.GREEDY, None)
    assert violations(cs, p, plan) == []


def test_the_best_of_the_orders_is_at_least_each_of_them() -> None:
    cs, p = sample_problem(0, n_candidates=60, n_weeks=30)
    value = {c.key: c.value for c in cs}
    best = sum(value[a.key] for a in best_assignments(cs, p))
    for order in ORDERS:
        assert best >= sum(value[a.key] for a in bestfit_assignments(cs, p, order))


def test_work_takes_the_shortest_run_and_leaves_the_weeks_level() -> None:
    # Greedy would start in week 1 at 8 h and need a third week; the run of weeks 2-3 is shorter.
    p = problem([6.0, 20.0, 20.0, 20.0], rest_hours=0)
    placed = bestfit_assignments([flexible("course", 3, 16, 2, 8)], p)
    assert placed[0].hours == pytest.approx((0.0, 8.0, 8.0, 0.0))


@given(
    st.lists(st.floats(0.5, 20), min_size=1, max_size=8),
    st.floats(0.5, 4),
    st.floats(0.5, 100),
)
def test_spread_hours_are_within_bounds_and_add_up(
    cap: list[float], low: float, total: float
) -> None:
    hours = spread(total, low, np.asarray(cap))
    if hours is None:
        assert sum(cap) < total + 1e-3 or low * len(cap) > total - 1e-3 or min(cap) < low
        return
    assert hours.sum() == pytest.approx(total, abs=1e-4)
    assert np.all(hours >= low - 1e-6)
    assert np.all(hours <= np.asarray(cap) + 1e-6)
