"""The learning-rate sweep, trained once for the report's tests on a server of their own."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lowtide.config import Settings
from lowtide.server.health_worker import HealthWorker
from lowtide.store import Store, open_store
from tests.conftest import start_server
from tests.report.sweep import Sweep, run_sweep

pytest.importorskip("torch")


@dataclass
class Trained:
    """The server the sweep was logged to, the store behind it, and the runs."""

    url: str
    store: Store
    sweep: Sweep
    home: Path


@pytest.fixture(scope="package")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    tmp = tmp_path_factory.mktemp("sweep")
    settings = Settings(home=tmp / "home", database_url=f"sqlite:///{tmp / 'lowtide.db'}")
    store = open_store(settings.database_url)
    store.upgrade()
    server, thread, url = start_server(settings, store, health=HealthWorker(store, tick_s=0.1))
    try:
        sweep = run_sweep(url, tmp / "client", store)
        yield Trained(url=url, store=store, sweep=sweep, home=tmp / "home")
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        store.close()
