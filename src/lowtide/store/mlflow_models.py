"""Models logged through the MLflow client (MLflow 3's logged models), used by `Store`.

A logged model belongs to an experiment (a project), usually comes from a
run, and has params, tags and a status: pending while its files upload,
then ready or failed. Its files are artifacts like a run's.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from lowtide.errors import NotFoundError, ValidationError
from lowtide.store.mlflow import (
    DEFAULT_EXPERIMENT_ID,
    DEFAULT_EXPERIMENT_NAME,
    ensure_default,
    experiment_id_of,
)
from lowtide.store.schema import logged_models, projects, runs

#: A logged model's states.
STATUSES = ("pending", "ready", "failed")


@dataclass(frozen=True)
class LoggedModel:
    """A model and what was said of it."""

    id: str
    experiment_id: int
    name: str
    source_run: str | None
    model_type: str | None
    status: str
    created_at: float
    updated_at: float
    params: dict[str, str]
    tags: dict[str, str]


@dataclass(frozen=True)
class ModelChanges:
    """What one call changes on a logged model."""

    status: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    delete_tag: str | None = None


def create(
    conn: Connection,
    experiment_id: int,
    *,
    name: str,
    source_run: str | None,
    model_type: str | None,
    params: Mapping[str, str],
    tags: Mapping[str, str],
    now: float,
) -> LoggedModel:
    """A new pending model in an experiment."""
    if experiment_id == DEFAULT_EXPERIMENT_ID:
        ensure_default(conn, now)
    project_id = _project_id(conn, experiment_id)
    run_id = None
    if source_run is not None:
        run_id = conn.scalar(select(runs.c.id).where(runs.c.uid == source_run))
        if run_id is None:
            raise NotFoundError(f"Run with id={source_run} not found")
    model_id = f"m-{uuid.uuid4().hex}"
    conn.execute(
        insert(logged_models).values(
            id=model_id,
            project_id=project_id,
            source_run_id=run_id,
            name=name,
            model_type=model_type,
            status="pending",
            created_at=now,
            updated_at=now,
            params=dict(params),
            tags=dict(tags),
        )
    )
    found = get(conn, model_id)
    assert found is not None
    return found


def get(conn: Connection, model_id: str) -> LoggedModel | None:
    row = conn.execute(_select().where(logged_models.c.id == model_id)).first()
    return None if row is None else _model(row)


def search(conn: Connection, experiment_ids: Sequence[int]) -> list[LoggedModel]:
    """The models of these experiments, newest first."""
    ids = [_project_id(conn, e, missing_ok=True) for e in experiment_ids]
    q = (
        _select()
        .where(logged_models.c.project_id.in_([i for i in ids if i is not None]))
        .order_by(logged_models.c.created_at.desc(), logged_models.c.id)
    )
    return [_model(r) for r in conn.execute(q)]


def change(conn: Connection, model_id: str, changes: ModelChanges, now: float) -> None:
    """Apply a call's changes to a model, or raise and change nothing."""
    row = conn.execute(
        select(logged_models.c.params, logged_models.c.tags).where(logged_models.c.id == model_id)
    ).first()
    if row is None:
        raise NotFoundError(f"Logged model with ID '{model_id}' not found.")
    values: dict[str, Any] = {"updated_at": now}
    if changes.status is not None:
        if changes.status not in STATUSES:
            raise ValidationError(f"unknown model status {changes.status!r}", field="status")
        values["status"] = changes.status
    if changes.params:
        values["params"] = {**row.params, **changes.params}
    tags = dict(row.tags)
    if changes.delete_tag is not None:
        if changes.delete_tag not in tags:
            raise NotFoundError(
                f"No tag with key {changes.delete_tag!r} found for logged model {model_id}."
            )
        del tags[changes.delete_tag]
    if changes.tags or changes.delete_tag is not None:
        values["tags"] = {**tags, **changes.tags}
    conn.execute(update(logged_models).where(logged_models.c.id == model_id).values(**values))


def remove(conn: Connection, model_id: str) -> None:
    if conn.execute(delete(logged_models).where(logged_models.c.id == model_id)).rowcount == 0:
        raise NotFoundError(f"Logged model with ID '{model_id}' not found.")


def _project_id(conn: Connection, experiment_id: int, *, missing_ok: bool = False) -> int | None:
    q = select(projects.c.id)
    if experiment_id == DEFAULT_EXPERIMENT_ID:
        q = q.where(projects.c.name == DEFAULT_EXPERIMENT_NAME)
    else:
        q = q.where(projects.c.id == experiment_id)
    found = conn.scalar(q)
    if found is None and not missing_ok:
        raise NotFoundError(f"No Experiment with id={experiment_id} exists")
    return None if found is None else int(found)


def _select() -> Any:
    return select(
        logged_models,
        projects.c.name.label("project"),
        runs.c.uid.label("run_uid"),
    ).select_from(
        logged_models.join(projects, logged_models.c.project_id == projects.c.id).outerjoin(
            runs, logged_models.c.source_run_id == runs.c.id
        )
    )


def _model(row: Any) -> LoggedModel:
    return LoggedModel(
        id=row.id,
        experiment_id=experiment_id_of(int(row.project_id), row.project),
        name=row.name,
        source_run=row.run_uid,
        model_type=row.model_type,
        status=row.status,
        created_at=float(row.created_at),
        updated_at=float(row.updated_at),
        params=dict(row.params or {}),
        tags=dict(row.tags or {}),
    )
