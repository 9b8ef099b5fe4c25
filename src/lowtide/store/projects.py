"""Projects' stages, the engineer's profile, time off, busy time and hours (used by `Store`).

Stages are kept per project by key; applying a project replaces its stages,
their dependencies and run links with the given ones, all in the caller's
transaction, so a plan is applied whole or not at all. Progress counts and
recorded hours are history: they are appended, never rewritten by an apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from lowtide.core.profile import Busy, EngineerProfile, TimeOff
from lowtide.core.stages import (
    DurationEstimate,
    HoursActual,
    HoursRange,
    Involvement,
    Plan,
    Progress,
    ProgressSample,
    Project,
    Stage,
    StageKind,
    StageStatus,
)
from lowtide.errors import NotFoundError
from lowtide.store.schema import (
    busy_times,
    engineer_profile,
    hours_actuals,
    projects,
    stage_deps,
    stage_progress,
    stage_runs,
    stages,
    time_off,
)

#: The one row of the engineer profile.
PROFILE_ID = 1


@dataclass(frozen=True)
class ApplySummary:
    """What applying projects changed."""

    projects: int
    added: int
    updated: int
    removed: int

    def to_json(self) -> dict[str, int]:
        return {
            "projects": self.projects,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
        }


# -- profile, time off, busy time ------------------------------------------------------


def read_profile(conn: Connection) -> EngineerProfile:
    """The stored profile with its time off, or the defaults."""
    row = conn.execute(select(engineer_profile).where(engineer_profile.c.id == PROFILE_ID)).first()
    off = tuple(t for _, t in list_time_off(conn))
    if row is None:
        return EngineerProfile(time_off=off)
    return EngineerProfile(
        weekly_hours=float(row.weekly_hours),
        workdays=tuple(int(d) for d in row.workdays),
        timezone=row.timezone,
        time_off=off,
    )


def write_profile(conn: Connection, profile: EngineerProfile, now: float) -> None:
    values = {
        "weekly_hours": profile.weekly_hours,
        "workdays": sorted(set(profile.workdays)),
        "timezone": profile.timezone,
        "updated_at": now,
    }
    done = conn.execute(
        update(engineer_profile).where(engineer_profile.c.id == PROFILE_ID).values(**values)
    )
    if done.rowcount == 0:
        conn.execute(insert(engineer_profile).values(id=PROFILE_ID, **values))


def list_time_off(conn: Connection) -> list[tuple[int, TimeOff]]:
    rows = conn.execute(select(time_off).order_by(time_off.c.first_day, time_off.c.id))
    return [(int(r.id), TimeOff(r.first_day, r.last_day, r.note)) for r in rows]


def add_time_off(conn: Connection, t: TimeOff) -> int:
    result = conn.execute(insert(time_off).values(first_day=t.start, last_day=t.end, note=t.note))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def delete_time_off(conn: Connection, time_off_id: int) -> None:
    if conn.execute(delete(time_off).where(time_off.c.id == time_off_id)).rowcount == 0:
        raise NotFoundError(f"no time off with id {time_off_id}")


def replace_busy(conn: Connection, source: str, busy: Sequence[Busy]) -> None:
    conn.execute(delete(busy_times).where(busy_times.c.source == source))
    if busy:
        conn.execute(
            insert(busy_times),
            [
                {"source": source, "starts_at": b.start, "ends_at": b.end, "summary": b.summary}
                for b in busy
            ],
        )


def list_busy(conn: Connection, start: float, end: float) -> list[Busy]:
    rows = conn.execute(
        select(busy_times.c.starts_at, busy_times.c.ends_at, busy_times.c.summary)
        .where(busy_times.c.ends_at > start, busy_times.c.starts_at < end)
        .order_by(busy_times.c.starts_at)
    )
    return [Busy(float(s), float(e), summary) for s, e, summary in rows]


# -- projects and stages ---------------------------------------------------------------


def set_project_info(
    conn: Connection, project_id: int, goal: str | None, owner: str | None
) -> None:
    values: dict[str, Any] = {}
    if goal is not None:
        values["goal"] = goal
    if owner is not None:
        values["owner"] = owner
    if values:
        conn.execute(update(projects).where(projects.c.id == project_id).values(**values))


def apply_project(conn: Connection, project_id: int, project: Project, now: float) -> ApplySummary:
    """Make a project's stages the given ones: update by key, add, remove the rest."""
    set_project_info(conn, project_id, project.goal, project.owner)
    existing = {
        key: int(sid)
        for key, sid in conn.execute(
            select(stages.c.key, stages.c.id).where(stages.c.project_id == project_id)
        )
    }
    ids: dict[str, int] = {}
    added = updated = 0
    for position, stage in enumerate(project.stages):
        values = _stage_values(stage, position, now)
        if stage.key in existing:
            conn.execute(update(stages).where(stages.c.id == existing[stage.key]).values(**values))
            ids[stage.key] = existing[stage.key]
            updated += 1
        else:
            result = conn.execute(
                insert(stages).values(project_id=project_id, key=stage.key, **values)
            )
            ids[stage.key] = int(result.inserted_primary_key[0])  # type: ignore[index]
            added += 1
    gone = [sid for key, sid in existing.items() if key not in ids]
    if gone:
        conn.execute(delete(stages).where(stages.c.id.in_(gone)))
    kept = list(ids.values())
    if kept:
        conn.execute(delete(stage_deps).where(stage_deps.c.stage_id.in_(kept)))
        conn.execute(delete(stage_runs).where(stage_runs.c.stage_id.in_(kept)))
    deps = [{"stage_id": ids[s.key], "after_id": ids[d]} for s in project.stages for d in s.after]
    if deps:
        conn.execute(insert(stage_deps), deps)
    links = [{"stage_id": ids[s.key], "run_uid": uid} for s in project.stages for uid in s.runs]
    if links:
        conn.execute(insert(stage_runs), links)
    for stage in project.stages:
        if stage.progress is not None:
            latest = _latest_progress(conn, ids[stage.key])
            if latest != stage.progress:
                add_progress(conn, ids[stage.key], stage.progress, now)
    return ApplySummary(projects=1, added=added, updated=updated, removed=len(gone))


def read_plan(conn: Connection, project: str | None = None) -> Plan:
    """Every project (or one) with its stages, dependencies, runs and latest progress."""
    q = select(projects.c.id, projects.c.name, projects.c.goal, projects.c.owner).order_by(
        projects.c.name
    )
    if project is not None:
        q = q.where(projects.c.name == project)
    project_rows = conn.execute(q).all()
    if project is not None and not project_rows:
        raise NotFoundError(f"no project {project!r}")
    project_ids = [int(r.id) for r in project_rows]
    stage_rows = conn.execute(
        select(stages)
        .where(stages.c.project_id.in_(project_ids))
        .order_by(stages.c.project_id, stages.c.position)
    ).all()
    key_of = {int(r.id): r.key for r in stage_rows}
    ids = list(key_of)
    after: dict[int, list[str]] = {}
    runs: dict[int, list[str]] = {}
    progress: dict[int, Progress] = {}
    if ids:
        for sid, aid in conn.execute(
            select(stage_deps.c.stage_id, stage_deps.c.after_id).where(
                stage_deps.c.stage_id.in_(ids)
            )
        ):
            after.setdefault(int(sid), []).append(key_of[int(aid)])
        for sid, uid in conn.execute(
            select(stage_runs.c.stage_id, stage_runs.c.run_uid)
            .where(stage_runs.c.stage_id.in_(ids))
            .order_by(stage_runs.c.run_uid)
        ):
            runs.setdefault(int(sid), []).append(uid)
        for sid, samples in progress_history(conn, ids).items():
            last = samples[-1]
            progress[sid] = Progress(last.done, last.total)
    by_project: dict[int, list[Stage]] = {}
    position = {(int(r.project_id), r.key): int(r.position) for r in stage_rows}
    for r in stage_rows:
        sid = int(r.id)
        pid = int(r.project_id)
        deps = sorted(after.get(sid, []), key=lambda k: position[(pid, k)])
        by_project.setdefault(int(r.project_id), []).append(
            _stage(r, tuple(deps), tuple(runs.get(sid, ())), progress.get(sid))
        )
    return Plan(
        tuple(
            Project(
                name=r.name,
                stages=tuple(by_project.get(int(r.id), ())),
                goal=r.goal or "",
                owner=r.owner or "",
            )
            for r in project_rows
        )
    )


def stage_id(conn: Connection, project: str, key: str) -> tuple[int, StageKind]:
    """A stage's id and kind; NotFoundError naming what is missing."""
    row = conn.execute(
        select(stages.c.id, stages.c.kind)
        .select_from(stages.join(projects))
        .where(projects.c.name == project, stages.c.key == key)
    ).first()
    if row is None:
        if conn.scalar(select(projects.c.id).where(projects.c.name == project)) is None:
            raise NotFoundError(f"no project {project!r}")
        raise NotFoundError(f"project {project!r} has no stage {key!r}")
    return int(row.id), StageKind(row.kind)


def set_stage_status(
    conn: Connection, sid: int, status: StageStatus, on: dt.date, now: float
) -> None:
    values: dict[str, Any] = {"status": status.value, "updated_at": now}
    if status is StageStatus.ACTIVE:
        values["started_on"] = on
        values["ended_on"] = None
    elif status is StageStatus.DONE:
        values["ended_on"] = on
        started = conn.scalar(select(stages.c.started_on).where(stages.c.id == sid))
        if started is None or started > on:
            values["started_on"] = on
    conn.execute(update(stages).where(stages.c.id == sid).values(**values))


def add_progress(conn: Connection, sid: int, progress: Progress, at: float) -> None:
    conn.execute(
        insert(stage_progress).values(stage_id=sid, at=at, done=progress.done, total=progress.total)
    )
    conn.execute(update(stages).where(stages.c.id == sid).values(updated_at=at))


def progress_history(
    conn: Connection, ids: Sequence[int] | None = None
) -> dict[int, list[ProgressSample]]:
    """Progress counts by stage id, oldest first."""
    q = select(
        stage_progress.c.stage_id,
        stage_progress.c.at,
        stage_progress.c.done,
        stage_progress.c.total,
    ).order_by(stage_progress.c.stage_id, stage_progress.c.at, stage_progress.c.id)
    if ids is not None:
        q = q.where(stage_progress.c.stage_id.in_(ids))
    found: dict[int, list[ProgressSample]] = {}
    for sid, at, done, total in conn.execute(q):
        found.setdefault(int(sid), []).append(ProgressSample(float(at), int(done), int(total)))
    return found


def stage_refs(conn: Connection) -> dict[int, str]:
    """Every stage's id to its "project/key"."""
    rows = conn.execute(
        select(stages.c.id, projects.c.name, stages.c.key).select_from(stages.join(projects))
    )
    return {int(sid): f"{name}/{key}" for sid, name, key in rows}


def set_hours(conn: Connection, sid: int, week: dt.date, hours: float) -> None:
    done = conn.execute(
        update(hours_actuals)
        .where(hours_actuals.c.stage_id == sid, hours_actuals.c.week == week)
        .values(hours=hours)
    )
    if done.rowcount == 0:
        conn.execute(insert(hours_actuals).values(stage_id=sid, week=week, hours=hours))


def list_hours(conn: Connection) -> list[HoursActual]:
    rows = conn.execute(
        select(
            hours_actuals.c.week,
            hours_actuals.c.hours,
            stages.c.kind,
            projects.c.name,
            stages.c.key,
        )
        .select_from(hours_actuals.join(stages).join(projects))
        .order_by(hours_actuals.c.week, projects.c.name, stages.c.key)
    )
    return [
        HoursActual(week, StageKind(kind), float(hours), f"{name}/{key}")
        for week, hours, kind, name, key in rows
    ]


def _latest_progress(conn: Connection, sid: int) -> Progress | None:
    row = conn.execute(
        select(stage_progress.c.done, stage_progress.c.total)
        .where(stage_progress.c.stage_id == sid)
        .order_by(stage_progress.c.at.desc(), stage_progress.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else Progress(int(row.done), int(row.total))


def _stage_values(stage: Stage, position: int, now: float) -> dict[str, Any]:
    e, h = stage.estimate, stage.hours
    return {
        "position": position,
        "kind": stage.kind.value,
        "status": stage.status.value,
        "involvement": stage.involvement.value if stage.involvement else None,
        "est_optimistic": e.optimistic if e else None,
        "est_likely": e.likely if e else None,
        "est_pessimistic": e.pessimistic if e else None,
        "hours_low": h.low if h else None,
        "hours_high": h.high if h else None,
        "planned_start": stage.planned_start,
        "started_on": stage.started_on,
        "ended_on": stage.ended_on,
        "updated_at": now,
    }


def _stage(
    r: Row[Any], after: tuple[str, ...], runs: tuple[str, ...], progress: Progress | None
) -> Stage:
    estimate = (
        DurationEstimate(r.est_optimistic, r.est_likely, r.est_pessimistic)
        if r.est_likely is not None
        else None
    )
    hours = HoursRange(r.hours_low, r.hours_high) if r.hours_low is not None else None
    return Stage(
        key=r.key,
        kind=StageKind(r.kind),
        status=StageStatus(r.status),
        estimate=estimate,
        hours=hours,
        involvement=Involvement(r.involvement) if r.involvement else None,
        after=after,
        planned_start=r.planned_start,
        started_on=r.started_on,
        ended_on=r.ended_on,
        progress=progress,
        runs=runs,
    )
