"""Opportunities, edits that outlive re-imports, filters, rates, weights and the growth log
in the store, on both back ends."""

from __future__ import annotations

import datetime as dt

import pytest

from lowtide.core.board import BoardFilter, SortKey
from lowtide.core.growth import GrowthEntry
from lowtide.core.opportunities import OpportunityKind, ValueWeights, opportunity_from_json
from lowtide.errors import NotFoundError, ValidationError
from lowtide.store import Store


def gig(title: str = "Audit", **fields: object) -> object:
    return opportunity_from_json(
        {"title": title, "kind": "freelance", "pay": "€60/h", "deadline": "2027-02-15",
         **fields},
        source="file",
        key=title.lower(),
    )  # fmt: skip


def test_reimport_updates_without_duplicates_and_keeps_edits(store: Store) -> None:
    first = store.save_opportunities([gig(), gig("Review")], now=10.0)  # type: ignore[list-item]
    assert first.to_json() == {"added": 2, "updated": 0, "unchanged": 0}
    [audit, review] = sorted(store.opportunities(), key=lambda s: s.opportunity.title)
    edited = store.edit_opportunity(audit.id, {"title": "Audit (mine)", "max_weekly": 6}, now=20)
    assert edited.edited == ("max_weekly", "title")
    assert edited.opportunity.shape.max_weekly == 6
    again = store.save_opportunities([gig(), gig("Review")], now=30.0)  # type: ignore[list-item]
    assert again.to_json() == {"added": 0, "updated": 0, "unchanged": 2}
    moved = gig(deadline="2027-03-01", description="now longer")
    changed = store.save_opportunities([moved], now=40.0)  # type: ignore[list-item]
    assert changed.updated == 1
    assert len(store.opportunities()) == 2
    shown = store.opportunity(audit.id).opportunity
    assert shown.title == "Audit (mine)"  # the user's edit is kept
    assert shown.description == "now longer"  # the source's change comes in
    assert shown.deadline_day == dt.date(2027, 3, 1)
    reset = store.reset_opportunity(audit.id, ["title"])
    assert reset.opportunity.title == "Audit"
    assert reset.edited == ("max_weekly",)
    assert store.reset_opportunity(audit.id).edited == ()
    assert store.opportunity(review.id).opportunity.title == "Review"


def test_bad_edits_name_the_field(store: Store) -> None:
    store.save_opportunities([gig()])  # type: ignore[list-item]
    [item] = store.opportunities()
    with pytest.raises(ValidationError, match="kind:") as info:
        store.edit_opportunity(item.id, {"kind": "party"})
    assert info.value.field == "kind"
    with pytest.raises(ValidationError, match="source: not a field"):
        store.edit_opportunity(item.id, {"source": "x"})
    with pytest.raises(NotFoundError, match="no opportunity with id 999"):
        store.edit_opportunity(999, {"title": "x"})
    assert store.opportunity(item.id).edited == ()


def test_board_order_by_deadline(store: Store) -> None:
    store.save_opportunities(  # type: ignore[list-item]
        [gig("Late", deadline="2027-05-01"), gig("Open", deadline=None), gig("Soon")]
    )
    assert [s.opportunity.title for s in store.opportunities()] == ["Soon", "Late", "Open"]


def test_saved_filters(store: Store) -> None:
    f = BoardFilter(kinds=(OpportunityKind.TALK,), min_pay=100, sort=SortKey.PAY)
    store.save_filter("talks", f)
    assert store.saved_filter("talks") == f
    store.save_filter("talks", BoardFilter())
    assert store.saved_filters() == {"talks": BoardFilter()}
    store.remove_filter("talks")
    with pytest.raises(NotFoundError, match="no saved filter 'talks'"):
        store.saved_filter("talks")


def test_rates_base_and_weights(store: Store) -> None:
    assert store.currency_rates().base == "USD"
    store.set_rate("eur", 1.08)
    store.set_rate("EUR", 1.1)
    store.set_rate("GBP", 1.25)
    assert dict(store.currency_rates().per_base) == {"EUR": 1.1, "GBP": 1.25}
    with pytest.raises(ValidationError, match="base currency"):
        store.set_rate("USD", 2)
    with pytest.raises(ValidationError, match="above 0"):
        store.set_rate("CHF", 0)
    with pytest.raises(ValidationError, match="not a currency code"):
        store.set_rate("euros", 1)
    store.remove_rate("GBP")
    assert store.set_base_currency("EUR") == 1
    assert store.currency_rates().base == "EUR"
    assert dict(store.currency_rates().per_base) == {}
    assert store.value_weights() == ValueWeights()
    store.set_value_weights(ValueWeights(income=2, learning=0.5, reputation=1))
    assert store.value_weights() == ValueWeights(2, 0.5, 1)


def test_growth_log(store: Store) -> None:
    store.save_opportunities([gig()])  # type: ignore[list-item]
    [item] = store.opportunities()
    first = store.log_growth(
        GrowthEntry(dt.date(2026, 5, 1), OpportunityKind.FREELANCE, "Audit", hours=30,
                    earned=1800, currency="EUR", link="https://example.com/report",
                    opportunity_id=item.id)
    )  # fmt: skip
    store.log_growth(GrowthEntry(dt.date(2027, 2, 1), OpportunityKind.COMPETITION, "Kaggle",
                                 hours=50, rank=42))  # fmt: skip
    entries = store.growth_log()
    assert [e.title for _, e in entries] == ["Audit", "Kaggle"]
    assert entries[0][1].opportunity_id == item.id
    assert entries[1][1].rank == 42
    assert [e.title for _, e in store.growth_log(2027)] == ["Kaggle"]
    with pytest.raises(NotFoundError):
        store.log_growth(GrowthEntry(dt.date(2027, 1, 1), OpportunityKind.OTHER, "x",
                                     opportunity_id=999))  # fmt: skip
    store.remove_growth(first)
    assert len(store.growth_log()) == 1
    with pytest.raises(NotFoundError):
        store.remove_growth(first)
