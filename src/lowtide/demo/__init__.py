"""`lowtide demo`: a real example in an empty store, so a newcomer sees every page at once.

Two small trainings are computed on the spot (`demo.training`, numpy only) and
logged through the SDK into the store the way the HTTP API takes them, every
batch judged by the server's health engine: one learns, the other, at a too
high learning rate, diverges and opens real incidents. Their values are
computed now; their times are spread over the past half hour, as a job of this
size on real data would log them. Then two projects are applied through the
projects file path (`demo.projects`), dated from today so that the forecast
shows lulls. Real opportunities are imported and a few growth-log entries added
(`demo.board`), then a plan of the lulls, accepted (`demo.schedule`).
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lowtide.config import Settings
from lowtide.core.health import RuleId
from lowtide.demo.board import add_board
from lowtide.demo.projects import demo_projects
from lowtide.demo.schedule import add_plan
from lowtide.demo.training import TrainingSpec, train
from lowtide.errors import ConflictError, LowtideError
from lowtide.projects.forecasting import build_forecast
from lowtide.sdk import ClientSettings, Run
from lowtide.sdk.ops import Op
from lowtide.sdk.transport import Transport
from lowtide.server.api_projects import live_run_eta
from lowtide.server.health_worker import HealthWorker
from lowtide.server.ops import apply_op
from lowtide.store import Store

#: The project the demo's runs belong to (the first of its two projects).
PROJECT = "wave-forecast"
#: The two trainings: a sensible peak learning rate, and one ten times too high.
HEALTHY = ("wave-mlp-lr0.05", TrainingSpec(lr=0.05, steps=800, warmup=50, seed=3))
DIVERGING = ("wave-mlp-lr0.5", TrainingSpec(lr=0.5, steps=800, warmup=300, seed=3))
#: Seconds between two steps, as the runs' clocks tell it.
STEP_SECONDS = 2.0
#: Seconds the SDK waits between two sends (short: the demo is over in seconds).
FLUSH_INTERVAL_S = 0.05
#: Seconds the health engine may take to judge both runs.
SETTLE_TIMEOUT_S = 30.0
POLL_S = 0.05


@dataclass
class DemoResult:
    """What the demo put in the store."""

    runs: dict[str, str] = field(default_factory=dict)  # name -> id
    incidents: list[str] = field(default_factory=list)  # rules opened on the diverged run
    projects: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)  # the accepted plan's activities
    lulls: int = 0
    opportunities: int = 0
    growth_entries: int = 0


def is_empty(store: Store) -> bool:
    """No runs and no projects (a store just made, or one never used)."""
    return not store.list_runs(limit=1) and not store.list_projects()


def fill_demo(
    store: Store,
    settings: Settings,
    *,
    force: bool = False,
    now: Callable[[], float] = time.time,
) -> DemoResult:
    """Fill an empty store with the example; ConflictError on a store that holds data,
    unless `force` (the example is then added beside what is there)."""
    if not force and not is_empty(store):
        raise ConflictError(
            "the store already holds runs or projects; `lowtide demo --force` adds the "
            "example beside them"
        )
    result = DemoResult()
    add_runs(store, settings, result, now)
    today = dt.datetime.fromtimestamp(now(), store.engineer_profile().tz).date()
    add_projects(store, today, result)
    add_later_parts(store, today, result)
    accepted = add_plan(store, today, now())
    result.plan = [item.candidate.title for item in accepted.items]
    forecast, _ = build_forecast(store, now(), live_run_eta(store))
    result.lulls = len(forecast.lulls)
    return result


def add_runs(
    store: Store, settings: Settings, result: DemoResult, now: Callable[[], float]
) -> None:
    """Train both models and log them, judged by the health engine as the server judges."""
    health = HealthWorker(store)
    health.start()
    try:
        with tempfile.TemporaryDirectory(prefix="lowtide-demo-") as home:
            client = ClientSettings(
                url="http://127.0.0.1:0",  # unused: the transport writes to the store
                home=Path(home),
                flush_interval_s=FLUSH_INTERVAL_S,
                system_interval_s=0,
            )

            def send(op: Op) -> None:
                apply_op(store, settings, op, health, live=True)

            for name, spec in (HEALTHY, DIVERGING):
                result.runs[name] = _log_training(name, spec, client, _Transport(send), now())
        _wait_judged(store, result)
    finally:
        health.stop()
    diverged = result.runs[DIVERGING[0]]
    result.incidents = sorted({i.rule for i in store.list_incidents(run=diverged)})


def add_projects(store: Store, today: dt.date, result: DemoResult) -> None:
    """The two projects; the first one's training stage links both runs."""
    projects = demo_projects(today, list(result.runs.values()))
    store.apply_projects(projects)
    result.projects = [p.name for p in projects]


def add_later_parts(store: Store, today: dt.date, result: DemoResult) -> None:
    """Imported opportunities and the growth log; the plan of the lulls is made from
    them next (`demo.schedule.add_plan`)."""
    result.opportunities, result.growth_entries = add_board(store, today)


class _Transport:
    """The SDK's transport seam, backed by a function."""

    def __init__(self, send: Callable[[Op], None]) -> None:
        self.send = send


class _Clock:
    """A run's clock, which moves on only when told."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _log_training(
    name: str, spec: TrainingSpec, client: ClientSettings, transport: Transport, now: float
) -> str:
    """Train, then log each step as if it had just run; a loss that is no longer finite
    stops training, and the run ends as failed, as a script that checks its loss does."""
    steps = list(train(spec))
    clock = _Clock(now - len(steps) * STEP_SECONDS)
    run = Run(
        project=PROJECT,
        name=name,
        config=spec.config(),
        tags=("demo", "mlp"),
        planned_steps=spec.steps,
        settings=client,
        transport=transport,
        clock=clock,
    )
    for step, metrics in steps:
        clock.now += STEP_SECONDS
        run.log(metrics, step=step)
    loss = steps[-1][1]["train/loss"]
    if math.isfinite(loss):
        run.finish()
    else:
        run.finish("failed", f"the loss is {loss} at step {steps[-1][0]}")
    return run.id


def _wait_judged(store: Store, result: DemoResult) -> None:
    """Until the engine has answered both runs' ends (it judges a run's jobs in order)."""
    ended = {RuleId.DONE.value, RuleId.CRASHED.value}
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    waiting = set(result.runs.values())
    while waiting:
        waiting = {
            uid
            for uid in waiting
            if not any(i.rule in ended for i in store.list_incidents(run=uid))
        }
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise LowtideError(
                f"the health engine did not judge the demo's runs within {SETTLE_TIMEOUT_S:g} s"
            )
        time.sleep(POLL_S)
