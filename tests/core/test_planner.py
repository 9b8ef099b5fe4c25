"""The planner's pure model: room, placements, the greedy plan, reasons and re-planning."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowtide.core.planner import (
    ActivityKind,
    Assignment,
    Candidate,
    Fixed,
    Flexible,
    Method,
    PlanningProblem,
    greedy_plan,
    replan_inputs,
    violations,
)
from lowtide.core.planner.explain import DASH

#: Monday 1 March 2027, the first week of every problem here.
MONDAY = dt.date(2027, 3, 1)


def weeks(n: int, start: dt.date = MONDAY) -> tuple[dt.date, ...]:
    return tuple(start + dt.timedelta(weeks=k) for k in range(n))


def problem(free: list[float], **limits: float) -> PlanningProblem:
    return PlanningProblem(weeks(len(free)), tuple(free), **limits)  # type: ignore[arg-type]


def fixed(key: str, value: float, hours: float, n: int, **dates: object) -> Candidate:
    return Candidate(key, key.title(), ActivityKind.TEACHING, value, Fixed(hours, n), **dates)  # type: ignore[arg-type]


def flexible(
    key: str, value: float, total: float, low: float, high: float, **dates: object
) -> Candidate:
    return Candidate(
        key, key.title(), ActivityKind.LEARNING, value, Flexible(total, low, high), **dates
    )  # type: ignore[arg-type]


def sunday(week: int) -> dt.date:
    """The Sunday ending week `week` (0-based)."""
    return MONDAY + dt.timedelta(weeks=week, days=6)


def test_a_fixed_commitment_is_planned_whole_at_its_hours() -> None:
    p = problem([20.0] * 6, rest_hours=0)
    plan = greedy_plan([fixed("tutor", 5, 10, 4)], p)
    assert plan.method is Method.GREEDY
    assert plan.chosen[0].hours == (10.0, 10.0, 10.0, 10.0, 0.0, 0.0)
    assert plan.value == 5
    assert f"weeks 1{DASH}4 (2027-03-01 to 2027-03-28)" in plan.explanations["tutor"]
    assert violations([fixed("tutor", 5, 10, 4)], p, plan) == []


def test_flexible_work_runs_in_consecutive_weeks_between_its_least_and_most() -> None:
    c = flexible("course", 3, 20, 2, 8)
    p = problem([12.0, 5.0, 12.0, 12.0], rest_hours=2)
    plan = greedy_plan([c], p)
    hours = plan.chosen[0].hours
    assert sum(hours) == pytest.approx(20)
    assert all(2 <= h <= 8 for h in hours[: len(plan.chosen[0].active)])
    assert violations([c], p, plan) == []


def test_a_last_piece_under_the_least_is_topped_up_from_the_weeks_before() -> None:
    c = flexible("course", 3, 17, 3, 8)  # 8 + 8 + 1 would leave 1 h, under the least of 3
    plan = greedy_plan([c], problem([10.0] * 4, rest_hours=0))
    hours = [h for h in plan.chosen[0].hours if h > 0]
    assert sum(hours) == pytest.approx(17)
    assert min(hours) >= 3


def test_no_free_hours_give_an_empty_plan_with_reasons() -> None:
    cs = [fixed("tutor", 5, 10, 4), flexible("course", 2, 10, 2, 5)]
    plan = greedy_plan(cs, problem([3.0] * 8, rest_hours=4))
    assert plan.chosen == ()
    assert plan.value == 0
    assert {r.key for r in plan.rejected} == {"tutor", "course"}
    assert all(r.reason for r in plan.rejected)
    assert any("no week has hours free" in n for n in plan.notes)


def test_a_deadline_in_the_past_is_rejected_with_a_reason() -> None:
    c = flexible("cfp", 4, 10, 2, 5, deadline=dt.date(2027, 2, 1))
    plan = greedy_plan([c], problem([20.0] * 4))
    assert plan.chosen == ()
    assert plan.rejected[0].reason == (
        "its deadline 2027-02-01 has passed; the plan starts on 2027-03-01"
    )


def test_a_deadline_inside_the_first_week_leaves_no_whole_week() -> None:
    c = flexible("cfp", 4, 2, 1, 5, deadline=dt.date(2027, 3, 3))
    reason = greedy_plan([c], problem([20.0] * 4)).rejected[0].reason
    assert "before the end of the plan's first whole week, week 1" in reason


def test_the_rejection_names_the_short_weeks_and_their_free_hours() -> None:
    free = [20.0] * 52
    free[13:20] = [7.0] * 7  # weeks 14-20 hold 3 h after the 4 h rest
    plan = greedy_plan([fixed("tutor", 9, 10, 52)], problem(free, rest_hours=4))
    assert plan.rejected[0].reason == (
        f"needs 10 h a week for 52 weeks; weeks 14{DASH}20 (2027-05-31 to 2027-07-18) have 3 h free"
    )


def test_a_deadline_is_met_and_work_waits_for_its_earliest_start() -> None:
    c = flexible("comp", 5, 30, 5, 10, earliest_start=dt.date(2027, 3, 9), deadline=sunday(4))
    plan = greedy_plan([c], problem([30.0] * 8, rest_hours=0))
    a = plan.chosen[0]
    assert a.first_week == 2  # 9 March is a Tuesday: the next Monday
    assert a.last_week <= 4


def test_too_few_weeks_before_the_deadline_is_a_reason() -> None:
    c = fixed("tutor", 5, 2, 6, deadline=sunday(3))
    reason = greedy_plan([c], problem([30.0] * 8)).rejected[0].reason
    assert reason.startswith("needs 6 weeks from week 1")
    assert "only 4 remain before its deadline 2027-03-28" in reason


def test_a_start_window_picks_the_start_week() -> None:
    window = (dt.date(2027, 3, 15), dt.date(2027, 3, 21))
    plan = greedy_plan([fixed("term", 5, 4, 3, start_windows=(window,))], problem([20.0] * 8))
    assert plan.chosen[0].first_week == 2


def test_one_long_commitment_at_most() -> None:
    cs = [fixed("a", 10, 3, 20), fixed("b", 8, 3, 20)]
    plan = greedy_plan(cs, problem([30.0] * 20, rest_hours=0))
    assert [a.key for a in plan.chosen] == ["a"]
    assert "a long commitment" in plan.rejected[0].reason
    assert "the plan already holds A" in plan.rejected[0].reason


def test_the_cap_on_concurrent_activities_holds() -> None:
    cs = [fixed(f"c{i}", 5, 1, 4) for i in range(4)]
    plan = greedy_plan(cs, problem([40.0] * 4, max_concurrent=2))
    assert len(plan.chosen) == 2
    assert "already hold the most activities at once" in plan.rejected[0].reason or (
        "go to" in plan.rejected[0].reason
    )


def test_a_displaced_candidate_names_what_took_its_hours() -> None:
    cs = [fixed("big", 10, 8, 4), fixed("small", 2, 8, 4)]
    plan = greedy_plan(cs, problem([12.0] * 4, rest_hours=0))
    assert plan.rejected[0].key == "small"
    assert "its hours there go to Big (worth 10)" in plan.rejected[0].reason
    assert "have 4 h free" in plan.rejected[0].reason


def test_the_habit_is_reserved_first_where_it_fits() -> None:
    p = problem([10.0, 5.0, 10.0], rest_hours=4, habit_hours=3)
    plan = greedy_plan([flexible("c", 1, 9, 3, 3)], p)
    assert plan.habit == (3.0, 0.0, 3.0)
    assert any("does not fit in 1 of 3 weeks" in n for n in plan.notes)
    assert plan.chosen == ()  # 3 h free in weeks 1 and 3, but week 2 breaks the run


def test_worthless_candidates_are_left_out_with_a_reason() -> None:
    plan = greedy_plan([fixed("free", 0, 1, 1)], problem([20.0]))
    assert plan.rejected[0].reason == "worth nothing at the current value weights"


def test_shapes_and_candidates_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="positive hours"):
        Fixed(0, 4)
    with pytest.raises(ValueError, match="min weekly hours 9"):
        Flexible(10, 9, 5)
    with pytest.raises(ValueError, match="value"):
        fixed("x", -1, 1, 1)
    with pytest.raises(ValueError, match="share the key"):
        greedy_plan([fixed("x", 1, 1, 1), fixed("x", 2, 1, 1)], problem([10.0]))


def test_a_fixed_commitment_of_twelve_weeks_or_more_is_long() -> None:
    assert fixed("a", 1, 1, 12).is_long
    assert not fixed("a", 1, 1, 11).is_long
    assert flexible("b", 1, 100, 1, 2, long=True).is_long


def test_replanning_keeps_the_frozen_weeks_and_rolls_unfinished_work_over() -> None:
    course = flexible("course", 5, 36, 2, 6)
    tutor = fixed("tutor", 9, 3, 12)
    later = fixed("later", 2, 2, 2, earliest_start=MONDAY + dt.timedelta(weeks=8))
    cs = [course, tutor, later]
    accepted = greedy_plan(cs, problem([20.0] * 16, rest_hours=4))
    assert {a.key for a in accepted.chosen} == {"course", "tutor", "later"}
    # Two weeks later: weeks 1-2 are done, weeks 3-4 stay as they were.
    new = PlanningProblem(weeks(16, MONDAY + dt.timedelta(weeks=2)), (20.0,) * 16)
    p, left = replan_inputs(accepted, cs, new, freeze_weeks=2)
    frozen = {a.key: a for a in p.frozen}
    assert frozen["tutor"].hours[:10] == (3.0,) * 10  # the rest of a commitment, whole
    assert frozen["course"].hours[:2] == (6.0, 6.0)
    assert sum(frozen["course"].hours) == 12
    rolled = {c.key: c for c in left}
    assert set(rolled) == {"course", "later"}
    assert rolled["course"].shape == Flexible(36 - 12 - 12, 2, 6)  # 2 weeks done, 2 frozen
    assert rolled["course"].earliest_start == MONDAY + dt.timedelta(weeks=4)
    plan = greedy_plan(left, p)
    assert plan.assignment("tutor") is not None
    assert violations(left, p, plan) == []


def test_replanning_drops_work_the_accepted_plan_finishes() -> None:
    cs = [flexible("article", 3, 6, 2, 6)]
    accepted = greedy_plan(cs, problem([20.0] * 4))
    new = PlanningProblem(weeks(4, MONDAY + dt.timedelta(weeks=1)), (20.0,) * 4)
    p, left = replan_inputs(accepted, cs, new)
    assert left == ()
    assert p.frozen == ()


def test_frozen_work_takes_its_hours_and_its_slot() -> None:
    frozen = Assignment("old", (8.0, 8.0, 0.0), long=True)
    p = PlanningProblem(weeks(3), (12.0,) * 3, rest_hours=0, max_concurrent=1, frozen=(frozen,))
    plan = greedy_plan([fixed("new", 5, 4, 1), fixed("long", 9, 1, 12, long=True)], p)
    assert plan.assignment("new") is not None
    assert plan.assignment("new").hours == (0.0, 0.0, 4.0)  # type: ignore[union-attr]
    assert plan.explanations["old"].startswith(f"kept from the accepted plan in weeks 1{DASH}2")


# -- invariants ----------------------------------------------------------------------


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Candidate], PlanningProblem]:
    n = draw(st.integers(1, 12))
    free = draw(st.lists(st.floats(0, 30), min_size=n, max_size=n))
    p = PlanningProblem(
        weeks(n),
        tuple(free),
        rest_hours=draw(st.sampled_from([0.0, 4.0])),
        max_concurrent=draw(st.integers(0, 3)),
        max_long=draw(st.integers(0, 1)),
        habit_hours=draw(st.sampled_from([0.0, 2.0])),
    )
    return draw(candidate_lists(n)), p


def candidate_lists(n_weeks: int, most: int = 8) -> st.SearchStrategy[list[Candidate]]:
    @st.composite
    def one(draw: st.DrawFn, i: int) -> Candidate:
        shape: Fixed | Flexible
        if draw(st.booleans()):
            shape = Fixed(draw(st.sampled_from([1.0, 2.5, 5.0, 10.0])), draw(st.integers(1, 6)))
        else:
            low = draw(st.sampled_from([1.0, 2.0, 4.0]))
            shape = Flexible(draw(st.floats(1, 40)), low, low + draw(st.sampled_from([0, 2, 6])))
        deadline = draw(st.none() | st.integers(-1, n_weeks).map(sunday))
        earliest = draw(
            st.none() | st.integers(0, n_weeks).map(lambda k: MONDAY + dt.timedelta(weeks=k))
        )
        return Candidate(
            f"c{i}",
            f"C{i}",
            ActivityKind.OTHER,
            draw(st.floats(0, 10)),
            shape,
            earliest_start=earliest,
            deadline=deadline,
            long=draw(st.none() | st.booleans()),
        )

    return st.integers(0, most).flatmap(lambda k: st.tuples(*(one(i) for i in range(k))).map(list))


@settings(max_examples=200, deadline=None)
@given(instances())
def test_greedy_plans_keep_every_rule(instance: tuple[list[Candidate], PlanningProblem]) -> None:
    cs, p = instance
    plan = greedy_plan(cs, p)
    assert violations(cs, p, plan) == []
    assert {a.key for a in plan.chosen} | {r.key for r in plan.rejected} == {c.key for c in cs}
    assert all(r.reason for r in plan.rejected)
    assert plan.value == pytest.approx(sum(c.value for c in cs if plan.assignment(c.key)))
