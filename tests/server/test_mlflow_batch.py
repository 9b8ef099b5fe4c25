"""Reading log-batch metrics: the quick path for the usual shape agrees with the careful one."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from lowtide.errors import ValidationError
from lowtide.server.mlflow_batch import metric, metrics_batch

T0_MS = 1_700_000_000_000


def careful(items: list[dict[str, Any]]) -> dict[str, list[tuple[float, int, int]]]:
    """Each metric read on its own by the careful reader, grouped by key."""
    out: dict[str, list[tuple[float, int, int]]] = {}
    for i, m in enumerate(items):
        key, value, stamp, step = metric(m, f"metrics[{i}]")
        out.setdefault(key, []).append((value, stamp, step))
    return out


def test_every_shape_reads_as_the_careful_reader_reads_it() -> None:
    items: list[dict[str, Any]] = [
        {"key": "loss", "value": 0.5, "timestamp": str(T0_MS), "step": "0"},  # the client's shape
        {"key": "loss", "value": 0.25, "timestamp": str(T0_MS + 1), "step": "1"},
        {"key": "loss", "value": 3, "timestamp": T0_MS + 2, "step": 2},  # an int value
        {"key": "loss", "value": "NaN", "timestamp": str(T0_MS + 3)},  # no step: 0
        {"key": "loss", "value": "-Infinity", "timestamp": f" {T0_MS + 4} ", "step": [5]},
        {"key": "acc", "value": 0.9, "timestamp": str(T0_MS + 5), "step": "9223372036854775807"},
        {"key": "loss", "value": 1e308, "timestamp": 0, "step": -3},
    ]
    batch = metrics_batch(items)
    expected = careful(items)
    assert [s.key for s in batch.series] == list(expected)
    for series in batch.series:
        rows = expected[series.key]
        np.testing.assert_array_equal(series.values, [r[0] for r in rows])
        np.testing.assert_array_equal(series.wall_times, [r[1] / 1000 for r in rows])
        assert series.steps.tolist() == [r[2] for r in rows]
    loss = batch.series[0]
    assert math.isnan(loss.values[3])
    assert loss.steps.tolist() == [0, 1, 2, 0, 5, -3]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"value": 1.0, "timestamp": "-5"}, "timestamp"),
        ({"value": 1.0, "timestamp": "soon"}, "timestamp"),
        ({"value": 1.0, "timestamp": str(T0_MS), "step": "9223372036854775808"}, "step"),
        ({"value": "high", "timestamp": str(T0_MS)}, "metrics[2].value"),
        ({"timestamp": str(T0_MS)}, "metrics[2].value"),
    ],
)
def test_a_bad_metric_after_good_ones_of_its_key_is_refused(
    bad: dict[str, Any], field: str
) -> None:
    good = {"key": "loss", "value": 0.5, "timestamp": str(T0_MS), "step": "0"}
    with pytest.raises(ValidationError) as refused:
        metrics_batch([good, good, {"key": "loss", **bad}])
    assert refused.value.field == field


def test_a_bad_name_is_refused_wherever_it_first_appears() -> None:
    good = {"key": "loss", "value": 0.5, "timestamp": str(T0_MS), "step": "0"}
    with pytest.raises(ValidationError) as refused:
        metrics_batch([good, {**good, "key": "../loss"}])
    assert refused.value.field == "metrics[1].key"


def test_a_batch_all_in_the_usual_shape_reads_as_the_careful_reader_reads_it() -> None:
    items: list[dict[str, Any]] = [
        {"key": key, "value": 0.5 + step, "timestamp": stamp, "step": raw_step}
        for step, (stamp, raw_step) in enumerate(
            [(str(T0_MS), "0"), (T0_MS + 1, 1), (f" {T0_MS + 2} ", "+2"), (str(T0_MS + 3), "1_000")]
        )
        for key in ("loss", "acc")
    ] + [{"key": "lr", "value": 0.1, "timestamp": str(T0_MS)}]  # no step: 0
    batch = metrics_batch(items)
    expected = careful(items)
    assert [s.key for s in batch.series] == ["loss", "acc", "lr"]
    for series in batch.series:
        rows = expected[series.key]
        np.testing.assert_array_equal(series.values, [r[0] for r in rows])
        np.testing.assert_array_equal(series.wall_times, [r[1] / 1000 for r in rows])
        assert series.steps.tolist() == [r[2] for r in rows]
    assert batch.series[0].steps.tolist() == [0, 1, 2, 1000]
