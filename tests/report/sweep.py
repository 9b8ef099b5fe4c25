"""A real, small learning-rate sweep: three PyTorch runs logged through the SDK.

A two-layer MLP learns a noisy linear target from 8 features with SGD at three
learning rates; the largest one blows the loss up to infinity and then NaN,
and the server's health engine opens its own incident on that run. The
project gets a goal, stages and recorded hours, as a finished project would.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from lowtide.core.stages import Progress, Project, Stage, StageKind, StageStatus
from lowtide.sdk import ClientSettings, Run
from lowtide.store import Store

PROJECT = "lr-sweep"
GOAL = "predict a noisy linear target from eight features with a small MLP"
#: The learning rates compared, by run name; the last one diverges.
RATES = {"sgd-lr0.003": 0.003, "sgd-lr0.03": 0.03, "sgd-lr3": 3.0}
DIVERGING = "sgd-lr3"
STEPS = 300
#: Validation loss is measured every this many steps.
VAL_EVERY = 10
#: Seconds the health engine may take to open the diverged run's incident.
INCIDENT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Sweep:
    """The runs' ids by name."""

    ids: dict[str, str]

    @property
    def diverged(self) -> str:
        return self.ids[DIVERGING]


def train(url: str, home: Path, name: str, lr: float) -> str:
    """One run of the sweep; the run's id."""
    import torch

    torch.manual_seed(0)
    x = torch.randn(512, 8)
    y = (x @ torch.randn(8, 1)).squeeze(1) + 0.1 * torch.randn(512)
    x_train, y_train, x_val, y_val = x[:384], y[:384], x[384:], y[384:]
    model = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    config = {
        "lr": lr,
        "optimizer": "sgd",
        "model": {"hidden": 32, "activation": "relu"},
        "batch_size": 32,
        "steps": STEPS,
    }
    settings = ClientSettings(url=url, home=home, flush_interval_s=0.05, system_interval_s=0)
    with Run(project=PROJECT, name=name, config=config, settings=settings) as run:
        for step in range(STEPS):
            batch = torch.randint(0, 384, (32,))
            loss = torch.nn.functional.mse_loss(model(x_train[batch]).squeeze(1), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.log({"train/loss": loss.detach()}, step=step)
            if step % VAL_EVERY == VAL_EVERY - 1:
                with torch.no_grad():
                    val = torch.nn.functional.mse_loss(model(x_val).squeeze(1), y_val)
                run.log({"val/loss": val}, step=step)
    return run.id


def run_sweep(url: str, home: Path, store: Store) -> Sweep:
    """Train the three runs, give the project its story, and wait for the incident."""
    ids = {name: train(url, home, name, lr) for name, lr in RATES.items()}
    today = dt.date.today()
    store.apply_projects(
        [
            Project(
                name=PROJECT,
                goal=GOAL,
                owner="ana",
                stages=(
                    Stage("frame", StageKind.UNDERSTANDING, StageStatus.DONE,
                          started_on=today - dt.timedelta(days=20),
                          ended_on=today - dt.timedelta(days=17)),
                    Stage("collect", StageKind.COLLECTION, StageStatus.DONE, after=("frame",),
                          started_on=today - dt.timedelta(days=16),
                          ended_on=today - dt.timedelta(days=10)),
                    Stage("label", StageKind.ANNOTATION, StageStatus.DONE, after=("collect",),
                          started_on=today - dt.timedelta(days=9),
                          ended_on=today - dt.timedelta(days=3)),
                    Stage("train", StageKind.TRAINING, StageStatus.ACTIVE, after=("label",),
                          started_on=today, runs=tuple(ids.values())),
                ),
            )
        ]
    )  # fmt: skip
    store.record_progress(PROJECT, "label", Progress(512, 512))
    store.record_hours(PROJECT, "frame", today - dt.timedelta(days=20), 12.0)
    store.record_hours(PROJECT, "label", today - dt.timedelta(days=9), 3.5)
    deadline = time.monotonic() + INCIDENT_TIMEOUT_S
    while not store.list_incidents(run=ids[DIVERGING]):
        if time.monotonic() > deadline:
            raise AssertionError("the health engine opened no incident on the diverged run")
        time.sleep(0.05)
    return Sweep(ids)
