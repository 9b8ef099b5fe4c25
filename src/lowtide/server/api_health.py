"""The HTTP API for health: incidents, acknowledgements, mutes and per-run settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from lowtide.core.health import RuleId
from lowtide.core.health.kinds import SeriesKind
from lowtide.server.health_worker import HealthWorker
from lowtide.server.outlook import run_outlook
from lowtide.server.responses import JSONBody
from lowtide.store import Store


class HealthSettingsIn(BaseModel):
    """Planned steps (for the ETA) and series kinds that override the names' guess."""

    model_config = ConfigDict(extra="forbid")

    planned_steps: int | None = Field(default=None, gt=0)
    kinds: dict[Annotated[str, Field(max_length=250)], SeriesKind] = Field(default_factory=dict)


class MuteIn(BaseModel):
    """Silence notifications for a project or a run; one rule or all; until a time."""

    model_config = ConfigDict(extra="forbid")

    project: str | None = Field(default=None, max_length=200)
    run: str | None = Field(default=None, max_length=32)
    rule: RuleId | None = None
    until: float | None = Field(default=None, description="Unix seconds; forever when left out.")


def build_health_router(store: Store, health: HealthWorker | None) -> APIRouter:
    """Routes for incidents, mutes and health settings."""
    router = APIRouter(prefix="/api/v1", tags=["health"])

    @router.get("/incidents")
    async def list_incidents(
        run: str | None = None,
        project: str | None = None,
        open: Annotated[bool, Query(description="Only incidents still open.")] = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> JSONBody:
        """Incidents, newest first."""
        found = await run_in_threadpool(
            lambda: store.list_incidents(run=run, project=project, open_only=open, limit=limit)
        )
        return JSONBody({"incidents": [i.to_json() for i in found]})

    @router.post("/incidents/{incident_id}/ack")
    async def acknowledge(incident_id: Annotated[int, Path(ge=1)]) -> JSONBody:
        """Acknowledge an incident: it stays open until it resolves, but notifies no more."""
        record = await run_in_threadpool(store.acknowledge_incident, incident_id)
        return JSONBody(record.to_json())

    @router.get("/mutes")
    async def list_mutes() -> JSONBody:
        """Active and past mutes."""
        return JSONBody({"mutes": [m.to_json() for m in await run_in_threadpool(store.list_mutes)]})

    @router.post("/mutes", status_code=201)
    async def add_mute(body: MuteIn) -> JSONBody:
        """Mute notifications of a project or a run."""
        mute = await run_in_threadpool(
            lambda: store.add_mute(
                project=body.project,
                run=body.run,
                rule=body.rule.value if body.rule else None,
                until=body.until,
            )
        )
        return JSONBody(mute.to_json(), status_code=201)

    @router.delete("/mutes/{mute_id}", status_code=204)
    async def delete_mute(mute_id: Annotated[int, Path(ge=1)]) -> Response:
        """Unmute."""
        await run_in_threadpool(store.delete_mute, mute_id)
        return Response(status_code=204)

    @router.put("/runs/{run_id}/health")
    async def set_health(
        run_id: Annotated[str, Path(max_length=32)], body: HealthSettingsIn
    ) -> JSONBody:
        """Tell the engine a run's planned steps and what its series are."""
        kinds = {k: v.value for k, v in body.kinds.items()}
        await run_in_threadpool(
            lambda: store.set_health_settings(run_id, planned_steps=body.planned_steps, kinds=kinds)
        )
        if health is not None:
            health.settings_changed(run_id)
        settings = await run_in_threadpool(store.health_settings, run_id)
        return JSONBody({"planned_steps": settings.planned_steps, "kinds": settings.kinds})

    @router.get("/runs/{run_id}/outlook")
    async def outlook(run_id: Annotated[str, Path(max_length=32)]) -> JSONBody:
        """The run's ETA to its planned steps, and its headline metric projected to the end,
        against the project's best."""
        found = await run_in_threadpool(run_outlook, store, run_id)
        return JSONBody(found.to_json())

    @router.put("/projects/{project}/kinds")
    async def set_project_kinds(
        project: Annotated[str, Path(max_length=200)], body: dict[str, SeriesKind]
    ) -> JSONBody:
        """Series kinds for every run of a project (a run's own settings win)."""
        kinds = {k: v.value for k, v in body.items()}
        await run_in_threadpool(store.set_project_kinds, project, kinds)
        return JSONBody({"project": project, "kinds": kinds})

    return router
