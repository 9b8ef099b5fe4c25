"""Downsampling keeps extremes, non-finite evidence, first and last points."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lowtide.core.downsample import downsample
from lowtide.core.sparkline import sparkline


def noisy_series(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    steps = np.arange(n, dtype=np.int64)
    values = np.exp(-steps / (n / 5)) + rng.normal(0, 0.01, n)
    return steps, values


@pytest.mark.parametrize("method", ["minmax", "lttb"])
def test_size_and_order(method: str) -> None:
    steps, values = noisy_series(100_000)
    idx = downsample(steps, values, 1000, method)  # type: ignore[arg-type]
    assert 500 <= len(idx) <= 1000
    assert bool((np.diff(idx) > 0).all())
    assert idx[0] == 0 or method == "minmax"


def test_short_series_is_returned_whole() -> None:
    steps, values = noisy_series(10)
    assert downsample(steps, values, 100, "minmax").tolist() == list(range(10))


def test_minmax_keeps_a_single_spike_and_the_global_extremes() -> None:
    steps, values = noisy_series(1_000_000)
    values[654_321] = 50.0
    values[123_456] = -50.0
    idx = downsample(steps, values, 1000, "minmax")
    assert 654_321 in idx
    assert 123_456 in idx
    picked = values[idx]
    assert picked.max() == values.max()
    assert picked.min() == values.min()


@pytest.mark.parametrize("method", ["minmax", "lttb"])
def test_nonfinite_points_survive(method: str) -> None:
    steps, values = noisy_series(50_000)
    values[31_337] = math.nan
    values[40_000:] = math.inf
    idx = downsample(steps, values, 200, method)  # type: ignore[arg-type]
    assert any(math.isnan(v) for v in values[idx])
    assert any(v == math.inf for v in values[idx])


def test_lttb_keeps_first_and_last() -> None:
    steps, values = noisy_series(10_000)
    idx = downsample(steps, values, 100, "lttb")
    assert idx[0] == 0
    assert idx[-1] == 9_999


def test_sparkline_draws_trend_and_marks_nonfinite() -> None:
    line = sparkline(np.linspace(0, 1, 100), width=8)
    assert line[0] == "▁"
    assert line[-1] == "█"
    assert len(line) == 8
    broken = sparkline(np.array([1.0, 2.0, math.nan, 3.0]), width=4)
    assert broken[2] == "!"
    assert sparkline(np.array([])) == ""
