"""Small trainings computed on the spot with numpy: an MLP learns a noisy wave.

The data are points of a wave, y = sin(2x) + 0.3 x, with Gaussian noise, split
into training and validation points. The model is a one-hidden-layer
perceptron (tanh) trained by minibatch SGD on the mean squared error. At a
sensible learning rate it learns; at a much too high one its output weights
grow geometrically, the loss climbs within a few dozen steps and then turns
NaN, as real training does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Points drawn, and the share of them held out for validation.
POINTS = 1000
VALIDATION_SHARE = 0.2
#: Where x is drawn, and the standard deviation of the noise on y.
X_RANGE = 3.0
NOISE = 0.15
#: Width of the hidden layer, and the points per SGD step.
HIDDEN = 32
BATCH_SIZE = 32
#: Steps between two evaluations on the validation points.
EVAL_EVERY = 10


@dataclass(frozen=True)
class TrainingSpec:
    """One training: its peak learning rate, reached by a linear warm-up over
    `warmup` steps, then cosine-decayed to zero over the remaining steps."""

    lr: float
    steps: int
    warmup: int = 0
    seed: int = 0

    def lr_at(self, step: int) -> float:
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        done = (step - self.warmup) / max(1, self.steps - self.warmup)
        return 0.5 * self.lr * (1 + math.cos(math.pi * done))

    def config(self) -> dict[str, Any]:
        """The run's config, as a training script would log it."""
        return {
            "model": {"kind": "mlp", "hidden": HIDDEN, "activation": "tanh"},
            "optimizer": {"name": "sgd", "lr": self.lr},
            "schedule": {"warmup_steps": self.warmup, "then": "cosine"},
            "batch_size": BATCH_SIZE,
            "max_steps": self.steps,
            "data": {"name": "noisy-wave", "points": POINTS, "noise": NOISE},
            "seed": self.seed,
        }


def wave(rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Points x (n x 1) and targets y (n) of the noisy wave."""
    x = rng.uniform(-X_RANGE, X_RANGE, (POINTS, 1))
    y = np.sin(2 * x[:, 0]) + 0.3 * x[:, 0] + rng.normal(0, NOISE, POINTS)
    return x, y


def train(spec: TrainingSpec) -> Iterator[tuple[int, dict[str, float]]]:
    """Each step's metrics: `train/loss`, `grad_norm` and `lr`, and every EVAL_EVERY
    steps (and the last) `val/loss`. Stops after a step whose loss is not finite."""
    rng = np.random.default_rng(spec.seed)
    x, y = wave(rng)
    order = rng.permutation(POINTS)
    n_val = int(POINTS * VALIDATION_SHARE)
    val, fit = order[:n_val], order[n_val:]
    w1 = rng.normal(0, 1.0, (1, HIDDEN))
    b1 = rng.normal(0, 1.0, HIDDEN)
    w2 = rng.normal(0, 1 / math.sqrt(HIDDEN), HIDDEN)
    b2 = np.zeros(1)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(spec.steps):
            batch = rng.choice(fit, BATCH_SIZE, replace=False)
            hidden = np.tanh(x[batch] @ w1 + b1)
            error = hidden @ w2 + b2 - y[batch]
            loss = float(np.mean(error**2))
            grad_out = 2 * error / BATCH_SIZE
            grad_hidden = np.outer(grad_out, w2) * (1 - hidden**2)
            grads = (x[batch].T @ grad_hidden, grad_hidden.sum(axis=0), hidden.T @ grad_out)
            grad_b2 = np.array([grad_out.sum()])
            norm = math.sqrt(sum(float(np.sum(g**2)) for g in (*grads, grad_b2)))
            lr = spec.lr_at(step)
            metrics = {"train/loss": loss, "grad_norm": norm, "lr": lr}
            if step % EVAL_EVERY == 0 or step == spec.steps - 1:
                predicted = np.tanh(x[val] @ w1 + b1) @ w2 + b2
                metrics["val/loss"] = float(np.mean((predicted - y[val]) ** 2))
            yield step, metrics
            if not math.isfinite(loss):
                return
            w1 -= lr * grads[0]
            b1 -= lr * grads[1]
            w2 -= lr * grads[2]
            b2 -= lr * grad_b2
