"""The HTTP API for projects, stages, the engineer's profile and the workload forecast.

The forecast is recomputed on every request (see `projects.forecasting`): a
stage that changes or a run whose ETA moves shows in the next answer.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from lowtide.core.forecast import DEFAULT_LULL_HOURS, DEFAULT_SAMPLES, DEFAULT_WEEKS
from lowtide.core.profile import MAX_WEEKLY_HOURS, EngineerProfile, TimeOff
from lowtide.core.stages import Progress, Project, StageStatus
from lowtide.errors import ValidationError
from lowtide.projects.forecasting import RunEta, build_forecast
from lowtide.projects.spec import dump_plan, load_plan, stage_to_dict
from lowtide.server.outlook import run_outlook
from lowtide.server.responses import JSONBody
from lowtide.store import Store

#: Most weeks and samples one forecast request may ask for.
MAX_WEEKS = 104
MAX_SAMPLES = 20_000
#: Longest projects file the API takes, in characters.
MAX_PLAN_CHARS = 1_000_000

ProjectName = Annotated[str, Path(min_length=1, max_length=200)]
StageName = Annotated[str, Path(min_length=1, max_length=200)]


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal: str | None = Field(default=None, max_length=10_000)
    owner: str | None = Field(default=None, max_length=200)


class PlanIn(BaseModel):
    """A projects file (YAML, as `lowtide projects apply` reads it)."""

    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(max_length=MAX_PLAN_CHARS)


class StageChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: dt.date | None = Field(default=None, description="The day; today (UTC) by default.")


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    done: int = Field(ge=0)
    total: int = Field(gt=0)


class HoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    week: dt.date = Field(description="Any day of the week; kept by its Monday.")
    hours: float = Field(ge=0, le=MAX_WEEKLY_HOURS)


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekly_hours: float | None = Field(default=None, ge=0, le=MAX_WEEKLY_HOURS)
    workdays: list[Annotated[int, Field(ge=0, le=6)]] | None = Field(
        default=None, min_length=1, description="Weekday numbers, 0 for Monday."
    )
    timezone: str | None = Field(default=None, max_length=64)


class TimeOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: dt.date
    end: dt.date
    note: str = Field(default="", max_length=1000)


def project_json(p: Project) -> dict[str, Any]:
    return {
        "name": p.name,
        "goal": p.goal,
        "owner": p.owner,
        "stages": [stage_to_dict(s) for s in p.stages],
    }


def profile_json(store: Store) -> dict[str, Any]:
    profile = store.engineer_profile()
    return {
        "weekly_hours": profile.weekly_hours,
        "workdays": list(profile.workdays),
        "timezone": profile.timezone,
        "time_off": [
            {"id": i, "start": t.start, "end": t.end, "note": t.note} for i, t in store.time_off()
        ],
    }


def live_run_eta(store: Store) -> RunEta:
    """A run's ETA from its outlook (pace and planned steps), for runs still running."""

    def eta(uid: str) -> float | None:
        if not store.get_run(uid).status.is_live:
            return None
        return run_outlook(store, uid, projection=False).eta_s

    return eta


def build_projects_router(store: Store, clock: Callable[[], float] = time.time) -> APIRouter:
    """Routes for projects and stages, the profile, time off and the forecast."""
    router = APIRouter(prefix="/api/v1", tags=["projects"])

    run_eta = live_run_eta(store)

    @router.get("/plan")
    async def get_plan(
        fmt: Annotated[Literal["json", "yaml"], Query(alias="format")] = "json",
    ) -> Any:
        """Every project with its stages, as JSON or as the YAML `lowtide projects apply` reads."""
        plan = await run_in_threadpool(store.plan)
        if fmt == "yaml":
            return Response(dump_plan(list(plan.projects)), media_type="application/yaml")
        return JSONBody({"projects": [project_json(p) for p in plan.projects]})

    @router.post("/plan")
    async def apply_plan(body: PlanIn) -> JSONBody:
        """Apply a projects file: all of it, or nothing when any line is wrong."""
        projects = load_plan(body.yaml, "body.yaml")
        summary = await run_in_threadpool(store.apply_projects, projects)
        return JSONBody(summary.to_json())

    @router.get("/projects/{project}/stages")
    async def get_project(project: ProjectName) -> JSONBody:
        """One project with its stages."""
        plan = await run_in_threadpool(store.plan, project)
        return JSONBody(project_json(plan.projects[0]))

    @router.put("/projects/{project}/info")
    async def set_project(project: ProjectName, body: ProjectIn) -> JSONBody:
        """Create a project, or set its goal and owner."""
        await run_in_threadpool(
            lambda: store.set_project(project, goal=body.goal, owner=body.owner)
        )
        plan = await run_in_threadpool(store.plan, project)
        return JSONBody(project_json(plan.projects[0]))

    @router.post("/projects/{project}/stages/{stage}/progress", status_code=201)
    async def record_progress(project: ProjectName, stage: StageName, body: ProgressIn) -> JSONBody:
        """Record items done of a total for an annotation or collection stage."""
        if body.done > body.total:
            raise ValidationError("done cannot be more than total", field="done")
        progress = Progress(body.done, body.total)
        await run_in_threadpool(lambda: store.record_progress(project, stage, progress))
        return JSONBody({"done": body.done, "total": body.total}, status_code=201)

    @router.post("/projects/{project}/stages/{stage}/{action}")
    async def change_stage(
        project: ProjectName,
        stage: StageName,
        action: Literal["start", "done", "block", "plan"],
        body: StageChangeIn | None = None,
    ) -> JSONBody:
        """Start, finish, block or re-plan a stage (declared after `progress`, which it
        would otherwise take)."""
        status = {
            "start": StageStatus.ACTIVE,
            "done": StageStatus.DONE,
            "block": StageStatus.BLOCKED,
            "plan": StageStatus.PLANNED,
        }[action]
        on = body.on if body else None
        await run_in_threadpool(lambda: store.set_stage_status(project, stage, status, on))
        plan = await run_in_threadpool(store.plan, project)
        return JSONBody(project_json(plan.projects[0]))

    @router.put("/projects/{project}/stages/{stage}/hours")
    async def record_hours(project: ProjectName, stage: StageName, body: HoursIn) -> JSONBody:
        """Set the hours really spent on a stage in a week."""
        await run_in_threadpool(lambda: store.record_hours(project, stage, body.week, body.hours))
        return JSONBody({"week": body.week, "hours": body.hours})

    @router.get("/profile")
    async def get_profile() -> JSONBody:
        """Your weekly hours, workdays, time zone and time off."""
        return JSONBody(await run_in_threadpool(profile_json, store))

    @router.put("/profile")
    async def set_profile(body: ProfileIn) -> JSONBody:
        """Change your weekly hours, workdays or time zone."""

        def change() -> dict[str, Any]:
            current = store.engineer_profile()
            try:
                profile = EngineerProfile(
                    weekly_hours=body.weekly_hours
                    if body.weekly_hours is not None
                    else current.weekly_hours,
                    workdays=tuple(body.workdays) if body.workdays else current.workdays,
                    timezone=body.timezone or current.timezone,
                )
            except ValueError as exc:
                raise ValidationError(str(exc), field="profile") from None
            store.set_engineer_profile(profile)
            return profile_json(store)

        return JSONBody(await run_in_threadpool(change))

    @router.post("/profile/time-off", status_code=201)
    async def add_time_off(body: TimeOffIn) -> JSONBody:
        """Add days off (start to end inclusive): their capacity is zero."""
        try:
            off = TimeOff(body.start, body.end, body.note)
        except ValueError as exc:
            raise ValidationError(str(exc), field="end") from None
        new_id = await run_in_threadpool(store.add_time_off, off)
        return JSONBody({"id": new_id, "start": off.start, "end": off.end, "note": off.note}, 201)

    @router.delete("/profile/time-off/{time_off_id}", status_code=204)
    async def remove_time_off(time_off_id: Annotated[int, Path(ge=1)]) -> Response:
        await run_in_threadpool(store.remove_time_off, time_off_id)
        return Response(status_code=204)

    @router.get("/forecast")
    async def get_forecast(
        weeks: Annotated[int, Query(ge=1, le=MAX_WEEKS)] = DEFAULT_WEEKS,
        lull_hours: Annotated[float, Query(ge=0, le=MAX_WEEKLY_HOURS)] = DEFAULT_LULL_HOURS,
        samples: Annotated[int, Query(ge=10, le=MAX_SAMPLES)] = DEFAULT_SAMPLES,
    ) -> JSONBody:
        """Committed hours (P50, P80), capacity, free hours and lulls, week by week."""

        def compute() -> dict[str, Any]:
            result, etas = build_forecast(
                store, clock(), run_eta, weeks=weeks, samples=samples, lull_hours=lull_hours
            )
            body = result.to_json()
            body["etas"] = dict(sorted(etas.items()))
            return body

        return JSONBody(await run_in_threadpool(compute))

    return router
