"""`fill_demo`: real runs judged by the health engine, two projects, a forecast with a lull,
real opportunities and a growth log."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lowtide.config import Settings
from lowtide.core.board import BoardFilter
from lowtide.core.opportunities import OpportunityKind
from lowtide.core.records import RunSpec, RunStatus
from lowtide.demo import DIVERGING, HEALTHY, PROJECT, fill_demo, is_empty
from lowtide.demo.board import DATA, RATES, SAVED_FILTER, SOURCES, growth_entries
from lowtide.errors import ConflictError
from lowtide.opportunities.board import read_board
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


def test_real_opportunities_a_saved_filter_and_the_growth_log(
    filled: tuple[Store, float],
) -> None:
    store, _ = filled
    found = store.opportunities()
    sources = {item.opportunity.source for item in found}
    assert sources == {"ccfddl", "ai-deadlines", "tech-conferences", "writer-programs", "file"}
    kinds = {item.opportunity.kind for item in found}
    assert {OpportunityKind.TALK, OpportunityKind.WRITING, OpportunityKind.TEACHING} <= kinds
    assert OpportunityKind.FREELANCE in kinds
    # Writing programmes have no deadline: the board always has open, paid ones.
    paid = [
        item
        for item in found
        if item.opportunity.kind is OpportunityKind.WRITING and item.opportunity.compensation
    ]
    assert len(paid) >= 20
    assert SAVED_FILTER in store.saved_filters()
    entries = [e for _, e in store.growth_log()]
    assert len(entries) == len(growth_entries(dt.date.today()))
    assert store.currency_rates().rate("EUR") == RATES["EUR"]


def test_some_offers_fit_the_lull(filled: tuple[Store, float]) -> None:
    store, _ = filled
    fitting = read_board(store, BoardFilter(fits_lulls=True), time.time(), live_run_eta(store))
    assert any(row.item.opportunity.source == "file" for row in fitting)


def test_the_shipped_data_keeps_its_licences() -> None:
    for _, folder in SOURCES:
        assert list((DATA / folder).glob("LICENSE*")), folder
    assert "MIT" in (DATA / "README.md").read_text()
