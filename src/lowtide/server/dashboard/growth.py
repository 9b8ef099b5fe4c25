"""The Growth page: the log of what was done with the lulls, its yearly totals, and a form
to add an entry, each bad value kept with its field."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from lowtide.core.growth import MAX_ENTRY_HOURS, GrowthEntry, YearTotals, yearly_totals
from lowtide.core.opportunities import OpportunityKind
from lowtide.core.pay import clean_currency
from lowtide.store import Store

#: Entries shown at most (the newest).
ENTRIES_SHOWN = 500
#: Longest title, link and note an entry takes (as the API takes them).
MAX_TITLE = 1000
MAX_LINK = 2000
MAX_NOTE = 10_000
#: The form's fields.
FIELDS = ("on", "kind", "title", "hours", "earned", "currency", "link", "rank", "note")


@dataclass(frozen=True)
class GrowthForm:
    """The add form as typed, the entry it stands for, and what was wrong with it."""

    texts: dict[str, str] = field(default_factory=dict)
    entry: GrowthEntry | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return self.texts.get(name, "")


def blank_form(today: dt.date, currency: str) -> GrowthForm:
    """The form before anything is typed: today, and the base currency."""
    return GrowthForm({"on": today.isoformat(), "currency": currency})


def parse_growth_form(form: Mapping[str, str]) -> GrowthForm:
    """An entry from the form; every bad field gets its own message."""
    texts = {name: str(form.get(name, "")).strip() for name in FIELDS}
    errors: dict[str, str] = {}
    on = None
    try:
        on = dt.date.fromisoformat(texts["on"])
    except ValueError:
        errors["on"] = "Write the day as YYYY-MM-DD, such as 2026-11-20."
    kind = None
    try:
        kind = OpportunityKind(texts["kind"].lower())
    except ValueError:
        names = ", ".join(k.value for k in OpportunityKind)
        errors["kind"] = f"Pick a kind: {names}."
    title = texts["title"]
    if not title:
        errors["title"] = "Say what you did, such as “Wrote up the LR sweep”."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"A title has at most {MAX_TITLE} characters; this one has {len(title)}."
    hours = _amount(texts["hours"], MAX_ENTRY_HOURS)
    if hours is None:
        errors["hours"] = f"Hours is a number from 0 to {MAX_ENTRY_HOURS:g}."
    earned = _amount(texts["earned"], math.inf)
    if earned is None:
        errors["earned"] = "Earnings are an amount from 0 up, such as 300."
    currency = texts["currency"] or "USD"
    try:
        currency = clean_currency(currency)
    except ValueError:
        errors["currency"] = f"“{currency}” is not a currency code such as USD or EUR."
    link = texts["link"]
    if len(link) > MAX_LINK:
        errors["link"] = f"A link has at most {MAX_LINK} characters."
    elif link and not link.startswith(("https://", "http://")):
        errors["link"] = "A link starts with https:// or http://."
    rank = None
    if texts["rank"]:
        if texts["rank"].isdigit() and int(texts["rank"]) >= 1:
            rank = int(texts["rank"])
        else:
            errors["rank"] = "A rank is a whole number from 1, such as 12; leave it empty if none."
    if len(texts["note"]) > MAX_NOTE:
        errors["note"] = f"A note has at most {MAX_NOTE} characters."
    if errors or on is None or kind is None or hours is None or earned is None:
        return GrowthForm(texts, None, errors)
    entry = GrowthEntry(
        on=on,
        kind=kind,
        title=title,
        hours=hours,
        earned=earned,
        currency=currency,
        link=link,
        rank=rank,
        note=texts["note"],
    )
    return GrowthForm(texts, entry, {})


def _amount(text: str, high: float) -> float | None:
    """A number from 0 to `high`, empty being 0; None when it is not one."""
    if not text:
        return 0.0
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if 0 <= value <= high else None


@dataclass(frozen=True)
class GrowthView:
    entries: list[tuple[int, GrowthEntry]]
    totals: list[YearTotals]
    base_currency: str
    kinds: list[str] = field(default_factory=lambda: [k.value for k in OpportunityKind])

    @property
    def truncated(self) -> bool:
        return len(self.entries) >= ENTRIES_SHOWN


def growth_view(store: Store) -> GrowthView:
    """Every entry, newest first, and the totals per year in the base currency."""
    found = store.growth_log()
    rates = store.currency_rates()
    totals = yearly_totals([e for _, e in found], rates)
    newest = sorted(found, key=lambda pair: (pair[1].on, pair[0]), reverse=True)
    return GrowthView(newest[:ENTRIES_SHOWN], totals, rates.base)
