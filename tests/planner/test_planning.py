"""Plans of the lulls from a real store: the real opportunity snapshots and a projects plan
whose forecast has a lull; preview, accept, re-plan with frozen weeks, and the calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import icalendar
import pytest

from lowtide.core.opportunities import opportunity_from_json
from lowtide.core.plan_record import PlanState, StoredPlan
from lowtide.core.plan_settings import PlannerSettings
from lowtide.core.planner import violations
from lowtide.errors import ConflictError, NotFoundError
from lowtide.opportunities.registry import import_from
from lowtide.planner.planning import accept, export_calendar, preview
from lowtide.projects.spec import load_plan
from lowtide.store import Store
from tests.opportunities.conftest import snapshots

#: The planner's clock: Monday 7 September 2026, 09:00 UTC, after the snapshots were taken.
NOW = dt.datetime(2026, 9, 7, 9, tzinfo=dt.UTC).timestamp()
WEEK = 7 * 86400.0
#: Three weeks of wrangling (hands-on), six of training (a lull), four of evaluation.
PROJECTS = """\
projects:
  - name: churn
    stages:
      - name: wrangle
        kind: wrangling
        status: active
        estimate: {optimistic: 21, likely: 21, pessimistic: 21}
        hours: {low: 40, high: 40}
      - name: train
        kind: training
        estimate: {optimistic: 42, likely: 42, pessimistic: 42}
        hours: {low: 2, high: 2}
      - name: evaluate
        kind: development
        estimate: {optimistic: 28, likely: 28, pessimistic: 28}
        hours: {low: 40, high: 40}
"""
#: The weeks of the lull, by index from the week of NOW.
LULL = range(3, 9)
HORIZON = 12


def no_eta(_: str) -> float | None:
    return None


@pytest.fixture
def scenario(sqlite_store: Store) -> Store:
    """The projects plan, the writer programmes and tech conferences, and a 12-week horizon."""
    store = sqlite_store
    store.apply_projects(load_plan(PROJECTS), now=NOW)
    for source, folder in (
        ("writer-programs", "community-writer-programs"),
        ("tech-conferences", "tech-conferences"),
    ):
        report = import_from(source, str(snapshots() / folder))
        store.save_opportunities(list(report.opportunities.values()), now=NOW)
    store.set_planner_settings(PlannerSettings(weeks=HORIZON, time_limit_s=1.0))
    return store


def add_manual(store: Store, title: str, **fields: object) -> None:
    store.save_opportunities(
        [opportunity_from_json({"title": title, **fields}, source="manual", key=title.lower())]
    )


def weekly_load(plan: StoredPlan) -> list[float]:
    return [
        sum(i.hours[k] for i in plan.items) + (plan.habit[k] if plan.habit else 0.0)
        for k in range(len(plan.weeks))
    ]


def test_the_preview_fills_the_lull_and_keeps_the_rest(scenario: Store) -> None:
    add_manual(scenario, "Old call", kind="talk", deadline="2026-09-01")
    greedy_seen: list[float] = []
    plan = preview(scenario, NOW, no_eta, on_greedy=lambda r: greedy_seen.append(r.value))
    assert greedy_seen
    assert plan.value >= greedy_seen[0] > 0
    assert plan.state is PlanState.PREVIEW
    assert plan.items
    room = [max(0.0, f - plan.settings.rest_hours) for f in plan.free_hours]
    assert all(used <= r + 1e-6 for used, r in zip(weekly_load(plan), room, strict=True))
    for item in plan.items:
        weeks = {k for k, h in enumerate(item.hours) if h > 1e-6}
        assert weeks <= set(LULL), (item.key, weeks)
        assert item.explanation
        assert item.opportunity_id is not None
    assert not violations(plan.candidates(), plan.problem(), plan.result())
    reasons = {r.title: r.reason for r in plan.rejections}
    assert reasons["Old call"] == "its deadline 2026-09-01 has passed"
    assert all(r.reason for r in plan.rejections)
    body = plan.to_json()
    assert [w["start"] for w in body["weeks"]][:2] == ["2026-09-07", "2026-09-14"]
    assert {"title", "kind", "link", "hours", "explanation"} <= set(body["items"][0])
    assert body["weeks"][3]["activities"]
    assert body["weeks"][0]["activities"] == []


def test_accept_then_replan_keeps_the_frozen_weeks(scenario: Store) -> None:
    with pytest.raises(NotFoundError, match="no plan preview"):
        accept(scenario, NOW)
    first = preview(scenario, NOW, no_eta, optimal=False)
    accepted = accept(scenario, NOW + 60)
    assert (accepted.state, accepted.revision, accepted.id) == (PlanState.ACCEPTED, 0, first.id)
    assert scenario.latest_plan(PlanState.PREVIEW) is None
    # Three weeks later the lull has begun; its first two weeks stay as accepted.
    later = NOW + 3 * WEEK
    again = preview(scenario, later, no_eta, optimal=False)
    assert again.revision == 1
    assert again.frozen_weeks == 2
    old = {i.key: dict(zip(accepted.weeks, i.hours, strict=True)) for i in accepted.items}
    for k in range(2):
        monday = again.weeks[k]
        kept = {i.key: i.hours[k] for i in again.items if i.hours[k] > 1e-6}
        was = {key: hours[monday] for key, hours in old.items() if hours[monday] > 1e-6}
        assert kept == pytest.approx(was), monday
    assert any("re-planned over revision 0" in n for n in again.notes)
    assert not violations(again.candidates(), again.problem(), again.result())
    second = accept(scenario, later + 60)
    assert second.revision == 1
    superseded = scenario.latest_plan(PlanState.SUPERSEDED)
    assert superseded is not None
    assert superseded.id == accepted.id


def test_the_calendar_updates_in_place(scenario: Store) -> None:
    with pytest.raises(NotFoundError, match="no plan yet"):
        export_calendar(scenario, NOW)
    preview(scenario, NOW, no_eta, optimal=False)
    draft = export_calendar(scenario, NOW)
    assert "preview" in draft.note
    accept(scenario, NOW)
    one = export_calendar(scenario, NOW)
    assert one.note == ""
    events = icalendar.Calendar.from_ical(one.ics).walk("VEVENT")
    active = sum(1 for i in one.plan.items for h in i.hours if h > 1e-6)
    assert len(events) == active
    assert {int(e["SEQUENCE"]) for e in events} == {0}
    assert {str(e["CATEGORIES"].cats[0]) for e in events} <= {"writing", "talk"}
    uids = {str(e["UID"]) for e in events}
    assert uids == {str(e["UID"]) for e in icalendar.Calendar.from_ical(one.ics).walk("VEVENT")}
    # A revision: the same weeks keep their UIDs, dropped weeks come back cancelled.
    scenario.set_planner_settings(PlannerSettings(weeks=HORIZON, freeze_weeks=0, rest_hours=30))
    preview(scenario, NOW, no_eta, optimal=False)
    accept(scenario, NOW)
    two = export_calendar(scenario, NOW)
    revised = icalendar.Calendar.from_ical(two.ics).walk("VEVENT")
    assert {int(e["SEQUENCE"]) for e in revised} == {1}
    cancelled = {str(e["UID"]) for e in revised if e.get("STATUS") == "CANCELLED"}
    assert cancelled
    assert cancelled <= uids
    assert uids <= {str(e["UID"]) for e in revised}


def test_no_free_hours_is_an_empty_plan_with_reasons(scenario: Store) -> None:
    scenario.set_planner_settings(PlannerSettings(weeks=HORIZON, rest_hours=40))
    plan = preview(scenario, NOW, no_eta)
    assert plan.items == ()
    assert plan.rejections
    assert all(r.reason for r in plan.rejections)
    assert any("no week has hours free" in n for n in plan.notes)
    assert accept(scenario, NOW).items == ()


def test_a_stale_preview_is_not_accepted(scenario: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    preview(scenario, NOW, no_eta, optimal=False)
    broken: Callable[..., list[str]] = lambda *_: ["week 4: 40.00 h planned, 34.00 h free"]  # noqa: E731
    monkeypatch.setattr("lowtide.planner.planning.violations", broken)
    with pytest.raises(ConflictError, match="breaks the planner's rules"):
        accept(scenario, NOW)
