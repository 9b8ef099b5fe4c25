"""Experiments, key/value tags, params and deletion of runs, for the MLflow API (used by `Store`).

An MLflow experiment is a lowtide project and its id is the project's id;
experiment 0 is the project named "Default", made on first use as MLflow
makes its own. Params live in the run's config, key/value tags in
`run_tags`, and a run deleted through MLflow has a row in `deleted_runs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from lowtide.core.records import KeySummary, RunRecord, RunStatus
from lowtide.errors import ConflictError, NotFoundError, ValidationError
from lowtide.store.schema import (
    deleted_runs,
    metric_keys,
    projects,
    run_events,
    run_keys,
    run_tags,
    runs,
)

#: The experiment MLflow clients log to when none is set, and its name.
DEFAULT_EXPERIMENT_ID = 0
DEFAULT_EXPERIMENT_NAME = "Default"
#: Ids per `IN (...)` list, well under SQLite's limit on bound parameters.
_IN_CHUNK = 500


@dataclass(frozen=True)
class Experiment:
    """A project seen as an MLflow experiment."""

    id: int
    name: str
    created_at: float


@dataclass(frozen=True)
class RunDetails:
    """A run with what MLflow shows of it beyond the run record.

    `latest` holds each metric key's last logged point.
    """

    run: RunRecord
    experiment_id: int
    tags: dict[str, str]
    deleted: bool
    latest: tuple[KeySummary, ...]

    @property
    def params(self) -> dict[str, str]:
        """The run's config as MLflow params: strings, as the client logged them."""
        return {str(k): param_text(v) for k, v in self.run.config.items()}


@dataclass(frozen=True)
class RunChanges:
    """What one MLflow call changes on a run besides its points; applied all or nothing."""

    params: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    delete_tag: str | None = None
    name: str | None = None
    deleted: bool | None = None
    reopen: bool = False


def param_text(value: Any) -> str:
    """A config value as the MLflow client would have logged it: `str(value)`."""
    return value if isinstance(value, str) else str(value)


# -- experiments -----------------------------------------------------------------


def get_experiment(conn: Connection, experiment_id: int) -> Experiment | None:
    if experiment_id == DEFAULT_EXPERIMENT_ID:
        return find_experiment(conn, DEFAULT_EXPERIMENT_NAME)
    row = conn.execute(_experiment_select().where(projects.c.id == experiment_id)).first()
    return None if row is None else _experiment(row)


def ensure_default(conn: Connection, now: float) -> Experiment:
    """The "Default" project, made with id 0 when there is none."""
    found = find_experiment(conn, DEFAULT_EXPERIMENT_NAME)
    if found is not None:
        return found
    conn.execute(
        insert(projects).values(
            id=DEFAULT_EXPERIMENT_ID, name=DEFAULT_EXPERIMENT_NAME, created_at=now
        )
    )
    return Experiment(DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, now)


def find_experiment(conn: Connection, name: str) -> Experiment | None:
    row = conn.execute(_experiment_select().where(projects.c.name == name)).first()
    return None if row is None else _experiment(row)


def create_experiment(conn: Connection, name: str, now: float) -> Experiment:
    """A new project; ConflictError if the name is taken."""
    if find_experiment(conn, name) is not None:
        raise ConflictError(f"Experiment(name={name}) already exists.")
    if name == DEFAULT_EXPERIMENT_NAME:
        return ensure_default(conn, now)
    result = conn.execute(insert(projects).values(name=name, created_at=now))
    return Experiment(int(result.inserted_primary_key[0]), name, now)  # type: ignore[index]


def list_experiments(conn: Connection) -> list[Experiment]:
    return [_experiment(r) for r in conn.execute(_experiment_select().order_by(projects.c.id))]


# -- runs ------------------------------------------------------------------------


def run_details(
    conn: Connection,
    *,
    uids: Sequence[str] | None = None,
    experiment_ids: Sequence[int] | None = None,
) -> list[RunDetails]:
    """Runs by id or by experiment, with their tags, deletion and latest metrics."""
    q = select(
        runs.c.id,
        runs.c.uid,
        runs.c.name,
        runs.c.project_id,
        projects.c.name.label("project"),
        runs.c.config,
        runs.c.tags,
        runs.c.status,
        runs.c.started_at,
        runs.c.ended_at,
        runs.c.last_seen_at,
        deleted_runs.c.run_id.label("deleted"),
    ).select_from(runs.join(projects).outerjoin(deleted_runs))
    rows: list[Any] = []
    if uids is not None:
        for part in _chunks(uids):
            rows.extend(conn.execute(q.where(runs.c.uid.in_(part))))
    if experiment_ids is not None:
        ids = list(experiment_ids)
        if DEFAULT_EXPERIMENT_ID in ids:
            default = conn.scalar(
                select(projects.c.id).where(projects.c.name == DEFAULT_EXPERIMENT_NAME)
            )
            ids += [] if default is None else [int(default)]
        for part in _chunks(sorted(set(ids))):
            rows.extend(conn.execute(q.where(runs.c.project_id.in_(part))))
    if not rows:
        return []
    ids = [int(r.id) for r in rows]
    tags: dict[int, dict[str, str]] = {i: {} for i in ids}
    latest: dict[int, list[KeySummary]] = {i: [] for i in ids}
    for part in _chunks(ids):
        for run_id, key, value in conn.execute(
            select(run_tags.c.run_id, run_tags.c.key, run_tags.c.value)
            .where(run_tags.c.run_id.in_(part))
            .order_by(run_tags.c.run_id, run_tags.c.key)
        ):
            tags[int(run_id)][key] = value
        for r in conn.execute(
            select(
                run_keys.c.run_id,
                metric_keys.c.name,
                run_keys.c.n_points,
                run_keys.c.last_step,
                run_keys.c.last_wall_time,
                run_keys.c.last_value,
            )
            .select_from(run_keys.join(metric_keys))
            .where(run_keys.c.run_id.in_(part), run_keys.c.n_points > 0)
            .order_by(run_keys.c.run_id, metric_keys.c.name)
        ):
            latest[int(r.run_id)].append(
                KeySummary(
                    key=r.name,
                    n_points=int(r.n_points),
                    last_step=int(r.last_step),
                    last_wall_time=float(r.last_wall_time),
                    last_value=float("nan") if r.last_value is None else float(r.last_value),
                )
            )
    return [
        RunDetails(
            run=RunRecord(
                uid=r.uid,
                name=r.name,
                project=r.project,
                config=dict(r.config or {}),
                tags=tuple(r.tags or ()),
                status=RunStatus(r.status),
                started_at=float(r.started_at),
                ended_at=None if r.ended_at is None else float(r.ended_at),
                last_seen_at=float(r.last_seen_at),
            ),
            experiment_id=experiment_id_of(int(r.project_id), r.project),
            tags=tags[int(r.id)],
            deleted=r.deleted is not None,
            latest=tuple(latest[int(r.id)]),
        )
        for r in rows
    ]


def apply_changes(conn: Connection, uid: str, changes: RunChanges, now: float) -> None:
    """Apply an MLflow call's changes to a run, or raise and change nothing."""
    row = conn.execute(
        select(
            runs.c.id,
            runs.c.name,
            runs.c.config,
            runs.c.status,
            deleted_runs.c.run_id.label("gone"),
        )
        .select_from(runs.outerjoin(deleted_runs))
        .where(runs.c.uid == uid)
    ).first()
    if row is None:
        raise NotFoundError(f"Run with id={uid} not found")
    run_id = int(row.id)
    writes = changes.params or changes.tags or changes.delete_tag is not None
    if writes and row.gone is not None:
        raise ValidationError(
            f"The run {uid} must be in the 'active' state. Current state is deleted.",
            field="run_id",
        )
    values: dict[str, Any] = {}
    if changes.params:
        config = dict(row.config or {})
        clashes = [
            {"key": k, "old_value": param_text(config[k]), "new_value": v}
            for k, v in changes.params.items()
            if k in config and param_text(config[k]) != v
        ]
        if clashes:
            raise ValidationError(
                f"Changing param values is not allowed. Params were already logged='{clashes}' "
                f"for run ID='{uid}'.",
                field="params",
            )
        fresh = {k: v for k, v in changes.params.items() if k not in config}
        if fresh:
            values["config"] = {**config, **fresh}
    if changes.delete_tag is not None:
        gone = conn.execute(
            delete(run_tags).where(
                run_tags.c.run_id == run_id, run_tags.c.key == changes.delete_tag
            )
        )
        if gone.rowcount == 0:
            raise NotFoundError(f"No tag with name: {changes.delete_tag} in run with id {uid}")
    if changes.tags:
        conn.execute(
            delete(run_tags).where(
                run_tags.c.run_id == run_id, run_tags.c.key.in_(list(changes.tags))
            )
        )
        conn.execute(
            insert(run_tags),
            [{"run_id": run_id, "key": k, "value": v} for k, v in changes.tags.items()],
        )
    if changes.name is not None and changes.name != row.name:
        values["name"] = changes.name
    if changes.reopen and RunStatus(row.status).is_final:
        values.update(status=RunStatus.RUNNING.value, ended_at=None)
        _event(conn, run_id, now, "reopened", f"run {row.name} resumed by its MLflow client")
    if values:
        conn.execute(update(runs).where(runs.c.id == run_id).values(**values))
    if changes.deleted is True and row.gone is None:
        conn.execute(insert(deleted_runs).values(run_id=run_id, deleted_at=now))
        _event(conn, run_id, now, "deleted", f"run {row.name} deleted through the MLflow API")
    elif changes.deleted is False and row.gone is not None:
        conn.execute(delete(deleted_runs).where(deleted_runs.c.run_id == run_id))
        _event(conn, run_id, now, "restored", f"run {row.name} restored through the MLflow API")


def _experiment_select() -> Any:
    return select(projects.c.id, projects.c.name, projects.c.created_at)


def _experiment(row: Any) -> Experiment:
    return Experiment(experiment_id_of(int(row.id), row.name), row.name, float(row.created_at))


def experiment_id_of(project_id: int, project: str) -> int:
    """The experiment id a project shows: its id, or 0 for "Default"."""
    return DEFAULT_EXPERIMENT_ID if project == DEFAULT_EXPERIMENT_NAME else project_id


def _event(conn: Connection, run_id: int, at: float, kind: str, message: str) -> None:
    conn.execute(
        insert(run_events).values(run_id=run_id, at=at, kind=kind, message=message, data={})
    )


def _chunks(items: Iterable[Any]) -> Iterable[list[Any]]:
    part: list[Any] = []
    for item in items:
        part.append(item)
        if len(part) == _IN_CHUNK:
            yield part
            part = []
    if part:
        yield part
