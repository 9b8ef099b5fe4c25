"""The HiGHS planner: optimal against brute force, the rules kept, the greedy fallback."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lowtide.core.planner import (
    ActivityKind,
    Candidate,
    Fixed,
    Flexible,
    Method,
    PlanningProblem,
    greedy_plan,
    violations,
)
from lowtide.planner import solver
from lowtide.planner.sample import sample_problem
from lowtide.planner.solver import solve
from tests.core.test_planner import instances, sunday, weeks
from tests.planner.brute import best_value

#: Gap for the comparisons with brute force: proven optimal, not within 0.1 %.
EXACT = 1e-9


@st.composite
def small_candidate(draw: st.DrawFn, i: int, n_weeks: int) -> Candidate:
    """A candidate that often fits a few weeks: the brute force has work to do."""
    shape: Fixed | Flexible
    if draw(st.booleans()):
        shape = Fixed(draw(st.sampled_from([2.0, 4.0, 6.0])), draw(st.integers(1, 3)))
    else:
        low = draw(st.sampled_from([1.0, 2.0]))
        shape = Flexible(
            draw(st.sampled_from([3.0, 7.5, 12.0, 20.0])), low, low + draw(st.sampled_from([2, 6]))
        )
    deadline = draw(st.none() | st.none() | st.integers(-1, n_weeks).map(sunday))
    return Candidate(
        f"c{i}",
        f"C{i}",
        ActivityKind.OTHER,
        draw(st.integers(1, 9).map(float)),
        shape,
        deadline=deadline,
        long=draw(st.sampled_from([None, None, True])),
    )


@st.composite
def small_instances(draw: st.DrawFn) -> tuple[list[Candidate], PlanningProblem]:
    n = draw(st.integers(1, 5))
    free = draw(st.lists(st.sampled_from([0.0, 4.0, 8.0, 10.0, 14.0]), min_size=n, max_size=n))
    p = PlanningProblem(
        weeks(n),
        tuple(free),
        rest_hours=draw(st.sampled_from([0.0, 2.0])),
        max_concurrent=draw(st.integers(1, 3)),
        max_long=draw(st.integers(0, 1)),
    )
    k = draw(st.integers(0, 4))
    return [draw(small_candidate(i, n)) for i in range(k)], p


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_the_solver_matches_brute_force(instance: tuple[list[Candidate], PlanningProblem]) -> None:
    cs, p = instance
    plan = solve(cs, p, gap=EXACT)
    assert plan.method is Method.OPTIMAL
    assert plan.value == pytest.approx(best_value(cs, p), abs=1e-6)
    assert violations(cs, p, plan) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_plans_keep_every_rule_and_beat_greedy(
    instance: tuple[list[Candidate], PlanningProblem],
) -> None:
    cs, p = instance
    plan = solve(cs, p, gap=EXACT)
    assert violations(cs, p, plan) == []
    assert plan.value >= greedy_plan(cs, p).value - 1e-6
    assert {a.key for a in plan.chosen} | {r.key for r in plan.rejected} == {c.key for c in cs}
    assert all(r.reason for r in plan.rejected)


def test_the_solver_finds_what_greedy_misses() -> None:
    # Greedy takes the densest first (a, 1.0 per hour), which leaves no room for b and c.
    p = PlanningProblem(weeks(2), (10.0, 10.0), rest_hours=0)
    cs = [
        Candidate("a", "A", ActivityKind.OTHER, 12, Fixed(6, 2)),
        Candidate("b", "B", ActivityKind.OTHER, 9, Fixed(5, 2)),
        Candidate("c", "C", ActivityKind.OTHER, 9, Flexible(10, 5, 5)),
    ]
    assert greedy_plan(cs, p).value == 12
    plan = solve(cs, p)
    assert plan.value == 18
    assert plan.method is Method.OPTIMAL
    assert plan.gap is not None
    assert plan.gap <= 1e-3
    assert "A (worth 12)" not in plan.rejected[0].reason  # a was left out, for b and c
    assert plan.rejected[0].key == "a"


def test_nothing_to_plan_is_an_empty_optimal_plan() -> None:
    p = PlanningProblem(weeks(3), (0.0, 0.0, 0.0))
    plan = solve([Candidate("a", "A", ActivityKind.OTHER, 1, Fixed(1, 1))], p)
    assert plan.chosen == ()
    assert plan.method is Method.OPTIMAL
    assert plan.rejected[0].reason.startswith("needs 1 h a week for 1 weeks")


def test_a_failing_solver_falls_back_to_the_greedy_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("HiGHS is unwell")

    monkeypatch.setattr(solver, "solve_mip", broken)
    cs, p = sample_problem(1, n_candidates=30, n_weeks=20)
    plan = solve(cs, p)
    assert plan.method is Method.GREEDY
    assert plan.value == greedy_plan(cs, p).value


def test_a_time_limit_returns_the_best_plan_so_far() -> None:
    cs, p = sample_problem(0, n_candidates=120, n_weeks=40)
    plan = solve(cs, p, time_limit_s=0.2)
    assert plan.method in (Method.TIME_LIMIT, Method.OPTIMAL)
    assert plan.value >= greedy_plan(cs, p).value - 1e-6
    assert violations(cs, p, plan) == []
