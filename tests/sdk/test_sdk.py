"""The SDK against a real server on loopback: exact delivery, failure marking, the spool."""

from __future__ import annotations

import inspect
import json
import logging
import math
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

import lowtide
from lowtide.config import Settings
from lowtide.sdk import ClientSettings, Mode, Run
from lowtide.sdk.sender import Sender
from lowtide.sdk.spool import Spool
from lowtide.server.spool_import import SpoolImporter
from lowtide.server.sync import sync
from lowtide.store import open_store
from tests.conftest import LiveServer, free_port, start_server


def client_settings(url: str, home: Path, **kw: object) -> ClientSettings:
    return ClientSettings(url=url, home=home, flush_interval_s=0.05, timeout_s=5, **kw)  # type: ignore[arg-type]


def series(url: str, run_id: str, key: str) -> dict[str, list[object]]:
    answer = httpx.get(f"{url}/api/v1/runs/{run_id}/series", params={"key": key})
    answer.raise_for_status()
    return dict(answer.json())


def wait_for(predicate: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_import_lowtide_stays_light() -> None:
    code = (
        "import sys, lowtide\n"
        "heavy = ['fastapi', 'sqlalchemy', 'pandas', 'matplotlib', 'starlette', 'uvicorn',"
        " 'pydantic', 'numpy', 'alembic', 'typer', 'rich']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_logged_points_come_back_exactly(live_server: LiveServer, tmp_path: Path) -> None:
    settings = client_settings(live_server.url, tmp_path)
    run = Run(project="sdk", name="exact", config={"lr": 0.1, "layers": [1, 2]}, settings=settings)
    expected_loss = []
    for step in range(3000):
        loss = 1.0 / (step + 1) + step * 1e-9
        expected_loss.append(loss)
        run.log({"train/loss": loss, "lr": np.float32(0.5), "epoch": step // 1000}, step=step)
    run.log({"weird": math.nan, "big": math.inf}, step=3000)
    run.finish()
    got = series(live_server.url, run.id, "train/loss")
    assert got["steps"] == list(range(3000))
    assert got["values"] == expected_loss
    assert series(live_server.url, run.id, "lr")["values"] == [0.5] * 3000
    assert series(live_server.url, run.id, "weird")["values"] == ["NaN"]
    assert series(live_server.url, run.id, "big")["values"] == ["Infinity"]
    record = live_server.store.get_run(run.id)
    assert record.name == "exact"
    assert record.status.value == "finished"
    assert record.config == {"lr": 0.1, "layers": [1, 2]}


def test_steps_count_up_when_left_out(live_server: LiveServer, tmp_path: Path) -> None:
    run = Run(project="sdk", settings=client_settings(live_server.url, tmp_path))
    run.log({"a": 1.0})
    run.log({"a": 2.0})
    run.log({"a": 3.0}, step=np.int64(10))
    run.log({"a": 4.0})
    run.finish()
    assert series(live_server.url, run.id, "a")["steps"] == [0, 1, 10, 11]


def test_bad_values_are_skipped_without_raising(
    live_server: LiveServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = Run(project="sdk", settings=client_settings(live_server.url, tmp_path))
    with caplog.at_level(logging.WARNING, logger="lowtide"):
        run.log({"ok": 1.0, "text": "hello", "vec": np.ones(3), "k" * 300: 1.0, "bad\nkey": 2.0})
        run.log({"ok": 2.0}, step="seven")  # type: ignore[arg-type]
        run.finish()
    assert series(live_server.url, run.id, "ok")["values"] == [1.0]
    keys = [k.key for k in live_server.store.list_keys(run.id)]
    assert keys == ["ok"]
    assert "not a number" in caplog.text
    assert "not an integer" in caplog.text


def test_context_manager_marks_failure(live_server: LiveServer, tmp_path: Path) -> None:
    settings = client_settings(live_server.url, tmp_path)
    run = Run(project="sdk", settings=settings)

    def train() -> None:
        with run:
            run.log({"loss": 1.0})
            raise RuntimeError("CUDA out of memory")

    with pytest.raises(RuntimeError):
        train()
    record = live_server.store.get_run(run.id)
    assert record.status.value == "failed"
    assert "CUDA out of memory" in live_server.store.list_events(run.id)[-1].message
    with Run(project="sdk", settings=settings) as ok:
        ok.log({"loss": 1.0})
    assert live_server.store.get_run(ok.id).status.value == "finished"


SCRIPT = """
import lowtide
run = lowtide.init(project="scripts", name="{name}")
for i in range(50):
    lowtide.log({{"loss": 1.0 / (i + 1)}})
{ending}
"""


@pytest.mark.parametrize(
    ("ending", "status", "code"),
    [("", "finished", 0), ("raise ValueError('diverged')", "failed", 1)],
)
def test_process_exit_finishes_or_fails_the_run(
    live_server: LiveServer, tmp_path: Path, ending: str, status: str, code: int
) -> None:
    script = SCRIPT.format(name=f"exit-{status}", ending=ending)
    env = {
        "LOWTIDE_URL": live_server.url,
        "LOWTIDE_HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], env=env, capture_output=True, timeout=60
    )
    assert done.returncode == code, done.stderr
    [record] = live_server.store.list_runs(project="scripts")
    assert record.status.value == status
    assert len(live_server.store.read_series(record.uid, "loss")) == 50


def test_unreachable_server_spools_then_sends_in_order(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    home = tmp_path / "client"
    run = Run(project="sdk", settings=client_settings(url, home))
    for step in range(500):
        run.log({"loss": float(step)}, step=step)
    spool = Spool(home / "spool", 10**9)
    wait_for(lambda: len(spool.pending()) >= 2)
    store = open_store(settings.database_url)
    store.upgrade()
    server, thread, _ = start_server(settings, store, port=port)
    try:
        for step in range(500, 1000):
            run.log({"loss": float(step)}, step=step)
        run.finish()
        assert spool.pending() == []
        got = store.read_series(run.id, "loss")
        assert got.steps.tolist() == list(range(1000))
        assert got.values.tolist() == [float(s) for s in range(1000)]
        assert store.get_run(run.id).status.value == "finished"
    finally:
        server.should_exit = True
        thread.join(10)
        store.close()


def test_offline_spool_is_imported_by_the_server_and_by_sync(
    settings: Settings, tmp_path: Path
) -> None:
    home = settings.home
    offline = client_settings("http://127.0.0.1:9", home, mode=Mode.OFFLINE)
    first = Run(project="offline", settings=offline)
    first.log({"loss": 0.5}, step=1)
    first.finish()
    pending = Spool(home / "spool", 10**9).pending()
    assert [json.loads(p.read_text())["op"] for p in pending] == ["create_run", "log", "finish"]

    store = open_store(settings.database_url)
    store.upgrade()
    try:
        result = SpoolImporter(settings.spool_dir, store, settings).drain_once()
        assert (result.sent, result.remaining) == (3, 0)
        assert store.get_run(first.id).status.value == "finished"
        assert store.read_series(first.id, "loss").values.tolist() == [0.5]

        second = Run(project="offline", settings=offline)
        second.log({"loss": 0.25}, step=1)
        second.finish()
        synced = sync(settings, offline, direct=True)
        assert (synced.sent, synced.remaining) == (3, 0)
        assert store.read_series(second.id, "loss").values.tolist() == [0.25]
        # Draining again changes nothing: the spool is empty and batches are stored once.
        assert sync(settings, offline, direct=True).sent == 0
        assert len(store.read_series(first.id, "loss")) == 1
    finally:
        store.close()


def test_sync_sends_to_a_running_server(live_server: LiveServer, tmp_path: Path) -> None:
    home = tmp_path / "client"
    offline = client_settings(live_server.url, home, mode=Mode.OFFLINE)
    run = Run(project="offline", settings=offline)
    run.log({"loss": 1.5}, step=3)
    run.finish()
    result = sync(live_server.settings, offline)
    assert result.target == live_server.url
    assert result.sent == 3
    assert live_server.store.read_series(run.id, "loss").steps.tolist() == [3]


def test_full_spool_drops_batches_but_keeps_run_state(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = client_settings("http://127.0.0.1:9", tmp_path, mode=Mode.OFFLINE)
    settings = ClientSettings(**{**settings.__dict__, "spool_max_bytes": 600})
    with caplog.at_level(logging.ERROR, logger="lowtide"):
        run = Run(project="full", settings=settings)
        for step in range(3):
            run.log({"loss": float(step), "acc": 0.5}, step=step)
            run._sender.wake()  # type: ignore[union-attr]
            time.sleep(0.2)
        run.finish()
    ops = [json.loads(p.read_text())["op"] for p in Spool(tmp_path / "spool", 0).pending()]
    assert ops[0] == "create_run"
    assert ops[-1] == "finish"
    assert ops.count("log") < 3
    assert "spool" in caplog.text
    assert "is full" in caplog.text


def test_rejected_spool_files_are_set_aside(settings: Settings, tmp_path: Path) -> None:
    spool = Spool(settings.spool_dir, 10**9)
    spool.append({"op": "log", "run_id": "ghost", "body": {"metrics": {}}})
    spool.append({"op": "bogus", "run_id": "x"})
    store = open_store(settings.database_url)
    store.upgrade()
    try:
        result = SpoolImporter(settings.spool_dir, store, settings).drain_once()
    finally:
        store.close()
    assert (result.sent, result.rejected, result.remaining) == (0, 2, 0)
    assert len(list((settings.spool_dir / "rejected").iterdir())) == 2


def test_module_level_log_before_init_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lowtide"):
        lowtide.log({"loss": 1.0})
    assert "before lowtide.init()" in caplog.text


def test_disabled_mode_keeps_nothing(tmp_path: Path) -> None:
    run = Run(project="x", settings=ClientSettings(home=tmp_path, mode=Mode.DISABLED))
    run.log({"loss": 1.0})
    run.finish()
    assert not (tmp_path / "spool").exists()


def test_bad_environment_is_a_clear_error() -> None:
    from lowtide.errors import ConfigError

    with pytest.raises(ConfigError, match="LOWTIDE_MODE"):
        ClientSettings.from_env({"LOWTIDE_MODE": "sometimes"})
    with pytest.raises(ConfigError, match="LOWTIDE_FLUSH_INTERVAL"):
        ClientSettings.from_env({"LOWTIDE_FLUSH_INTERVAL": "soon"})


def test_exported_members_are_sorted_and_complete() -> None:
    assert lowtide.__all__ == sorted(lowtide.__all__)
    public = {
        name
        for name, value in vars(lowtide).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public | {"__version__"} == set(lowtide.__all__)


@pytest.mark.parametrize(("every", "expected"), [(30.0, ["heartbeat"]), (None, [])])
def test_heartbeats_can_be_left_out(
    tmp_path: Path, every: float | None, expected: list[str]
) -> None:
    """A sender that is not the run's own process (a log watcher) must not say it is alive."""
    sent: list[str] = []

    class Recorder:
        def send(self, op: dict[str, object]) -> None:
            sent.append(str(op["op"]))

    now = [0.0]
    sender = Sender(
        "quiet", Recorder(), Spool(tmp_path, 1 << 20), list, 0.01,
        clock=lambda: now[0], heartbeat_interval_s=every,
    )  # fmt: skip
    sender.start()
    now[0] = 1000.0
    sender.wake()
    if expected:
        wait_for(lambda: sent == expected, timeout=2)
    else:
        time.sleep(0.1)  # cycles enough for a heartbeat to have gone out
    sender.close(None, 5)
    assert sent == expected
