"""The HTTP API under /api/v1: runs, batches of points, series, keys, events."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from lowtide import __version__
from lowtide.config import Settings
from lowtide.core.batch import BatchLimits, parse_batch
from lowtide.core.downsample import downsample
from lowtide.core.records import RunSpec, RunStatus, json_float_array
from lowtide.server.body import read_json
from lowtide.server.health_worker import HealthWorker
from lowtide.server.live import run_events
from lowtide.server.responses import JSONBody
from lowtide.server.series_cache import SeriesCache
from lowtide.store import Store

#: Most points a downsampled series may be asked for.
MAX_DOWNSAMPLE_POINTS = 100_000

RunId = Annotated[str, Path(description="The run's id.", max_length=32)]
KeyParam = Annotated[str, Query(min_length=1, max_length=1000, description="The metric key.")]

_BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["metrics"],
    "properties": {
        "batch_id": {
            "type": "string",
            "maxLength": 64,
            "description": "Client id of the batch: a retry with the same id is stored once.",
        },
        "metrics": {
            "type": "object",
            "description": "Per metric key, parallel arrays of points.",
            "additionalProperties": {
                "type": "object",
                "required": ["steps", "values"],
                "properties": {
                    "steps": {"type": "array", "items": {"type": "integer"}},
                    "values": {
                        "type": "array",
                        "items": {
                            "oneOf": [
                                {"type": "number"},
                                {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]},
                            ]
                        },
                    },
                    "wall_times": {
                        "type": "array",
                        "items": {"type": "number"},
                        "description": "Unix seconds; the server's clock when left out.",
                    },
                },
            },
        },
    },
}


class RunCreate(BaseModel):
    """A new run. Give `id` to make creation safe to retry."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    project: str = Field(default="default", min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    config: dict[str, Any] = Field(default_factory=dict)
    tags: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list)
    started_at: float | None = None
    planned_steps: int | None = Field(
        default=None, gt=0, description="Steps the run is planned to take (for its ETA)."
    )


class RunFinish(BaseModel):
    """How a run ended."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["finished", "failed", "crashed"] = "finished"
    message: str = Field(default="", max_length=2000)


def build_router(settings: Settings, store: Store, health: HealthWorker | None = None) -> APIRouter:
    """The API's routes, bound to one store (and the health engine, when it runs)."""
    router = APIRouter(prefix="/api/v1")
    limits = BatchLimits(
        max_key_length=settings.max_key_length, max_points=settings.max_batch_points
    )
    series_cache = SeriesCache()

    @router.get("/health", tags=["server"])
    async def server_health() -> JSONBody:
        """The server is up."""
        return JSONBody({"status": "ok", "version": __version__})

    @router.post("/runs", status_code=201, tags=["runs"])
    async def create_run(body: RunCreate) -> JSONBody:
        """Create a run; creating again with the same id returns the stored run."""
        spec = RunSpec(
            project=body.project,
            name=body.name,
            uid=body.id,
            config=body.config,
            tags=tuple(body.tags),
            started_at=body.started_at,
            planned_steps=body.planned_steps,
        )
        record = await run_in_threadpool(store.create_run, spec)
        return JSONBody(record.to_json(), status_code=201)

    @router.get("/runs", tags=["runs"])
    async def list_runs(
        project: str | None = None,
        status: RunStatus | None = None,
        tag: str | None = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> JSONBody:
        """Runs, newest first."""
        records = await run_in_threadpool(
            lambda: store.list_runs(
                project=project, status=status, tag=tag, limit=limit, offset=offset
            )
        )
        return JSONBody({"runs": [r.to_json() for r in records]})

    @router.get("/runs/{run_id}", tags=["runs"])
    async def get_run(run_id: RunId) -> JSONBody:
        """One run."""
        return JSONBody((await run_in_threadpool(store.get_run, run_id)).to_json())

    @router.post(
        "/runs/{run_id}/batches",
        tags=["points"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _BATCH_SCHEMA}},
            }
        },
    )
    async def log_batch(run_id: RunId, request: Request) -> JSONBody:
        """Append points of many keys and steps at once; all of the batch or none of it."""
        payload = await read_json(request, settings.max_batch_bytes)
        batch = parse_batch(payload, limits, time.time())
        result = await run_in_threadpool(store.log_batch, run_id, batch)
        if health is not None and not result.duplicate:
            health.batch(run_id, batch)
        return JSONBody({"stored": result.n_points, "duplicate": result.duplicate})

    @router.post("/runs/{run_id}/heartbeat", status_code=204, tags=["runs"])
    async def heartbeat(run_id: RunId) -> Response:
        """The run's process is alive."""
        await run_in_threadpool(store.heartbeat, run_id)
        if health is not None:
            health.heartbeat(run_id)
        return Response(status_code=204)

    @router.post("/runs/{run_id}/finish", tags=["runs"])
    async def finish_run(run_id: RunId, body: RunFinish) -> JSONBody:
        """Mark the run finished, failed or crashed."""
        record = await run_in_threadpool(
            store.finish_run, run_id, RunStatus(body.status), None, body.message
        )
        if health is not None:
            health.finish(run_id, body.status, body.message)
        return JSONBody(record.to_json())

    @router.get("/runs/{run_id}/keys", tags=["points"])
    async def list_keys(run_id: RunId) -> JSONBody:
        """The run's metric keys with their last values."""
        keys = await run_in_threadpool(store.list_keys, run_id)
        return JSONBody({"keys": [k.to_json() for k in keys]})

    @router.get(
        "/runs/{run_id}/live",
        tags=["runs"],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def follow_run(run_id: RunId, request: Request) -> StreamingResponse:
        """Server-sent events: `run` events with the run and its keys, now and at each change.

        The stream ends when the run does, or after a while; an EventSource reconnects.
        """
        await run_in_threadpool(store.get_run, run_id)  # 404 before the stream starts
        return StreamingResponse(
            run_events(store, run_id, request.is_disconnected),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @router.get("/runs/{run_id}/series", tags=["points"])
    async def read_series(
        run_id: RunId,
        key: KeyParam,
        start: Annotated[int | None, Query(description="First step (inclusive).")] = None,
        end: Annotated[int | None, Query(description="Last step (inclusive).")] = None,
        points: Annotated[
            int | None,
            Query(ge=2, le=MAX_DOWNSAMPLE_POINTS, description="Downsample to about this many."),
        ] = None,
        method: Annotated[Literal["minmax", "lttb"], Query()] = "minmax",
    ) -> JSONBody:
        """One key's points: all, a step range, or downsampled keeping the extremes."""

        def read() -> dict[str, Any]:
            series = store.read_series(run_id, key, start, end)
            total = len(series)
            if points is not None and total > points:
                series = series.take(downsample(series.steps, series.values, points, method))
            return {
                "run_id": run_id,
                "key": key,
                "n_total": total,
                "downsampled": len(series) < total,
                # Arrays, which the response writes without building Python lists.
                "steps": np.ascontiguousarray(series.steps, dtype=np.int64),
                "wall_times": json_float_array(series.wall_times),
                "values": json_float_array(series.values),
            }

        def work() -> dict[str, Any]:
            if points is None:  # every point: too large to keep, and rarely asked again
                return read()
            held = next((k.n_points for k in store.list_keys(run_id) if k.key == key), None)
            if held is None:
                return read()  # which says what is missing
            return series_cache.get_or_make((run_id, key, held, start, end, points, method), read)

        return JSONBody(await run_in_threadpool(work))

    @router.get("/runs/{run_id}/events", tags=["runs"])
    async def list_events(run_id: RunId) -> JSONBody:
        """The run's timeline: created, finished, incidents."""
        events = await run_in_threadpool(store.list_events, run_id)
        return JSONBody({"events": [e.to_json() for e in events]})

    @router.get("/projects", tags=["projects"])
    async def list_projects() -> JSONBody:
        """Projects with their number of runs."""
        found = await run_in_threadpool(store.list_projects)
        return JSONBody(
            {
                "projects": [
                    {"name": p.name, "n_runs": p.n_runs, "created_at": p.created_at} for p in found
                ]
            }
        )

    return router
