"""Helpers for the framework integrations: a client aimed at the live test server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lowtide.core.records import RunRecord
from lowtide.sdk import ClientSettings
from tests.conftest import LiveServer


@pytest.fixture
def client(live_server: LiveServer, tmp_path: Path) -> ClientSettings:
    return ClientSettings(url=live_server.url, home=tmp_path, flush_interval_s=0.05)


def only_run(server: LiveServer, project: str) -> RunRecord:
    [run] = server.store.list_runs(project=project)
    return run


def series(server: LiveServer, run: RunRecord) -> dict[str, Any]:
    """Each key's steps and values as lists."""
    out = {}
    for key in server.store.list_keys(run.uid):
        s = server.store.read_series(run.uid, key.key)
        out[key.key] = (s.steps.tolist(), s.values.tolist())
    return out
