"""The Opportunities and Growth pages over HTTP: seeded rows, filters, escaping, bad input."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from tests.server.dashboard.conftest import Dashboard
from tests.server.dashboard.seed import SAVED_FILTER, XSS_OFFER


def get(dashboard: Dashboard, path: str, params: object = None) -> httpx.Response:
    return httpx.get(dashboard.url + path, params=params, timeout=30)  # type: ignore[arg-type]


def rows(text: str) -> list[str]:
    """The kinds of the board's rows, in order."""
    return re.findall(r'<tr data-opportunity="\d+" data-kind="(\w+)"', text)


def test_nav_has_opportunities_then_growth(dashboard: Dashboard) -> None:
    text = get(dashboard, "/").text
    order = [text.index(f'href="{path}"') for path in ("/forecast", "/opportunities", "/growth")]
    assert order == sorted(order)


def test_board_shows_the_imported_mix(dashboard: Dashboard) -> None:
    answer = get(dashboard, "/opportunities")
    assert answer.status_code == 200
    kinds = set(rows(answer.text))
    assert {"writing", "teaching", "freelance"} <= kinds
    assert "Tutor a term of deep learning" in answer.text
    assert "€45 per hour" in answer.text  # the source's text, and the base-currency figure
    assert "49 USD/hour" in answer.text
    assert "4 h/week for 4 weeks" in answer.text
    assert "12 h at 2\u20136 h/week" in answer.text


@pytest.mark.parametrize(
    ("params", "kinds"),
    [
        ({"kind": "writing"}, {"writing"}),
        ({"kind": ["teaching", "freelance"]}, {"teaching", "freelance"}),
        ({"min_pay": "1000"}, None),
        ({"basis": "hour"}, {"teaching", "freelance"}),
        ({"remote": "no"}, {"freelance", "talk"}),  # a gig in Berlin, talks on site
    ],
)
def test_filters_narrow_the_board(
    dashboard: Dashboard, params: dict[str, object], kinds: set[str] | None
) -> None:
    everything = rows(get(dashboard, "/opportunities").text)
    answer = get(dashboard, "/opportunities", params)
    assert answer.status_code == 200
    found = rows(answer.text)
    assert 0 < len(found) < len(everything)
    if kinds is not None:
        assert set(found) <= kinds


def test_min_pay_keeps_only_pay_of_at_least_that(dashboard: Dashboard) -> None:
    text = get(dashboard, "/opportunities", {"min_pay": "1000", "sort": "pay"}).text
    assert "Full-time MLOps contract" in text  # $9,000
    assert "Tutor a term of deep learning" not in text  # €45 an hour


def test_fits_my_lulls_drops_what_fits_no_week(dashboard: Dashboard) -> None:
    everything = get(dashboard, "/opportunities").text
    fitting = get(dashboard, "/opportunities", {"fits": "on"}).text
    assert "Full-time MLOps contract" in everything
    assert "Full-time MLOps contract" not in fitting
    assert "Review a training pipeline" in fitting
    assert 'id="f-fits" name="fits" value="on" checked' in fitting


def test_a_saved_filter_fills_the_form(dashboard: Dashboard) -> None:
    answer = get(dashboard, "/opportunities", {"saved": SAVED_FILTER})
    assert answer.status_code == 200
    assert set(rows(answer.text)) == {"writing"}
    assert 'name="kind" value="writing" checked' in answer.text
    assert 'value="300"' in answer.text


def test_saving_a_filter_then_applying_it(dashboard: Dashboard) -> None:
    form = {"name": "hourly gigs", "kind": "freelance", "basis": "hour"}
    answer = httpx.post(dashboard.url + "/opportunities/filters", data=form, timeout=30)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/opportunities?saved=hourly+gigs"
    shown = get(dashboard, answer.headers["location"])
    assert set(rows(shown.text)) == {"freelance"}
    assert "Review a training pipeline" in shown.text
    assert "Full-time MLOps contract" not in shown.text


def test_saving_without_a_name_says_so_next_to_the_field(dashboard: Dashboard) -> None:
    form = {"name": " ", "kind": "writing"}
    answer = httpx.post(dashboard.url + "/opportunities/filters", data=form, timeout=30)
    assert answer.status_code == 400
    assert '<p class="error" id="err-name">Give the filter a name' in answer.text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"min_pay": "lots"}, "min_pay", "Minimum pay is an amount in USD from 0 up"),
        ({"min_pay": "-5"}, "min_pay", "Minimum pay is an amount in USD from 0 up"),
        ({"max_hours": "200"}, "max_hours", "Hours a week is a number from 0 to 168."),
        ({"kind": "nap"}, "kind", "“nap” is not a kind."),
        ({"due_after": "soon"}, "due_after", "“soon” is not a day."),
        ({"due_after": "2027-03-01", "due_before": "2027-01-01"}, "due_before",
         "“Due by” (2027-01-01) is before “due from” (2027-03-01)."),
        ({"basis": "week"}, "basis", "“week” is not a pay basis."),
        ({"sort": "luck"}, "sort", "“luck” is not an order."),
        ({"saved": "nope"}, "saved", "No filter is saved as “nope”."),
    ],
)  # fmt: skip
def test_bad_filter_says_what_is_wrong_next_to_the_field(
    dashboard: Dashboard, params: dict[str, str], field: str, message: str
) -> None:
    answer = get(dashboard, "/opportunities", params)
    assert answer.status_code == 400
    assert f'<p class="error" id="err-{field}">{html.escape(message, quote=False)}' in answer.text
    assert rows(answer.text) == []


def test_a_script_in_an_opportunity_is_text(dashboard: Dashboard) -> None:
    text = get(dashboard, "/opportunities").text
    assert XSS_OFFER not in text
    assert html.escape(XSS_OFFER) in text
    assert "javascript:" not in text


def test_growth_page_shows_entries_and_totals(dashboard: Dashboard) -> None:
    answer = get(dashboard, "/growth")
    assert answer.status_code == 200
    text = answer.text
    assert "Tutored intro to ML" in text
    assert "Article on warm-up schedules" in text
    assert "#57" in text
    assert "1,620 USD" in text  # €1,500 at 1.08, last year's earnings
    assert 'href="https://example.org/warm-up"' in text


def test_adding_a_growth_entry(dashboard: Dashboard) -> None:
    form = {"on": "2026-02-02", "kind": "talk", "title": "Lightning talk on ETAs", "hours": "6"}
    answer = httpx.post(dashboard.url + "/growth", data=form, timeout=30)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/growth?added=")
    text = get(dashboard, answer.headers["location"]).text
    assert "Lightning talk on ETAs" in text
    assert "Added to the log." in text


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"title": ""}, "title", "Say what you did"),
        ({"on": "yesterday"}, "on", "Write the day as YYYY-MM-DD"),
        ({"kind": ""}, "kind", "Pick a kind"),
        ({"hours": "many"}, "hours", "Hours is a number from 0 to"),
        ({"earned": "-3"}, "earned", "Earnings are an amount from 0 up"),
        ({"currency": "dollars"}, "currency", "“dollars” is not a currency code"),
        ({"link": "javascript:alert(1)"}, "link", "A link starts with https://"),
        ({"rank": "0"}, "rank", "A rank is a whole number from 1"),
    ],
)
def test_bad_growth_input_says_what_is_wrong_next_to_the_field(
    dashboard: Dashboard, form: dict[str, str], field: str, message: str
) -> None:
    good = {"on": "2026-02-02", "kind": "learning", "title": "Read a paper", "hours": "2"}
    answer = httpx.post(dashboard.url + "/growth", data={**good, **form}, timeout=30)
    assert answer.status_code == 400
    assert f'<p class="error" id="err-{field}">{html.escape(message, quote=False)}' in answer.text
    assert f'aria-describedby="err-{field}"' in answer.text
