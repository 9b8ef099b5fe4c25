"""The demo's trainings are real: one learns, the other diverges, the same every time."""

from __future__ import annotations

import math

from lowtide.demo import DIVERGING, HEALTHY
from lowtide.demo.training import EVAL_EVERY, TrainingSpec, train


def test_the_healthy_training_learns() -> None:
    _, spec = HEALTHY
    steps = list(train(spec))
    assert len(steps) == spec.steps
    val = [m["val/loss"] for _, m in steps if "val/loss" in m]
    assert len(val) == spec.steps // EVAL_EVERY + 1
    assert val[-1] < val[0] / 5
    assert all(math.isfinite(m["train/loss"]) for _, m in steps)


def test_the_too_high_learning_rate_diverges_after_learning_a_little() -> None:
    _, spec = DIVERGING
    losses = [m["train/loss"] for _, m in train(spec)]
    assert len(losses) < spec.steps  # it stopped at the first loss that is not finite
    assert not math.isfinite(losses[-1])
    best = min(range(len(losses) - 1), key=losses.__getitem__)
    assert 10 < best < len(losses) / 2  # it learned first, then went wrong
    assert losses[best] < losses[0]


def test_the_same_seed_gives_the_same_curve() -> None:
    spec = TrainingSpec(lr=0.05, steps=50, warmup=10, seed=7)
    assert list(train(spec)) == list(train(spec))


def test_the_learning_rate_warms_up_then_decays() -> None:
    spec = TrainingSpec(lr=1.0, steps=110, warmup=10)
    assert spec.lr_at(0) == 0.1
    assert spec.lr_at(9) == 1.0
    assert spec.lr_at(60) == 0.5
    assert spec.lr_at(110) == 0.0
