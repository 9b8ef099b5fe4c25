"""Projects, stages, profile, time off, busy time and hours in the store, on both back ends."""

from __future__ import annotations

import datetime as dt

import pytest

from lowtide.core.profile import Busy, EngineerProfile, TimeOff
from lowtide.core.stages import (
    DurationEstimate,
    HoursRange,
    Involvement,
    Progress,
    Project,
    Stage,
    StageKind,
    StageStatus,
)
from lowtide.errors import NotFoundError, ValidationError
from lowtide.store import Store

CHURN = Project(
    "churn",
    (
        Stage("understand", StageKind.UNDERSTANDING, StageStatus.DONE,
              started_on=dt.date(2027, 1, 4), ended_on=dt.date(2027, 1, 15)),
        Stage("label", StageKind.ANNOTATION, StageStatus.ACTIVE, after=("understand",),
              estimate=DurationEstimate(10, 14, 30), progress=Progress(100, 1000)),
        Stage("train", StageKind.TRAINING, after=("label",), runs=("abc123", "def456"),
              hours=HoursRange(2, 4), involvement=Involvement.UNATTENDED,
              planned_start=dt.date(2027, 3, 1)),
    ),
    goal="predict churn",
    owner="ana",
)  # fmt: skip


def test_apply_reads_back_and_reapplies_without_duplicates(store: Store) -> None:
    summary = store.apply_projects([CHURN], now=100.0)
    assert (summary.added, summary.updated, summary.removed) == (3, 0, 0)
    [project] = store.plan("churn").projects
    assert project == CHURN
    again = store.apply_projects([CHURN], now=200.0)
    assert (again.added, again.updated, again.removed) == (0, 3, 0)
    assert store.plan("churn").projects[0] == CHURN
    assert len(store.progress_history()["churn/label"]) == 1  # same count, not appended
    shorter = Project("churn", CHURN.stages[:2], goal="predict churn", owner="bo")
    gone = store.apply_projects([shorter], now=300.0)
    assert gone.removed == 1
    assert store.plan("churn").projects[0] == shorter
    assert [p.name for p in store.plan().projects] == ["churn"]


def test_projects_of_runs_and_of_plans_are_one(store: Store) -> None:
    from lowtide.core.records import RunSpec

    store.create_run(RunSpec(project="churn"))
    store.apply_projects([CHURN])
    assert [(p.name, p.n_runs) for p in store.list_projects()] == [("churn", 1)]
    store.set_project("ranker", goal="rank", owner="cy")
    assert store.plan("ranker").projects[0].goal == "rank"
    with pytest.raises(NotFoundError, match="no project 'nope'"):
        store.plan("nope")


def test_stage_status_progress_and_hours(store: Store) -> None:
    store.apply_projects([CHURN], now=100.0)
    store.set_stage_status("churn", "train", StageStatus.ACTIVE, dt.date(2027, 3, 2))
    stage = store.plan("churn").projects[0].stages[2]
    assert (stage.status, stage.started_on) == (StageStatus.ACTIVE, dt.date(2027, 3, 2))
    store.set_stage_status("churn", "train", StageStatus.DONE, dt.date(2027, 3, 9))
    stage = store.plan("churn").projects[0].stages[2]
    assert (stage.status, stage.ended_on) == (StageStatus.DONE, dt.date(2027, 3, 9))
    store.record_progress("churn", "label", Progress(400, 1000), now=1000.0)
    history = store.progress_history()["churn/label"]
    assert [(s.done, s.at) for s in history][-1] == (400, 1000.0)
    assert store.plan("churn").projects[0].stages[1].progress == Progress(400, 1000)
    with pytest.raises(ValidationError, match="only annotation and collection"):
        store.record_progress("churn", "train", Progress(1, 2))
    with pytest.raises(NotFoundError, match="no stage 'nope'"):
        store.set_stage_status("churn", "nope", StageStatus.DONE)
    store.record_hours("churn", "label", dt.date(2027, 3, 3), 5.0)
    store.record_hours("churn", "label", dt.date(2027, 3, 1), 6.0)  # same week: replaced
    [actual] = store.hours_actuals()
    assert (actual.week, actual.hours, actual.kind) == (
        dt.date(2027, 3, 1),
        6.0,
        StageKind.ANNOTATION,
    )
    with pytest.raises(ValidationError, match="hours"):
        store.record_hours("churn", "label", dt.date(2027, 3, 1), -1)


def test_profile_time_off_and_busy_time(store: Store) -> None:
    assert store.engineer_profile() == EngineerProfile()
    store.set_engineer_profile(EngineerProfile(32, (0, 1, 2, 3), "Europe/Paris"))
    off = store.add_time_off(TimeOff(dt.date(2027, 8, 2), dt.date(2027, 8, 13), "summer"))
    profile = store.engineer_profile()
    assert (profile.weekly_hours, profile.workdays, profile.timezone) == (
        32,
        (0, 1, 2, 3),
        "Europe/Paris",
    )
    assert profile.time_off == (TimeOff(dt.date(2027, 8, 2), dt.date(2027, 8, 13), "summer"),)
    store.remove_time_off(off)
    assert store.engineer_profile().time_off == ()
    with pytest.raises(NotFoundError):
        store.remove_time_off(off)
    store.replace_busy("work.ics", [Busy(100, 200, "a"), Busy(300, 400, "b")])
    store.replace_busy("home.ics", [Busy(150, 160, "c")])
    store.replace_busy("work.ics", [Busy(500, 600, "d")])
    assert [b.summary for b in store.busy_between(0, 1000)] == ["c", "d"]
    assert store.busy_between(0, 150) == []
