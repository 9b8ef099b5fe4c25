"""ETA from a run's pace, and projections of its curves: exact on exact data, honest on noise."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

from lowtide.core.eta import (
    PACE_WINDOW,
    Pace,
    Projection,
    planned_steps_from_config,
    project,
    will_not_beat,
)


def feed(pace: Pace, rows: list[tuple[int, float]]) -> Pace:
    for step, wall_time in rows:
        pace.observe(step, wall_time)
    return pace


def steady_rows(
    n_steps: int, seconds_per_step: float, pause_every: int = 0, pause: float = 0.0
) -> list[tuple[int, float]]:
    """One row per step from step 0 at t=0; a pause after every `pause_every` steps."""
    rows, t = [(0, 0.0)], 0.0
    for step in range(1, n_steps + 1):
        t += seconds_per_step
        if pause_every and step % pause_every == 0:
            t += pause
        rows.append((step, t))
    return rows


# --- Pace -------------------------------------------------------------------


def test_constant_pace_gives_an_exact_eta() -> None:
    pace = feed(Pace(), steady_rows(1000, 0.25))
    assert pace.seconds_per_step == 0.25
    assert pace.pauses == 0
    assert pace.pause_share == 0.0
    assert pace.eta_seconds(5000) == pytest.approx(4000 * 0.25, rel=1e-12)


def test_recurring_pauses_neither_inflate_the_pace_nor_go_missing() -> None:
    # 1 s per step, and a 30 s evaluation after every 100 steps.
    pace = feed(Pace(), steady_rows(1000, 1.0, pause_every=100, pause=30.0))
    assert pace.seconds_per_step == pytest.approx(1.0)
    assert pace.pauses == 10
    assert pace.pause_share == pytest.approx(300 / 1300)
    assert pace.pause_overhead == pytest.approx(0.3)
    # The next 1000 steps hold 10 more evaluations: 1000 + 300 s.
    assert pace.eta_seconds(2000) == pytest.approx(1300.0)


def test_pace_is_the_median_of_jittery_steps() -> None:
    rng = np.random.default_rng(7)
    rows, t = [(0, 0.0)], 0.0
    for step in range(1, 2001):
        t += 0.5 * float(rng.uniform(0.8, 1.2))
        rows.append((step, t))
    pace = feed(Pace(), rows)
    assert pace.seconds_per_step == pytest.approx(0.5, rel=0.05)
    assert pace.pauses == 0


def test_startup_is_paid_once_and_not_projected() -> None:
    rows = [(0, 0.0), (1, 120.0)] + [(s, 120.0 + (s - 1) * 2.0) for s in range(2, 500)]
    pace = feed(Pace(), rows)
    assert pace.seconds_per_step == 2.0
    assert pace.pause_share == 0.0
    assert pace.eta_seconds(1000) == pytest.approx(501 * 2.0)


def test_sparse_logging_and_a_lasting_slowdown() -> None:
    # Logged every 10 steps at 0.1 s per step, then the run slows to 1 s per step for good.
    rows = [(s, s * 0.1) for s in range(0, 1001, 10)]
    rows += [(s, 100.0 + (s - 1000) * 1.0) for s in range(1010, 1501, 10)]
    pace = feed(Pace(), rows)
    assert pace.seconds_per_step == pytest.approx(1.0)
    assert pace.pauses == 0
    assert pace.eta_seconds(2500) == pytest.approx(1000.0)


def test_time_logged_at_the_same_step_counts_as_a_pause() -> None:
    rows = steady_rows(300, 1.0)
    # An evaluation logged at step 200, 50 s after its training row.
    rows = [(s, t + (50.0 if s > 200 else 0.0)) for s, t in rows]
    rows.insert(201, (200, 250.0))
    pace = feed(Pace(), rows)
    assert pace.seconds_per_step == 1.0
    assert pace.pauses == 1
    assert pace.pause_share == pytest.approx(50 / 350)


def test_coarse_timestamps_and_resumes_do_not_break_the_pace() -> None:
    # 0.1 s per step on a clock with whole seconds, then a resume from step 500 back to 400.
    rows = [(s, float(math.floor(s * 0.1))) for s in range(600)]
    rows += [(s, 1000.0 + math.floor((s - 400) * 0.1)) for s in range(400, 900)]
    pace = feed(Pace(), rows)
    assert pace.seconds_per_step == pytest.approx(0.1, rel=0.15)
    assert pace.last_step == 899


def test_eta_is_unknown_until_three_gaps_and_zero_once_reached() -> None:
    pace = feed(Pace(), [(0, 0.0), (1, 1.0), (2, 2.0)])
    assert pace.eta_seconds(100) is None
    pace.observe(3, 3.0)
    assert pace.eta_seconds(100) == pytest.approx(97.0)
    assert pace.eta_seconds(3) == 0.0
    assert pace.eta_seconds(1) == 0.0


def test_pace_follows_a_faster_run_within_its_window() -> None:
    # 1000 steps at 1 s, then the run speeds up to 0.5 s: a median of all gaps would stay at 1.
    rows = steady_rows(1000, 1.0)
    rows += [(1000 + i, 1000.0 + 0.5 * i) for i in range(1, 2 * PACE_WINDOW)]
    pace = feed(Pace(), rows)
    assert pace.seconds_per_step == 0.5
    assert pace.pauses == 0


# --- Planned steps ----------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"max_steps": 5000, "lr": 3e-4}, 5000),
        ({"total_steps": 100, "steps": 7}, 100),
        ({"max_iters": 600_000}, 600_000),
        ({"num_training_steps": 12_000.0}, 12_000),
        ({"train_steps": "20000"}, 20_000),
        ({"trainer": {"max_steps": 300}, "model": {"layers": 12}}, 300),
        ({"trainer.max_steps": 400, "model.layers": 12}, 400),
        ({"trainer/num_iterations": 500}, 500),
        ({"epochs": 3, "steps_per_epoch": 250}, 750),
        ({"max_steps": -1, "num_train_epochs": 2, "steps_per_epoch": 50}, 100),
        ({"data": {"max_epochs": 4, "steps_per_epoch": 10}}, 40),
        ({"Max_Steps": 800}, 800),
        ({"max_steps": -1, "num_train_epochs": 3}, None),
        ({"max_steps": 0, "steps": 2.5, "iterations": True, "num_steps": "many"}, None),
        ({"a": {"b": {"max_steps": 10}}}, None),
        ({}, None),
    ],
)
def test_planned_steps_from_config(config: dict[str, Any], expected: int | None) -> None:
    assert planned_steps_from_config(config) == expected


# --- Projection -------------------------------------------------------------


def power_law(s: Any) -> Any:
    return 3.0 * (s + 50.0) ** -0.5 + 1.5


def exponential(s: Any) -> Any:
    return 2.0 * np.exp(-s / 3000.0) + 0.8


def assert_band_holds_value(p: Projection) -> None:
    assert p.low <= p.value <= p.high


@pytest.mark.parametrize("n_points", [100, 1000, 100_000])
@pytest.mark.parametrize(
    ("curve", "model"), [(power_law, "power_law"), (exponential, "exponential")]
)
def test_exact_curves_are_recovered(curve: Any, model: str, n_points: int) -> None:
    steps = np.linspace(0, 10_000, n_points).round()
    for target in (12_000, 30_000):
        p = project(steps, curve(steps), target)
        assert p is not None
        assert p.model == model
        assert p.value == pytest.approx(curve(target), rel=0.02)
        assert_band_holds_value(p)


def test_noisy_curves_keep_the_true_value_in_the_band() -> None:
    steps = np.arange(0, 10_000, 10, dtype=np.float64)
    for curve in (power_law, exponential):
        inside = 0
        for seed in range(10):
            noisy = curve(steps) + np.random.default_rng(seed).normal(0, 0.02, steps.size)
            p = project(steps, noisy, 20_000)
            assert p is not None
            assert p.model != "flat"
            assert_band_holds_value(p)
            inside += p.low <= curve(20_000) <= p.high
        # An ~80% band: rarely all ten by chance if it were too narrow.
        assert inside >= 8


def test_band_widens_with_the_distance_to_the_target() -> None:
    steps = np.arange(0, 10_000, 10, dtype=np.float64)
    noisy = power_law(steps) + np.random.default_rng(1).normal(0, 0.02, steps.size)
    widths = []
    for target in (10_000, 15_000, 30_000, 100_000):
        p = project(steps, noisy, target)
        assert p is not None
        assert p.model == "power_law"
        widths.append(p.high - p.low)
    assert widths == sorted(widths)
    assert widths[-1] > 1.5 * widths[0]


def test_higher_is_better_metrics_are_projected_upward() -> None:
    steps = np.arange(0, 5000, 5, dtype=np.float64)
    accuracy = 0.9 - 0.5 * np.exp(-steps / 1500)
    p = project(steps, accuracy, 8000, lower_is_better=False)
    assert p is not None
    assert p.model == "exponential"
    assert p.value == pytest.approx(0.9 - 0.5 * math.exp(-8000 / 1500), rel=0.02)
    assert p.value > accuracy[-1]
    assert_band_holds_value(p)
    # A rising metric read as lower-is-better does not fall: nothing to fit.
    q = project(steps, accuracy, 8000, lower_is_better=True)
    assert q is not None
    assert q.model == "flat"


def test_non_finite_points_spikes_and_order_do_not_matter() -> None:
    steps = np.arange(100_000, dtype=np.float64)
    values = power_law(steps)
    values[::7] = np.nan
    values[3] = np.inf
    values[50_000:50_010] = 40.0  # a loss spike
    shuffled = np.random.default_rng(0).permutation(steps.size)
    p = project(steps[shuffled], values[shuffled], 200_000)
    assert p is not None
    assert p.model == "power_law"
    assert p.value == pytest.approx(power_law(200_000), rel=0.02)


@pytest.mark.parametrize(("n_points", "warm_up"), [(2000, 300), (100_000, 5000)])
def test_a_warm_up_before_the_peak_is_left_out(n_points: int, warm_up: int) -> None:
    steps = np.arange(n_points, dtype=np.float64)
    after = power_law(np.maximum(steps - warm_up, 0))
    values = np.where(steps < warm_up, 2.0 + steps / warm_up, after)
    p = project(steps, values, 2 * n_points)
    assert p is not None
    assert p.model == "power_law"
    # Exact once the warm-up is out; fitting through it would miss by about 1%.
    assert p.value == pytest.approx(power_law(2 * n_points - warm_up), rel=1e-3)


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(1.0 + np.random.default_rng(3).normal(0, 0.05, 2000), id="noise"),
        pytest.param(np.full(2000, 2.0), id="constant"),
        pytest.param(1.0 + 0.3 * np.sin(np.arange(2000) / 100), id="oscillating"),
        pytest.param(1.0 + 0.01 * np.exp(np.arange(2000) / 500), id="diverging"),
        pytest.param(3.0 - np.arange(2000) / 1000, id="line-to-absurd"),
    ],
)
def test_unstable_or_flat_curves_fall_back_to_the_recent_level(values: np.ndarray) -> None:
    steps = np.arange(values.size, dtype=np.float64)
    p = project(steps, values, 20_000)
    assert p is not None
    assert p.model == "flat"
    recent = values[-400:]
    assert p.value == pytest.approx(float(np.median(recent)))
    assert_band_holds_value(p)
    if np.ptp(recent) > 0:
        assert p.high - p.low > 0


def test_too_short_series_fall_back_and_empty_ones_have_no_projection() -> None:
    steps = np.arange(9, dtype=np.float64) * 100
    p = project(steps, power_law(steps), 5000)
    assert p is not None
    assert p.model == "flat"
    assert p.value == pytest.approx(float(np.median(power_law(steps)[-3:])))
    assert project(np.array([]), np.array([]), 10) is None
    assert project(np.array([1.0, 2.0]), np.array([np.nan, np.inf]), 10) is None


def test_projection_raises_no_warning_and_is_repeatable() -> None:
    steps = np.arange(3000, dtype=np.float64)
    hard = [
        power_law(steps),
        np.exp(steps / 100),  # a diverging loss
        np.random.default_rng(0).standard_cauchy(steps.size),
        np.where(steps % 2 == 0, 1.0, 1e12),
        np.cumsum(np.random.default_rng(1).normal(0, 0.01, steps.size)),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = [project(steps, v, 10**9) for v in hard]
        second = [project(steps, v, 10**9) for v in hard]
    assert caught == []
    assert first == second
    for p in first:
        assert p is not None
        assert_band_holds_value(p)


# --- Will not beat ----------------------------------------------------------


def test_will_not_beat_uses_the_optimistic_end_of_the_band() -> None:
    steps = np.arange(0, 10_000, 10, dtype=np.float64)
    noisy = power_law(steps) + np.random.default_rng(2).normal(0, 0.02, steps.size)
    p = project(steps, noisy, 20_000)
    assert p is not None
    assert will_not_beat(p, best_value=p.low - 0.01, lower_is_better=True)
    assert not will_not_beat(p, best_value=p.low + 0.001, lower_is_better=True)
    assert not will_not_beat(p, best_value=p.value, lower_is_better=True)
    assert not will_not_beat(p, best_value=p.low, lower_is_better=True)  # a tie is no news
    assert not will_not_beat(p, best_value=math.nan, lower_is_better=True)
    assert not will_not_beat(p, best_value=-math.inf, lower_is_better=True)


def test_will_not_beat_for_higher_is_better() -> None:
    p = Projection(value=0.80, low=0.78, high=0.83, model="flat", fit_error=0.01)
    assert will_not_beat(p, best_value=0.85, lower_is_better=False)
    assert not will_not_beat(p, best_value=0.82, lower_is_better=False)
    assert not will_not_beat(p, best_value=0.83, lower_is_better=False)
