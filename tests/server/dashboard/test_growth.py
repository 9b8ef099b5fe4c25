"""Reading the Growth page's form into a log entry."""

from __future__ import annotations

import datetime as dt

from lowtide.core.opportunities import OpportunityKind
from lowtide.server.dashboard.growth import blank_form, parse_growth_form


def test_a_whole_entry() -> None:
    form = {
        "on": "2026-05-04", "kind": "Competition", "title": " Kaggle entry ", "hours": "30",
        "earned": "1,000", "currency": "eur", "link": "https://kaggle.com/x", "rank": "12",
        "note": "with a team",
    }  # fmt: skip
    found = parse_growth_form(form)
    assert found.errors == {}
    assert found.entry is not None
    e = found.entry
    assert (e.on, e.kind, e.title) == (
        dt.date(2026, 5, 4),
        OpportunityKind.COMPETITION,
        "Kaggle entry",
    )
    assert (e.hours, e.earned, e.currency, e.rank) == (30, 1000, "EUR", 12)


def test_empty_numbers_are_none_spent() -> None:
    found = parse_growth_form({"on": "2026-05-04", "kind": "learning", "title": "Read"})
    assert found.entry is not None
    assert (found.entry.hours, found.entry.earned, found.entry.rank) == (0, 0, None)


def test_each_error_belongs_to_its_field_and_the_text_stays() -> None:
    found = parse_growth_form(
        {"on": "", "kind": "nap", "title": "", "hours": "-1", "earned": "lots",
         "currency": "12", "link": "ftp://x", "rank": "first"}
    )  # fmt: skip
    assert found.entry is None
    assert set(found.errors) == {
        "on", "kind", "title", "hours", "earned", "currency", "link", "rank",
    }  # fmt: skip
    assert found.text("earned") == "lots"


def test_the_blank_form_starts_today_in_the_base_currency() -> None:
    form = blank_form(dt.date(2026, 12, 1), "EUR")
    assert (form.text("on"), form.text("currency"), form.text("title")) == ("2026-12-01", "EUR", "")
