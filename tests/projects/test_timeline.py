"""A project's plan against what happened, and the hours it needs week by week."""

from __future__ import annotations

import datetime as dt

from lowtide.core.forecast import StageWindow
from lowtide.core.stages import DurationEstimate, HoursRange, Project, Stage, StageKind, StageStatus
from lowtide.projects.timeline import Window, planned_windows, stage_lines, weekly_hours

TODAY = dt.date(2027, 3, 10)  # a Wednesday
MONDAY = dt.date(2027, 3, 8)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def week_estimate(likely: float) -> DurationEstimate:
    return DurationEstimate(likely / 2, likely, likely * 2)


PROJECT = Project(
    name="churn",
    stages=(
        Stage(
            "explore",
            StageKind.WRANGLING,
            StageStatus.DONE,
            estimate=week_estimate(7),
            started_on=days(-14),
            ended_on=days(-3),  # four days late
        ),
        Stage(
            "train",
            StageKind.TRAINING,
            StageStatus.ACTIVE,
            estimate=week_estimate(7),
            after=("explore",),
            started_on=days(-3),
        ),
        Stage(
            "ship",
            StageKind.DEPLOYMENT,
            estimate=week_estimate(7),
            hours=HoursRange(20, 30),
            after=("train",),
        ),
    ),
)

DONE, ACTIVE, PLANNED = StageStatus.DONE, StageStatus.ACTIVE, StageStatus.PLANNED
WINDOWS = [
    StageWindow("churn", "explore", StageKind.WRANGLING, DONE, TODAY, TODAY, TODAY),
    StageWindow("churn", "train", StageKind.TRAINING, ACTIVE, TODAY, days(4), days(6)),
    StageWindow("churn", "ship", StageKind.DEPLOYMENT, PLANNED, days(4), days(11), days(15)),
]


def test_the_plan_lays_likely_durations_after_what_each_stage_waits_for() -> None:
    plan = planned_windows(PROJECT.stages, TODAY)
    assert plan["explore"] == Window(days(-14), days(-7))
    assert plan["train"] == Window(days(-7), days(0))
    assert plan["ship"] == Window(days(0), days(7))


def test_a_planned_start_holds_a_stage_back() -> None:
    late = Project("p", (Stage("a", StageKind.UNDERSTANDING, planned_start=days(20)),))
    assert planned_windows(late.stages, TODAY)["a"].start == days(20)


def test_actual_windows_come_from_the_dates_then_the_forecast() -> None:
    lines = {line.stage.key: line for line in stage_lines(PROJECT, WINDOWS, TODAY)}
    assert lines["explore"].actual == Window(days(-14), days(-3))
    assert lines["explore"].slip_days == 4
    assert lines["train"].actual == Window(days(-3), days(4), days(6))
    assert lines["ship"].actual == Window(days(4), days(11), days(15))
    assert lines["ship"].hours_per_week == 25  # its own range, not the kind's
    assert lines["ship"].after_hours == 6  # the kind's maintenance, 4-8 h


def test_weekly_hours_spread_each_stage_over_its_days_and_keep_maintenance() -> None:
    lines = stage_lines(PROJECT, WINDOWS, TODAY)
    explore, train, ship = weekly_hours(lines, MONDAY, 3)
    assert explore == [0.0, 0.0, 0.0]  # done before this week
    # Training (3-8 h a week) runs Monday to Saturday (days -3 to 4), six days of the week.
    assert train == [5.5 * 6 / 7, 0.0, 0.0]
    # Shipping runs Sunday (day 4) to the next Sunday, then maintenance.
    assert ship[0] == 25 / 7
    assert ship[1] == 25 * 6 / 7 + 6 * 1 / 7
    assert ship[2] == 6.0
