"""Applying the SDK's operations straight to a store: spool import, `lowtide sync`, `watch`.

An operation is what the SDK would have sent over HTTP (`create_run`, `log`,
`heartbeat`, `finish`); applying it does what the HTTP API does. One that can
never succeed (malformed, an unknown run, a bad value) raises RejectedError,
so that a spool sets it aside; a store that fails raises StoreError, to try
again later.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lowtide.core.batch import Batch, BatchLimits, parse_batch
from lowtide.core.records import RunSpec, RunStatus
from lowtide.errors import (
    ConflictError,
    NotFoundError,
    RejectedError,
    ValidationError,
)
from lowtide.store.store import Store


@dataclass(frozen=True)
class Applied:
    """What an operation did: for a log, its batch and whether it was new; for a finish,
    how the run ended."""

    kind: str
    run_id: str
    batch: Batch | None = None
    fresh: bool = False
    status: str = ""
    message: str = ""


def apply_op(store: Store, op: Any, limits: BatchLimits) -> Applied:
    """Do what the HTTP API would do with `op`."""
    try:
        return _apply(store, op, limits)
    except (ValidationError, NotFoundError, ConflictError) as exc:
        raise RejectedError(str(exc), 404 if isinstance(exc, NotFoundError) else 422) from exc
    except (KeyError, TypeError, ValueError) as exc:
        what = op.get("op") if isinstance(op, Mapping) else type(op).__name__
        raise RejectedError(f"a malformed {what} operation: {exc!r}", 422) from exc


def _apply(store: Store, op: Any, limits: BatchLimits) -> Applied:
    if not isinstance(op, Mapping) or "op" not in op:
        raise ValidationError("not a lowtide operation")
    kind, run_id, body = str(op["op"]), str(op.get("run_id", "")), op.get("body") or {}
    if kind == "create_run":
        planned = body.get("planned_steps")
        if planned is not None and (type(planned) is not int or planned <= 0):
            raise ValidationError(f"planned_steps must be a positive integer, not {planned!r}")
        store.create_run(
            RunSpec(
                project=str(body.get("project") or "default"),
                name=body.get("name"),
                uid=body.get("id") or run_id,
                config=dict(body.get("config") or {}),
                tags=tuple(str(t) for t in body.get("tags") or ()),
                started_at=body.get("started_at"),
                planned_steps=planned,
            )
        )
        return Applied(kind, run_id)
    if kind == "log":
        batch = parse_batch(body, limits, time.time())
        result = store.log_batch(run_id, batch)
        return Applied(kind, run_id, batch=batch, fresh=not result.duplicate)
    if kind == "heartbeat":
        store.heartbeat(run_id)
        return Applied(kind, run_id)
    if kind == "finish":
        status = RunStatus(body.get("status", RunStatus.FINISHED.value))
        message = str(body.get("message", ""))
        if not status.is_final:
            raise ValidationError(f"a run cannot finish as {status.value}")
        store.finish_run(run_id, status, message=message)
        return Applied(kind, run_id, status=status.value, message=message)
    raise ValidationError(f"unknown operation {kind!r}")
