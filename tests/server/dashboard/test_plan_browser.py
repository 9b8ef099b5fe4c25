"""The Plan page in Debian's chromium: the calendar, Plan again, Accept, settings, .ics."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.opportunities.conftest import snapshots
from tests.server.dashboard.conftest import Dashboard
from tests.server.dashboard.seed_plan import XSS_TITLE, seed_plan_inputs

#: Milliseconds a page may take to show a change (the solver's second included).
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def planned(dashboard: Dashboard) -> Dashboard:
    """The seeded dashboard with opportunities to plan."""
    seed_plan_inputs(dashboard.store, snapshots())
    return dashboard


def plan_again(page: Page, quick: bool = True) -> None:
    if quick:
        page.check("form.replan input[name=greedy]")
    page.click("form.replan button[type=submit]")
    expect(page.locator(".flash.ok")).to_contain_text("A new preview is ready", timeout=WAIT_MS)


def test_plan_again_draws_blocks_in_the_lull(page: Page, planned: Dashboard) -> None:
    page.goto(planned.url + "/plan")
    page.click('header.top nav a:text-is("Plan")')
    expect(page.locator('header.top nav a[aria-current="page"]')).to_have_text("Plan")
    plan_again(page, quick=False)
    expect(page.locator(".plan-state")).to_have_attribute("data-state", "preview")
    expect(page.locator(".plan-state .method")).to_have_text(
        re.compile(r"^(optimal|time-limit|greedy)$")
    )
    expect(page.locator("ol.plan-cal li.pw")).to_have_count(26)
    blocks = page.locator("ol.plan-cal li.pw.in-lull .blk")
    expect(blocks.first).to_be_visible()
    box = blocks.first.bounding_box()
    assert box is not None
    assert box["width"] > 2
    expect(page.locator(".plan-legend i").first).to_be_visible()
    expect(page.locator("ul.plan-items li.plan-item").first).to_be_visible()
    expect(page.locator("ul.plan-items .pi-why").first).not_to_be_empty()


def test_plan_again_says_it_is_working(page: Page, planned: Dashboard) -> None:
    page.goto(planned.url + "/plan")
    # Keep the page where it is after the page's own handler ran, to see what it shows.
    page.evaluate(
        "document.querySelector('form.replan')"
        ".addEventListener('submit', (event) => event.preventDefault())"
    )
    page.click("form.replan button[type=submit]")
    working = page.locator("p.working")
    expect(working).to_be_visible()
    expect(working).to_contain_text("working…")
    expect(working).to_contain_text("the solver stops within 1 s")
    expect(page.locator("form.replan button")).to_be_disabled()


def test_accept_changes_the_state_from_preview_to_accepted(page: Page, planned: Dashboard) -> None:
    page.goto(planned.url + "/plan")
    plan_again(page)
    state = page.locator(".plan-state")
    expect(state).to_have_attribute("data-state", "preview")
    expect(state.locator(".state")).to_have_text("preview")
    revision = state.get_attribute("data-revision")
    page.click("form.accept button")
    expect(state).to_have_attribute("data-state", "accepted", timeout=WAIT_MS)
    expect(state.locator(".state")).to_have_text("accepted")
    expect(state).to_have_attribute("data-revision", revision or "")
    expect(page.locator(".flash.ok")).to_contain_text(f"revision {revision}")
    expect(page.locator("form.accept")).to_have_count(0)


def test_a_stale_accept_shows_why(page: Page, planned: Dashboard) -> None:
    page.goto(planned.url + "/plan")
    plan_again(page)
    # Another tab plans again meanwhile.
    other = page.context.new_page()
    other.goto(planned.url + "/plan")
    plan_again(other)
    other.close()
    page.click("form.accept button")
    expect(page.locator("#plan-problem")).to_contain_text("The preview changed")


def test_bad_settings_show_a_message_next_to_the_field(page: Page, planned: Dashboard) -> None:
    page.goto(planned.url + "/plan")
    page.fill("#s-rest_hours", "lots")
    page.fill("#s-weeks", "500")
    page.click("form.plan-settings button[type=submit]")
    field = page.locator("#s-rest_hours").locator("xpath=..")
    expect(field).to_have_class(re.compile(r"\binvalid\b"))
    expect(field.locator(".error")).to_contain_text("“lots” is not a number")
    expect(page.locator("#err-weeks")).to_contain_text("from 1 to 104")
    expect(page.locator("#s-rest_hours")).to_have_value("lots")
    expect(page.locator("#s-rest_hours")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#err-max_long")).to_have_count(0)


def test_the_ics_link_downloads_a_calendar(page: Page, planned: Dashboard) -> None:
    page.goto(planned.url + "/plan")
    plan_again(page)
    with page.expect_download() as caught:
        page.click("a.ics")
    download = caught.value
    assert download.suggested_filename.endswith(".ics")
    path = download.path()
    assert path.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_a_script_title_is_shown_as_text(page: Page, planned: Dashboard) -> None:
    page.goto(planned.url + "/plan")
    plan_again(page)
    # Chosen (its link is javascript:, so it is no link), or left out with its reason.
    title = page.locator(".pi-title, .r-title").filter(has_text="alert(1)").first
    expect(title).to_have_text(XSS_TITLE)
    expect(page.locator('a[href^="javascript:"]')).to_have_count(0)
    assert page.evaluate("document.querySelectorAll('main script').length") == 0
