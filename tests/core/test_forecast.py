"""The workload forecast: schedule, weekly hours, capacity, lulls, learning from actuals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowtide.core.forecast import find_lulls, forecast, learn_profiles, triangular
from lowtide.core.profile import Busy, EngineerProfile, TimeOff, daily_capacity, local_midnight
from lowtide.core.stages import (
    DEFAULT_PROFILES,
    DurationEstimate,
    HoursActual,
    HoursRange,
    Plan,
    Project,
    Stage,
    StageKind,
    StageStatus,
)

UTC = dt.UTC
#: Wednesday 3 March 2027, noon UTC: the week starts on Monday 1 March.
NOW = dt.datetime(2027, 3, 3, 12, tzinfo=UTC).timestamp()
MONDAY = dt.date(2027, 3, 1)


def one(stage: Stage, name: str = "p") -> Plan:
    return Plan((Project(name, (stage,)),))


def test_a_fixed_stage_lays_exactly_its_hours() -> None:
    stage = Stage(
        "w",
        StageKind.WRANGLING,
        estimate=DurationEstimate(14, 14, 14),
        hours=HoursRange(21, 21),
        planned_start=dt.date(2027, 3, 8),
    )
    f = forecast(one(stage), EngineerProfile(), NOW, weeks=4, samples=10)
    assert [round(w.committed_p50, 6) for w in f.weeks] == [0, 21, 21, 0]
    assert f.weeks[0].capacity == 24  # Wednesday to Friday
    assert [w.capacity for w in f.weeks[1:]] == [40, 40, 40]
    assert f.stages[0].start_p50 == dt.date(2027, 3, 8)
    assert f.stages[0].end_p50 == dt.date(2027, 3, 22)


def test_a_part_day_gets_its_share() -> None:
    stage = Stage(
        "w",
        StageKind.WRANGLING,
        estimate=DurationEstimate(3.5, 3.5, 3.5),
        hours=HoursRange(14, 14),
        planned_start=dt.date(2027, 3, 8),
    )
    f = forecast(one(stage), EngineerProfile(), NOW, weeks=3, samples=4)
    assert f.weeks[1].committed_p50 == pytest.approx(7.0)


def test_a_stage_after_an_active_one_starts_at_its_eta() -> None:
    eta = NOW + 9 * 86400
    plan = Plan(
        (
            Project(
                "p",
                (
                    Stage("train", StageKind.TRAINING, StageStatus.ACTIVE, hours=HoursRange(0, 0)),
                    Stage(
                        "eval",
                        StageKind.DEVELOPMENT,
                        after=("train",),
                        estimate=DurationEstimate(7, 7, 7),
                    ),
                ),
            ),
        )
    )
    f = forecast(plan, EngineerProfile(), NOW, weeks=6, etas={"p/train": eta})
    [train, ev] = f.stages
    assert train.end_p50 == train.end_p80 == dt.date(2027, 3, 12)
    assert ev.start_p50 == dt.date(2027, 3, 12)
    later = forecast(plan, EngineerProfile(), NOW, weeks=6, etas={"p/train": eta + 7 * 86400})
    assert later.stages[1].start_p50 == dt.date(2027, 3, 19)


def test_done_stages_cost_nothing_and_deployment_leaves_a_trickle() -> None:
    done = Stage("u", StageKind.UNDERSTANDING, StageStatus.DONE)
    deploy = Stage("d", StageKind.DEPLOYMENT, estimate=DurationEstimate(7, 7, 7), after=("u",))
    f = forecast(Plan((Project("p", (done, deploy)),)), EngineerProfile(), NOW, weeks=8)
    tail = f.weeks[-1].committed_p50
    after = DEFAULT_PROFILES[StageKind.DEPLOYMENT].after
    assert after is not None
    assert after.low <= tail <= after.high


def test_time_off_and_busy_time_reduce_capacity() -> None:
    profile = EngineerProfile(
        time_off=(TimeOff(dt.date(2027, 3, 8), dt.date(2027, 3, 14), "ski"),),
    )
    talk_start = dt.datetime(2027, 3, 16, 10, tzinfo=UTC).timestamp()
    busy = [
        Busy(talk_start, talk_start + 3 * 3600, "talk"),
        Busy(talk_start + 3600, talk_start + 2 * 3600, "overlaps the talk"),
        Busy(talk_start + 12 * 3600, talk_start + 14 * 3600, "evening, outside work"),
    ]
    cap = daily_capacity(profile, dt.date(2027, 3, 8), 14, busy)
    assert cap[:7].sum() == 0
    assert cap[8] == 5  # Tuesday: 8 h less the 3 h talk
    assert cap[7:].sum() == 40 - 3


def test_a_time_zone_moves_the_working_window() -> None:
    profile = EngineerProfile(timezone="America/New_York")
    day = dt.date(2027, 3, 9)
    nine_local = local_midnight(day, profile.tz) + 9 * 3600
    cap = daily_capacity(profile, day, 1, [Busy(nine_local, nine_local + 3600)])
    assert cap[0] == 7


def test_lulls_are_runs_of_free_weeks() -> None:
    stage = Stage(
        "w",
        StageKind.WRANGLING,
        estimate=DurationEstimate(14, 14, 14),
        hours=HoursRange(30, 30),
        planned_start=dt.date(2027, 3, 22),
    )
    f = forecast(one(stage), EngineerProfile(), NOW, weeks=8, lull_hours=20)
    assert [(lull.first_week, lull.weeks) for lull in f.lulls] == [(0, 3), (5, 3)]
    assert f.lulls[0].start == MONDAY
    assert f.lulls[1].end == dt.date(2027, 4, 25)
    assert find_lulls(f.weeks, 100) == []


def test_actuals_move_the_profile_by_a_moving_average() -> None:
    weeks = [dt.date(2027, 1, 4) + dt.timedelta(days=7 * k) for k in range(8)]
    actuals = [
        HoursActual(w, StageKind.WRANGLING, 10.0 if k < 2 else 20.0, "p/w")
        for k, w in enumerate(weeks)
    ]
    learned = learn_profiles(actuals)
    assert learned[StageKind.WRANGLING].hours == HoursRange(17, 23)  # mean 20, width kept
    assert learned[StageKind.TRAINING] == DEFAULT_PROFILES[StageKind.TRAINING]
    assert learn_profiles(actuals[:1])[StageKind.WRANGLING] == DEFAULT_PROFILES[StageKind.WRANGLING]


def test_triangular_draws_stay_in_range_and_peak_at_the_mode() -> None:
    u = np.random.default_rng(1).random((20000, 1))
    d = triangular(np.array([2.0]), np.array([5.0]), np.array([14.0]), u)
    assert d.min() >= 2
    assert d.max() <= 14
    assert np.mean(d) == pytest.approx(7.0, abs=0.1)


def test_bad_stage_values_are_refused() -> None:
    with pytest.raises(ValueError, match="optimistic"):
        DurationEstimate(5, 3, 8)
    with pytest.raises(ValueError, match="low <= high"):
        HoursRange(-1, 3)
    with pytest.raises(ValueError, match="before it starts"):
        Stage("x", StageKind.TRAINING, started_on=dt.date(2027, 3, 2), ended_on=dt.date(2027, 3, 1))
    with pytest.raises(ValueError, match="time zone"):
        EngineerProfile(timezone="Mars/Olympus")


# -- properties ---------------------------------------------------------------------------

KINDS = list(StageKind)
STATUSES = [StageStatus.PLANNED, StageStatus.ACTIVE, StageStatus.DONE, StageStatus.BLOCKED]


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    projects = []
    for p in range(draw(st.integers(1, 3))):
        stages: list[Stage] = []
        for i in range(draw(st.integers(1, 5))):
            lo = draw(st.floats(1, 30))
            mode = lo + draw(st.floats(0, 30))
            hi = mode + draw(st.floats(0, 30))
            start = draw(st.none() | st.integers(-20, 120))
            keys = [s.key for s in stages]
            after = draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
            stages.append(
                Stage(
                    f"s{i}",
                    draw(st.sampled_from(KINDS)),
                    draw(st.sampled_from(STATUSES)),
                    estimate=DurationEstimate(lo, mode, hi),
                    after=tuple(after),
                    planned_start=None if start is None else MONDAY + dt.timedelta(days=start),
                    started_on=MONDAY - dt.timedelta(days=draw(st.integers(0, 40))),
                )
            )
        projects.append(Project(f"p{p}", tuple(stages)))
    return Plan(tuple(projects))


@settings(max_examples=40, deadline=None)
@given(plans())
def test_committed_hours_are_never_negative_and_p80_reaches_p50(plan: Plan) -> None:
    f = forecast(plan, EngineerProfile(), NOW, weeks=20, samples=200)
    assert (f.committed >= 0).all()
    for w in f.weeks:
        assert w.committed_p50 >= 0
        assert w.committed_p80 >= w.committed_p50


@settings(max_examples=40, deadline=None)
@given(plans(), st.data())
def test_moving_a_stage_later_never_moves_another_earlier(plan: Plan, data: st.DataObject) -> None:
    p = data.draw(st.integers(0, len(plan.projects) - 1))
    project = plan.projects[p]
    i = data.draw(st.integers(0, len(project.stages) - 1))
    days = data.draw(st.integers(1, 60))
    moved = project.stages[i]
    old_start = moved.planned_start or MONDAY
    shifted = Stage(**{**moved.__dict__, "planned_start": old_start + dt.timedelta(days=days)})
    stages = (*project.stages[:i], shifted, *project.stages[i + 1 :])
    later = Plan((*plan.projects[:p], Project(project.name, stages), *plan.projects[p + 1 :]))
    before = forecast(plan, EngineerProfile(), NOW, weeks=20, samples=200, seed=3)
    after = forecast(later, EngineerProfile(), NOW, weeks=20, samples=200, seed=3)
    for b, a in zip(before.stages, after.stages, strict=True):
        assert a.start_p50 >= b.start_p50, (b, a)
        assert a.end_p50 >= b.end_p50, (b, a)
        assert a.end_p80 >= b.end_p80, (b, a)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 20),
    st.floats(0, 80),
    st.sets(st.integers(0, 6), min_size=1),
    st.sampled_from(["UTC", "Europe/Paris", "Asia/Tokyo", "America/Los_Angeles"]),
)
def test_a_week_off_has_zero_capacity(week: int, hours: float, workdays: set[int], tz: str) -> None:
    first = MONDAY + dt.timedelta(days=7 * week)
    profile = EngineerProfile(
        weekly_hours=hours,
        workdays=tuple(sorted(workdays)),
        timezone=tz,
        time_off=(TimeOff(first, first + dt.timedelta(days=6)),),
    )
    f = forecast(Plan(), profile, NOW, weeks=24, samples=10)
    assert f.weeks[week].capacity == 0
    if week > 1:  # week 0 began on Monday, before NOW
        assert f.weeks[week - 1].capacity == pytest.approx(hours)


def test_progress_gives_an_eta_once_it_spans_a_day() -> None:
    from lowtide.core.stages import ProgressSample, progress_eta

    day = 86400.0
    samples = [ProgressSample(0.0, 100, 1000), ProgressSample(2 * day, 300, 1000)]
    assert progress_eta(samples, now=2 * day) == pytest.approx(7 * day)
    assert progress_eta(samples, now=3 * day) == pytest.approx(6 * day)
    assert progress_eta(samples[:1], now=day) is None
    assert progress_eta([ProgressSample(0, 1, 9), ProgressSample(60, 5, 9)], now=60) is None
    assert progress_eta([ProgressSample(0, 9, 9)], now=5) == 0
