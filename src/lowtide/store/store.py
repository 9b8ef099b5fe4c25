"""The one Store: runs, their metric points and events, on SQLite or PostgreSQL.

SQLite (the embedded default) gets WAL, one writer connection behind a lock
that starts its transactions with `BEGIN IMMEDIATE`, and a pool of readers.
PostgreSQL uses its pool for both, with row locks where two writers could
meet. Constructing a Store does no I/O; `upgrade()` migrates explicitly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import (
    Connection,
    Engine,
    Row,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from lowtide.core.batch import Batch
from lowtide.core.board import BoardFilter
from lowtide.core.growth import GrowthEntry
from lowtide.core.health import IncidentEvent
from lowtide.core.opportunities import Opportunity, StoredOpportunity, ValueWeights
from lowtide.core.pay import CurrencyRates, clean_currency
from lowtide.core.plan_record import PlanState, StoredPlan
from lowtide.core.plan_settings import PlannerSettings
from lowtide.core.profile import MAX_WEEKLY_HOURS as MAX_WEEK_HOURS
from lowtide.core.profile import Busy, EngineerProfile, TimeOff, week_start
from lowtide.core.records import (
    DeliveryRecord,
    HealthSettings,
    IncidentRecord,
    KeySummary,
    Mute,
    RunEvent,
    RunRecord,
    RunSpec,
    RunStatus,
    Series,
)
from lowtide.core.stages import HoursActual, Plan, Progress, ProgressSample, Project, StageStatus
from lowtide.errors import ConflictError, NotFoundError, StoreError, ValidationError
from lowtide.store import health, mlflow, mlflow_models, notify, points, schema
from lowtide.store import opportunities as opportunities_sql
from lowtide.store import plans as plans_sql
from lowtide.store import projects as projects_sql
from lowtide.store.points import Head, Lru, PointSql
from lowtide.store.schema import (
    incidents,
    metric_keys,
    mutes,
    point_chunks,
    projects,
    run_events,
    run_keys,
    runs,
)

#: Seconds a SQLite connection waits for another process's write lock before failing.
SQLITE_BUSY_TIMEOUT_S = 30
#: Bytes of the database file a reading connection maps into memory: a key's blobs are read
#: from the map instead of one system call per page (~20 % less CPU for 1M points). The
#: address space is reserved, not memory; only pages read are resident, and they are the
#: OS's file cache, shared by all connections.
SQLITE_READER_MMAP_BYTES = 1 << 30
#: Most runs one list call returns.
MAX_LIST_LIMIT = 10_000
#: What a client-chosen run id may look like.
RUN_UID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
#: Run ids remembered by uid (runs are never deleted, so a found id stays right).
MAX_RUN_IDS = 10_000


@dataclass(frozen=True)
class BatchResult:
    """What happened to a batch: stored, or recognised as a retry and skipped."""

    n_points: int
    duplicate: bool


@dataclass(frozen=True)
class ProjectSummary:
    """A project and how many runs it has."""

    name: str
    n_runs: int
    created_at: float


def open_store(url: str) -> Store:
    """A Store for a SQLAlchemy URL; connects lazily, migrates only on `upgrade()`."""
    return Store(url)


class Store:
    """Runs, points and events in one SQL database."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"not a database URL: {url!r}") from exc
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._write_lock = threading.Lock()
        self._key_ids: dict[str, int] = {}
        self._key_lock = threading.Lock()
        if self.is_sqlite:
            self.sqlite_path = Path(parsed.database) if parsed.database else None
            self._writer = create_engine(
                url, pool_size=1, max_overflow=0, connect_args={"check_same_thread": False}
            )
            self._reader = create_engine(
                url, pool_size=8, max_overflow=8, connect_args={"check_same_thread": False}
            )
            _configure_sqlite(self._writer, "BEGIN IMMEDIATE")
            _configure_sqlite(self._reader, "BEGIN", mmap_bytes=SQLITE_READER_MMAP_BYTES)
        else:
            self.sqlite_path = None
            self._writer = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
            self._reader = self._writer
        self._sql = PointSql.for_dialect(self.is_sqlite, self._writer.dialect.paramstyle)
        self._heads: Lru[tuple[int, int], Head] = Lru(points.MAX_HEADS)
        self._run_ids: Lru[str, int] = Lru(MAX_RUN_IDS)

    # -- lifecycle -------------------------------------------------------------

    def upgrade(self) -> None:
        """Create or migrate the schema to the newest revision."""
        from lowtide.store import migrate

        if self.sqlite_path is not None:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        with self._write() as conn:
            migrate.upgrade(conn)

    def check_schema(self) -> None:
        """Raise StoreError unless the database exists and is at the newest revision."""
        from lowtide.store import migrate

        if self.sqlite_path is not None and not self.sqlite_path.exists():
            raise StoreError(
                f"no lowtide store at {self.sqlite_path}; start `lowtide serve` "
                "or run `lowtide db upgrade` to create it"
            )
        with self._read() as conn:
            migrate.check(conn)

    def close(self) -> None:
        """Close every pooled connection."""
        self._writer.dispose()
        if self._reader is not self._writer:
            self._reader.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._write_lock if self.is_sqlite else _nullcontext(), self._writer.begin() as c:
                yield c
        except OperationalError as exc:
            raise StoreError(f"the database failed: {exc.orig}") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._reader.connect() as conn:
                yield conn
        except OperationalError as exc:
            raise StoreError(f"the database failed: {exc.orig}") from exc

    # -- runs ------------------------------------------------------------------

    def create_run(self, spec: RunSpec, now: float | None = None) -> RunRecord:
        """Create a run, or return it unchanged when a client retries with the same uid."""
        now = time.time() if now is None else now
        uid = spec.uid or uuid.uuid4().hex
        if not RUN_UID_PATTERN.match(uid):
            raise ValidationError("a run id is 1 to 32 letters, digits, '-' or '_'", field="id")
        project = _clean_name(spec.project, "project")
        with self._write() as conn:
            existing = self._run_row(conn, uid)
            if existing is not None:
                if existing.project != project:
                    raise ConflictError(
                        f"run id {uid} already belongs to project {existing.project!r}"
                    )
                return _run_record(existing)
            project_id = self._project_id(conn, project, now)
            if spec.name:
                name = _clean_name(spec.name, "name")
            else:
                count = conn.scalar(
                    select(func.count()).select_from(runs).where(runs.c.project_id == project_id)
                )
                name = f"{project}-{int(count or 0) + 1}"
            started = spec.started_at if spec.started_at is not None else now
            conn.execute(
                insert(runs).values(
                    uid=uid,
                    project_id=project_id,
                    name=name,
                    config=spec.config,
                    tags=list(spec.tags),
                    status=RunStatus.RUNNING.value,
                    started_at=started,
                    ended_at=None,
                    last_seen_at=max(started, now),
                    planned_steps=spec.planned_steps,
                    kinds=None,
                )
            )
            row = self._run_row(conn, uid)
            assert row is not None
            self._add_event(conn, row.id, now, "created", f"run {name} started", {})
            return _run_record(row)

    def get_run(self, uid: str) -> RunRecord:
        """The run with this id; NotFoundError if there is none."""
        with self._read() as conn:
            row = self._run_row(conn, uid)
        if row is None:
            raise NotFoundError(f"no run with id {uid!r}")
        return _run_record(row)

    def find_run(self, ref: str) -> RunRecord:
        """A run by id, by name (the newest of that name), or by a unique id prefix."""
        with self._read() as conn:
            row = self._run_row(conn, ref)
            if row is None:
                row = conn.execute(
                    _run_select().where(runs.c.name == ref).order_by(runs.c.started_at.desc())
                ).first()
            if row is None and RUN_UID_PATTERN.match(ref) and len(ref) >= 4:
                found = conn.execute(
                    _run_select().where(runs.c.uid.startswith(ref, autoescape=True)).limit(2)
                ).all()
                if len(found) > 1:
                    raise ValidationError(f"{ref!r} matches several runs; give more of the id")
                row = found[0] if found else None
        if row is None:
            raise NotFoundError(f"no run with id or name {ref!r}")
        return _run_record(row)

    def list_runs(
        self,
        *,
        project: str | None = None,
        status: RunStatus | None = None,
        tag: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[RunRecord]:
        """Runs, newest first, filtered by project, status and tag."""
        limit = max(0, min(limit, MAX_LIST_LIMIT))
        q = _run_select().order_by(runs.c.started_at.desc(), runs.c.id.desc())
        if project is not None:
            q = q.where(projects.c.name == project)
        if status is not None:
            q = q.where(runs.c.status == status.value)
        with self._read() as conn:
            rows = conn.execute(q).all() if tag else conn.execute(q.limit(limit).offset(offset))
            records = [_run_record(r) for r in rows]
        if tag:
            # Tags live in a JSON list; filtering them in Python keeps one query for both back ends.
            records = [r for r in records if tag in r.tags][offset : offset + limit]
        return records

    def list_projects(self) -> list[ProjectSummary]:
        """Every project with its number of runs, by name."""
        q = (
            select(projects.c.name, projects.c.created_at, func.count(runs.c.id))
            .select_from(projects.outerjoin(runs))
            .group_by(projects.c.id)
            .order_by(projects.c.name)
        )
        with self._read() as conn:
            return [ProjectSummary(name=n, n_runs=c, created_at=t) for n, t, c in conn.execute(q)]

    def heartbeat(self, uid: str, now: float | None = None) -> None:
        """Record that the run's process is alive."""
        now = time.time() if now is None else now
        with self._write() as conn:
            run_id = self._run_id(conn, uid)
            self._touch(conn, run_id, now)

    def finish_run(
        self, uid: str, status: RunStatus, now: float | None = None, message: str = ""
    ) -> RunRecord:
        """Mark a run finished, failed or crashed; finishing twice keeps the first end."""
        now = time.time() if now is None else now
        if not status.is_final:
            raise ValidationError("a run finishes as finished, failed or crashed", field="status")
        with self._write() as conn:
            row = self._run_row(conn, uid)
            if row is None:
                raise NotFoundError(f"no run with id {uid!r}")
            if RunStatus(row.status).is_live or row.status == RunStatus.CRASHED.value:
                conn.execute(
                    update(runs)
                    .where(runs.c.id == row.id)
                    .values(
                        status=status.value, ended_at=now, last_seen_at=max(now, row.last_seen_at)
                    )
                )
                text = message or f"run {row.name} {status.value}"
                self._add_event(conn, row.id, now, status.value, text, {})
            updated = self._run_row(conn, uid)
            assert updated is not None
            return _run_record(updated)

    # -- points ----------------------------------------------------------------

    def log_batch(self, uid: str, batch: Batch, now: float | None = None) -> BatchResult:
        """Append a batch of points to a run, all or nothing; a known batch id is skipped."""
        now = time.time() if now is None else now
        new_keys: dict[str, int] = {}
        series = points.merge_same_keys(batch.series)
        with self._write() as conn:
            run_id = self._run_id(conn, uid)
            if batch.batch_id is not None:
                inserted = conn.exec_driver_sql(
                    self._sql.insert_batch,
                    {
                        "run_id": run_id,
                        "batch_id": batch.batch_id,
                        "n_points": batch.n_points,
                        "received_at": now,
                    },
                ).first()
                if inserted is None:
                    return BatchResult(n_points=0, duplicate=True)
            key_ids = self._intern_keys(conn, [s.key for s in series], new_keys)
            heads = points.append(
                conn, self._sql, self._heads, run_id, [(key_ids[s.key], s) for s in series]
            )
            conn.exec_driver_sql(self._sql.touch_run, {"run_id": run_id, "now": now})
        # Only after commit: an id or a head from a rolled-back transaction must never be kept.
        with self._key_lock:
            self._key_ids.update(new_keys)
        self._heads.update(heads)
        return BatchResult(n_points=batch.n_points, duplicate=False)

    def list_keys(self, uid: str) -> list[KeySummary]:
        """The run's metric keys with their last points, by key."""
        q = (
            select(
                metric_keys.c.name,
                run_keys.c.n_points,
                run_keys.c.last_step,
                run_keys.c.last_wall_time,
                run_keys.c.last_value,
            )
            .select_from(run_keys.join(metric_keys))
            .where(
                run_keys.c.run_id == select(runs.c.id).where(runs.c.uid == uid).scalar_subquery()
            )
            .where(run_keys.c.n_points > 0)
            .order_by(metric_keys.c.name)
        )
        with self._read() as conn:
            if self._run_row(conn, uid) is None:
                raise NotFoundError(f"no run with id {uid!r}")
            rows = conn.execute(q).all()
        return [
            KeySummary(
                key=name,
                n_points=int(n),
                last_step=int(step),
                last_wall_time=float(t),
                last_value=float("nan") if v is None else float(v),
            )
            for name, n, step, t, v in rows
        ]

    def read_series(
        self, uid: str, key: str, start: int | None = None, end: int | None = None
    ) -> Series:
        """All points of one key of a run, or those with start <= step <= end."""
        with self._read() as conn:
            run_id = self._run_id(conn, uid)
            with self._key_lock:
                key_id = self._key_ids.get(key)
            if key_id is None:
                key_id = conn.scalar(select(metric_keys.c.id).where(metric_keys.c.name == key))
            if key_id is None:
                raise NotFoundError(f"run {uid} has no metric {key!r}")
            steps, times, values, n_chunks = points.read_chunks(
                conn, self._sql, run_id, key_id, start, end
            )
            if not n_chunks and start is None and end is None:
                raise NotFoundError(f"run {uid} has no metric {key!r}")
        if steps.size > 1 and bool((steps[1:] < steps[:-1]).any()):
            order = np.argsort(steps, kind="stable")
            steps, times, values = steps[order], times[order], values[order]
        if start is not None or end is not None:
            lo = 0 if start is None else int(np.searchsorted(steps, start, side="left"))
            hi = steps.size if end is None else int(np.searchsorted(steps, end, side="right"))
            steps, times, values = steps[lo:hi], times[lo:hi], values[lo:hi]
        return Series(key=key, steps=steps, wall_times=times, values=values)

    # -- events ----------------------------------------------------------------

    def add_event(
        self,
        uid: str,
        kind: str,
        message: str,
        data: dict[str, Any] | None = None,
        now: float | None = None,
    ) -> None:
        """Record an event on a run's timeline."""
        now = time.time() if now is None else now
        with self._write() as conn:
            self._add_event(conn, self._run_id(conn, uid), now, kind, message, data or {})

    def list_events(self, uid: str) -> list[RunEvent]:
        """The run's events, oldest first."""
        with self._read() as conn:
            run_id = self._run_id(conn, uid)
            rows = conn.execute(
                select(run_events.c.at, run_events.c.kind, run_events.c.message, run_events.c.data)
                .where(run_events.c.run_id == run_id)
                .order_by(run_events.c.at, run_events.c.id)
            ).all()
        return [RunEvent(at=a, kind=k, message=m, data=d) for a, k, m, d in rows]

    # -- health ----------------------------------------------------------------

    def set_status(
        self,
        uid: str,
        status: RunStatus,
        message: str,
        now: float | None = None,
        *,
        reopen: bool = False,
    ) -> bool:
        """Move a live run to another state; False if it had ended.

        With `reopen`, a run that was only guessed finished goes back to running.
        """
        now = time.time() if now is None else now
        with self._write() as conn:
            row = self._run_row(conn, uid)
            if row is None:
                raise NotFoundError(f"no run with id {uid!r}")
            current = RunStatus(row.status)
            reopening = reopen and current is RunStatus.FINISHED and status.is_live
            if (not current.is_live and not reopening) or current is status:
                return False
            values: dict[str, Any] = {"status": status.value}
            if status.is_final:
                values["ended_at"] = now
            elif reopening:
                values["ended_at"] = None
            conn.execute(update(runs).where(runs.c.id == row.id).values(**values))
            self._add_event(conn, row.id, now, status.value, message, {})
            return True

    def health_settings(self, uid: str) -> HealthSettings:
        """Planned steps, series kinds (the run's over its project's) and config of a run."""
        with self._read() as conn:
            row = conn.execute(
                select(runs.c.planned_steps, runs.c.kinds, runs.c.config, projects.c.kinds)
                .select_from(runs.join(projects))
                .where(runs.c.uid == uid)
            ).first()
        if row is None:
            raise NotFoundError(f"no run with id {uid!r}")
        kinds = {**(row[3] or {}), **(row[1] or {})}
        return HealthSettings(planned_steps=row[0], kinds=kinds, config=row[2] or {})

    def set_health_settings(
        self,
        uid: str,
        *,
        planned_steps: int | None = None,
        kinds: dict[str, str] | None = None,
    ) -> None:
        """Set a run's planned steps and/or merge series-kind overrides into its own."""
        with self._write() as conn:
            row = conn.execute(select(runs.c.id, runs.c.kinds).where(runs.c.uid == uid)).first()
            if row is None:
                raise NotFoundError(f"no run with id {uid!r}")
            values: dict[str, Any] = {}
            if planned_steps is not None:
                if planned_steps <= 0:
                    raise ValidationError("planned steps must be positive", field="planned_steps")
                values["planned_steps"] = planned_steps
            if kinds:
                values["kinds"] = {**(row.kinds or {}), **kinds}
            if values:
                conn.execute(update(runs).where(runs.c.id == row.id).values(**values))

    def set_project_kinds(self, project: str, kinds: dict[str, str]) -> None:
        """Series-kind overrides for every run of a project."""
        with self._write() as conn:
            project_id = self._project_id(conn, _clean_name(project, "project"), time.time())
            current = conn.scalar(select(projects.c.kinds).where(projects.c.id == project_id))
            conn.execute(
                update(projects)
                .where(projects.c.id == project_id)
                .values(kinds={**(current or {}), **kinds})
            )

    def record_incident(self, uid: str, event: IncidentEvent, now: float | None = None) -> int:
        """Store what the health engine decided; the incident's id."""
        now = time.time() if now is None else now
        with self._write() as conn:
            return health.record_event(conn, self._run_id(conn, uid), event, now)

    def list_incidents(
        self,
        *,
        run: str | None = None,
        project: str | None = None,
        open_only: bool = False,
        limit: int = 200,
    ) -> list[IncidentRecord]:
        """Incidents, newest first."""
        q = health.incident_select().order_by(incidents.c.opened_at.desc(), incidents.c.id.desc())
        if run is not None:
            q = q.where(runs.c.uid == run)
        if project is not None:
            q = q.where(projects.c.name == project)
        if open_only:
            q = q.where(incidents.c.resolved_at.is_(None))
        with self._read() as conn:
            return [health.incident_record(r) for r in conn.execute(q.limit(limit))]

    def get_incident(self, incident_id: int) -> IncidentRecord:
        with self._read() as conn:
            row = conn.execute(
                health.incident_select().where(incidents.c.id == incident_id)
            ).first()
        if row is None:
            raise NotFoundError(f"no incident with id {incident_id}")
        return health.incident_record(row)

    def acknowledge_incident(self, incident_id: int, now: float | None = None) -> IncidentRecord:
        """Mark an incident as seen: it stays open but notifies no more."""
        now = time.time() if now is None else now
        with self._write() as conn:
            done = conn.execute(
                update(incidents)
                .where(incidents.c.id == incident_id, incidents.c.acknowledged_at.is_(None))
                .values(acknowledged_at=now)
            )
            if (
                done.rowcount == 0
                and conn.scalar(select(incidents.c.id).where(incidents.c.id == incident_id)) is None
            ):
                raise NotFoundError(f"no incident with id {incident_id}")
        return self.get_incident(incident_id)

    def add_mute(
        self,
        *,
        project: str | None = None,
        run: str | None = None,
        rule: str | None = None,
        until: float | None = None,
        now: float | None = None,
    ) -> Mute:
        """Silence notifications for a project or a run (one rule, or all) until a time."""
        now = time.time() if now is None else now
        if project is None and run is None:
            raise ValidationError("mute a project or a run", field="project")
        with self._write() as conn:
            project_id = run_id = None
            if project is not None:
                project_id = conn.scalar(select(projects.c.id).where(projects.c.name == project))
                if project_id is None:
                    raise NotFoundError(f"no project {project!r}")
            if run is not None:
                run_id = self._run_id(conn, run)
            result = conn.execute(
                insert(mutes).values(
                    project_id=project_id, run_id=run_id, rule=rule, until=until, created_at=now
                )
            )
            mute_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        return next(m for m in self.list_mutes() if m.id == mute_id)

    def list_mutes(self) -> list[Mute]:
        with self._read() as conn:
            return [health.mute_record(r) for r in conn.execute(health.mute_select())]

    def delete_mute(self, mute_id: int) -> None:
        with self._write() as conn:
            if conn.execute(delete(mutes).where(mutes.c.id == mute_id)).rowcount == 0:
                raise NotFoundError(f"no mute with id {mute_id}")

    # -- notifications ---------------------------------------------------------

    def notify_settings(self) -> dict[str, dict[str, Any]]:
        """Notification settings by scope: "" for the user, else a project's name."""
        with self._read() as conn:
            return notify.read_settings(conn)

    def notify_settings_version(self) -> tuple[int, float]:
        """A value that changes whenever notification settings change."""
        with self._read() as conn:
            return notify.settings_version(conn)

    def set_notify_settings(
        self, scope: str, config: dict[str, Any] | None, now: float | None = None
    ) -> None:
        """Store a scope's notification settings; `None` removes them."""
        now = time.time() if now is None else now
        with self._write() as conn:
            notify.write_settings(conn, scope, config, now)

    def record_delivery(
        self,
        *,
        scope: str,
        channel: str,
        title: str,
        status: str,
        attempts: int,
        error: str | None,
        at: float,
    ) -> None:
        """Keep what became of one message on one channel."""
        values = {
            "scope": scope,
            "channel": channel,
            "title": title,
            "status": status,
            "attempts": attempts,
            "error": error,
            "at": at,
        }
        with self._write() as conn:
            notify.add_delivery(conn, values)

    def list_deliveries(self, scope: str | None = None, limit: int = 100) -> list[DeliveryRecord]:
        """Deliveries, newest first."""
        with self._read() as conn:
            return notify.list_deliveries(conn, scope, limit)

    # -- projects, stages and the forecast ----------------------------------------

    def engineer_profile(self) -> EngineerProfile:
        """The engineer's working time with time off (the defaults until one is set)."""
        with self._read() as conn:
            return projects_sql.read_profile(conn)

    def set_engineer_profile(
        self, profile: EngineerProfile, now: float | None = None
    ) -> EngineerProfile:
        """Store weekly hours, workdays and time zone (time off is kept as it is)."""
        now = time.time() if now is None else now
        with self._write() as conn:
            projects_sql.write_profile(conn, profile, now)
            return projects_sql.read_profile(conn)

    def time_off(self) -> list[tuple[int, TimeOff]]:
        """Time off with its ids, by first day."""
        with self._read() as conn:
            return projects_sql.list_time_off(conn)

    def add_time_off(self, off: TimeOff) -> int:
        with self._write() as conn:
            return projects_sql.add_time_off(conn, off)

    def remove_time_off(self, time_off_id: int) -> None:
        with self._write() as conn:
            projects_sql.delete_time_off(conn, time_off_id)

    def replace_busy(self, source: str, busy: Sequence[Busy]) -> None:
        """Make `busy` the busy time of `source` (an imported calendar), replacing its old."""
        with self._write() as conn:
            projects_sql.replace_busy(conn, _clean_name(source, "source"), busy)

    def busy_between(self, start: float, end: float) -> list[Busy]:
        """Busy time that overlaps [start, end), by start."""
        with self._read() as conn:
            return projects_sql.list_busy(conn, start, end)

    def apply_projects(
        self, plan: Sequence[Project], now: float | None = None
    ) -> projects_sql.ApplySummary:
        """Create or update projects and make their stages the given ones, in one transaction."""
        now = time.time() if now is None else now
        added = updated = removed = 0
        with self._write() as conn:
            for project in plan:
                project_id = self._project_id(conn, _clean_name(project.name, "project"), now)
                done = projects_sql.apply_project(conn, project_id, project, now)
                added, updated, removed = (
                    added + done.added,
                    updated + done.updated,
                    removed + done.removed,
                )
        return projects_sql.ApplySummary(len(plan), added, updated, removed)

    def set_project(self, name: str, *, goal: str | None = None, owner: str | None = None) -> None:
        """Create a project, or set its goal and owner."""
        with self._write() as conn:
            project_id = self._project_id(conn, _clean_name(name, "project"), time.time())
            projects_sql.set_project_info(conn, project_id, goal, owner)

    def plan(self, project: str | None = None) -> Plan:
        """Every project (or one) with its stages."""
        with self._read() as conn:
            return projects_sql.read_plan(conn, project)

    def set_stage_status(
        self,
        project: str,
        stage: str,
        status: StageStatus,
        on: dt.date | None = None,
        now: float | None = None,
    ) -> None:
        """Start, finish, block or re-plan a stage; starting and finishing record the day
        (today in the engineer's time zone unless given)."""
        now = time.time() if now is None else now
        with self._write() as conn:
            sid, _ = projects_sql.stage_id(conn, project, stage)
            if on is None:  # today where the engineer is
                on = dt.datetime.fromtimestamp(now, projects_sql.read_profile(conn).tz).date()
            projects_sql.set_stage_status(conn, sid, status, on, now)

    def record_progress(
        self, project: str, stage: str, progress: Progress, now: float | None = None
    ) -> None:
        """Add a progress count (items done of total) to an annotation or collection stage."""
        now = time.time() if now is None else now
        with self._write() as conn:
            sid, kind = projects_sql.stage_id(conn, project, stage)
            if not kind.has_progress:
                raise ValidationError(
                    f"stage {stage!r} is {kind.value}; only annotation and collection stages "
                    "count progress",
                    field="stage",
                )
            projects_sql.add_progress(conn, sid, progress, now)

    def progress_history(self) -> dict[str, list[ProgressSample]]:
        """Every stage's progress counts by "project/stage", oldest first."""
        with self._read() as conn:
            refs = projects_sql.stage_refs(conn)
            return {refs[sid]: s for sid, s in projects_sql.progress_history(conn).items()}

    def record_hours(self, project: str, stage: str, week: dt.date, hours: float) -> None:
        """Set the hours spent on a stage in the week of `week` (kept by its Monday)."""
        if not 0 <= hours <= MAX_WEEK_HOURS:
            raise ValidationError(
                f"hours in a week are between 0 and {MAX_WEEK_HOURS:g}, got {hours:g}",
                field="hours",
            )
        with self._write() as conn:
            sid, _ = projects_sql.stage_id(conn, project, stage)
            projects_sql.set_hours(conn, sid, week_start(week), hours)

    def hours_actuals(self) -> list[HoursActual]:
        """Every recorded week of hours, by week."""
        with self._read() as conn:
            return projects_sql.list_hours(conn)

    # -- opportunities, the board and the growth log (store/opportunities.py) -----

    def save_opportunities(
        self, found: Sequence[Opportunity], now: float | None = None
    ) -> opportunities_sql.UpsertSummary:
        """Add or update imported opportunities by (source, key); the user's edits are kept."""
        now = time.time() if now is None else now
        for o in found:
            _clean_name(o.source, "source")
            _clean_name(o.key, "key")
        with self._write() as conn:
            return opportunities_sql.upsert(conn, found, now)

    def opportunities(self) -> list[StoredOpportunity]:
        """Every opportunity with the user's edits applied, soonest deadline first."""
        with self._read() as conn:
            return opportunities_sql.list_all(conn)

    def opportunity(self, opportunity_id: int) -> StoredOpportunity:
        with self._read() as conn:
            return opportunities_sql.get(conn, opportunity_id)

    def find_opportunity(self, source: str, key: str) -> StoredOpportunity:
        """An opportunity by where it came from and its key there."""
        with self._read() as conn:
            return opportunities_sql.find(conn, source, key)

    def edit_opportunity(
        self, opportunity_id: int, changes: Mapping[str, Any], now: float | None = None
    ) -> StoredOpportunity:
        """Change fields of an opportunity; the change outlives later imports of it."""
        now = time.time() if now is None else now
        with self._write() as conn:
            return opportunities_sql.edit(conn, opportunity_id, changes, now)

    def reset_opportunity(
        self, opportunity_id: int, fields: Sequence[str] | None = None, now: float | None = None
    ) -> StoredOpportunity:
        """Forget the user's edits of an opportunity (all, or of some fields)."""
        now = time.time() if now is None else now
        with self._write() as conn:
            return opportunities_sql.reset(conn, opportunity_id, fields, now)

    def save_filter(self, name: str, board_filter: BoardFilter, now: float | None = None) -> None:
        """Keep a board filter under a name (replacing one of that name)."""
        now = time.time() if now is None else now
        with self._write() as conn:
            opportunities_sql.save_filter(conn, _clean_name(name, "name"), board_filter, now)

    def saved_filter(self, name: str) -> BoardFilter:
        with self._read() as conn:
            return opportunities_sql.read_filter(conn, name)

    def saved_filters(self) -> dict[str, BoardFilter]:
        with self._read() as conn:
            return opportunities_sql.list_filters(conn)

    def remove_filter(self, name: str) -> None:
        with self._write() as conn:
            opportunities_sql.delete_filter(conn, name)

    def currency_rates(self) -> CurrencyRates:
        """The base currency and what other currencies are worth in it."""
        with self._read() as conn:
            return opportunities_sql.read_rates(conn)

    def set_rate(self, currency: str, per_base: float, now: float | None = None) -> None:
        """Set what one unit of `currency` is worth in the base currency."""
        now = time.time() if now is None else now
        code = _currency(currency)
        if not per_base > 0:
            raise ValidationError(f"a rate is above 0, got {per_base:g}", field="rate")
        with self._write() as conn:
            if code == opportunities_sql.read_rates(conn).base:
                raise ValidationError(
                    f"{code} is the base currency; its rate is 1", field="currency"
                )
            opportunities_sql.set_rate(conn, code, per_base, now)

    def remove_rate(self, currency: str) -> None:
        with self._write() as conn:
            opportunities_sql.remove_rate(conn, _currency(currency))

    def set_base_currency(self, currency: str, now: float | None = None) -> int:
        """Compare pay in `currency`; the old rates no longer hold and are removed (counted)."""
        now = time.time() if now is None else now
        with self._write() as conn:
            return opportunities_sql.set_base(conn, _currency(currency), now)

    def value_weights(self) -> ValueWeights:
        """How much the user weighs income, learning and reputation (1, 1, 1 by default)."""
        with self._read() as conn:
            return opportunities_sql.read_weights(conn)

    def set_value_weights(self, weights: ValueWeights, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._write() as conn:
            opportunities_sql.write_weights(conn, weights, now)

    def log_growth(self, entry: GrowthEntry, now: float | None = None) -> int:
        """Add what was done to the growth log; its id."""
        now = time.time() if now is None else now
        entry = dataclasses.replace(entry, currency=_currency(entry.currency))
        with self._write() as conn:
            return opportunities_sql.add_entry(conn, entry, now)

    def growth_log(self, year: int | None = None) -> list[tuple[int, GrowthEntry]]:
        """The growth log with ids, oldest first (of one year when given)."""
        with self._read() as conn:
            return opportunities_sql.list_entries(conn, year)

    def remove_growth(self, entry_id: int) -> None:
        with self._write() as conn:
            opportunities_sql.delete_entry(conn, entry_id)

    # -- plans of the lulls (store/plans.py) ------------------------------------

    def save_plan_preview(self, plan: StoredPlan, now: float | None = None) -> StoredPlan:
        """Keep `plan` as the preview, replacing the one before; the plan as stored."""
        now = time.time() if now is None else now
        with self._write() as conn:
            plans_sql.save_preview(conn, plan, now)
            found = plans_sql.latest(conn, PlanState.PREVIEW)
        assert found is not None
        return found

    def latest_plan(self, state: PlanState) -> StoredPlan | None:
        """The newest plan in `state` (the preview, the accepted plan, the one it replaced)."""
        with self._read() as conn:
            return plans_sql.latest(conn, state)

    def accept_plan(self, plan_id: int, now: float | None = None) -> StoredPlan:
        """Accept preview `plan_id`: the accepted plan before it is superseded."""
        now = time.time() if now is None else now
        with self._write() as conn:
            return plans_sql.accept_preview(conn, plan_id, now)

    def planner_settings(self) -> PlannerSettings:
        """The planner's settings, the defaults where the user set none."""
        with self._read() as conn:
            return plans_sql.read_settings(conn)

    def set_planner_settings(self, settings: PlannerSettings, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._write() as conn:
            plans_sql.write_settings(conn, settings, now)

    # -- MLflow compatibility (store/mlflow.py) ---------------------------------

    def get_experiment(self, experiment_id: int) -> mlflow.Experiment:
        """A project as an MLflow experiment; experiment 0, "Default", is made on first use."""
        with self._read() as conn:
            found = mlflow.get_experiment(conn, experiment_id)
        if found is None and experiment_id == mlflow.DEFAULT_EXPERIMENT_ID:
            with self._write() as conn:
                found = mlflow.ensure_default(conn, time.time())
        if found is None:
            raise NotFoundError(f"No Experiment with id={experiment_id} exists")
        return found

    def find_experiment(self, name: str) -> mlflow.Experiment | None:
        with self._read() as conn:
            return mlflow.find_experiment(conn, name)

    def create_experiment(self, name: str, now: float | None = None) -> mlflow.Experiment:
        """A new project; ConflictError when the name is taken."""
        now = time.time() if now is None else now
        with self._write() as conn:
            return mlflow.create_experiment(conn, _clean_name(name, "name"), now)

    def list_experiments(self) -> list[mlflow.Experiment]:
        with self._read() as conn:
            return mlflow.list_experiments(conn)

    def run_details(
        self, *, uids: Sequence[str] | None = None, experiment_ids: Sequence[int] | None = None
    ) -> list[mlflow.RunDetails]:
        """Runs by id or by experiment, with key/value tags, deletion and latest metrics."""
        with self._read() as conn:
            return mlflow.run_details(conn, uids=uids, experiment_ids=experiment_ids)

    def change_run(self, uid: str, changes: mlflow.RunChanges, now: float | None = None) -> None:
        """Log params, set or delete tags, rename, reopen, delete or restore; all or nothing."""
        now = time.time() if now is None else now
        if changes.name is not None:
            _clean_name(changes.name, "run_name")
        with self._write() as conn:
            mlflow.apply_changes(conn, uid, changes, now)

    def create_logged_model(
        self,
        experiment_id: int,
        *,
        name: str,
        source_run: str | None = None,
        model_type: str | None = None,
        params: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        now: float | None = None,
    ) -> mlflow_models.LoggedModel:
        """A new logged model of an experiment, pending until it is finalized."""
        now = time.time() if now is None else now
        with self._write() as conn:
            return mlflow_models.create(
                conn,
                experiment_id,
                name=_clean_name(name, "name"),
                source_run=source_run,
                model_type=model_type,
                params=params or {},
                tags=tags or {},
                now=now,
            )

    def get_logged_model(self, model_id: str) -> mlflow_models.LoggedModel:
        with self._read() as conn:
            found = mlflow_models.get(conn, model_id)
        if found is None:
            raise NotFoundError(f"Logged model with ID '{model_id}' not found.")
        return found

    def search_logged_models(
        self, experiment_ids: Sequence[int]
    ) -> list[mlflow_models.LoggedModel]:
        with self._read() as conn:
            return mlflow_models.search(conn, experiment_ids)

    def change_logged_model(
        self, model_id: str, changes: mlflow_models.ModelChanges | None, now: float | None = None
    ) -> None:
        """Set a logged model's status, params or tags; `None` deletes the model."""
        now = time.time() if now is None else now
        with self._write() as conn:
            if changes is None:
                mlflow_models.remove(conn, model_id)
            else:
                mlflow_models.change(conn, model_id, changes, now)

    # -- internals -------------------------------------------------------------

    def _insert_ignore(self, table: Any) -> Any:
        if self.is_sqlite:
            return sqlite_insert(table).on_conflict_do_nothing()
        return pg_insert(table).on_conflict_do_nothing()

    def _run_row(self, conn: Connection, uid: str) -> Row[Any] | None:
        return conn.execute(_run_select().where(runs.c.uid == uid)).first()

    def _run_id(self, conn: Connection, uid: str) -> int:
        cached = self._run_ids.get(uid)
        if cached is not None:
            return cached
        run_id = conn.scalar(select(runs.c.id).where(runs.c.uid == uid))
        if run_id is None:
            raise NotFoundError(f"no run with id {uid!r}")
        # A row found is committed (runs are created in transactions of their own).
        self._run_ids.update([(uid, int(run_id))])
        return int(run_id)

    def _project_id(self, conn: Connection, name: str, now: float) -> int:
        conn.execute(self._insert_ignore(projects).values(name=name, created_at=now))
        return int(conn.scalar(select(projects.c.id).where(projects.c.name == name)))  # type: ignore[arg-type]

    def _touch(self, conn: Connection, run_id: int, now: float) -> None:
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id, runs.c.last_seen_at < now)
            .values(last_seen_at=now)
        )

    def _add_event(
        self,
        conn: Connection,
        run_id: int,
        at: float,
        kind: str,
        message: str,
        data: dict[str, Any],
    ) -> None:
        conn.execute(
            insert(run_events).values(run_id=run_id, at=at, kind=kind, message=message, data=data)
        )

    def _intern_keys(
        self, conn: Connection, names: Iterable[str], new_keys: dict[str, int]
    ) -> dict[str, int]:
        with self._key_lock:
            ids = {n: self._key_ids[n] for n in names if n in self._key_ids}
        missing = [n for n in names if n not in ids]
        if missing:
            conn.execute(self._insert_ignore(metric_keys), [{"name": n} for n in missing])
            found = conn.execute(
                select(metric_keys.c.name, metric_keys.c.id).where(metric_keys.c.name.in_(missing))
            ).all()
            for name, key_id in found:
                ids[name] = int(key_id)
                new_keys[name] = int(key_id)
        return ids


def _configure_sqlite(engine: Engine, begin: str, mmap_bytes: int = 0) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Autocommit at the driver level, so that the "begin" hook below owns transactions.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        if mmap_bytes:
            cursor.execute(f"PRAGMA mmap_size={mmap_bytes}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)


@contextmanager
def _nullcontext() -> Iterator[None]:
    yield


def _run_select() -> Any:
    return select(
        runs.c.id,
        runs.c.uid,
        runs.c.name,
        projects.c.name.label("project"),
        runs.c.config,
        runs.c.tags,
        runs.c.status,
        runs.c.started_at,
        runs.c.ended_at,
        runs.c.last_seen_at,
    ).select_from(runs.join(projects))


def _run_record(row: Row[Any]) -> RunRecord:
    return RunRecord(
        uid=row.uid,
        name=row.name,
        project=row.project,
        config=row.config,
        tags=tuple(row.tags),
        status=RunStatus(row.status),
        started_at=row.started_at,
        ended_at=row.ended_at,
        last_seen_at=row.last_seen_at,
    )


def _clean_name(value: str, field: str) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        raise ValidationError(f"{field} must be a non-empty string", field=field)
    if len(value) > schema.NAME_LENGTH:
        raise ValidationError(
            f"{field} is {len(value)} characters long; the limit is {schema.NAME_LENGTH}",
            field=field,
        )
    return value


def _currency(code: str) -> str:
    try:
        return clean_currency(code)
    except ValueError as exc:
        raise ValidationError(str(exc), field="currency") from None


def chunk_sizes(store: Store, uid: str) -> Sequence[int]:
    """Sizes of a run's point chunks, for tests and diagnostics."""
    with store._read() as conn:
        run_id = store._run_id(conn, uid)
        return [
            int(n)
            for (n,) in conn.execute(
                select(point_chunks.c.n_points)
                .where(point_chunks.c.run_id == run_id)
                .order_by(point_chunks.c.id)
            )
        ]
