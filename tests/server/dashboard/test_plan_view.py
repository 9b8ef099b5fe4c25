"""The Plan page's parts without a server: the calendar's geometry, links, the settings form."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lowtide.core.plan_record import PlanItem, StoredPlan
from lowtide.core.plan_settings import PlannerSettings
from lowtide.core.planner import ActivityKind, Candidate, Flexible, Method
from lowtide.server.dashboard.plan import HABIT, calendar, item_row, plan_view, safe_link
from lowtide.server.dashboard.plan_form import parse_settings_form, settings_form
from lowtide.store import Store

MONDAY = dt.date(2027, 3, 1)


def week(k: int) -> dt.date:
    return MONDAY + dt.timedelta(weeks=k)


def course(key: str, kind: ActivityKind = ActivityKind.LEARNING) -> Candidate:
    return Candidate(key, key.title(), kind, 5.0, Flexible(12, 2, 6), link="https://example.org")


def a_plan(**changes: object) -> StoredPlan:
    """Four weeks: busy, two of a lull (30 h free), busy; two activities in the lull."""
    plan = StoredPlan(
        weeks=tuple(week(k) for k in range(4)),
        free_hours=(6.0, 30.0, 30.0, 4.0),
        settings=PlannerSettings(rest_hours=4.0),
        items=(
            PlanItem(course("course"), (0.0, 6.0, 6.0, 0.0), "fills the lull"),
            PlanItem(course("talk", ActivityKind.TALK), (0.0, 0.0, 4.0, 0.0), "before its CFP"),
        ),
        rejections=(),
        value=10.0,
        method=Method.GREEDY,
        gap=None,
        habit=(2.0, 2.0, 2.0, 0.0),
        frozen_weeks=1,
    )
    return dataclasses.replace(plan, **changes)  # type: ignore[arg-type]


def test_each_week_is_a_row_on_one_scale() -> None:
    rows = calendar(a_plan())
    assert [r.start for r in rows] == [week(k) for k in range(4)]
    assert [r.room for r in rows] == [2.0, 26.0, 26.0, 0.0]
    assert [r.lull for r in rows] == [False, True, True, False]
    assert [r.frozen for r in rows] == [True, False, False, False]
    # The widest room (26 h) fills the track.
    assert rows[1].room_width == 100.0
    assert [(b.key, b.kind, b.hours) for b in rows[2].blocks] == [
        ("course", "learning", 6.0),
        ("talk", "talk", 4.0),
        (HABIT, HABIT, 2.0),
    ]
    assert rows[2].used == 12.0
    assert rows[2].blocks[0].width == pytest.approx(100 * 6 / 26, abs=0.01)
    assert rows[3].blocks == ()


def test_a_small_plan_is_not_drawn_huge() -> None:
    rows = calendar(a_plan(free_hours=(5.0, 6.0, 6.0, 5.0), items=(), habit=()))
    assert rows[1].room_width == 20.0  # 2 h of the least scale, 10 h


def test_an_item_runs_from_the_monday_of_its_first_week_to_the_sunday_of_its_last() -> None:
    plan = a_plan()
    row = item_row(plan, plan.items[0])
    assert (row.start, row.end) == (week(1), week(2) + dt.timedelta(days=6))
    assert (row.total, row.weeks, row.link) == (12.0, 2, "https://example.org")


@pytest.mark.parametrize(
    ("link", "shown"),
    [
        ("https://example.org/a", "https://example.org/a"),
        ("http://example.org", "http://example.org"),
        ("javascript:alert(1)", ""),
        (" JavaScript:alert(1)", ""),
        ("data:text/html,<b>", ""),
        ("", ""),
        ("http://[bad", ""),
    ],
)
def test_only_web_links_are_links(link: str, shown: str) -> None:
    assert safe_link(link) == shown


def test_an_empty_store_has_no_plan_and_says_so(sqlite_store: Store) -> None:
    view = plan_view(sqlite_store)
    assert view.plan is None
    assert view.weeks == ()
    assert not view.has_opportunities


def test_the_form_shows_the_settings_in_use() -> None:
    form = settings_form(PlannerSettings(rest_hours=5.5, optimistic=True))
    assert form.text["rest_hours"] == "5.5"
    assert form.text["percentile"] == "p50"
    assert not form.errors


def test_empty_fields_keep_their_values_and_others_change() -> None:
    base = PlannerSettings(rest_hours=6.0, time_limit_s=3.0)
    form = parse_settings_form({"rest_hours": "", "max_long": "2", "percentile": "p80"}, base)
    assert form.settings == PlannerSettings(rest_hours=6.0, time_limit_s=3.0, max_long=2)


def test_every_bad_field_has_its_own_message() -> None:
    form = parse_settings_form({"rest_hours": "-1", "weeks": "x", "freeze_weeks": "1.5"},
                               PlannerSettings())  # fmt: skip
    assert form.settings is None
    assert set(form.errors) == {"rest_hours", "weeks", "freeze_weeks"}
    assert form.errors["rest_hours"] == "Rest hours a week is a number from 0 to 168 hours, not -1."
    assert form.text["weeks"] == "x"
