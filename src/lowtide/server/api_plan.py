"""The HTTP API for plans of the lulls: preview, accept, the current plans, .ics, settings.

`GET /plan` is the projects file (see api_projects), so the plans themselves
are read at `GET /plan/current`. The solver runs in a worker thread, up to
its time limit.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from lowtide.core.board import BoardFilter
from lowtide.core.opportunities import OpportunityKind
from lowtide.core.pay import PayBasis
from lowtide.core.plan_record import PlanState
from lowtide.core.plan_settings import (
    MAX_ACTIVITIES,
    MAX_PLAN_WEEKS,
    MAX_TIME_LIMIT_S,
    MIN_TIME_LIMIT_S,
    WEEK_HOURS,
    PlannerSettings,
)
from lowtide.errors import ValidationError
from lowtide.opportunities.board import narrowed
from lowtide.planner.planning import accept, export_calendar, preview
from lowtide.server.api_projects import live_run_eta
from lowtide.server.responses import JSONBody
from lowtide.store import Store

#: File name offered for the plan's calendar.
ICS_FILENAME = "lowtide-plan.ics"


class PreviewIn(BaseModel):
    """Which opportunities to plan (a saved filter and conditions on top), and how."""

    model_config = ConfigDict(extra="forbid")

    filter: str | None = Field(default=None, max_length=200, description="A saved filter.")
    kind: list[OpportunityKind] | None = None
    min_pay: float | None = Field(default=None, ge=0)
    pay_basis: PayBasis | None = None
    max_weekly_hours: float | None = Field(default=None, ge=0)
    due_after: dt.date | None = None
    due_before: dt.date | None = None
    domain: list[str] | None = None
    remote: bool | None = None
    q: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=200)
    greedy: bool = Field(default=False, description="Only the instant greedy plan.")
    time_limit_s: float | None = Field(
        default=None, ge=MIN_TIME_LIMIT_S, le=MAX_TIME_LIMIT_S, description="The setting's."
    )


class SettingsIn(BaseModel):
    """Planner settings to change; the others keep their values."""

    model_config = ConfigDict(extra="forbid")

    rest_hours: float | None = Field(default=None, ge=0, le=WEEK_HOURS)
    max_concurrent: int | None = Field(default=None, ge=0, le=MAX_ACTIVITIES)
    max_long: int | None = Field(default=None, ge=0, le=MAX_ACTIVITIES)
    habit_hours: float | None = Field(default=None, ge=0, le=WEEK_HOURS)
    optimistic: bool | None = Field(default=None, description="Plan into P50, not P80.")
    time_limit_s: float | None = Field(default=None, ge=MIN_TIME_LIMIT_S, le=MAX_TIME_LIMIT_S)
    freeze_weeks: int | None = Field(default=None, ge=0, le=MAX_PLAN_WEEKS)
    weeks: int | None = Field(default=None, ge=1, le=MAX_PLAN_WEEKS)


def build_plan_router(store: Store, clock: Callable[[], float] = time.time) -> APIRouter:
    """Routes for previewing, accepting and exporting plans, and the planner's settings."""
    router = APIRouter(prefix="/api/v1", tags=["plan"])
    run_eta = live_run_eta(store)

    @router.post("/plan/preview")
    async def make_preview(
        body: Annotated[PreviewIn | None, Body()] = None,
    ) -> JSONBody:
        """A new preview: every choice with its weeks and why, every rejection with its reason."""
        given = body or PreviewIn()

        def compute() -> dict[str, Any]:
            base = store.saved_filter(given.filter) if given.filter else BoardFilter()
            f = narrowed(
                base, kinds=given.kind, min_pay=given.min_pay, pay_basis=given.pay_basis,
                max_weekly_hours=given.max_weekly_hours, due_after=given.due_after,
                due_before=given.due_before, domains=given.domain, remote=given.remote,
                text=given.q, source=given.source,
            )  # fmt: skip
            plan = preview(
                store, clock(), run_eta, f,
                optimal=not given.greedy, time_limit_s=given.time_limit_s,
            )  # fmt: skip
            return plan.to_json()

        return JSONBody(await run_in_threadpool(compute))

    @router.post("/plan/accept")
    async def accept_preview() -> JSONBody:
        """Accept the latest preview (checked against every rule again); a new revision."""
        plan = await run_in_threadpool(accept, store, clock())
        return JSONBody(plan.to_json())

    @router.get("/plan/current")
    async def current_plans() -> JSONBody:
        """The accepted plan and the latest preview (either may be null)."""

        def read() -> dict[str, Any]:
            accepted = store.latest_plan(PlanState.ACCEPTED)
            latest = store.latest_plan(PlanState.PREVIEW)
            return {
                "accepted": accepted.to_json() if accepted else None,
                "preview": latest.to_json() if latest else None,
            }

        return JSONBody(await run_in_threadpool(read))

    @router.get("/plan.ics")
    async def plan_ics() -> Response:
        """The accepted plan (else the preview) as iCalendar events; re-imports update them."""
        done = await run_in_threadpool(export_calendar, store, clock())
        headers = {"Content-Disposition": f'attachment; filename="{ICS_FILENAME}"'}
        if done.note:
            headers["X-Lowtide-Note"] = done.note
        return Response(done.ics, media_type="text/calendar", headers=headers)

    @router.get("/plan/settings")
    async def get_settings() -> JSONBody:
        """Rest hours, caps, the habit, P50 or P80, the solver's time, frozen weeks, horizon."""
        return JSONBody((await run_in_threadpool(store.planner_settings)).to_json())

    @router.put("/plan/settings")
    async def set_settings(body: SettingsIn) -> JSONBody:
        """Change some settings; the others stay."""

        def change() -> dict[str, Any]:
            try:
                settings = PlannerSettings.from_json(
                    body.model_dump(exclude_none=True), store.planner_settings()
                )
            except ValueError as exc:
                raise ValidationError(str(exc), field=str(exc).split(":", 1)[0]) from None
            store.set_planner_settings(settings)
            return settings.to_json()

        return JSONBody(await run_in_threadpool(change))

    return router
