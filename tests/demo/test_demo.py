"""`fill_demo`: real runs judged by the health engine, two projects, a forecast with a lull."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lowtide.config import Settings
from lowtide.core.records import RunSpec, RunStatus
from lowtide.demo import DIVERGING, HEALTHY, PROJECT, fill_demo, is_empty
from lowtide.errors import ConflictError
from lowtide.projects.forecasting import build_forecast
from lowtide.server.api_projects import live_run_eta
from lowtide.store import Store, open_store

#: Seconds the demo may take, the health engine's start included ("a few seconds").
DEMO_BUDGET_S = 20.0


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, float]]:
    """One store filled by the demo, for the tests of this module; and the seconds it took."""
    tmp = tmp_path_factory.mktemp("demo")
    settings = Settings(home=tmp / "home", database_url=f"sqlite:///{tmp / 'lowtide.db'}")
    store = open_store(settings.database_url)
    store.upgrade()
    try:
        started = time.perf_counter()
        fill_demo(store, settings)
        yield store, time.perf_counter() - started
    finally:
        store.close()


def test_two_real_runs_one_diverged_with_open_incidents(filled: tuple[Store, float]) -> None:
    store, took = filled
    assert took < DEMO_BUDGET_S
    runs = {r.name: r for r in store.list_runs(project=PROJECT)}
    assert set(runs) == {HEALTHY[0], DIVERGING[0]}
    healthy, diverged = runs[HEALTHY[0]], runs[DIVERGING[0]]
    assert healthy.status is RunStatus.FINISHED
    assert diverged.status is RunStatus.FAILED
    keys = {k.key: k for k in store.list_keys(healthy.uid)}
    assert set(keys) == {"train/loss", "val/loss", "grad_norm", "lr"}
    assert keys["train/loss"].n_points == HEALTHY[1].steps
    # The engine judged them: the healthy run is quiet, the diverged one pages.
    assert [i.rule for i in store.list_incidents(run=healthy.uid)] == ["done"]
    found = store.list_incidents(run=diverged.uid)
    rules = {i.rule for i in found}
    assert {"divergence", "nonfinite", "crashed"} <= rules
    assert any(i.is_open and i.severity == "page" for i in found)


def test_two_projects_and_a_lull_in_the_forecast(filled: tuple[Store, float]) -> None:
    store, _ = filled
    plan = store.plan()
    assert [p.name for p in plan.projects] == ["support-triage", "wave-forecast"]
    wave = plan.projects[1]
    [train] = [s for s in wave.stages if s.key == "train"]
    assert set(train.runs) == {r.uid for r in store.list_runs(project=PROJECT)}
    forecast, _ = build_forecast(store, time.time(), live_run_eta(store))
    assert forecast.lulls
    assert forecast.lulls[0].free_hours >= forecast.lull_hours


def test_a_store_with_data_is_refused(filled: tuple[Store, float], tmp_path: Path) -> None:
    store, _ = filled
    assert not is_empty(store)
    settings = Settings(home=tmp_path, database_url="sqlite://")
    with pytest.raises(ConflictError, match="--force"):
        fill_demo(store, settings)


def test_a_store_with_only_a_run_is_not_empty(sqlite_store: Store) -> None:
    assert is_empty(sqlite_store)
    sqlite_store.create_run(RunSpec(project="p", name="r"))
    assert not is_empty(sqlite_store)
