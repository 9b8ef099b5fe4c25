"""Applying the SDK's operations in the server (spool import), judged like HTTP batches."""

from __future__ import annotations

from typing import Any

from lowtide.config import Settings
from lowtide.core.batch import BatchLimits
from lowtide.server.health_worker import HealthWorker
from lowtide.store import Store
from lowtide.store.ops import apply_op as apply_to_store


def apply_op(
    store: Store,
    settings: Settings,
    op: Any,
    health: HealthWorker | None = None,
    *,
    live: bool = False,
) -> None:
    """Do what the HTTP API would do with `op`; RejectedError when it can never succeed.

    With `health`, the engine judges what is applied, as it would over HTTP; `live`
    says the run's process sends it now (not a spool read later).
    """
    limits = BatchLimits(settings.max_key_length, settings.max_batch_points)
    applied = apply_to_store(store, op, limits)
    if health is None:
        return
    if applied.batch is not None and applied.fresh:
        health.batch(applied.run_id, applied.batch, live=live)
    elif applied.kind == "finish":
        health.finish(applied.run_id, applied.status, applied.message)
