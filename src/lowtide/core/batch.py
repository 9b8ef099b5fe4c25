"""A batch of metric points: the one shape every source hands to the store.

The wire shape is per-key arrays, so that thousands of points cost one small
JSON object rather than thousands::

    {"batch_id": "9f1c...",
     "metrics": {"train/loss": {"steps": [10, 11], "values": [0.31, "NaN"],
                                "wall_times": [1732780800.1, 1732780800.2]}}}

`wall_times` may be left out; the receiver's clock fills it in. Non-finite
values are kept (they are evidence) and travel as "NaN", "Infinity" and
"-Infinity", or as bare numbers from clients that write them.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lowtide.errors import PayloadTooLargeError, ValidationError

#: The only strings accepted in place of a number, and what they mean.
NONFINITE_NAMES: dict[str, float] = {
    "NaN": math.nan,
    "nan": math.nan,
    "Infinity": math.inf,
    "inf": math.inf,
    "-Infinity": -math.inf,
    "-inf": -math.inf,
}
#: Steps are stored as signed 64-bit integers.
STEP_MIN, STEP_MAX = -(2**63), 2**63 - 1
#: Longest client batch id, in characters.
MAX_BATCH_ID_LENGTH = 64

_INT_TYPES = frozenset({int})
_NUMBER_TYPES = frozenset({int, float})

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SeriesPoints:
    """Points of one key, in the order they were logged."""

    key: str
    steps: IntArray
    wall_times: FloatArray
    values: FloatArray

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    def __reduce__(self) -> tuple[Any, tuple[str, bytes, bytes, bytes]]:
        # Pickled as three byte strings: the server sends every batch to the health
        # engine's process, and numpy's own pickling costs ~4x more for arrays this small.
        return _series_points, (
            self.key,
            self.steps.astype(np.int64, copy=False).tobytes(),
            self.wall_times.astype(np.float64, copy=False).tobytes(),
            self.values.astype(np.float64, copy=False).tobytes(),
        )


def _series_points(key: str, steps: bytes, wall_times: bytes, values: bytes) -> SeriesPoints:
    return SeriesPoints(
        key,
        np.frombuffer(steps, dtype=np.int64).copy(),
        np.frombuffer(wall_times, dtype=np.float64).copy(),
        np.frombuffer(values, dtype=np.float64).copy(),
    )


@dataclass(frozen=True)
class Batch:
    """A validated batch: an optional client id (for retries) and its series."""

    batch_id: str | None
    series: tuple[SeriesPoints, ...]

    @property
    def n_points(self) -> int:
        return sum(len(s) for s in self.series)


@dataclass(frozen=True)
class BatchLimits:
    """What one batch may hold."""

    max_key_length: int
    max_points: int


def parse_batch(payload: Any, limits: BatchLimits, now: float) -> Batch:
    """Validate a decoded JSON batch and turn it into arrays.

    Raises ValidationError naming the field at fault; nothing of a bad batch is kept.
    """
    if not isinstance(payload, dict):
        raise ValidationError("a batch must be a JSON object", field="body")
    unknown = set(payload) - {"batch_id", "metrics"}
    if unknown:
        raise ValidationError(f"unknown field(s) {sorted(unknown)}", field="body")
    batch_id = _parse_batch_id(payload.get("batch_id"))
    metrics = payload.get("metrics")
    if not isinstance(metrics, dict):
        raise ValidationError("'metrics' must be an object of key -> arrays", field="metrics")
    series: list[SeriesPoints] = []
    total = 0
    for key, arrays in metrics.items():
        field = f"metrics.{key}"
        validate_key(key, limits.max_key_length, field)
        points = _parse_series(key, arrays, now, field)
        total += len(points)
        if total > limits.max_points:
            raise PayloadTooLargeError(
                f"a batch may hold at most {limits.max_points} points; split it",
                field="metrics",
            )
        if len(points):
            series.append(points)
    return Batch(batch_id=batch_id, series=tuple(series))


def validate_key(key: Any, max_length: int, field: str = "key") -> str:
    """A metric key: a non-empty string without control characters, at most `max_length`."""
    if not isinstance(key, str) or not key.strip():
        raise ValidationError("a metric key must be a non-empty string", field=field)
    if len(key) > max_length:
        raise ValidationError(
            f"metric key is {len(key)} characters long; the limit is {max_length}",
            field=field,
        )
    if any(unicodedata.category(ch) == "Cc" for ch in key):
        raise ValidationError("a metric key must not contain control characters", field=field)
    return key


def _parse_batch_id(raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw or len(raw) > MAX_BATCH_ID_LENGTH:
        raise ValidationError(
            f"'batch_id' must be a string of 1 to {MAX_BATCH_ID_LENGTH} characters",
            field="batch_id",
        )
    return raw


def _parse_series(key: str, arrays: Any, now: float, field: str) -> SeriesPoints:
    if not isinstance(arrays, Mapping):
        raise ValidationError("expected an object with 'steps' and 'values'", field=field)
    unknown = set(arrays) - {"steps", "values", "wall_times"}
    if unknown:
        raise ValidationError(f"unknown field(s) {sorted(unknown)}", field=field)
    raw_steps = arrays.get("steps")
    raw_values = arrays.get("values")
    if not isinstance(raw_steps, list):
        raise ValidationError("'steps' must be an array of integers", field=f"{field}.steps")
    if not isinstance(raw_values, list):
        raise ValidationError("'values' must be an array of numbers", field=f"{field}.values")
    if len(raw_steps) != len(raw_values):
        raise ValidationError(
            f"'steps' has {len(raw_steps)} items but 'values' has {len(raw_values)}",
            field=f"{field}.values",
        )
    steps = _parse_steps(raw_steps, f"{field}.steps")
    values = _parse_floats(raw_values, f"{field}.values", allow_nonfinite=True)
    raw_times = arrays.get("wall_times")
    if raw_times is None:
        wall_times = np.full(len(raw_steps), now, dtype=np.float64)
    else:
        if not isinstance(raw_times, list) or len(raw_times) != len(raw_steps):
            raise ValidationError(
                "'wall_times' must be an array as long as 'steps'", field=f"{field}.wall_times"
            )
        wall_times = _parse_floats(raw_times, f"{field}.wall_times", allow_nonfinite=False)
    return SeriesPoints(key=key, steps=steps, wall_times=wall_times, values=values)


def _parse_steps(raw: list[Any], field: str) -> IntArray:
    # The fast path covers what clients send; the slow one finds and names the bad item.
    # (`map(type, ...)` runs in C; `bool`, a subclass of int, stays out of the fast path.)
    if set(map(type, raw)) <= _INT_TYPES:
        try:
            return np.array(raw, dtype=np.int64)
        except OverflowError:
            pass
    out = np.empty(len(raw), dtype=np.int64)
    for i, s in enumerate(raw):
        if type(s) is float and s.is_integer():
            s = int(s)
        if type(s) is not int:
            raise ValidationError(f"step {s!r} is not an integer", field=f"{field}[{i}]")
        if not STEP_MIN <= s <= STEP_MAX:
            raise ValidationError(f"step {s} is out of the 64-bit range", field=f"{field}[{i}]")
        out[i] = s
    return out


def _parse_floats(raw: list[Any], field: str, *, allow_nonfinite: bool) -> FloatArray:
    if set(map(type, raw)) <= _NUMBER_TYPES:
        try:
            out = np.array(raw, dtype=np.float64)
        except OverflowError:
            out = None
        if out is not None and (allow_nonfinite or bool(np.isfinite(out).all())):
            return out
    out = np.empty(len(raw), dtype=np.float64)
    for i, v in enumerate(raw):
        out[i] = _to_float(v, f"{field}[{i}]", allow_nonfinite)
    return out


def _to_float(v: Any, field: str, allow_nonfinite: bool) -> float:
    if type(v) is str and v in NONFINITE_NAMES:
        x = NONFINITE_NAMES[v]
    elif type(v) is float or type(v) is int:
        try:
            x = float(v)
        except OverflowError:
            raise ValidationError(f"{v} is too large for a 64-bit float", field=field) from None
    else:
        hint = ' (send NaN as "NaN")' if v is None else ""
        raise ValidationError(f"{v!r} is not a number{hint}", field=field)
    if not allow_nonfinite and not math.isfinite(x):
        raise ValidationError(f"{v!r} must be a finite number", field=field)
    return x
