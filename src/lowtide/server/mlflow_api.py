"""The MLflow-compatible REST API under /api/2.0/mlflow: the `mlflow` client logs here unchanged.

An experiment is a project (its id is the project's id; "0" is "Default"),
an MLflow run is a lowtide run with the same id, params are the run's config
and tags its key/value tags. Metrics are points: they take the same path as
`/api/v1` batches, so the health engine judges MLflow runs like any other,
and a run ended through `runs/update` is finished for the engine too.
Anything else under the prefix answers MLflow's ENDPOINT_NOT_FOUND.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lowtide.config import Settings
from lowtide.core.batch import Batch
from lowtide.core.records import RunSpec
from lowtide.errors import NotFoundError, PayloadTooLargeError, ValidationError
from lowtide.server import mlflow_batch as batch
from lowtide.server import mlflow_search as search
from lowtide.server import mlflow_wire as wire
from lowtide.server.health_worker import HealthWorker
from lowtide.server.mlflow_models import build_models_router
from lowtide.server.responses import JSONBody
from lowtide.store import Store
from lowtide.store.mlflow import RunChanges, RunDetails

_RUN_ATTRIBUTES = {
    "run_id": "run_id",
    "run_name": "run_name",
    "run name": "run_name",
    "status": "status",
    "user_id": "user_id",
    "artifact_uri": "artifact_uri",
    "lifecycle_stage": "lifecycle_stage",
    "start_time": "start_time",
    "created": "start_time",
    "end_time": "end_time",
}
_RUN_NUMERIC = frozenset({"start_time", "created", "end_time"})
_EXPERIMENT_KEYS = {
    ("attribute", k) for k in ("name", "experiment_id", "creation_time", "last_update_time")
}
_EXPERIMENT_NUMERIC = frozenset({"creation_time", "last_update_time"})


def build_mlflow_router(
    settings: Settings, store: Store, health: HealthWorker | None = None
) -> APIRouter:
    """MLflow's tracking endpoints, bound to one store (and the health engine, when it runs)."""
    router = APIRouter(prefix="/api/2.0/mlflow", route_class=wire.MlflowRoute, tags=["mlflow"])

    async def args_of(request: Request) -> dict[str, Any]:
        return await wire.request_args(request, settings.max_batch_bytes)

    async def details(uid: str) -> RunDetails:
        found = await run_in_threadpool(lambda: store.run_details(uids=[uid]))
        if not found:
            raise wire.not_found_run(uid)
        return found[0]

    async def log_points(uid: str, points: Batch) -> None:
        """The native batch path: store, then the health engine."""
        result = await run_in_threadpool(store.log_batch, uid, points)
        if health is not None and not result.duplicate:
            health.batch(uid, points)

    async def change(uid: str, changes: RunChanges) -> None:
        await run_in_threadpool(store.change_run, uid, changes)
        if health is not None and changes.params:
            health.settings_changed(uid)

    # -- experiments -----------------------------------------------------------

    @router.get("/experiments/get-by-name")
    async def get_experiment_by_name(request: Request) -> JSONBody:
        name = wire.need_str(await args_of(request), "experiment_name")
        found = await run_in_threadpool(store.find_experiment, name)
        if found is None:
            raise NotFoundError(f"Could not find experiment with name '{name}'")
        return JSONBody({"experiment": wire.experiment_json(found)})

    @router.post("/experiments/create")
    async def create_experiment(request: Request) -> JSONBody:
        name = wire.need_str(await args_of(request), "name")
        created = await run_in_threadpool(store.create_experiment, name)
        return JSONBody({"experiment_id": str(created.id)})

    @router.get("/experiments/get")
    async def get_experiment(request: Request) -> JSONBody:
        exp_id = wire.experiment_id(await args_of(request), "experiment_id")
        found = await run_in_threadpool(store.get_experiment, exp_id)
        return JSONBody({"experiment": wire.experiment_json(found)})

    @router.get("/experiments/search")
    @router.post("/experiments/search")
    async def search_experiments(request: Request) -> JSONBody:
        args = await args_of(request)
        view = wire.get_enum(args, "view_type", wire.VIEW_TYPES) or "ACTIVE_ONLY"
        limit = wire.max_results(args)
        clauses = search.parse_filter(wire.get_str(args, "filter"), _EXPERIMENT_NUMERIC)
        orders = search.parse_order(wire.get_list(args, "order_by"))
        for entity, key in search.keys_of(clauses, orders):
            if entity != "tag" and (entity, key) not in _EXPERIMENT_KEYS:
                raise ValidationError(f"Invalid {entity} key '{key}' for experiments", "filter")
        if not orders:
            orders = search.parse_order(["creation_time DESC"])
        orders.append(search.Order("attribute", "experiment_id", True))
        found = [] if view == "DELETED_ONLY" else await run_in_threadpool(store.list_experiments)
        exps = [wire.experiment_json(e) for e in found]
        exps = search.sort(
            [e for e in exps if search.matches(e, clauses, _experiment_value)],
            orders,
            _experiment_value,
        )
        return JSONBody(wire.page(args, "experiments", exps, limit))

    # -- runs ------------------------------------------------------------------

    @router.post("/runs/create")
    async def create_run(request: Request) -> JSONBody:
        args = await args_of(request)
        exp_id = wire.experiment_id(args, "experiment_id", default=0)
        tags = batch.tags(wire.get_list(args, "tags"), "tags")
        name = wire.get_str(args, "run_name") or tags.get(batch.RUN_NAME_TAG)
        user = wire.get_str(args, "user_id")
        start = wire.get_int(args, "start_time", lo=0)
        now = time.time()

        def work() -> str:
            exp = store.get_experiment(exp_id)
            record = store.create_run(
                RunSpec(
                    project=exp.name,
                    name=name,
                    started_at=now if start is None else start / 1000,
                ),
                now=now,
            )
            extra = {batch.RUN_NAME_TAG: record.name}
            if user:
                extra[wire.USER_TAG] = user
            store.change_run(record.uid, RunChanges(tags=extra | tags), now=now)
            return record.uid

        uid = await run_in_threadpool(work)
        return JSONBody({"run": wire.run_json(await details(uid))})

    @router.get("/runs/get")
    async def get_run(request: Request) -> JSONBody:
        uid = wire.run_id_of(await args_of(request))
        return JSONBody({"run": wire.run_json(await details(uid))})

    @router.post("/runs/update")
    async def update_run(request: Request) -> JSONBody:
        args = await args_of(request)
        uid = wire.run_id_of(args)
        status = wire.get_enum(args, "status", wire.STATUS_NAMES)
        end_time = wire.get_int(args, "end_time", lo=0)
        name = wire.get_str(args, "run_name")
        changes = RunChanges(
            name=name,
            tags={batch.RUN_NAME_TAG: name} if name else {},
            reopen=status in ("RUNNING", "SCHEDULED"),
        )
        await change(uid, changes)
        final = wire.FINAL_STATUS.get(status or "")
        if final is not None:
            ended = time.time() if end_time is None else end_time / 1000
            await run_in_threadpool(store.finish_run, uid, final, ended)
            if health is not None:
                health.finish(uid, final.value, "")
        return JSONBody({"run_info": wire.run_info_json(await details(uid))})

    @router.post("/runs/delete")
    async def delete_run(request: Request) -> JSONBody:
        uid = wire.need_str(await args_of(request), "run_id")
        await change(uid, RunChanges(deleted=True))
        return JSONBody({})

    @router.post("/runs/restore")
    async def restore_run(request: Request) -> JSONBody:
        uid = wire.need_str(await args_of(request), "run_id")
        await change(uid, RunChanges(deleted=False))
        return JSONBody({})

    @router.get("/runs/search")
    @router.post("/runs/search")
    async def search_runs(request: Request) -> JSONBody:
        args = await args_of(request)
        exp_ids = [
            wire.experiment_id({"experiment_ids": e}, "experiment_ids")
            for e in wire.get_list(args, "experiment_ids")
        ]
        view = wire.get_enum(args, "run_view_type", wire.VIEW_TYPES) or "ACTIVE_ONLY"
        limit = wire.max_results(args)
        clauses = search.parse_filter(wire.get_str(args, "filter"), _RUN_NUMERIC)
        orders = search.parse_order(wire.get_list(args, "order_by"))
        for entity, key in search.keys_of(clauses, orders):
            if entity == "attribute" and key.lower() not in _RUN_ATTRIBUTES:
                raise ValidationError(
                    f"Invalid attribute key '{key}' specified. Valid keys are "
                    f"{sorted(_RUN_ATTRIBUTES)}",
                    field="filter",
                )
        if not any(_run_attribute(o) == "start_time" for o in orders):
            orders.append(search.Order("attribute", "start_time", False))
        orders.append(search.Order("attribute", "run_id", True))
        wanted = {"ACTIVE_ONLY": (False,), "DELETED_ONLY": (True,), "ALL": (False, True)}[view]

        def work() -> list[RunDetails]:
            found = store.run_details(experiment_ids=exp_ids)
            get = _run_getter(found)
            kept = [d for d in found if d.deleted in wanted and search.matches(d, clauses, get)]
            return search.sort(kept, orders, get)

        picked = await run_in_threadpool(work)
        return JSONBody(wire.page(args, "runs", picked, limit, wire.run_json))

    # -- logging ---------------------------------------------------------------

    @router.post("/runs/log-metric")
    async def log_metric(request: Request) -> JSONBody:
        args = await args_of(request)
        uid = wire.run_id_of(args)
        await log_points(uid, batch.metrics_batch([args], where=lambda _: ""))
        return JSONBody({})

    @router.post("/runs/log-batch")
    async def log_batch(request: Request) -> JSONBody:
        try:
            args = await wire.request_args(request, batch.MAX_BATCH_LOG_REQUEST_SIZE)
        except PayloadTooLargeError:
            raise batch.too_large(request.headers.get("content-length", "")) from None
        uid = wire.need_str(args, "run_id")
        points, params, tags = batch.read_batch(args)
        if params or tags:
            await change(uid, batch.with_name(RunChanges(params=params, tags=tags)))
        if points.series:
            await log_points(uid, points)
        return JSONBody({})

    @router.post("/runs/log-parameter")
    async def log_parameter(request: Request) -> JSONBody:
        args = await args_of(request)
        uid = wire.run_id_of(args)
        await change(uid, RunChanges(params=batch.params([args], "")))
        return JSONBody({})

    @router.post("/runs/set-tag")
    async def set_tag(request: Request) -> JSONBody:
        args = await args_of(request)
        uid = wire.run_id_of(args)
        await change(uid, batch.with_name(RunChanges(tags=batch.tags([args], ""))))
        return JSONBody({})

    @router.post("/runs/delete-tag")
    async def delete_tag(request: Request) -> JSONBody:
        args = await args_of(request)
        uid = wire.run_id_of(args)
        key = wire.need_str(args, "key")
        await change(uid, RunChanges(delete_tag=key))
        return JSONBody({})

    @router.get("/metrics/get-history")
    async def get_metric_history(request: Request) -> JSONBody:
        args = await args_of(request)
        uid = wire.run_id_of(args)
        key = wire.need_str(args, "metric_key")
        size = wire.get_int(args, "max_results", lo=-(2**31), hi=2**31 - 1)
        if size is not None and size <= 0:
            raise ValidationError(
                f"Invalid value {size} for parameter 'max_results' supplied. "
                "It must be a positive integer.",
                field="max_results",
            )
        start = wire.decode_token(wire.get_str(args, "page_token"))

        def work() -> dict[str, Any]:
            store.get_run(uid)
            try:
                series = store.read_series(uid, key)
            except NotFoundError:
                return {"metrics": []}
            end = len(series) if size is None else min(len(series), start + size)
            stamps = np.rint(series.wall_times[start:end] * 1000).astype(np.int64).tolist()
            answer: dict[str, Any] = {
                "metrics": [
                    wire.metric_json(key, v, s, t)
                    for v, s, t in zip(
                        series.values[start:end].tolist(),
                        stamps,
                        series.steps[start:end].tolist(),
                        strict=True,
                    )
                ]
            }
            if end < len(series):
                answer["next_page_token"] = wire.encode_token(end)
            return answer

        return JSONBody(await run_in_threadpool(work))

    router.include_router(build_models_router(settings, store))

    @router.api_route(
        "/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def not_found(request: Request) -> JSONBody:
        return wire.endpoint_not_found(request)

    return router


def _run_attribute(order: search.Order) -> str | None:
    return _RUN_ATTRIBUTES.get(order.key.lower()) if order.entity == "attribute" else None


def _run_getter(found: Sequence[RunDetails]) -> search.Getter[RunDetails]:
    """What filters and orders read of runs, worked out once per run."""
    infos = {d.run.uid: wire.run_info_json(d) for d in found}
    metrics = {d.run.uid: {k.key: k.last_value for k in d.latest} for d in found}
    params = {d.run.uid: d.params for d in found}

    def get(d: RunDetails, entity: str, key: str) -> Any:
        uid = d.run.uid
        if entity == "metric":
            return metrics[uid].get(key)
        if entity == "param":
            return params[uid].get(key)
        if entity == "tag":
            return d.tags.get(key, "" if key in d.run.tags else None)
        return infos[uid].get(_RUN_ATTRIBUTES[key.lower()])

    return get


def _experiment_value(exp: dict[str, Any], entity: str, key: str) -> Any:
    if entity != "attribute":
        return None
    if key == "experiment_id":
        return int(exp["experiment_id"])
    return exp.get(key)
