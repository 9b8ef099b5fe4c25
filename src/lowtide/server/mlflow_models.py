"""MLflow 3's logged models, enough for `mlflow.<flavor>.log_model` and loading models back.

A logged model's files go through the artifact proxy to
`mlflow-artifacts:/<experiment>/models/<model id>/artifacts`; these routes
keep what is said about it: name, source run, params, tags and status.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lowtide.config import Settings
from lowtide.errors import ValidationError
from lowtide.server import mlflow_batch as batch
from lowtide.server import mlflow_search as search
from lowtide.server import mlflow_wire as wire
from lowtide.server.responses import JSONBody
from lowtide.store import Store
from lowtide.store.mlflow import RunChanges
from lowtide.store.mlflow_models import LoggedModel, ModelChanges

#: MLflow's names of a logged model's states, by lowtide's.
MODEL_STATUS = {
    "pending": "LOGGED_MODEL_PENDING",
    "ready": "LOGGED_MODEL_READY",
    "failed": "LOGGED_MODEL_UPLOAD_FAILED",
}
_STATUS_NUMBERS = {
    1: "LOGGED_MODEL_PENDING",
    2: "LOGGED_MODEL_READY",
    3: "LOGGED_MODEL_UPLOAD_FAILED",
}
#: The run tag that lists the models logged from a run (MLflow 2's record of them).
MODEL_HISTORY_TAG = "mlflow.log-model.history"
_MODEL_KEYS = {
    "name": "name",
    "model_id": "model_id",
    "model_type": "model_type",
    "status": "status",
    "source_run_id": "source_run_id",
    "creation_timestamp": "creation_timestamp_ms",
    "creation_time": "creation_timestamp_ms",
    "last_updated_timestamp": "last_updated_timestamp_ms",
}
_MODEL_NUMERIC = frozenset({"creation_timestamp", "creation_time", "last_updated_timestamp"})


def build_models_router(settings: Settings, store: Store) -> APIRouter:
    """The logged-model routes, to include in the /api/2.0/mlflow router."""
    router = APIRouter(route_class=wire.MlflowRoute)

    async def args_of(request: Request) -> dict[str, Any]:
        return await wire.request_args(request, settings.max_batch_bytes)

    async def answer(model_id: str) -> JSONBody:
        found = await run_in_threadpool(store.get_logged_model, model_id)
        return JSONBody({"model": model_json(found)})

    async def change(model_id: str, changes: ModelChanges | None) -> JSONBody:
        await run_in_threadpool(store.change_logged_model, model_id, changes)
        return JSONBody({})

    @router.post("/logged-models")
    async def create_logged_model(request: Request) -> JSONBody:
        args = await args_of(request)
        exp_id = wire.experiment_id(args, "experiment_id")
        created = await run_in_threadpool(
            lambda: store.create_logged_model(
                exp_id,
                name=wire.get_str(args, "name") or "model",
                source_run=wire.get_str(args, "source_run_id"),
                model_type=wire.get_str(args, "model_type"),
                params=batch.params(wire.get_list(args, "params"), "params"),
                tags=batch.tags(wire.get_list(args, "tags"), "tags"),
            )
        )
        return JSONBody({"model": model_json(created)})

    @router.post("/logged-models/search")
    async def search_logged_models(request: Request) -> JSONBody:
        args = await args_of(request)
        exp_ids = [
            wire.experiment_id({"experiment_ids": e}, "experiment_ids")
            for e in wire.get_list(args, "experiment_ids")
        ]
        limit = wire.max_results(args)
        clauses = search.parse_filter(wire.get_str(args, "filter"), _MODEL_NUMERIC)
        orders = [_order(o) for o in wire.get_list(args, "order_by")]
        for entity, key in search.keys_of(clauses, orders):
            if entity == "attribute" and key not in _MODEL_KEYS:
                raise ValidationError(f"Invalid attribute key '{key}' specified.", "filter")
        orders.append(search.Order("attribute", "creation_timestamp", False))
        orders.append(search.Order("attribute", "model_id", True))
        found = await run_in_threadpool(store.search_logged_models, exp_ids)
        models = [model_json(m) for m in found]
        picked = search.sort(
            [m for m in models if search.matches(m, clauses, _model_value)], orders, _model_value
        )
        return JSONBody(wire.page(args, "models", picked, limit))

    @router.get("/logged-models/{model_id}")
    async def get_logged_model(model_id: str) -> JSONBody:
        return await answer(model_id)

    @router.patch("/logged-models/{model_id}")
    async def finalize_logged_model(model_id: str, request: Request) -> JSONBody:
        args = await args_of(request)
        status = wire.get_enum(args, "status", _STATUS_NUMBERS)
        mine = {v: k for k, v in MODEL_STATUS.items()}.get(status or "")
        if mine is None:
            raise wire.invalid("status", args.get("status"), "expected a logged model status")
        await run_in_threadpool(store.change_logged_model, model_id, ModelChanges(status=mine))
        return await answer(model_id)

    @router.delete("/logged-models/{model_id}")
    async def delete_logged_model(model_id: str) -> JSONBody:
        return await change(model_id, None)

    @router.patch("/logged-models/{model_id}/tags")
    async def set_logged_model_tags(model_id: str, request: Request) -> JSONBody:
        tags = batch.tags(wire.get_list(await args_of(request), "tags"), "tags")
        return await change(model_id, ModelChanges(tags=tags))

    @router.delete("/logged-models/{model_id}/tags/{tag_key}")
    async def delete_logged_model_tag(model_id: str, tag_key: str) -> JSONBody:
        return await change(model_id, ModelChanges(delete_tag=tag_key))

    @router.post("/logged-models/{model_id}/params")
    async def log_logged_model_params(model_id: str, request: Request) -> JSONBody:
        params = batch.params(wire.get_list(await args_of(request), "params"), "params")
        return await change(model_id, ModelChanges(params=params))

    @router.post("/runs/outputs")
    async def log_outputs(request: Request) -> JSONBody:
        """Runs' outputs are known from the models' source runs; only check the ids."""
        args = await args_of(request)
        uid = wire.need_str(args, "run_id")
        await run_in_threadpool(store.change_run, uid, RunChanges())
        for i, item in enumerate(wire.get_list(args, "models")):
            model_id = wire.need_str(batch.as_object(item, f"models[{i}]"), "model_id")
            await run_in_threadpool(store.get_logged_model, model_id)
        return JSONBody({})

    @router.post("/runs/log-model")
    async def log_model(request: Request) -> JSONBody:
        """MLflow 2's record of a model logged from a run: a JSON list in a run tag."""
        args = await args_of(request)
        uid = wire.need_str(args, "run_id")
        try:
            model = json.loads(wire.need_str(args, "model_json"))
        except json.JSONDecodeError:
            raise wire.invalid("model_json", args["model_json"], "not valid JSON") from None

        def work() -> None:
            found = store.run_details(uids=[uid])
            if not found:
                raise wire.not_found_run(uid)
            run = found[0]
            history = json.loads(run.tags.get(MODEL_HISTORY_TAG, "[]"))
            value = json.dumps([*history, model])
            store.change_run(uid, RunChanges(tags={MODEL_HISTORY_TAG: value}))

        await run_in_threadpool(work)
        return JSONBody({})

    return router


def model_json(m: LoggedModel) -> dict[str, Any]:
    """A logged model as MLflow's `LoggedModel` message."""
    exp = str(m.experiment_id)
    info: dict[str, Any] = {
        "model_id": m.id,
        "experiment_id": exp,
        "name": m.name,
        "creation_timestamp_ms": wire.ms(m.created_at),
        "last_updated_timestamp_ms": wire.ms(m.updated_at),
        "artifact_uri": f"mlflow-artifacts:/{exp}/models/{m.id}/artifacts",
        "status": MODEL_STATUS[m.status],
        "tags": [{"key": k, "value": v} for k, v in m.tags.items()],
    }
    if m.model_type:
        info["model_type"] = m.model_type
    if m.source_run:
        info["source_run_id"] = m.source_run
    return {"info": info, "data": {"params": [{"key": k, "value": v} for k, v in m.params.items()]}}


def _order(item: Any) -> search.Order:
    """An order of a logged-model search: `{"field_name": ..., "ascending": ...}`."""
    if not isinstance(item, dict) or not isinstance(item.get("field_name"), str):
        raise wire.invalid("order_by", item, 'expected {"field_name": ..., "ascending": ...}')
    [order] = search.parse_order([item["field_name"]])
    return search.Order(order.entity, order.key, item.get("ascending", True) is not False)


def _model_value(model: dict[str, Any], entity: str, key: str) -> Any:
    info = model["info"]
    if entity == "attribute":
        return info.get(_MODEL_KEYS[key])
    if entity == "param":
        return next((p["value"] for p in model["data"]["params"] if p["key"] == key), None)
    if entity == "tag":
        return next((t["value"] for t in info["tags"] if t["key"] == key), None)
    return None
