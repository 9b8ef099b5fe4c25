"""The outlook that rides along with a run's health: ETA and the project's best."""

from __future__ import annotations

import math

import numpy as np

from lowtide.core.health import HealthEngine
from lowtide.core.health.kinds import headline_metric
from lowtide.core.health.outlook import Outlook, Target


def power_law(steps: np.ndarray, floor: float) -> np.ndarray:
    return floor + 2.0 * (steps + 10.0) ** -0.5


def judge(floor: float, best: float, planned: int = 1000, upto: int = 600) -> list[str]:
    engine = HealthEngine(clock=lambda: 0.0)
    target = Target("val_loss", best, higher_is_better=False, run_name="baseline")
    engine.run("r", planned_steps=planned, targets={"val_loss": target})
    steps = np.arange(0, upto, 5)
    noise = np.random.default_rng(0).normal(0, 0.002, steps.size)
    events = []
    for step, value in zip(steps.tolist(), (power_law(steps, floor) + noise).tolist(), strict=True):
        events += engine.observe("r", "train_loss", step, step * 0.5, value + 0.05)
        events += engine.observe("r", "val_loss", step, step * 0.5, value)
    return [f"{e.action.value} {e.incident.rule.value}" for e in events]


def test_a_run_heading_short_of_the_best_hears_it_once() -> None:
    events = judge(floor=0.6, best=0.4)
    assert events.count("opened will_not_beat") == 1
    assert "resolved will_not_beat" not in events


def test_a_run_that_can_still_win_is_left_alone() -> None:
    assert "opened will_not_beat" not in judge(floor=0.3, best=0.4)


def test_no_verdict_before_the_first_checkpoint() -> None:
    assert "opened will_not_beat" not in judge(floor=0.6, best=0.4, upto=250)


def test_eta_counts_the_steps_left_at_the_runs_pace() -> None:
    engine = HealthEngine(clock=lambda: 0.0)
    health = engine.run("r", planned_steps=1000)
    assert health.eta_s() is None
    for step in range(200):
        health.observe("loss", step, 100.0 + 0.25 * step, 1.0 / (step + 1))
    eta = health.eta_s()
    assert eta is not None
    assert math.isclose(eta, 801 * 0.25, rel_tol=0.02)


def test_outlook_memory_stays_bounded_over_a_long_run() -> None:
    outlook = Outlook(planned_steps=10_000_000, targets={})
    outlook.choose("loss", higher_is_better=False)
    for step in range(50_000):
        outlook.observe(step, 1.0 / (step + 1))
    assert len(outlook._steps) <= 2048
    assert outlook._steps[0] == outlook._stride - 1 or outlook._steps[0] < 100
    assert outlook._steps[-1] > 40_000


def test_headline_prefers_held_out_series() -> None:
    assert headline_metric(["train/loss", "val/acc", "lr"]) == ("val/acc", True)
    assert headline_metric(["loss", "eval_loss"]) == ("eval_loss", False)
    assert headline_metric(["loss", "lr"]) == ("loss", False)
    assert headline_metric(["lr", "grad_norm"]) is None
