"""The Plan page over HTTP: the calendar from a real preview, accept, settings, escaping."""

from __future__ import annotations

import html
import re

import httpx
import icalendar
import pytest

from lowtide.core.plan_record import PlanState
from tests.opportunities.conftest import snapshots
from tests.server.dashboard.conftest import Dashboard
from tests.server.dashboard.seed_plan import TEST_TIME_LIMIT_S, XSS_TITLE, seed_plan_inputs


@pytest.fixture(scope="module")
def planned(dashboard: Dashboard) -> Dashboard:
    """The seeded dashboard with opportunities to plan."""
    seed_plan_inputs(dashboard.store, snapshots())
    return dashboard


def post(d: Dashboard, path: str, **fields: str) -> httpx.Response:
    return httpx.post(d.url + path, data=fields, timeout=60, follow_redirects=False)


def get(d: Dashboard, path: str) -> httpx.Response:
    return httpx.get(d.url + path, timeout=30)


def state_of(text: str) -> tuple[str, int]:
    found = re.search(r'class="card plan-state" data-state="(\w+)" data-revision="(\d+)"', text)
    assert found, "no plan state on the page"
    return found[1], int(found[2])


def test_plan_is_in_the_top_bar(planned: Dashboard) -> None:
    text = get(planned, "/").text
    assert 'href="/plan"' in text
    assert text.index('href="/forecast"') < text.index('href="/plan"')


def test_plan_again_makes_a_preview_and_the_page_draws_it(planned: Dashboard) -> None:
    answer = post(planned, "/plan/preview", greedy="1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/plan?done=preview"
    page = get(planned, answer.headers["location"])
    assert page.status_code == 200
    text = page.text
    assert "A new preview is ready" in text
    assert state_of(text) == ("preview", state_of(text)[1])
    stored = planned.store.latest_plan(PlanState.PREVIEW)
    assert stored is not None
    assert stored.items
    weeks = re.findall(r'<li class="pw([^"]*)" data-week="([\d-]+)"', text)
    assert [w for _, w in weeks] == [w.isoformat() for w in stored.weeks]
    # The projects leave a lull, and the plan's hours go there.
    lull = [w for classes, w in weeks if "in-lull" in classes]
    assert lull
    busy = {
        w.isoformat() for k, w in enumerate(stored.weeks) if any(i.hours[k] for i in stored.items)
    }
    assert any(w in busy for w in lull)
    for item in stored.items:
        assert f'<li class="plan-item" data-key="{html.escape(item.key)}">' in text
    assert 'class="blk k-' in text
    # What was left out, each with its reason, behind a fold.
    assert '<details class="card rejections">' in text
    first = stored.rejections[0]
    assert f'<li class="rejection" data-key="{html.escape(first.key)}">' in text
    assert html.escape(first.reason) in text


def test_a_script_title_is_text_and_its_link_is_no_link(planned: Dashboard) -> None:
    post(planned, "/plan/preview", greedy="1")
    text = get(planned, "/plan").text
    assert XSS_TITLE not in text
    escaped = html.escape(XSS_TITLE, quote=False)
    assert re.search(r'class="(pi|r)-title">' + re.escape(escaped), text)
    assert "javascript:" not in text


def test_accept_turns_the_preview_into_the_accepted_plan(planned: Dashboard) -> None:
    post(planned, "/plan/preview", greedy="1")
    before = state_of(get(planned, "/plan").text)
    assert before[0] == "preview"
    shown = planned.store.latest_plan(PlanState.PREVIEW)
    assert shown is not None
    answer = post(planned, "/plan/accept", plan=str(shown.id))
    assert answer.status_code == 303
    text = get(planned, answer.headers["location"]).text
    assert state_of(text) == ("accepted", before[1])
    assert f"revision {before[1]})" in text
    # Nothing left to accept: the button is gone, and a stale post says why.
    assert 'action="/plan/accept"' not in text
    again = post(planned, "/plan/accept", plan=str(shown.id))
    assert again.status_code == 404
    assert "no plan preview to accept" in again.text.lower()


def test_accepting_a_preview_that_changed_is_refused(planned: Dashboard) -> None:
    post(planned, "/plan/preview", greedy="1")
    old = planned.store.latest_plan(PlanState.PREVIEW)
    assert old is not None
    post(planned, "/plan/preview", greedy="1")
    answer = post(planned, "/plan/accept", plan=str(old.id))
    assert answer.status_code == 409
    assert "The preview changed" in answer.text
    assert state_of(answer.text)[0] == "preview"


def test_the_solver_plans_within_its_time_limit(planned: Dashboard) -> None:
    answer = post(planned, "/plan/preview")
    assert answer.status_code == 303
    plan = planned.store.latest_plan(PlanState.PREVIEW)
    assert plan is not None
    assert plan.method.value in {"optimal", "time-limit", "greedy"}
    assert plan.settings.time_limit_s == TEST_TIME_LIMIT_S


def test_the_accepted_plan_can_be_shown_beside_a_preview(planned: Dashboard) -> None:
    post(planned, "/plan/preview", greedy="1")
    shown = planned.store.latest_plan(PlanState.PREVIEW)
    assert shown is not None
    post(planned, "/plan/accept", plan=str(shown.id))
    post(planned, "/plan/preview", greedy="1")
    text = get(planned, "/plan").text
    assert state_of(text)[0] == "preview"
    assert 'href="/plan?show=accepted"' in text
    accepted = get(planned, "/plan?show=accepted").text
    assert state_of(accepted)[0] == "accepted"
    assert 'action="/plan/accept"' not in accepted  # Accept acts on the preview shown
    # The re-plan keeps the accepted plan's first weeks.
    assert 'class="pw in-lull frozen"' in text or 'class="pw frozen"' in text


def test_the_ics_link_downloads_the_plan(planned: Dashboard) -> None:
    post(planned, "/plan/preview", greedy="1")
    text = get(planned, "/plan").text
    assert 'href="/api/v1/plan.ics" download' in text
    answer = get(planned, "/api/v1/plan.ics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    assert calendar.walk("VEVENT")


@pytest.mark.parametrize(
    ("fields", "name", "words"),
    [
        ({"rest_hours": "lots"}, "rest_hours", "“lots” is not a number"),
        ({"max_concurrent": "2.5"}, "max_concurrent", "whole number from 0 to 20"),
        ({"weeks": "0"}, "weeks", "from 1 to 104"),
        ({"time_limit_s": "9000"}, "time_limit_s", "0.1 to 600"),
        ({"rest_hours": "100", "habit_hours": "100"}, "habit_hours", "more than the 168 h"),
        ({"percentile": "p99"}, "percentile", "P80"),
    ],
)
def test_bad_settings_are_named_next_to_their_field(
    planned: Dashboard, fields: dict[str, str], name: str, words: str
) -> None:
    before = planned.store.planner_settings()
    answer = post(planned, "/plan/settings", **fields)
    assert answer.status_code == 400
    found = re.search(rf'<p class="error" id="err-{name}">([^<]*)</p>', answer.text)
    assert found, answer.text[-3000:]
    assert words in html.unescape(found[1])
    assert f'aria-describedby="err-{name}"' in answer.text
    assert planned.store.planner_settings() == before


def test_good_settings_are_saved(planned: Dashboard) -> None:
    before = planned.store.planner_settings()
    try:
        answer = post(
            planned, "/plan/settings", rest_hours="5", max_concurrent="2", percentile="p50",
            time_limit_s="", weeks="20",
        )  # fmt: skip
        assert answer.status_code == 303
        saved = planned.store.planner_settings()
        assert (saved.rest_hours, saved.max_concurrent, saved.optimistic, saved.weeks) == (
            5.0, 2, True, 20,
        )  # fmt: skip
        assert saved.time_limit_s == before.time_limit_s
        text = get(planned, answer.headers["location"]).text
        assert "Settings saved" in text
        assert 'id="s-rest_hours" name="rest_hours" inputmode="decimal" value="5"' in text
    finally:
        planned.store.set_planner_settings(before)
