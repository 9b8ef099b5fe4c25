"""Opportunities and Growth in Debian's chromium: seeded data, filters, saved filters, forms."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.server.dashboard.conftest import Dashboard
from tests.server.dashboard.seed import SAVED_FILTER, SAVED_MIN_PAY, XSS_OFFER

ROWS = "table.board tbody tr"


def kinds_shown(page: Page) -> set[str]:
    found = page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.kind)")
    return {str(kind) for kind in found}


def test_board_loads_with_the_imported_opportunities(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/opportunities")
    expect(page.locator("header.top nav a.current")).to_have_text("Opportunities")
    expect(page.locator(ROWS).first).to_be_visible()
    assert {"talk", "writing", "teaching", "freelance"} <= kinds_shown(page)
    review = page.locator(ROWS, has_text="Review a training pipeline")
    expect(review.locator(".pay-text")).to_have_text("$80/h")
    expect(review.locator(".shape")).to_have_text("12 h at 2\u20136 h/week")
    expect(review.locator(".deadline .badge")).to_have_text(re.compile(r"^\d+ days left$"))
    # Its detail opens in place.
    detail = review.locator("dl.opp-details")
    expect(detail).to_be_hidden()
    review.locator("summary").click()
    expect(detail).to_contain_text("pipeline-review")


def test_filters_narrow_the_board(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/opportunities")
    everything = page.locator(ROWS).count()
    page.check('#board-form input[name="kind"][value="writing"]')
    page.click("#filter")
    expect(page.locator('#board-form input[name="kind"][value="writing"]')).to_be_checked()
    narrowed = page.locator(ROWS).count()
    assert 0 < narrowed < everything
    assert kinds_shown(page) == {"writing"}
    page.uncheck('#board-form input[name="kind"][value="writing"]')
    page.fill("#f-min-pay", "1000")
    page.click("#filter")
    expect(page.locator(ROWS, has_text="Full-time MLOps contract")).to_have_count(1)
    expect(page.locator(ROWS, has_text="Tutor a term of deep learning")).to_have_count(0)
    assert page.locator(ROWS).count() < everything


def test_fits_my_lulls(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/opportunities")
    expect(page.locator(ROWS, has_text="Full-time MLOps contract")).to_have_count(1)
    page.check("#f-fits")
    page.click("#filter")
    expect(page.locator("#f-fits")).to_be_checked()
    expect(page.locator(ROWS, has_text="Review a training pipeline")).to_have_count(1)
    expect(page.locator(ROWS, has_text="Full-time MLOps contract")).to_have_count(0)


def test_a_saved_filter_is_applied_and_a_new_one_saved(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/opportunities")
    page.select_option("#f-saved", SAVED_FILTER)
    page.click("#apply-saved")
    expect(page.locator("#f-min-pay")).to_have_value(f"{SAVED_MIN_PAY}")
    expect(page.locator('#board-form input[name="kind"][value="writing"]')).to_be_checked()
    assert kinds_shown(page) == {"writing"}
    # Narrow it, and keep it under a name of its own.
    page.select_option("#f-sort", "pay")
    page.click("#filter")
    page.fill("#f-save-name", "best paid writing")
    page.click("#save-filter")
    page.wait_for_url(re.compile(r"saved=best\+paid\+writing"))
    expect(page.locator("#f-saved")).to_have_value("best paid writing")
    expect(page.locator("#f-sort")).to_have_value("pay")
    assert kinds_shown(page) == {"writing"}


def test_bad_filter_input_shows_its_message_next_to_the_field(
    page: Page, dashboard: Dashboard
) -> None:
    page.goto(dashboard.url + "/opportunities")
    page.fill("#f-min-pay", "lots")
    page.click("#filter")
    message = page.locator(".field:has(#f-min-pay) .error")
    expect(message).to_have_text("Minimum pay is an amount in USD from 0 up, such as 500.")
    expect(page.locator("#f-min-pay")).to_have_value("lots")
    expect(page.locator("#f-min-pay")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(ROWS)).to_have_count(0)
    page.fill("#f-save-name", "")
    page.fill("#f-min-pay", "10")
    page.click("#filter")
    page.click("#save-filter")
    expect(page.locator(".save-filter .error")).to_have_text(re.compile("Give the filter a name"))


def test_a_script_in_an_opportunity_is_text(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/opportunities")
    row = page.locator(ROWS, has_text=XSS_OFFER)
    expect(row).to_have_count(1)
    expect(row.locator(".opp-title")).to_have_text(XSS_OFFER)
    expect(row.locator(".opp-title a")).to_have_count(0)  # a javascript: link is no link
    row.locator("summary").click()
    expect(row.locator("dl.opp-details")).to_contain_text(XSS_OFFER)


def test_growth_log_and_its_totals(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/growth")
    expect(page.locator("header.top nav a.current")).to_have_text("Growth")
    expect(page.locator("article.year").first).to_be_visible()
    last_year = page.locator("article.year").nth(1)
    expect(last_year.locator(".earned")).to_have_text("1,620 USD")
    expect(page.locator("table.growth", has_text="Tabular playground entry")).to_be_visible()


def test_growth_form_adds_an_entry(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/growth")
    page.fill("#g-on", "2026-06-15")
    page.select_option("#g-kind", "writing")
    page.fill("#g-title", "Post on stall detection")
    page.fill("#g-hours", "9")
    page.fill("#g-earned", "350")
    page.fill("#g-link", "https://example.org/stalls")
    page.click("#add-entry")
    page.wait_for_url(re.compile(r"/growth\?added=\d+"))
    expect(page.locator(".notice")).to_have_text("Added to the log.")
    row = page.locator("table.growth tbody tr", has_text="Post on stall detection")
    expect(row).to_have_count(1)
    expect(row.locator("a")).to_have_attribute("href", "https://example.org/stalls")
    expect(row).to_contain_text("350 USD")


def test_bad_growth_input_shows_its_message_next_to_the_field(
    page: Page, dashboard: Dashboard
) -> None:
    page.goto(dashboard.url + "/growth")
    page.select_option("#g-kind", "learning")
    page.fill("#g-title", "Read a paper")
    page.fill("#g-hours", "a few")
    page.click("#add-entry")
    message = page.locator(".field:has(#g-hours) .error")
    expect(message).to_have_text(re.compile(r"^Hours is a number from 0 to"))
    expect(page.locator("#g-hours")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#g-title")).to_have_value("Read a paper")
    expect(page.locator("table.growth tbody tr", has_text="Read a paper")).to_have_count(0)
