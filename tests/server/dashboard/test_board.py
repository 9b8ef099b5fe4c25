"""Reading the Opportunities page's filters, and how its rows read."""

from __future__ import annotations

import datetime as dt

from lowtide.core.board import BoardFilter, SortKey
from lowtide.core.opportunities import OpportunityKind, TimeShape
from lowtide.core.pay import PayBasis
from lowtide.server.dashboard.board import (
    Deadline,
    check_filter_name,
    form_of,
    parse_board_query,
    time_shape,
)

SAVED = {"paid": BoardFilter(kinds=(OpportunityKind.WRITING,), min_pay=300, fits_lulls=True)}


def test_empty_query_filters_nothing() -> None:
    found = parse_board_query({}, [], SAVED, "USD")
    assert found.errors == {}
    assert not found.active
    assert found.board_filter == BoardFilter()


def test_every_field_becomes_the_filter() -> None:
    query = {
        "min_pay": "1,500", "basis": "Hour", "max_hours": "10", "due_after": "2027-01-01",
        "due_before": "2027-02-01", "domain": "ML, data", "remote": "yes", "fits": "on",
        "closed": "on", "q": " gpu ", "sort": "pay",
    }  # fmt: skip
    found = parse_board_query(query, ["talk", " Writing", "talk"], SAVED, "USD")
    assert found.errors == {}
    assert found.board_filter == BoardFilter(
        kinds=(OpportunityKind.TALK, OpportunityKind.WRITING),
        min_pay=1500,
        pay_basis=PayBasis.HOUR,
        max_weekly_hours=10,
        due_after=dt.date(2027, 1, 1),
        due_before=dt.date(2027, 2, 1),
        domains=("ml", "data"),
        remote=True,
        fits_lulls=True,
        text="gpu",
        include_closed=True,
        sort=SortKey.PAY,
    )
    assert found.text("q") == "gpu"


def test_each_error_belongs_to_its_field() -> None:
    query = {"min_pay": "x", "max_hours": "-1", "remote": "maybe", "due_after": "May"}
    found = parse_board_query(query, ["nap"], SAVED, "EUR")
    assert set(found.errors) == {"min_pay", "max_hours", "remote", "due_after", "kind"}
    assert "EUR" in found.errors["min_pay"]
    assert found.text("min_pay") == "x"


def test_a_saved_filter_fills_the_form_and_fields_narrow_it() -> None:
    found = parse_board_query({"saved": "paid", "max_hours": "5"}, [], SAVED, "USD")
    assert found.errors == {}
    assert found.kinds == ("writing",)
    assert found.text("min_pay") == "300"
    assert found.ticked("fits")
    assert found.board_filter.max_weekly_hours == 5
    assert found.board_filter.min_pay == 300
    assert "saved" in parse_board_query({"saved": "gone"}, [], SAVED, "USD").errors


def test_a_filter_goes_round_the_form() -> None:
    texts, kinds = form_of(SAVED["paid"])
    again = parse_board_query(texts, kinds, {}, "USD")
    assert again.board_filter == SAVED["paid"]
    assert ("kind", "writing") in again.as_query()


def test_filter_names() -> None:
    assert check_filter_name("") is not None
    assert check_filter_name("x" * 201) is not None
    assert check_filter_name("paid writing") is None


def test_time_shapes_read_as_words() -> None:
    assert time_shape(TimeShape.fixed(10, 26)) == "10 h/week for 26 weeks"
    assert time_shape(TimeShape.flexible(80, 4, 20)) == "80 h at 4\u201320 h/week"
    assert time_shape(TimeShape.flexible(12)) == "12 h at up to 12 h/week"


def test_deadlines_in_words() -> None:
    day = dt.date(2027, 1, 10)
    assert Deadline(day, 0).words == "today"
    assert Deadline(day, 1).words == "tomorrow"
    assert (Deadline(day, 12).words, Deadline(day, 12).tone) == ("12 days left", "warn")
    assert (Deadline(day, -3).words, Deadline(day, -3).tone) == ("passed 3 days ago", "bad")
