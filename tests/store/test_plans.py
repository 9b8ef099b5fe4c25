"""Plans and the planner's settings in the store, on both back ends."""

from __future__ import annotations

import datetime as dt

import pytest

from lowtide.core.opportunities import opportunity_from_json
from lowtide.core.plan_record import PlanState
from lowtide.core.plan_settings import PlannerSettings
from lowtide.core.planner import Fixed, Flexible
from lowtide.errors import NotFoundError
from lowtide.planner.planning import accept, preview
from lowtide.store import Store

#: Monday 1 March 2027, 09:00 UTC; no projects, so every week is free.
NOW = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC).timestamp()


def no_eta(_: str) -> float | None:
    return None


def seed(store: Store) -> None:
    found = [
        opportunity_from_json(fields, source="manual", key=str(fields["title"]).lower())
        for fields in (
            {"title": "Course", "kind": "learning", "hours": 30, "min_weekly": 0, "max_weekly": 6},
            {"title": "Tutoring", "kind": "teaching", "max_weekly": 5, "weeks": 4},
            {"title": "Gone", "kind": "talk", "deadline": "2027-02-01"},
            {"title": "Hidden", "kind": "writing", "open": False},
        )
    ]
    store.save_opportunities(found, now=NOW)


def test_settings_round_trip(store: Store) -> None:
    assert store.planner_settings() == PlannerSettings()
    mine = PlannerSettings(rest_hours=6, habit_hours=3, optimistic=True, weeks=8)
    store.set_planner_settings(mine)
    assert store.planner_settings() == mine


def test_preview_accept_and_revisions(store: Store) -> None:
    seed(store)
    store.set_planner_settings(PlannerSettings(weeks=8, habit_hours=2, time_limit_s=1))
    first = preview(store, NOW, no_eta)
    assert first.state is PlanState.PREVIEW
    assert first.revision == 0
    shapes = {i.key: i.candidate.shape for i in first.items}
    assert shapes == {
        "manual/course": Flexible(30, 0.5, 6),
        "manual/tutoring": Fixed(5, 4),
    }
    assert first.habit == (2.0,) * 8
    reasons = {r.key: r.reason for r in first.rejections}
    assert reasons["manual/gone"] == "its deadline 2027-02-01 has passed"
    assert reasons["manual/hidden"].startswith("closed")
    # Read back whole: the same plan, items, rejections and explanations.
    assert store.latest_plan(PlanState.PREVIEW) == first
    replaced = preview(store, NOW, no_eta, optimal=False)
    assert replaced.id != first.id
    with pytest.raises(NotFoundError):
        store.accept_plan(first.id)
    accepted = accept(store, NOW)
    assert (accepted.state, accepted.revision) == (PlanState.ACCEPTED, 0)
    assert accepted.accepted_at == NOW
    assert store.latest_plan(PlanState.PREVIEW) is None
    nxt = preview(store, NOW, no_eta, optimal=False)
    assert nxt.revision == 1
    assert nxt.frozen_weeks == 2
    again = accept(store, NOW)
    assert again.revision == 1
    old = store.latest_plan(PlanState.SUPERSEDED)
    assert old is not None
    assert old.id == accepted.id
    assert old.state is PlanState.SUPERSEDED
    # Items keep the id of their opportunity on the board.
    ids = {i.opportunity_id for i in again.items}
    assert ids == {store.find_opportunity("manual", k).id for k in ("course", "tutoring")}
