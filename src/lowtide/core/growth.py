"""The growth log: what the engineer did with the lulls, and its totals per year.

Each entry is one thing done: an article published, a course finished, a
term of tutoring, a talk given, a competition entered (with its rank), a gig
delivered; with the hours it took, what it earned and a link to show for it.
Earnings are added up in the base currency; an amount in a currency without
a rate is kept apart, by currency, rather than guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lowtide.core.opportunities import MAX_WEEKLY_HOURS, OpportunityKind
from lowtide.core.pay import DEFAULT_BASE_CURRENCY, CurrencyRates

#: Most hours one entry may record (a year of full-time weeks).
MAX_ENTRY_HOURS = 52 * MAX_WEEKLY_HOURS


@dataclass(frozen=True)
class GrowthEntry:
    """One thing done, on the day it was done (or finished)."""

    on: dt.date
    kind: OpportunityKind
    title: str
    hours: float = 0.0
    earned: float = 0.0
    currency: str = DEFAULT_BASE_CURRENCY
    link: str = ""
    rank: int | None = None
    note: str = ""
    opportunity_id: int | None = None

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError("an entry needs a title")
        if not 0 <= self.hours <= MAX_ENTRY_HOURS:
            raise ValueError(f"hours must be 0 to {MAX_ENTRY_HOURS:g}, got {self.hours:g}")
        if self.earned < 0:
            raise ValueError(f"earnings cannot be negative, got {self.earned:g}")
        if self.rank is not None and self.rank < 1:
            raise ValueError(f"a rank starts at 1, got {self.rank}")

    def to_json(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "kind": self.kind.value,
            "title": self.title,
            "hours": self.hours,
            "earned": self.earned,
            "currency": self.currency,
            "link": self.link,
            "rank": self.rank,
            "note": self.note,
            "opportunity_id": self.opportunity_id,
        }


@dataclass(frozen=True)
class YearTotals:
    """One year of the log: entries, hours and earnings, overall and by kind."""

    year: int
    entries: int
    hours: float
    earned: float
    currency: str
    unconverted: dict[str, float] = field(default_factory=dict)
    hours_by_kind: dict[str, float] = field(default_factory=dict)
    entries_by_kind: dict[str, int] = field(default_factory=dict)
    best_rank: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "entries": self.entries,
            "hours": round(self.hours, 2),
            "earned": round(self.earned, 2),
            "currency": self.currency,
            "unconverted": {k: round(v, 2) for k, v in sorted(self.unconverted.items())},
            "hours_by_kind": {k: round(v, 2) for k, v in sorted(self.hours_by_kind.items())},
            "entries_by_kind": dict(sorted(self.entries_by_kind.items())),
            "best_rank": self.best_rank,
        }


def yearly_totals(entries: Sequence[GrowthEntry], rates: CurrencyRates) -> list[YearTotals]:
    """Totals per calendar year, the latest first."""
    years: dict[int, list[GrowthEntry]] = {}
    for e in entries:
        years.setdefault(e.on.year, []).append(e)
    totals = []
    for year in sorted(years, reverse=True):
        earned = 0.0
        unconverted: dict[str, float] = {}
        hours_by_kind: dict[str, float] = {}
        entries_by_kind: dict[str, int] = {}
        for e in years[year]:
            if e.earned:
                converted = rates.convert(e.earned, e.currency)
                if converted is None:
                    unconverted[e.currency] = unconverted.get(e.currency, 0.0) + e.earned
                else:
                    earned += converted
            hours_by_kind[e.kind.value] = hours_by_kind.get(e.kind.value, 0.0) + e.hours
            entries_by_kind[e.kind.value] = entries_by_kind.get(e.kind.value, 0) + 1
        ranks = [e.rank for e in years[year] if e.rank is not None]
        totals.append(
            YearTotals(
                year=year,
                entries=len(years[year]),
                hours=sum(e.hours for e in years[year]),
                earned=earned,
                currency=rates.base,
                unconverted=unconverted,
                hours_by_kind=hours_by_kind,
                entries_by_kind=entries_by_kind,
                best_rank=min(ranks) if ranks else None,
            )
        )
    return totals
