"""The board from what the store holds: filter, order, and judge against the forecast.

The forecast is built only when a filter asks what fits the lulls (it takes
a few tens of milliseconds); rates and value weights are the user's, read on
each call, so a changed rate shows in the next listing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lowtide.core.board import BoardContext, BoardFilter, SortKey, board, pay_in_base
from lowtide.core.forecast import DEFAULT_WEEKS
from lowtide.core.opportunities import OpportunityKind, StoredOpportunity, weighted_value
from lowtide.core.pay import PayBasis
from lowtide.errors import ValidationError
from lowtide.projects.forecasting import RunEta, build_forecast
from lowtide.store import Store

#: Most rows one listing returns unless asked for more.
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class BoardRow:
    """One line of the board: the opportunity, its pay in the base currency, its value."""

    item: StoredOpportunity
    pay: float | None
    value: float
    currency: str

    def to_json(self) -> dict[str, Any]:
        return {
            **self.item.to_json(),
            "shape": self.item.opportunity.shape.describe(),
            "pay_in_base": None if self.pay is None else round(self.pay, 2),
            "base_currency": self.currency,
            "weighted_value": round(self.value, 2),
        }


def read_board(
    store: Store,
    f: BoardFilter,
    now: float,
    run_eta: RunEta,
    *,
    weeks: int = DEFAULT_WEEKS,
) -> list[BoardRow]:
    """The opportunities that pass `f`, in its order; "fits my lulls" reads the forecast."""
    rates = store.currency_rates()
    weights = store.value_weights()
    forecast_weeks: Sequence[Any] = ()
    if f.fits_lulls:
        forecast_weeks = build_forecast(store, now, run_eta, weeks=weeks)[0].weeks
    ctx = BoardContext(dt.datetime.fromtimestamp(now, dt.UTC), rates, weights, forecast_weeks)
    return [
        BoardRow(item, pay_in_base(item.opportunity, rates),
                 weighted_value(item.opportunity, weights, rates), rates.base)
        for item in board(store.opportunities(), f, ctx)
    ]  # fmt: skip


def narrowed(
    base: BoardFilter,
    *,
    kinds: list[OpportunityKind] | None = None,
    min_pay: float | None = None,
    pay_basis: PayBasis | None = None,
    max_weekly_hours: float | None = None,
    due_after: dt.date | None = None,
    due_before: dt.date | None = None,
    domains: list[str] | None = None,
    remote: bool | None = None,
    fits_lulls: bool | None = None,
    text: str | None = None,
    source: str | None = None,
    include_closed: bool | None = None,
    sort: SortKey | None = None,
) -> BoardFilter:
    """`base` with the conditions given; ValidationError names a bad one."""
    given: dict[str, Any] = {
        "kinds": tuple(kinds) if kinds else None,
        "min_pay": min_pay,
        "pay_basis": pay_basis,
        "max_weekly_hours": max_weekly_hours,
        "due_after": due_after,
        "due_before": due_before,
        "domains": tuple(d.strip().lower() for d in domains) if domains else None,
        "remote": remote,
        "fits_lulls": fits_lulls,
        "text": text,
        "source": source,
        "include_closed": include_closed,
        "sort": sort,
    }
    try:
        return dataclasses.replace(base, **{k: v for k, v in given.items() if v is not None})
    except ValueError as exc:
        field = str(exc).split(" ", 1)[0]
        raise ValidationError(str(exc), field=field) from None
