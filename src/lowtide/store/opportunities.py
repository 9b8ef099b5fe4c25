"""Opportunities, saved filters, currency rates, value weights and the growth log (used by `Store`).

An import upserts by (source, key): the imported JSON form is replaced, the
user's edits (a separate JSON of fields) are kept and laid over it when the
opportunity is read. An edit that no longer fits what a source now says (an
earliest start after a moved deadline) is kept but not applied, with a log
line, until the user edits again or resets it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from lowtide.core.board import BoardFilter
from lowtide.core.growth import GrowthEntry
from lowtide.core.opportunities import (
    Opportunity,
    OpportunityKind,
    StoredOpportunity,
    ValueWeights,
    opportunity_from_json,
    with_edits,
)
from lowtide.core.pay import DEFAULT_BASE_CURRENCY, CurrencyRates
from lowtide.errors import NotFoundError, ValidationError
from lowtide.store.schema import (
    board_settings,
    currency_rates,
    growth_log,
    opportunities,
    saved_filters,
)

log = logging.getLogger(__name__)

#: Names of the board's settings rows.
BASE_CURRENCY = "base_currency"
VALUE_WEIGHTS = "value_weights"


@dataclass(frozen=True)
class UpsertSummary:
    """What an import changed in the store."""

    added: int
    updated: int
    unchanged: int

    def to_json(self) -> dict[str, int]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged}


# -- opportunities ---------------------------------------------------------------------


def upsert(conn: Connection, found: Sequence[Opportunity], now: float) -> UpsertSummary:
    """Add new opportunities and update known ones by (source, key); edits are kept."""
    added = updated = unchanged = 0
    by_source: dict[str, list[Opportunity]] = {}
    for o in found:
        by_source.setdefault(o.source, []).append(o)
    for source, items in by_source.items():
        columns = (opportunities.c.id, opportunities.c.key, opportunities.c.data)
        rows = conn.execute(
            select(*columns, opportunities.c.edits).where(opportunities.c.source == source)
        )
        known = {r.key: r for r in rows}
        new_rows = []
        for o in items:
            data = o.to_json()
            row = known.get(o.key)
            if row is None:
                new_rows.append(
                    {
                        **_effective(o, {}),
                        "source": source,
                        "key": o.key,
                        "data": data,
                        "edits": {},
                        "imported_at": now,
                        "updated_at": now,
                    }
                )
            elif row.data == data:
                unchanged += 1
            else:
                conn.execute(
                    update(opportunities)
                    .where(opportunities.c.id == row.id)
                    .values(**_effective(o, row.edits or {}), data=data, imported_at=now)
                    .values(updated_at=now)
                )
                updated += 1
        if new_rows:
            conn.execute(insert(opportunities), new_rows)
            added += len(new_rows)
    return UpsertSummary(added, updated, unchanged)


def list_all(conn: Connection) -> list[StoredOpportunity]:
    """Every opportunity with the user's edits applied, soonest deadline first."""
    rows = conn.execute(
        select(opportunities).order_by(
            opportunities.c.deadline_at.is_(None), opportunities.c.deadline_at, opportunities.c.id
        )
    )
    return [_stored(r) for r in rows]


def get(conn: Connection, opportunity_id: int) -> StoredOpportunity:
    return _stored(_row(conn, opportunity_id))


def find(conn: Connection, source: str, key: str) -> StoredOpportunity:
    row = conn.execute(
        select(opportunities).where(opportunities.c.source == source, opportunities.c.key == key)
    ).first()
    if row is None:
        raise NotFoundError(f"no opportunity {key!r} from {source}")
    return _stored(row)


def edit(
    conn: Connection, opportunity_id: int, changes: Mapping[str, Any], now: float
) -> StoredOpportunity:
    """Lay more of the user's edits over an opportunity; ValidationError names a bad field."""
    row = _row(conn, opportunity_id)
    imported = opportunity_from_json(row.data, source=row.source, key=row.key)
    edits = {**(row.edits or {}), **changes}
    try:
        edited = with_edits(imported, edits)
    except ValueError as exc:
        field = str(exc).split(":", 1)[0]
        raise ValidationError(str(exc), field=field) from None
    # Keep an edit in the form the JSON gives back, so it reads the same later.
    canonical = edited.to_json()
    edits = {k: canonical[k] for k in edits}
    conn.execute(
        update(opportunities)
        .where(opportunities.c.id == opportunity_id)
        .values(**_effective(edited, {}), edits=edits, updated_at=now)
    )
    return StoredOpportunity(opportunity_id, edited, tuple(sorted(edits)), now)


def reset(
    conn: Connection, opportunity_id: int, fields: Sequence[str] | None, now: float
) -> StoredOpportunity:
    """Drop the user's edits (all, or of `fields`): what the source says shows again."""
    row = _row(conn, opportunity_id)
    kept = {} if fields is None else {k: v for k, v in row.edits.items() if k not in fields}
    imported = opportunity_from_json(row.data, source=row.source, key=row.key)
    conn.execute(
        update(opportunities)
        .where(opportunities.c.id == opportunity_id)
        .values(**_effective(imported, kept), edits=kept, updated_at=now)
    )
    return StoredOpportunity(opportunity_id, _apply(imported, kept), tuple(sorted(kept)), now)


def _row(conn: Connection, opportunity_id: int) -> Row[Any]:
    row = conn.execute(select(opportunities).where(opportunities.c.id == opportunity_id)).first()
    if row is None:
        raise NotFoundError(f"no opportunity with id {opportunity_id}")
    return row


def _effective(o: Opportunity, edits: Mapping[str, Any]) -> dict[str, Any]:
    """The columns kept for ordering: kind, title and deadline with edits applied."""
    shown = _apply(o, edits)
    return {
        "kind": shown.kind.value,
        "title": shown.title,
        "deadline_at": shown.deadline.timestamp() if shown.deadline else None,
    }


def _apply(o: Opportunity, edits: Mapping[str, Any]) -> Opportunity:
    try:
        return with_edits(o, edits)
    except ValueError as exc:
        log.warning("edits of %s/%s no longer apply (%s); showing the import", o.source, o.key, exc)
        return o


def _stored(r: Row[Any]) -> StoredOpportunity:
    imported = opportunity_from_json(r.data, source=r.source, key=r.key)
    edits = r.edits or {}
    return StoredOpportunity(
        int(r.id), _apply(imported, edits), tuple(sorted(edits)), float(r.updated_at)
    )


# -- saved filters -----------------------------------------------------------------------


def save_filter(conn: Connection, name: str, f: BoardFilter, now: float) -> None:
    values = {"filter": f.to_json(), "updated_at": now}
    done = conn.execute(update(saved_filters).where(saved_filters.c.name == name).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(saved_filters).values(name=name, **values))


def read_filter(conn: Connection, name: str) -> BoardFilter:
    data = conn.scalar(select(saved_filters.c.filter).where(saved_filters.c.name == name))
    if data is None:
        raise NotFoundError(f"no saved filter {name!r}")
    return BoardFilter.from_json(data)


def list_filters(conn: Connection) -> dict[str, BoardFilter]:
    rows = conn.execute(select(saved_filters.c.name, saved_filters.c.filter).order_by("name"))
    return {name: BoardFilter.from_json(data) for name, data in rows}


def delete_filter(conn: Connection, name: str) -> None:
    if conn.execute(delete(saved_filters).where(saved_filters.c.name == name)).rowcount == 0:
        raise NotFoundError(f"no saved filter {name!r}")


# -- rates and weights -------------------------------------------------------------------


def read_rates(conn: Connection) -> CurrencyRates:
    base = _setting(conn, BASE_CURRENCY) or DEFAULT_BASE_CURRENCY
    rows = conn.execute(select(currency_rates.c.currency, currency_rates.c.per_base))
    return CurrencyRates(str(base), {c: float(r) for c, r in rows})


def set_rate(conn: Connection, currency: str, per_base: float, now: float) -> None:
    values = {"per_base": per_base, "updated_at": now}
    done = conn.execute(
        update(currency_rates).where(currency_rates.c.currency == currency).values(**values)
    )
    if done.rowcount == 0:
        conn.execute(insert(currency_rates).values(currency=currency, **values))


def remove_rate(conn: Connection, currency: str) -> None:
    gone = conn.execute(delete(currency_rates).where(currency_rates.c.currency == currency))
    if gone.rowcount == 0:
        raise NotFoundError(f"no rate for {currency}")


def set_base(conn: Connection, currency: str, now: float) -> int:
    """Make `currency` the base; the rates were relative to the old one, so they go."""
    if currency == read_rates(conn).base:
        return 0
    _set_setting(conn, BASE_CURRENCY, currency, now)
    return int(conn.execute(delete(currency_rates)).rowcount)


def read_weights(conn: Connection) -> ValueWeights:
    found = _setting(conn, VALUE_WEIGHTS)
    return ValueWeights(**found) if isinstance(found, dict) else ValueWeights()


def write_weights(conn: Connection, weights: ValueWeights, now: float) -> None:
    _set_setting(conn, VALUE_WEIGHTS, weights.to_json(), now)


def _setting(conn: Connection, name: str) -> Any:
    return conn.scalar(select(board_settings.c.value).where(board_settings.c.name == name))


def _set_setting(conn: Connection, name: str, value: Any, now: float) -> None:
    values = {"value": value, "updated_at": now}
    done = conn.execute(
        update(board_settings).where(board_settings.c.name == name).values(**values)
    )
    if done.rowcount == 0:
        conn.execute(insert(board_settings).values(name=name, **values))


# -- growth log ------------------------------------------------------------------------


def add_entry(conn: Connection, entry: GrowthEntry, now: float) -> int:
    if entry.opportunity_id is not None:
        get(conn, entry.opportunity_id)
    result = conn.execute(
        insert(growth_log).values(
            done_on=entry.on,
            kind=entry.kind.value,
            title=entry.title,
            hours=entry.hours,
            earned=entry.earned,
            currency=entry.currency,
            link=entry.link,
            rank=entry.rank,
            note=entry.note,
            opportunity_id=entry.opportunity_id,
            created_at=now,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def list_entries(conn: Connection, year: int | None = None) -> list[tuple[int, GrowthEntry]]:
    """Entries by day, oldest first (of one year when given)."""
    q = select(growth_log).order_by(growth_log.c.done_on, growth_log.c.id)
    if year is not None:
        q = q.where(
            growth_log.c.done_on >= dt.date(year, 1, 1),
            growth_log.c.done_on <= dt.date(year, 12, 31),
        )
    return [
        (
            int(r.id),
            GrowthEntry(
                on=r.done_on,
                kind=OpportunityKind(r.kind),
                title=r.title,
                hours=float(r.hours),
                earned=float(r.earned),
                currency=r.currency,
                link=r.link,
                rank=r.rank,
                note=r.note,
                opportunity_id=r.opportunity_id,
            ),
        )
        for r in conn.execute(q)
    ]


def delete_entry(conn: Connection, entry_id: int) -> None:
    if conn.execute(delete(growth_log).where(growth_log.c.id == entry_id)).rowcount == 0:
        raise NotFoundError(f"no growth log entry with id {entry_id}")
