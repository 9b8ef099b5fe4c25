"""Plans of the lulls and the planner's settings (used by `Store`).

Only the latest preview is kept: saving a new one replaces it. Accepting the
preview supersedes the accepted plan and takes the next revision; superseded
plans stay, so an export can cancel the weeks a revision dropped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from lowtide.core.plan_record import (
    PlanItem,
    PlanRejection,
    PlanState,
    StoredPlan,
    candidate_from_json,
    candidate_to_json,
)
from lowtide.core.plan_settings import PlannerSettings
from lowtide.core.planner import ActivityKind, Method
from lowtide.errors import NotFoundError
from lowtide.store.schema import plan_items, plan_rejections, planner_settings, plans


def save_preview(conn: Connection, plan: StoredPlan, now: float) -> int:
    """Keep `plan` as the preview (replacing the one before); its id."""
    conn.execute(delete(plans).where(plans.c.state == PlanState.PREVIEW.value))
    # A preview takes the revision it would have once accepted.
    last = _last_revision(conn)
    result = conn.execute(
        insert(plans).values(
            state=PlanState.PREVIEW.value,
            revision=0 if last is None else last + 1,
            created_at=now,
            accepted_at=None,
            weeks=[w.isoformat() for w in plan.weeks],
            free_hours=list(plan.free_hours),
            habit=list(plan.habit),
            frozen_weeks=plan.frozen_weeks,
            settings=plan.settings.to_json(),
            filter=dict(plan.board_filter),
            value=plan.value,
            method=plan.method.value,
            gap=plan.gap,
            notes=list(plan.notes),
        )
    )
    plan_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    if plan.items:
        conn.execute(
            insert(plan_items),
            [
                {
                    "plan_id": plan_id,
                    "position": n,
                    "key": i.key,
                    "opportunity_id": i.opportunity_id,
                    "candidate": candidate_to_json(i.candidate),
                    "hours": list(i.hours),
                    "frozen": list(i.frozen),
                    "long": i.long,
                    "explanation": i.explanation,
                }
                for n, i in enumerate(plan.items)
            ],
        )
    if plan.rejections:
        conn.execute(
            insert(plan_rejections),
            [
                {
                    "plan_id": plan_id,
                    "position": n,
                    "key": r.key,
                    "opportunity_id": r.opportunity_id,
                    "title": r.title,
                    "kind": r.kind.value,
                    "reason": r.reason,
                }
                for n, r in enumerate(plan.rejections)
            ],
        )
    return plan_id


def latest(conn: Connection, state: PlanState) -> StoredPlan | None:
    """The newest plan in `state`, or None."""
    row = conn.execute(
        select(plans).where(plans.c.state == state.value).order_by(plans.c.id.desc()).limit(1)
    ).first()
    return None if row is None else _plan(conn, row)


def accept_preview(conn: Connection, plan_id: int, now: float) -> StoredPlan:
    """Make preview `plan_id` the accepted plan; the accepted one before is superseded."""
    row = conn.execute(select(plans).where(plans.c.id == plan_id).with_for_update()).first()
    if row is None or row.state != PlanState.PREVIEW.value:
        raise NotFoundError(f"no plan preview with id {plan_id}; make one with `lowtide plan`")
    last = _last_revision(conn)
    conn.execute(
        update(plans)
        .where(plans.c.state == PlanState.ACCEPTED.value)
        .values(state=PlanState.SUPERSEDED.value)
    )
    conn.execute(
        update(plans)
        .where(plans.c.id == plan_id)
        .values(
            state=PlanState.ACCEPTED.value,
            revision=0 if last is None else last + 1,
            accepted_at=now,
        )
    )
    found = latest(conn, PlanState.ACCEPTED)
    assert found is not None
    return found


def read_settings(conn: Connection) -> PlannerSettings:
    rows = conn.execute(select(planner_settings.c.name, planner_settings.c.value))
    stored = dict(rows.all())
    known = set(PlannerSettings().to_json())
    return PlannerSettings.from_json({k: v for k, v in stored.items() if k in known})


def write_settings(conn: Connection, settings: PlannerSettings, now: float) -> None:
    for name, value in settings.to_json().items():
        values = {"value": value, "updated_at": now}
        done = conn.execute(
            update(planner_settings).where(planner_settings.c.name == name).values(**values)
        )
        if done.rowcount == 0:
            conn.execute(insert(planner_settings).values(name=name, **values))


def _last_revision(conn: Connection) -> int | None:
    """The revision of the newest accepted (or superseded) plan; None before any."""
    found = conn.scalar(
        select(func.max(plans.c.revision)).where(plans.c.state != PlanState.PREVIEW.value)
    )
    return None if found is None else int(found)


def _plan(conn: Connection, row: Row[Any]) -> StoredPlan:
    items = conn.execute(
        select(plan_items).where(plan_items.c.plan_id == row.id).order_by(plan_items.c.position)
    )
    rejections = conn.execute(
        select(plan_rejections)
        .where(plan_rejections.c.plan_id == row.id)
        .order_by(plan_rejections.c.position)
    )
    return StoredPlan(
        weeks=tuple(dt.date.fromisoformat(w) for w in row.weeks),
        free_hours=tuple(float(h) for h in row.free_hours),
        settings=PlannerSettings.from_json(row.settings),
        items=tuple(
            PlanItem(
                candidate=candidate_from_json(i.candidate),
                hours=tuple(float(h) for h in i.hours),
                explanation=i.explanation,
                opportunity_id=i.opportunity_id,
                long=bool(i.long),
                frozen=tuple(float(h) for h in i.frozen),
            )
            for i in items
        ),
        rejections=tuple(
            PlanRejection(r.key, r.title, ActivityKind(r.kind), r.reason, r.opportunity_id)
            for r in rejections
        ),
        value=float(row.value),
        method=Method(row.method),
        gap=None if row.gap is None else float(row.gap),
        habit=tuple(float(h) for h in row.habit),
        notes=tuple(row.notes),
        frozen_weeks=int(row.frozen_weeks),
        board_filter=dict(row.filter),
        id=int(row.id),
        state=PlanState(row.state),
        revision=int(row.revision),
        created_at=float(row.created_at),
        accepted_at=None if row.accepted_at is None else float(row.accepted_at),
    )
