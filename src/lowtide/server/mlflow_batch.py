"""MLflow's logged values read the way MLflow reads them: names, limits, and their messages.

Metrics become a lowtide `Batch` (per key, in the order they came, with
timestamps in seconds); params and tags become dicts of strings, long values
cut as MLflow's server cuts them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lowtide.core.batch import STEP_MAX, STEP_MIN, Batch, IntArray, SeriesPoints
from lowtide.errors import ValidationError
from lowtide.server import mlflow_wire as wire
from lowtide.store.mlflow import RunChanges

#: The tag MLflow keeps a run's name in; setting it renames the run.
RUN_NAME_TAG = "mlflow.runName"
#: MLflow's limits on one log-batch request (mlflow/utils/validation.py).
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_BATCH_LOG_REQUEST_SIZE = 1_000_000
#: MLflow's longest names and values; longer values are cut to this, as MLflow does.
MAX_ENTITY_KEY_LENGTH = 250
MAX_PARAM_VAL_LENGTH = 6000
MAX_TAG_VAL_LENGTH = 8000


def read_batch(args: dict[str, Any]) -> tuple[Batch, dict[str, str], dict[str, str]]:
    """A log-batch request's metrics, params and tags, within MLflow's limits."""
    metrics = wire.get_list(args, "metrics")
    params_ = wire.get_list(args, "params")
    tags_ = wire.get_list(args, "tags")
    check_limit("metrics", MAX_METRICS_PER_BATCH, len(metrics))
    check_limit("params", MAX_PARAMS_TAGS_PER_BATCH, len(params_))
    check_limit("tags", MAX_PARAMS_TAGS_PER_BATCH, len(tags_))
    check_limit(
        "metrics, params, and tags",
        MAX_ENTITIES_PER_BATCH,
        len(metrics) + len(params_) + len(tags_),
    )
    return metrics_batch(metrics), params(params_, "params"), tags(tags_, "tags")


def metrics_batch(metrics: list[Any], where: Callable[[int], str] = "metrics[{}]".format) -> Batch:
    """Log-batch metrics as a lowtide batch: per key, in the order they came.

    A key's name is checked the first time it appears; after that, a metric in
    the shape MLflow's client sends (a float value, int64s as strings of digits)
    is read without building the paths of error messages, which otherwise cost
    most of a 1,000-metric batch. Anything else is read the careful way, and
    errors name the metric by `where(index)`.
    """
    whole = _plain_batch(metrics)
    if whole is not None:
        return whole
    names: set[str] = set()
    by_key: dict[str, tuple[list[float], list[int], list[int]]] = {}
    for i, m in enumerate(metrics):
        point = _plain_metric(m, names)
        if point is None:
            path = where(i)
            point = metric(as_object(m, path), path)
            names.add(point[0])
        key, value, stamp, step = point
        rows = by_key.get(key)
        if rows is None:
            rows = by_key[key] = ([], [], [])
        rows[0].append(value)
        rows[1].append(stamp)
        rows[2].append(step)
    return Batch(
        batch_id=None,
        series=tuple(
            SeriesPoints(
                key=key,
                steps=np.array(steps, dtype=np.int64),
                wall_times=np.array(stamps, dtype=np.float64) / 1000,
                values=np.array(values, dtype=np.float64),
            )
            for key, (values, stamps, steps) in by_key.items()
        ),
    )


def _plain_batch(metrics: list[Any]) -> Batch | None:
    """The whole batch at once when every metric has the client's usual shape (a float
    value, int64s as ints or strings of digits, a good name); None for anything else."""
    try:
        keys = [m["key"] for m in metrics]
        values = [m["value"] for m in metrics]
        stamps = _int64s([m["timestamp"] for m in metrics])
        steps = _int64s([m.get("step", 0) for m in metrics])
    except (KeyError, TypeError, AttributeError):
        return None
    if stamps is None or steps is None or not set(map(type, keys)) <= {str}:
        return None
    if not set(map(type, values)) <= {float} or (stamps < 0).any():
        return None
    order = dict.fromkeys(keys)
    try:
        for name in order:
            wire.check_name("Metric name", name, "key", MAX_ENTITY_KEY_LENGTH)
    except ValidationError:
        return None  # the careful reading names the metric at fault
    value_array = np.array(values, dtype=np.float64)
    seconds = stamps.astype(np.float64) / 1000
    if len(order) == 1:
        return Batch(None, (SeriesPoints(keys[0], steps, seconds, value_array),))
    index = {name: i for i, name in enumerate(order)}
    codes = np.fromiter((index[k] for k in keys), dtype=np.int64, count=len(keys))
    series = []
    for i, name in enumerate(order):
        at = np.flatnonzero(codes == i)
        series.append(SeriesPoints(name, steps[at], seconds[at], value_array[at]))
    return Batch(None, tuple(series))


def _int64s(raw: list[Any]) -> IntArray | None:
    """Int64s sent as ints or strings, read as `wire.get_int` reads them; None for anything
    else (floats, bools, text that is no integer, values past int64)."""
    kinds = set(map(type, raw))
    try:
        if kinds <= {int}:
            return np.array(raw, dtype=np.int64)
        if kinds <= {int, str}:
            return np.fromiter(map(int, raw), dtype=np.int64, count=len(raw))
    except (OverflowError, ValueError):
        pass
    return None


def _plain_metric(m: Any, names: set[str]) -> tuple[str, float, int, int] | None:
    """A metric with a known-good name and plainly typed fields; None for anything else."""
    if type(m) is not dict:
        return None
    key = m.get("key")
    if type(key) is not str or key not in names:
        return None
    value = m.get("value")
    if type(value) is not float:
        return None
    stamp = _plain_int(m.get("timestamp"))
    step = _plain_int(m.get("step", 0))
    if stamp is None or step is None or stamp < 0:
        return None
    return key, value, stamp, step


def _plain_int(raw: Any) -> int | None:
    """An int64 sent as an int or a string, read as `_int64s` reads a column; None else."""
    if type(raw) is not int and type(raw) is not str:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if STEP_MIN <= value <= STEP_MAX else None


def too_large(content_length: str) -> ValidationError:
    """MLflow's answer to a log-batch body over 1 MB."""
    size = content_length if content_length.isdigit() else f"over {MAX_BATCH_LOG_REQUEST_SIZE}"
    return ValidationError(
        f"Batched logging API requests must be at most {MAX_BATCH_LOG_REQUEST_SIZE} bytes, "
        f"got a request of size {size}.",
        field="body",
    )


def check_limit(entity: str, limit: int, length: int) -> None:
    if length > limit:
        raise ValidationError(
            f"A batch logging request can contain at most {limit} {entity}. Got {length} "
            f"{entity}. Please split up {entity} across multiple requests and try again.",
            field=entity.split(",")[0],
        )


def as_object(item: Any, path: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise wire.invalid(path, item, "expected an object")
    return item


def metric(args: dict[str, Any], path: str) -> tuple[str, float, int, int]:
    at = f"{path}." if path else ""
    key = wire.check_name("Metric name", args.get("key"), f"{at}key", MAX_ENTITY_KEY_LENGTH)
    value = wire.get_float(args, "value", f"{at}value")
    stamp = wire.get_int(args, "timestamp", lo=0)
    if stamp is None:
        raise wire.missing(f"{at}timestamp")
    step = wire.get_int(args, "step") or 0
    return key, value, stamp, step


def params(items: list[Any], path: str) -> dict[str, str]:
    found: dict[str, str] = {}
    dupes = []
    for i, item in enumerate(items):
        at = f"{path}[{i}]." if path else ""
        p = as_object(item, f"{path}[{i}]" if path else "body")
        key = wire.check_name("Param key", p.get("key"), f"{at}key", MAX_ENTITY_KEY_LENGTH)
        value = text(p.get("value"), f"{at}value")[:MAX_PARAM_VAL_LENGTH]
        if key in found:
            dupes.append(key)
        found[key] = value
    if dupes:
        raise ValidationError(
            f"Duplicate parameter keys have been submitted: {dupes}. Please ensure the request "
            "contains only one param value per param key.",
            field="params",
        )
    return found


def tags(items: list[Any], path: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, item in enumerate(items):
        at = f"{path}[{i}]." if path else ""
        t = as_object(item, f"{path}[{i}]" if path else "body")
        key = wire.check_name("key", t.get("key"), f"{at}key", MAX_ENTITY_KEY_LENGTH)
        found[key] = text(t.get("value"), f"{at}value")[:MAX_TAG_VAL_LENGTH]
    return found


def text(value: Any, path: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise wire.invalid(path, value, "expected a string")
    return value


def with_name(changes: RunChanges) -> RunChanges:
    """Setting the run-name tag renames the run, as in MLflow."""
    name = changes.tags.get(RUN_NAME_TAG)
    if not name:
        return changes
    return RunChanges(params=changes.params, tags=changes.tags, name=name)
