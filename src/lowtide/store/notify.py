"""Notification settings and the record of deliveries in the store (used by `Store`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from lowtide.core.records import DeliveryRecord
from lowtide.store.schema import deliveries, notify_settings

#: Deliveries kept; older ones are removed as new ones arrive.
KEEP_DELIVERIES = 10_000


def read_settings(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every scope's settings: "" for the user, else a project's name."""
    rows = conn.execute(select(notify_settings.c.scope, notify_settings.c.config))
    return {r.scope: dict(r.config) for r in rows}


def settings_version(conn: Connection) -> tuple[int, float]:
    """Changes whenever a scope's settings are written or removed."""
    row = conn.execute(
        select(func.count(), func.coalesce(func.max(notify_settings.c.updated_at), 0.0))
    ).one()
    return int(row[0]), float(row[1])


def write_settings(conn: Connection, scope: str, config: dict[str, Any] | None, now: float) -> None:
    """Set a scope's settings, or remove them with `config=None`."""
    if config is None:
        conn.execute(delete(notify_settings).where(notify_settings.c.scope == scope))
        return
    done = conn.execute(
        update(notify_settings)
        .where(notify_settings.c.scope == scope)
        .values(config=config, updated_at=now)
    )
    if done.rowcount == 0:
        conn.execute(insert(notify_settings).values(scope=scope, config=config, updated_at=now))


def add_delivery(conn: Connection, values: dict[str, Any]) -> None:
    """Record one delivery; trim the oldest past `KEEP_DELIVERIES`."""
    result = conn.execute(insert(deliveries).values(**values))
    newest = int(result.inserted_primary_key[0])  # type: ignore[index]
    if newest % 100 == 0:
        conn.execute(delete(deliveries).where(deliveries.c.id <= newest - KEEP_DELIVERIES))


def list_deliveries(conn: Connection, scope: str | None, limit: int) -> list[DeliveryRecord]:
    """Deliveries, newest first."""
    q = select(deliveries).order_by(deliveries.c.id.desc()).limit(limit)
    if scope is not None:
        q = q.where(deliveries.c.scope == scope)
    return [_record(r) for r in conn.execute(q)]


def _record(row: Row[Any]) -> DeliveryRecord:
    return DeliveryRecord(
        id=int(row.id),
        at=float(row.at),
        scope=row.scope,
        channel=row.channel,
        title=row.title,
        status=row.status,
        attempts=int(row.attempts),
        error=row.error,
    )
