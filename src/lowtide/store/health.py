"""Incidents, mutes and health settings in the store (used by `Store`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from lowtide.core.health import Action, IncidentEvent
from lowtide.core.records import IncidentRecord, Mute
from lowtide.store.schema import incidents, mutes, projects, run_events, runs

#: Rules whose opening and resolution are worth a line on the run's timeline.
_TIMELINE_ACTIONS = {Action.OPENED: "incident", Action.RESOLVED: "resolved"}


def record_event(conn: Connection, run_id: int, event: IncidentEvent, now: float) -> int:
    """Apply an engine event to the incidents table; the id of the incident row."""
    inc = event.incident
    open_row = conn.execute(
        select(incidents.c.id, incidents.c.count)
        .where(
            incidents.c.run_id == run_id,
            incidents.c.rule == inc.rule.value,
            incidents.c.resolved_at.is_(None),
        )
        .order_by(incidents.c.id.desc())
        .limit(1)
    ).first()
    values: dict[str, Any] = {
        "severity": inc.severity.value,
        "key": inc.key,
        "last_step": inc.step,
        "updated_at": now,
        "message": inc.message,
        "evidence": _jsonable(inc.evidence),
        "count": inc.count,
    }
    if event.action is Action.RESOLVED:
        if open_row is None:
            return 0
        conn.execute(
            update(incidents)
            .where(incidents.c.id == open_row.id)
            .values(resolved_at=inc.resolved_at or now, resolution=event.message, updated_at=now)
        )
        incident_id = int(open_row.id)
    elif open_row is not None:
        conn.execute(update(incidents).where(incidents.c.id == open_row.id).values(**values))
        incident_id = int(open_row.id)
    else:
        result = conn.execute(
            insert(incidents).values(
                run_id=run_id,
                rule=inc.rule.value,
                onset_step=inc.onset_step,
                opened_step=inc.opened_step,
                opened_at=inc.opened_at,
                resolved_at=None,
                resolution=None,
                acknowledged_at=None,
                **values,
            )
        )
        incident_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    kind = _TIMELINE_ACTIONS.get(event.action)
    if kind is not None:
        conn.execute(
            insert(run_events).values(
                run_id=run_id,
                at=now,
                kind=kind,
                message=f"{inc.rule.value}: {event.message}",
                data={
                    "incident_id": incident_id,
                    "rule": inc.rule.value,
                    "severity": inc.severity.value,
                    "step": inc.step,
                },
            )
        )
    return incident_id


def incident_select() -> Any:
    return select(
        incidents,
        runs.c.uid.label("run_uid"),
        runs.c.name.label("run_name"),
        projects.c.name.label("project"),
    ).select_from(incidents.join(runs).join(projects))


def incident_record(row: Row[Any]) -> IncidentRecord:
    return IncidentRecord(
        id=row.id,
        run_id=row.run_uid,
        run_name=row.run_name,
        project=row.project,
        rule=row.rule,
        severity=row.severity,
        key=row.key,
        onset_step=row.onset_step,
        opened_step=row.opened_step,
        last_step=row.last_step,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
        message=row.message,
        resolution=row.resolution,
        evidence=row.evidence,
        count=row._mapping["count"],
        acknowledged_at=row.acknowledged_at,
    )


def mute_select() -> Any:
    return (
        select(
            mutes.c.id,
            mutes.c.rule,
            mutes.c.until,
            projects.c.name.label("project"),
            runs.c.uid.label("run_uid"),
        )
        .select_from(mutes.outerjoin(projects).outerjoin(runs, mutes.c.run_id == runs.c.id))
        .order_by(mutes.c.id)
    )


def mute_record(row: Row[Any]) -> Mute:
    return Mute(id=row.id, project=row.project, run_id=row.run_uid, rule=row.rule, until=row.until)


def _jsonable(value: Any) -> Any:
    """Evidence as JSON: non-finite floats become strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not (value == value and abs(value) != float("inf")):
        return str(value)
    return value
