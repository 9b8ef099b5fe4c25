"""The board's filters and orders, and which opportunities fit the forecast's lulls."""

from __future__ import annotations

import datetime as dt

import pytest

from lowtide.core.board import BoardContext, BoardFilter, SortKey, board, fits_weeks, matches
from lowtide.core.forecast import Week
from lowtide.core.opportunities import (
    Opportunity,
    OpportunityKind,
    StoredOpportunity,
    TimeShape,
    ValueWeights,
    opportunity_from_json,
)
from lowtide.core.pay import CurrencyRates, PayBasis

NOW = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)  # a Monday
MONDAY = NOW.date()


def opp(title: str, **fields: object) -> Opportunity:
    return opportunity_from_json({"title": title, **fields}, source="t", key=title)


ITEMS = [
    StoredOpportunity(1, opp("Gig", kind="freelance", pay="€60/h", domains="ml", remote=True,
                             min_weekly=10, max_weekly=20, hours=60, deadline="2027-02-01")),
    StoredOpportunity(2, opp("Article", kind="writing", pay="$300 per article", domains="python",
                             remote=True, deadline="2027-01-20")),
    StoredOpportunity(3, opp("Prize", kind="competition", pay="$25,000", team_size=5,
                             deadline="2027-03-01")),
    StoredOpportunity(4, opp("Old CFP", kind="talk", deadline="2026-12-01")),
    StoredOpportunity(5, opp("Course", kind="learning", domains="ml, rust")),
    StoredOpportunity(6, opp("Paused", kind="writing", open=False)),
]  # fmt: skip
CTX = BoardContext(NOW, CurrencyRates("USD", {"EUR": 1.1}), ValueWeights(income=3))


def titles(f: BoardFilter, ctx: BoardContext = CTX) -> list[str]:
    return [item.opportunity.title for item in board(ITEMS, f, ctx)]


def test_default_board_hides_closed_and_past_and_sorts_by_deadline() -> None:
    assert titles(BoardFilter()) == ["Article", "Gig", "Prize", "Course"]
    assert len(titles(BoardFilter(include_closed=True))) == 6


def test_filters() -> None:
    assert titles(BoardFilter(kinds=(OpportunityKind.WRITING,))) == ["Article"]
    assert titles(BoardFilter(min_pay=250)) == ["Article", "Prize"]
    assert titles(BoardFilter(min_pay=60, pay_basis=PayBasis.HOUR)) == ["Gig"]  # €60 = $66
    assert titles(BoardFilter(min_pay=70, pay_basis=PayBasis.HOUR)) == []
    no_rate = BoardContext(NOW)
    assert titles(BoardFilter(min_pay=1, pay_basis=PayBasis.HOUR), no_rate) == []
    assert titles(BoardFilter(max_weekly_hours=5)) == ["Article", "Prize", "Course"]
    window = BoardFilter(due_after=dt.date(2027, 1, 15), due_before=dt.date(2027, 2, 15))
    assert titles(window) == ["Article", "Gig"]
    assert titles(BoardFilter(domains=("ml",))) == ["Gig", "Course"]
    assert titles(BoardFilter(remote=True)) == ["Article", "Gig"]
    assert titles(BoardFilter(text="PRIZE")) == ["Prize"]
    with pytest.raises(ValueError, match="before due_after"):
        BoardFilter(due_after=dt.date(2027, 2, 1), due_before=dt.date(2027, 1, 1))


def test_orders() -> None:
    assert titles(BoardFilter(sort=SortKey.PAY)) == ["Prize", "Article", "Gig", "Course"]
    assert titles(BoardFilter(sort=SortKey.TITLE)) == ["Article", "Course", "Gig", "Prize"]
    assert titles(BoardFilter(sort=SortKey.VALUE))[0] == "Gig"  # income weighs 3
    assert titles(BoardFilter(sort=SortKey.HOURS))[-1] == "Gig"


def test_filters_round_trip_and_reject_unknown_fields() -> None:
    f = BoardFilter(kinds=(OpportunityKind.TALK,), min_pay=100, pay_basis=PayBasis.ARTICLE,
                    due_after=dt.date(2027, 1, 1), domains=("ml",), remote=False,
                    fits_lulls=True, sort=SortKey.VALUE)  # fmt: skip
    assert BoardFilter.from_json(f.to_json()) == f
    with pytest.raises(ValueError, match="colour: not a filter"):
        BoardFilter.from_json({"colour": "red"})
    with pytest.raises(ValueError, match="sort:"):
        BoardFilter.from_json({"sort": "random"})


def weeks(*free: float) -> list[Week]:
    return [
        Week(MONDAY + dt.timedelta(weeks=k), capacity=40.0, committed_p50=40 - f - 2,
             committed_p80=40 - f)
        for k, f in enumerate(free)
    ]  # fmt: skip


def test_flexible_fits_when_free_hours_before_the_deadline_add_up() -> None:
    article = opp("A", hours=12, min_weekly=3, max_weekly=12, deadline="2027-01-24")
    assert fits_weeks(article, weeks(2, 2, 20, 0), MONDAY)  # 12 of the 20 free in week 3
    assert not fits_weeks(article, weeks(2, 2, 2, 40), MONDAY)  # week 4 is past the deadline
    course = opp("C", hours=30, min_weekly=2, max_weekly=8)
    assert fits_weeks(course, weeks(8, 8, 8, 8), MONDAY)
    assert not fits_weeks(course, weeks(8, 8, 8, 1), MONDAY)  # 1 h is under its 2 h minimum
    assert not fits_weeks(course, [], MONDAY)
    later = opp("L", hours=10, earliest_start="2027-01-18")
    assert not fits_weeks(later, weeks(10, 10, 0, 0), MONDAY)


def test_fixed_needs_a_run_of_weeks_starting_in_a_window() -> None:
    tutoring = Opportunity(
        "t", "tutor", OpportunityKind.TEACHING, "Tutor", TimeShape.fixed(10, 3),
        opp("x").value,
    )  # fmt: skip
    assert fits_weeks(tutoring, weeks(5, 12, 12, 12), MONDAY)
    assert not fits_weeks(tutoring, weeks(12, 12, 5, 12, 12), MONDAY)
    termed = opp("T", max_weekly=10, weeks=3, start_windows="2027-01-04..2027-01-05")
    assert not fits_weeks(termed, weeks(5, 12, 12, 12), MONDAY)  # the run starts too late
    assert fits_weeks(termed, weeks(12, 12, 12, 0), MONDAY)
    long = opp("Y", max_weekly=10, weeks=52)  # judged on the weeks the forecast reaches
    assert fits_weeks(long, weeks(10, 10), MONDAY)


def test_fits_lulls_filter_uses_the_forecast_weeks() -> None:
    ctx = BoardContext(NOW, weeks=weeks(40, 40, 40, 40, 40))
    assert "Gig" in titles(BoardFilter(fits_lulls=True), ctx)
    assert titles(BoardFilter(fits_lulls=True), BoardContext(NOW)) == []
    assert matches(ITEMS[4].opportunity, BoardFilter(fits_lulls=True), ctx)
