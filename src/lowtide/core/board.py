"""The opportunity board: filter and sort like a job board, and see what fits the lulls.

Minimum pay compares the top of an opportunity's pay, in the base currency,
with the minimum (it *can* pay that much); pay with no rate for its currency,
and no pay at all, fail the filter. With a `pay_basis` only pay of that basis
is compared (per hour with per hour); without one amounts are compared as
they are.

"Fits my lulls" (`fits_weeks`) reads the forecast's free hours at P80, week
by week, from the week of the opportunity's earliest start (or this week) to
the last week that starts before its deadline (or the forecast's end):

- a flexible opportunity fits when those weeks, each counted up to its
  `max_weekly` and only when at least `min_weekly` hours are free, add up to
  its total hours;
- a fixed one (10 h a week for 26 weeks) fits when a run of consecutive weeks,
  as many as it lasts or as the forecast reaches, each has its weekly hours
  free, and the run starts in one of its start windows when it has any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lowtide.core.forecast import Week
from lowtide.core.opportunities import (
    Opportunity,
    OpportunityKind,
    StoredOpportunity,
    ValueWeights,
    weighted_value,
)
from lowtide.core.pay import CurrencyRates, PayBasis

#: Free hours below this in a week count as none (rounding in the forecast).
MIN_FREE_HOURS = 0.5


class SortKey(StrEnum):
    """Orders of the board: soonest deadline, best pay, most value, fewest hours, title."""

    DEADLINE = "deadline"
    PAY = "pay"
    VALUE = "value"
    HOURS = "hours"
    TITLE = "title"


@dataclass(frozen=True)
class BoardFilter:
    """What the board shows; every condition given must hold. Saved under a name."""

    kinds: tuple[OpportunityKind, ...] = ()
    min_pay: float | None = None
    pay_basis: PayBasis | None = None
    max_weekly_hours: float | None = None
    due_after: dt.date | None = None
    due_before: dt.date | None = None
    domains: tuple[str, ...] = ()
    remote: bool | None = None
    fits_lulls: bool = False
    text: str = ""
    source: str = ""
    include_closed: bool = False
    sort: SortKey = SortKey.DEADLINE

    def __post_init__(self) -> None:
        if self.min_pay is not None and self.min_pay < 0:
            raise ValueError("min_pay cannot be negative")
        if self.max_weekly_hours is not None and self.max_weekly_hours < 0:
            raise ValueError("max_weekly_hours cannot be negative")
        if self.due_after and self.due_before and self.due_before < self.due_after:
            raise ValueError("due_before is before due_after")

    def to_json(self) -> dict[str, Any]:
        return {
            "kinds": [k.value for k in self.kinds],
            "min_pay": self.min_pay,
            "pay_basis": self.pay_basis.value if self.pay_basis else None,
            "max_weekly_hours": self.max_weekly_hours,
            "due_after": self.due_after.isoformat() if self.due_after else None,
            "due_before": self.due_before.isoformat() if self.due_before else None,
            "domains": list(self.domains),
            "remote": self.remote,
            "fits_lulls": self.fits_lulls,
            "text": self.text,
            "source": self.source,
            "include_closed": self.include_closed,
            "sort": self.sort.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BoardFilter:
        """From `to_json`'s dict; ValueError names a bad field."""

        def get(name: str, parse: Any, default: Any = None) -> Any:
            value = data.get(name)
            if value is None or value == "":
                return default
            try:
                return parse(value)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{name}: {exc} (got {value!r})") from None

        unknown = sorted(set(data) - set(cls().to_json()))
        if unknown:
            raise ValueError(f"{unknown[0]}: not a filter")
        return cls(
            kinds=tuple(OpportunityKind(k) for k in get("kinds", list, [])),
            min_pay=get("min_pay", float),
            pay_basis=get("pay_basis", PayBasis),
            max_weekly_hours=get("max_weekly_hours", float),
            due_after=get("due_after", dt.date.fromisoformat),
            due_before=get("due_before", dt.date.fromisoformat),
            domains=tuple(str(d).strip().lower() for d in get("domains", list, [])),
            remote=get("remote", _as_bool),
            fits_lulls=get("fits_lulls", _as_bool, False),
            text=str(get("text", str, "")),
            source=str(get("source", str, "")),
            include_closed=get("include_closed", _as_bool, False),
            sort=get("sort", SortKey, SortKey.DEADLINE),
        )


@dataclass(frozen=True)
class BoardContext:
    """What filtering needs besides the filter: the time, rates, weights and forecast."""

    now: dt.datetime
    rates: CurrencyRates = field(default_factory=CurrencyRates)
    weights: ValueWeights = field(default_factory=ValueWeights)
    weeks: Sequence[Week] = ()


def pay_in_base(opportunity: Opportunity, rates: CurrencyRates) -> float | None:
    """The top of the opportunity's pay in the base currency; None without pay or a rate."""
    pay = opportunity.compensation
    return None if pay is None else rates.convert(pay.high, pay.currency)


def matches(opportunity: Opportunity, f: BoardFilter, ctx: BoardContext) -> bool:
    """Whether the opportunity passes every condition of the filter."""
    o = opportunity
    if not f.include_closed and not o.is_open(ctx.now):
        return False
    if f.kinds and o.kind not in f.kinds:
        return False
    if f.source and o.source != f.source:
        return False
    pay = o.compensation
    if f.pay_basis is not None and (pay is None or pay.basis is not f.pay_basis):
        return False
    if f.min_pay is not None:
        amount = pay_in_base(o, ctx.rates)
        if amount is None or amount < f.min_pay:
            return False
    if f.max_weekly_hours is not None and o.shape.min_weekly > f.max_weekly_hours:
        return False
    day = o.deadline_day
    if f.due_after is not None and (day is None or day < f.due_after):
        return False
    if f.due_before is not None and (day is None or day > f.due_before):
        return False
    if f.domains and not set(f.domains) & set(o.domains):
        return False
    if f.remote is not None and o.remote is not f.remote:
        return False
    if f.text:
        haystack = " ".join((o.title, o.description, o.place, *o.domains)).lower()
        if f.text.lower() not in haystack:
            return False
    return not f.fits_lulls or fits_weeks(o, ctx.weeks, ctx.now.date())


def board(
    items: Sequence[StoredOpportunity], f: BoardFilter, ctx: BoardContext
) -> list[StoredOpportunity]:
    """The opportunities that pass the filter, in its order."""
    found = [item for item in items if matches(item.opportunity, f, ctx)]
    return sorted(found, key=lambda item: _sort_key(item.opportunity, f.sort, ctx))


def fits_weeks(opportunity: Opportunity, weeks: Sequence[Week], today: dt.date) -> bool:
    """Whether the opportunity fits the free hours (P80) of the forecast weeks (see above)."""
    first = max(today, opportunity.earliest_start or today)
    last = opportunity.deadline_day
    window = [
        w
        for w in weeks
        if w.start + dt.timedelta(days=6) >= first and (last is None or w.start <= last)
    ]
    if not window:
        return False
    shape = opportunity.shape
    if shape.weeks is None:
        usable = 0.0
        for w in window:
            free = w.free_p80
            if free >= max(shape.min_weekly, MIN_FREE_HOURS):
                usable += min(free, shape.max_weekly)
        return usable >= shape.total_hours
    need = min(shape.weeks, len(window))
    run = 0
    for k, w in enumerate(window):
        run = run + 1 if w.free_p80 >= shape.max_weekly else 0
        if run >= need:
            begin = window[k - need + 1].start
            if _may_start(opportunity, begin):
                return True
    return False


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "yes", "1"):
        return True
    if str(value).lower() in ("false", "no", "0"):
        return False
    raise ValueError("not true or false")


def _may_start(opportunity: Opportunity, week: dt.date) -> bool:
    if not opportunity.start_windows:
        return True
    last = week + dt.timedelta(days=6)
    return any(w.overlaps(week, last) for w in opportunity.start_windows)


def _sort_key(o: Opportunity, key: SortKey, ctx: BoardContext) -> tuple[Any, ...]:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    if key is SortKey.PAY:
        pay = pay_in_base(o, ctx.rates)
        return (pay is None, -(pay or 0.0), o.title.lower())
    if key is SortKey.VALUE:
        return (-weighted_value(o, ctx.weights, ctx.rates), o.title.lower())
    if key is SortKey.HOURS:
        return (o.shape.min_weekly, o.shape.total_hours, o.title.lower())
    if key is SortKey.TITLE:
        return (o.title.lower(), o.source, o.key)
    return (o.deadline or far, o.title.lower())
