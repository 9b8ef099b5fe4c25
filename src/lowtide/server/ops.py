"""Applying the SDK's operations straight to a store (spool import, `lowtide sync`)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from lowtide.config import Settings
from lowtide.core.batch import BatchLimits, parse_batch
from lowtide.core.records import RunSpec, RunStatus
from lowtide.errors import (
    ConflictError,
    LowtideError,
    NotFoundError,
    RejectedError,
    ValidationError,
)
from lowtide.server.api import RunCreate, RunFinish
from lowtide.server.health_worker import HealthWorker
from lowtide.store import Store


def apply_op(store: Store, settings: Settings, op: Any, health: HealthWorker | None = None) -> None:
    """Do what the HTTP API would do with `op`; RejectedError when it can never succeed.

    With `health`, the engine judges what is applied, as it would over HTTP.
    """
    try:
        _apply(store, settings, op, health)
    except (ValidationError, NotFoundError, ConflictError) as exc:
        raise RejectedError(str(exc), 404 if isinstance(exc, NotFoundError) else 422) from exc
    except PydanticValidationError as exc:
        raise RejectedError(str(exc), 422) from exc


def _apply(store: Store, settings: Settings, op: Any, health: HealthWorker | None) -> None:
    if not isinstance(op, dict) or "op" not in op:
        raise ValidationError("not a lowtide operation")
    kind, run_id, body = op["op"], str(op.get("run_id", "")), op.get("body") or {}
    if kind == "create_run":
        spec = RunCreate.model_validate(body)
        store.create_run(
            RunSpec(
                project=spec.project,
                name=spec.name,
                uid=spec.id,
                config=spec.config,
                tags=tuple(spec.tags),
                started_at=spec.started_at,
                planned_steps=spec.planned_steps,
            )
        )
    elif kind == "log":
        limits = BatchLimits(settings.max_key_length, settings.max_batch_points)
        batch = parse_batch(body, limits, time.time())
        result = store.log_batch(run_id, batch)
        if health is not None and not result.duplicate:
            health.batch(run_id, batch, live=False)
    elif kind == "heartbeat":
        store.heartbeat(run_id)
    elif kind == "finish":
        end = RunFinish.model_validate(body)
        store.finish_run(run_id, RunStatus(end.status), message=end.message)
        if health is not None:
            health.finish(run_id, end.status, end.message)
    else:
        raise ValidationError(f"unknown operation {kind!r}")


__all__ = ["LowtideError", "apply_op"]
