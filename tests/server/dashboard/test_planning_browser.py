"""Projects, Forecast and Notifications in Debian's chromium: seeded data, forms, escaping."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.server.dashboard.conftest import Dashboard
from tests.server.dashboard.seed import XSS_PROJECT

#: Milliseconds a page may take to show a change.
WAIT_MS = 15_000


def test_projects_page_shows_each_timeline(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/projects")
    cifar = page.locator('.timeline[data-project="cifar10"]')
    expect(cifar.locator(".tl-row")).to_have_count(5)
    expect(cifar.locator('.tl-row[data-status="active"] .tl-name')).to_have_text("train")
    bar = cifar.locator('.tl-row[data-stage="ship"] .tl-bar')
    box = bar.bounding_box()
    assert box is not None
    assert box["width"] > 2
    today = cifar.locator(".tl-row").first.locator(".tl-today").bounding_box()
    assert today is not None
    assert box["x"] >= today["x"] - 1
    page.click('.project-head a:text-is("cifar10")')
    page.wait_for_url("**/projects/cifar10")
    expect(page.locator("h1.project-name")).to_have_text("cifar10")
    expect(page.locator("form.writeup button")).to_have_text("Write it up")
    expect(page.locator('table.needs tr[data-stage="ship"]')).to_be_visible()


def test_forecast_page_highlights_a_lull(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/forecast")
    expect(page.locator("svg.forecast-chart g.week")).to_have_count(26)
    band = page.locator("svg.forecast-chart .lull-band").first
    expect(band).to_be_visible()
    expect(band.locator("text")).to_have_text(re.compile(r"^lull · \d+ h free$"))
    expect(page.locator("svg.forecast-chart g.week.in-lull").first).to_be_visible()
    expect(page.locator("li.lull").first).to_contain_text("h free at P80")


def test_forecast_form_changes_the_weeks(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/forecast")
    page.fill("#f-weeks", "10")
    page.click("form.filters button[type=submit]")
    expect(page.locator("svg.forecast-chart g.week")).to_have_count(10)
    expect(page.locator("#f-weeks")).to_have_value("10")
    expect(page.locator("table.weeks tbody tr")).to_have_count(10)


def test_bad_forecast_input_shows_its_message_next_to_the_field(
    page: Page, dashboard: Dashboard
) -> None:
    page.goto(dashboard.url + "/forecast")
    page.fill("#f-lull", "lots")
    page.click("form.filters button[type=submit]")
    message = page.locator(".field:has(#f-lull) .error")
    expect(message).to_have_text("Free hours for a lull is a number of hours from 0 to 168.")
    expect(page.locator("#f-lull")).to_have_value("lots")
    expect(page.locator("#f-lull")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("svg.forecast-chart")).to_have_count(0)


def test_notifications_show_deliveries_and_filter_them(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/notifications")
    expect(page.locator('tr[data-status="sent"]').first).to_be_visible()
    failed = page.locator('tr[data-status="failed"]').first
    expect(failed.locator(".error-text")).not_to_be_empty()
    page.select_option("#f-status", "failed")
    page.click("form.filters button[type=submit]")
    expect(page.locator('tr[data-status="sent"]')).to_have_count(0)
    expect(page.locator('tr[data-status="failed"]').first).to_be_visible()
    page.fill("#f-scope", "nobody")
    page.click("form.filters button[type=submit]")
    expect(page.locator(".field:has(#f-scope) .error")).to_contain_text(
        "“nobody” has no notification settings"
    )


def test_send_a_test_message(page: Page, dashboard: Dashboard) -> None:
    before = len(dashboard.received)
    page.goto(dashboard.url + "/notifications")
    card = page.locator('article.channel-set[data-scope=""]')
    card.locator("button[data-test-scope]").click()
    expect(card.locator(".test-result")).to_contain_text("Queued on json://127.0.0.1:")
    deadline = 100  # tenths of a second: the message goes out in the server's own thread
    while len(dashboard.received) == before and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    assert any(m["title"] == "lowtide test message" for m in dashboard.received[before:])


def test_a_script_in_a_project_name_is_text(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/projects")
    section = page.locator("section.project").filter(has_text="alert(1)")
    expect(section.locator(".project-head h2 a")).to_have_text(XSS_PROJECT)
    section.locator(".project-head h2 a").click()
    page.wait_for_url("**/projects/**")
    expect(page.locator("h1.project-name")).to_have_text(XSS_PROJECT)
    page.goto(dashboard.url + f"/projects/{quote(XSS_PROJECT, safe='')}")
    expect(page.locator("p.goal")).to_have_text(XSS_PROJECT)
    # The `page` fixture fails the test on any dialog, such as alert(1).
