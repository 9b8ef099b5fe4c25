"""The growth log's yearly totals: hours, earnings in the base currency, ranks."""

from __future__ import annotations

import datetime as dt

import pytest

from lowtide.core.growth import GrowthEntry, yearly_totals
from lowtide.core.opportunities import OpportunityKind as K
from lowtide.core.pay import CurrencyRates


def test_totals_per_year() -> None:
    entries = [
        GrowthEntry(dt.date(2026, 3, 1), K.WRITING, "Post", hours=10, earned=300),
        GrowthEntry(dt.date(2026, 6, 1), K.TEACHING, "Term", hours=100, earned=2000,
                    currency="EUR"),
        GrowthEntry(dt.date(2026, 9, 1), K.COMPETITION, "Kaggle", hours=40, rank=12),
        GrowthEntry(dt.date(2026, 10, 1), K.COMPETITION, "Other", hours=20, rank=3),
        GrowthEntry(dt.date(2026, 11, 1), K.FREELANCE, "Gig", hours=5, earned=100,
                    currency="GBP"),
        GrowthEntry(dt.date(2027, 1, 10), K.TALK, "Talk", hours=15),
    ]  # fmt: skip
    [y2027, y2026] = yearly_totals(entries, CurrencyRates("USD", {"EUR": 1.1}))
    assert (y2027.year, y2027.entries, y2027.hours, y2027.earned) == (2027, 1, 15, 0)
    assert y2026.entries == 5
    assert y2026.hours == 175
    assert y2026.earned == pytest.approx(300 + 2200)
    assert y2026.unconverted == {"GBP": 100}
    assert y2026.best_rank == 3
    assert y2026.hours_by_kind["competition"] == 60
    assert y2026.to_json()["entries_by_kind"] == {
        "competition": 2, "freelance": 1, "teaching": 1, "writing": 1,
    }  # fmt: skip


def test_entries_are_checked() -> None:
    with pytest.raises(ValueError, match="title"):
        GrowthEntry(dt.date(2027, 1, 1), K.OTHER, " ")
    with pytest.raises(ValueError, match="rank"):
        GrowthEntry(dt.date(2027, 1, 1), K.OTHER, "x", rank=0)
    with pytest.raises(ValueError, match="negative"):
        GrowthEntry(dt.date(2027, 1, 1), K.OTHER, "x", earned=-1)
