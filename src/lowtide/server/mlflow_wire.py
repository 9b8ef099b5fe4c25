"""MLflow's wire format: reading request fields, writing runs and experiments, errors.

MLflow speaks protobuf's JSON mapping: int64 fields (timestamps, steps) may
arrive as numbers or strings and are sent back as numbers; doubles may be
"NaN", "Infinity" or "-Infinity"; enums arrive as names or numbers.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import posixpath
import re
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from lowtide.core.batch import NONFINITE_NAMES, STEP_MAX, STEP_MIN
from lowtide.core.records import RunStatus, json_float
from lowtide.errors import (
    ConflictError,
    LowtideError,
    NotFoundError,
    StoreError,
    ValidationError,
)
from lowtide.server.body import read_json
from lowtide.server.errors import MalformedJSONError
from lowtide.server.responses import JSONBody
from lowtide.store.mlflow import Experiment, RunDetails

log = logging.getLogger(__name__)

#: Runs and experiments per search page: MLflow's default and its most.
SEARCH_DEFAULT_RESULTS = 1000
SEARCH_MAX_RESULTS = 50_000
#: MLflow's run statuses, by their protobuf numbers.
STATUS_NAMES = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
#: How a lowtide run status reads in MLflow; stalled runs are still running there.
MLFLOW_STATUS = {
    RunStatus.RUNNING: "RUNNING",
    RunStatus.STALLED: "RUNNING",
    RunStatus.FINISHED: "FINISHED",
    RunStatus.FAILED: "FAILED",
    RunStatus.CRASHED: "KILLED",
}
#: The lowtide status an MLflow client ends a run with.
FINAL_STATUS = {
    "FINISHED": RunStatus.FINISHED,
    "FAILED": RunStatus.FAILED,
    "KILLED": RunStatus.CRASHED,
}
#: MLflow's view types, by their protobuf numbers.
VIEW_TYPES = {1: "ACTIVE_ONLY", 2: "DELETED_ONLY", 3: "ALL"}
#: The tag that holds the user who created a run.
USER_TAG = "mlflow.user"
#: MLflow's name rule for metrics, params and tags (POSIX clients), and its message.
_NAME_PATTERN = re.compile(r"^[/\w.\- :]*$")
_BAD_NAME = (
    "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), "
    "spaces ( ), colon(:) and slashes (/)."
)

# error_code and HTTP status of each error kind, most specific first.
_ERRORS: list[tuple[type[LowtideError], str, int]] = [
    (MalformedJSONError, "MALFORMED_REQUEST", 400),
    (ValidationError, "INVALID_PARAMETER_VALUE", 400),
    (NotFoundError, "RESOURCE_DOES_NOT_EXIST", 404),
    (ConflictError, "RESOURCE_ALREADY_EXISTS", 409),
    (StoreError, "TEMPORARILY_UNAVAILABLE", 503),
]


def error_json(exc: LowtideError) -> tuple[dict[str, str], int]:
    """MLflow's error body and HTTP status for one of lowtide's errors."""
    for cls, code, status in _ERRORS:
        if isinstance(exc, cls):
            return {"error_code": code, "message": str(exc)}, status
    return {"error_code": "INTERNAL_ERROR", "message": str(exc)}, 500


class MlflowRoute(APIRoute):
    """A route that answers lowtide's errors as MLflow does: `{"error_code", "message"}`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except LowtideError as exc:
                body, status = error_json(exc)
                if status >= 500:
                    log.error("%s %s: %s", request.method, request.url.path, exc)
                return JSONBody(body, status_code=status)

        return answer


def endpoint_not_found(request: Request) -> JSONBody:
    """MLflow's answer for an endpoint it does not have, so clients can fall back."""
    return JSONBody(
        {
            "error_code": "ENDPOINT_NOT_FOUND",
            "message": f"lowtide has no MLflow endpoint {request.method} {request.url.path}",
        },
        status_code=404,
    )


async def request_args(request: Request, limit: int) -> dict[str, Any]:
    """A request's fields: the query string of a GET, else the JSON body."""
    if request.method in ("GET", "DELETE"):
        grouped: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            grouped.setdefault(key, []).append(value)
        return {k: v[0] if len(v) == 1 else v for k, v in grouped.items()}
    payload = await read_json(request, limit)
    if not isinstance(payload, dict):
        raise MalformedJSONError("the body must be a JSON object", field="body")
    return payload


def ms(seconds: float) -> int:
    """Unix seconds as MLflow's int64 milliseconds."""
    return round(seconds * 1000)


# -- reading requests --------------------------------------------------------------


def missing(path: str) -> ValidationError:
    return ValidationError(f"Missing value for required parameter '{path}'.", field=path)


def invalid(path: str, value: Any, why: str = "") -> ValidationError:
    shown = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    tail = f": {why}" if why else "."
    return ValidationError(f"Invalid value {shown} for parameter '{path}' supplied{tail}", path)


def get_str(args: dict[str, Any], name: str) -> str | None:
    """A string field, None when absent or empty."""
    value = args.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid(name, value, "expected a string")
    return value


def need_str(args: dict[str, Any], name: str) -> str:
    """A string field that must be there."""
    value = get_str(args, name)
    if value is None:
        raise missing(name)
    return value


def run_id_of(args: dict[str, Any]) -> str:
    """The run a request is about: `run_id`, or `run_uuid` from older clients."""
    found = get_str(args, "run_id") or get_str(args, "run_uuid")
    if found is None:
        raise missing("run_id")
    return found


def get_int(
    args: dict[str, Any], name: str, *, lo: int = STEP_MIN, hi: int = STEP_MAX
) -> int | None:
    """An int32/int64 field, sent as a number or as a string of digits."""
    value = args.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise invalid(name, value, "expected an integer") from None
    if type(value) is not int or not lo <= value <= hi:
        raise invalid(name, value, f"expected an integer from {lo} to {hi}")
    return value


def get_float(args: dict[str, Any], name: str, path: str) -> float:
    """A double field: a number, or "NaN", "Infinity", "-Infinity"."""
    value = args.get(name)
    if value is None:
        raise missing(path)
    if isinstance(value, str):
        if value in NONFINITE_NAMES:
            return NONFINITE_NAMES[value]
        try:
            return float(value)
        except ValueError:
            pass
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            pass
    raise invalid(path, value, "Please specify value as a valid double (64-bit floating point)")


def get_list(args: dict[str, Any], name: str) -> list[Any]:
    value = args.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    return value


def get_enum(args: dict[str, Any], name: str, names: dict[int, str]) -> str | None:
    """An enum field by name or number."""
    value = args.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and value in names:
        return names[value]
    if isinstance(value, str) and value.upper() in names.values():
        return value.upper()
    raise invalid(name, value, f"expected one of {', '.join(names.values())}")


def check_name(kind: str, name: Any, path: str, max_length: int) -> str:
    """A metric, param or tag name by MLflow's rules."""
    if not isinstance(name, str) or name == "":
        raise missing(path)
    if not _NAME_PATTERN.match(name):
        raise invalid(path, name, _BAD_NAME)
    norm = posixpath.normpath(name)
    if norm != name or norm == "." or norm.startswith(("..", "/")):
        raise invalid(
            path,
            name,
            "Names may be treated as files in certain cases, and must not resolve to other "
            f"names when treated as such. This name would resolve to {norm!r}",
        )
    if len(name) > max_length:
        raise ValidationError(
            f"'{kind}' exceeds the maximum length of {max_length} characters", field=path
        )
    return name


def experiment_id(args: dict[str, Any], name: str, default: int | None = None) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        if default is not None:
            return default
        raise missing(name)
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    if type(raw) is int and raw >= 0:
        return raw
    raise ValidationError(f"Invalid experiment ID: '{raw}'", field=name)


def max_results(args: dict[str, Any]) -> int:
    limit = get_int(args, "max_results", lo=-(2**31), hi=2**31 - 1)
    if limit is None:
        return SEARCH_DEFAULT_RESULTS
    if limit <= 0 or limit > SEARCH_MAX_RESULTS:
        raise ValidationError(
            "Invalid value for request parameter max_results. It must be at most "
            f"{SEARCH_MAX_RESULTS}, but got value {limit}",
            field="max_results",
        )
    return limit


def page(
    args: dict[str, Any],
    name: str,
    items: Sequence[Any],
    limit: int,
    render: Any = None,
) -> dict[str, Any]:
    start = decode_token(get_str(args, "page_token"))
    end = start + limit
    page = items[start:end]
    answer: dict[str, Any] = {name: [render(i) for i in page] if render else list(page)}
    if end < len(items):
        answer["next_page_token"] = encode_token(end)
    return answer


def not_found_run(uid: str) -> NotFoundError:
    return NotFoundError(f"Run with id={uid} not found")


def encode_token(offset: int) -> str:
    """A page token: where the next page starts."""
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.b64decode(token, validate=True))["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise ValidationError("Invalid page token, could not base64-decode", "page_token") from None
    if type(offset) is not int or offset < 0:
        raise ValidationError(f"Invalid page token offset {offset!r}", "page_token")
    return offset


# -- writing answers ---------------------------------------------------------------


def experiment_json(exp: Experiment) -> dict[str, Any]:
    created = ms(exp.created_at)
    return {
        "experiment_id": str(exp.id),
        "name": exp.name,
        "artifact_location": f"mlflow-artifacts:/{exp.id}",
        "lifecycle_stage": "active",
        "last_update_time": created,
        "creation_time": created,
    }


def run_info_json(d: RunDetails) -> dict[str, Any]:
    uid, exp = d.run.uid, str(d.experiment_id)
    info: dict[str, Any] = {
        "run_uuid": uid,
        "experiment_id": exp,
        "run_name": d.run.name,
        "user_id": d.tags.get(USER_TAG, ""),
        "status": MLFLOW_STATUS[d.run.status],
        "start_time": ms(d.run.started_at),
        "artifact_uri": f"mlflow-artifacts:/{exp}/{uid}/artifacts",
        "lifecycle_stage": "deleted" if d.deleted else "active",
        "run_id": uid,
    }
    if d.run.ended_at is not None and d.run.status.is_final:
        info["end_time"] = ms(d.run.ended_at)
    return info


def run_json(d: RunDetails) -> dict[str, Any]:
    """A run as MLflow's `Run` message: info, data (latest metrics, params, tags), inputs."""
    tags = dict.fromkeys(d.run.tags, "") | d.tags
    data: dict[str, Any] = {}
    if d.latest:
        data["metrics"] = [
            metric_json(k.key, k.last_value, ms(k.last_wall_time), k.last_step) for k in d.latest
        ]
    if d.params:
        data["params"] = [{"key": k, "value": v} for k, v in d.params.items()]
    if tags:
        data["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
    return {"info": run_info_json(d), "data": data, "inputs": {}, "outputs": {}}


def metric_json(key: str, value: float, timestamp_ms: int, step: int) -> dict[str, Any]:
    return {
        "key": key,
        "value": value if math.isfinite(value) else json_float(value),
        "timestamp": timestamp_ms,
        "step": step,
    }
