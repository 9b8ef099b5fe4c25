"""Parsing the wire shape of a batch: what is kept, and what is refused with which field."""

from __future__ import annotations

import math
from typing import Any

import pytest

from lowtide.core.batch import BatchLimits, parse_batch
from lowtide.errors import PayloadTooLargeError, ValidationError

LIMITS = BatchLimits(max_key_length=20, max_points=10)


def parse(payload: Any) -> Any:
    return parse_batch(payload, LIMITS, now=123.0)


def test_per_key_arrays_become_series() -> None:
    b = parse(
        {
            "batch_id": "b1",
            "metrics": {
                "loss": {"steps": [1, 2], "values": [0.5, 1], "wall_times": [10.0, 11]},
                "acc": {"steps": [1], "values": [0.9]},
            },
        }
    )
    assert b.batch_id == "b1"
    assert b.n_points == 3
    loss, acc = b.series
    assert loss.steps.tolist() == [1, 2]
    assert loss.values.tolist() == [0.5, 1.0]
    assert loss.wall_times.tolist() == [10.0, 11.0]
    assert acc.wall_times.tolist() == [123.0]


def test_nonfinite_values_as_strings_and_numbers() -> None:
    b = parse(
        {
            "metrics": {
                "a": {"steps": [1, 2, 3], "values": ["NaN", "Infinity", "-Infinity"]},
                "b": {"steps": [1, 2, 3], "values": [math.nan, math.inf, -math.inf]},
            }
        }
    )
    for s in b.series:
        v = s.values.tolist()
        assert math.isnan(v[0])
        assert v[1:] == [math.inf, -math.inf]


def test_integral_float_steps_are_accepted() -> None:
    assert parse({"metrics": {"a": {"steps": [3.0], "values": [1]}}}).series[0].steps.tolist() == [
        3
    ]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ([], "body", "JSON object"),
        ({"metrics": []}, "metrics", "object"),
        ({"metrics": {}, "extra": 1}, "body", "unknown"),
        ({"batch_id": 5, "metrics": {}}, "batch_id", "string"),
        ({"metrics": {"a": [1, 2]}}, "metrics.a", "steps"),
        ({"metrics": {"a": {"steps": [1], "values": [1, 2]}}}, "metrics.a.values", "1 items"),
        ({"metrics": {"a": {"steps": ["1"], "values": [1]}}}, "metrics.a.steps[0]", "integer"),
        ({"metrics": {"a": {"steps": [1.5], "values": [1]}}}, "metrics.a.steps[0]", "integer"),
        ({"metrics": {"a": {"steps": [2**64], "values": [1]}}}, "metrics.a.steps[0]", "64-bit"),
        ({"metrics": {"a": {"steps": [True], "values": [1]}}}, "metrics.a.steps[0]", "integer"),
        ({"metrics": {"a": {"steps": [1], "values": ["0.5"]}}}, "metrics.a.values[0]", "number"),
        ({"metrics": {"a": {"steps": [1], "values": [None]}}}, "metrics.a.values[0]", '"NaN"'),
        ({"metrics": {"a": {"steps": [1], "values": [False]}}}, "metrics.a.values[0]", "number"),
        ({"metrics": {"a": {"steps": [1], "values": [10**400]}}}, "metrics.a.values[0]", "large"),
        (
            {"metrics": {"a": {"steps": [1], "values": [1], "wall_times": ["NaN"]}}},
            "metrics.a.wall_times[0]",
            "finite",
        ),
        ({"metrics": {"": {"steps": [1], "values": [1]}}}, "metrics.", "non-empty"),
        ({"metrics": {"x" * 21: {"steps": [1], "values": [1]}}}, "metrics." + "x" * 21, "limit"),
        ({"metrics": {"a\nb": {"steps": [1], "values": [1]}}}, "metrics.a\nb", "control"),
    ],
)
def test_bad_input_names_the_field(payload: Any, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse(payload)
    assert info.value.field == field
    assert message in str(info.value)


def test_too_many_points_is_too_large() -> None:
    with pytest.raises(PayloadTooLargeError):
        parse({"metrics": {"a": {"steps": list(range(11)), "values": [0] * 11}}})


def test_series_points_survive_pickling() -> None:
    import pickle

    import numpy as np

    from lowtide.core.batch import Batch, SeriesPoints

    s = SeriesPoints(
        "loss",
        np.array([3, -(2**63), 2**63 - 1], dtype=np.int64),
        np.array([1.5, 2.5, 3.5]),
        np.array([math.nan, -math.inf, -0.0]),
    )
    back = pickle.loads(pickle.dumps(Batch("b", (s,))))
    [got] = back.series
    assert back.batch_id == "b"
    assert got.key == "loss"
    assert got.steps.dtype == np.int64
    assert got.steps.tolist() == s.steps.tolist()
    assert got.wall_times.tolist() == s.wall_times.tolist()
    assert got.values.tobytes() == s.values.tobytes()
    got.values[0] = 1.0  # a copy of its own, writable
