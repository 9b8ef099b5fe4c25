"""The opportunity model: time shapes, the flat JSON form, edits and weighted value."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lowtide.core.opportunities import (
    DEFAULT_SHAPES,
    DEFAULT_VALUES,
    DateWindow,
    OpportunityKind,
    TimeShape,
    ValueScores,
    ValueWeights,
    opportunity_from_json,
    weighted_value,
    with_edits,
)
from lowtide.core.pay import CurrencyRates, PayBasis

TUTORING = {
    "title": "Tutor ML students",
    "kind": "teaching",
    "max_weekly": 10,
    "weeks": 52,
    "start_windows": "2027-01-11..2027-01-25; 2027-09-06..2027-09-20",
    "pay": "€50/h",
    "domains": "Machine-Learning, python",
    "remote": "yes",
}


def test_shapes() -> None:
    fixed = TimeShape.fixed(10, 26)
    assert (fixed.total_hours, fixed.is_fixed, fixed.shortest_weeks) == (260, True, 26)
    flexible = TimeShape.flexible(30, 2, 8)
    assert (flexible.is_fixed, flexible.shortest_weeks) == (False, 4)
    assert flexible.describe() == "30 h at 2-8 h/wk"
    assert fixed.describe() == "10 h/wk for 26 wk"
    with pytest.raises(ValueError, match="min <= max"):
        TimeShape(10, 8, 2)
    with pytest.raises(ValueError, match="weeks"):
        TimeShape.fixed(10, 200)


def test_from_json_reads_lenient_rows() -> None:
    o = opportunity_from_json(TUTORING, source="file", key="tutor")
    assert o.kind is OpportunityKind.TEACHING
    assert o.shape == TimeShape.fixed(10, 52)
    assert o.start_windows == (
        DateWindow(dt.date(2027, 1, 11), dt.date(2027, 1, 25)),
        DateWindow(dt.date(2027, 9, 6), dt.date(2027, 9, 20)),
    )
    assert o.compensation is not None
    assert o.compensation.basis is PayBasis.HOUR
    assert o.domains == ("machine-learning", "python")
    assert o.remote is True
    assert o.value == DEFAULT_VALUES[OpportunityKind.TEACHING]
    again = opportunity_from_json(o.to_json(), source="file", key="tutor")
    assert again == o


def test_defaults_by_kind_and_deadlines() -> None:
    o = opportunity_from_json(
        {"title": "Write up the churn model", "kind": "writing", "deadline": "2027-03-01"},
        source="manual",
        key="churn",
    )
    assert o.shape == DEFAULT_SHAPES[OpportunityKind.WRITING]
    assert o.deadline == dt.datetime(2027, 3, 1, 23, 59, 59, tzinfo=dt.UTC)
    assert o.is_open(dt.datetime(2027, 3, 1, tzinfo=dt.UTC))
    assert not o.is_open(dt.datetime(2027, 3, 2, tzinfo=dt.UTC))
    total = opportunity_from_json({"title": "Course", "hours": 30}, source="m", key="c")
    assert total.shape.total_hours == 30
    assert total.kind is OpportunityKind.OTHER


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"title": ""}, "needs a title"),
        ({"title": "x", "kind": "party"}, "kind:"),
        ({"title": "x", "deadline": "TBD"}, "deadline:"),
        ({"title": "x", "min_weekly": 9, "max_weekly": 3}, "hours:"),
        ({"title": "x", "learning": 11}, "value:"),
        ({"title": "x", "start_windows": "2027-02-01..2027-01-01"}, "start_windows:"),
        ({"title": "x", "remote": "maybe"}, "remote:"),
        ({"title": "x", "deadline": "2027-01-01", "earliest_start": "2027-02-01"}, "before"),
    ],
)
def test_bad_rows_name_the_field(row: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        opportunity_from_json(row, source="file", key="k")


def test_edits_lay_over_and_value_is_weighted() -> None:
    o = opportunity_from_json(TUTORING, source="file", key="tutor")
    edited = with_edits(o, {"hours": 40, "reputation": 9, "title": "Tutor"})
    assert edited.shape == TimeShape(40, 10, 10)  # a new total makes it flexible
    assert edited.title == "Tutor"
    assert edited.value.reputation == 9
    with pytest.raises(ValueError, match="source: not a field"):
        with_edits(o, {"source": "other"})
    weights = ValueWeights(income=2, learning=1, reputation=0)
    assert weighted_value(o, weights) == 2 * 6 + 4
    with pytest.raises(ValueError, match="negative"):
        ValueWeights(income=-1)
    with pytest.raises(ValueError, match="from 0 to 10"):
        ValueScores(income=12)


def test_known_pay_raises_the_income_score_by_what_it_pays_an_hour() -> None:
    def article(pay: str) -> Any:
        data = {"title": "An article", "kind": "writing", "hours": 12, "pay": pay}
        return opportunity_from_json(data, source="test", key=pay)

    weights = ValueWeights(income=1, learning=0, reputation=0)
    rates = CurrencyRates(base="USD", per_base={"EUR": 1.5})
    default = DEFAULT_VALUES[OpportunityKind.WRITING].income
    cheap, rich = article("$300 per article"), article("$900 per article")
    assert weighted_value(cheap, weights) == weighted_value(rich, weights) == default
    # $300 for 12 h is $25 an hour: below what writing is usually worth, so it stays.
    assert weighted_value(cheap, weights, rates) == default
    # $900 for 12 h is $75 an hour: three quarters of the full score.
    assert weighted_value(rich, weights, rates) == pytest.approx(7.5)
    tutoring = opportunity_from_json(TUTORING, source="test", key="tutor")  # €50/h, $75/h
    assert weighted_value(tutoring, weights, rates) == pytest.approx(7.5)
    prize = {"title": "A competition", "kind": "competition", "pay": "$25,000"}
    competition = opportunity_from_json(prize, source="test", key="c")
    assert weighted_value(competition, weights, rates) == (
        DEFAULT_VALUES[OpportunityKind.COMPETITION].income
    )
    # Pay in a currency without a rate says nothing.
    assert weighted_value(tutoring, weights, CurrencyRates(base="USD")) == (
        DEFAULT_VALUES[OpportunityKind.TEACHING].income
    )
