"""The health engine behind the server: incidents from real batches, states, acks, mutes."""

from __future__ import annotations

import math
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from lowtide.sdk import ClientSettings, Run
from tests.conftest import LiveServer


def wait_for(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("not in time")
        time.sleep(0.05)


def incidents(url: str, **params: Any) -> list[dict[str, Any]]:
    answer = httpx.get(f"{url}/api/v1/incidents", params=params)
    answer.raise_for_status()
    return list(answer.json()["incidents"])


def test_nan_loss_opens_a_page_incident(health_server: LiveServer, tmp_path: Path) -> None:
    settings = ClientSettings(url=health_server.url, home=tmp_path, flush_interval_s=0.05)
    with Run(project="health", name="nan-at-40", settings=settings) as run:
        for step in range(60):
            loss = 1.0 / (step + 1) if step < 40 else math.nan
            run.log({"train/loss": loss}, step=step)
    # Resolved by the run's end, which the engine may judge a moment after the NaN itself.
    found = wait_for(
        lambda: [
            i
            for i in incidents(health_server.url)
            if i["rule"] == "nonfinite" and i["resolution"] is not None
        ]
    )
    [page] = found
    assert page["severity"] == "page"
    assert page["opened_step"] == 40
    assert page["run_name"] == "nan-at-40"
    assert page["resolution"] == "the run has ended"
    done = wait_for(lambda: [i for i in incidents(health_server.url) if i["rule"] == "done"])
    assert done[0]["severity"] == "info"
    events = httpx.get(f"{health_server.url}/api/v1/runs/{run.id}/events").json()["events"]
    assert "incident" in [e["kind"] for e in events]


def test_healthy_run_opens_only_done(health_server: LiveServer, tmp_path: Path) -> None:
    settings = ClientSettings(url=health_server.url, home=tmp_path, flush_interval_s=0.05)
    with Run(project="health", settings=settings) as run:
        for step in range(300):
            run.log({"loss": 2.0 * math.exp(-step / 60) + 0.1, "lr": 1e-3}, step=step)
    wait_for(lambda: incidents(health_server.url, run=run.id))
    time.sleep(0.5)
    rules = [i["rule"] for i in incidents(health_server.url, run=run.id)]
    assert rules == ["done"]


def test_silent_run_is_stalled_then_running_again(health_server: LiveServer) -> None:
    client = httpx.Client(base_url=f"{health_server.url}/api/v1")
    run_id = client.post("/runs", json={"project": "health"}).json()["id"]
    now = time.time()
    steps = list(range(20))
    times = [now - 1.0 + 0.05 * i for i in steps]
    body = {"metrics": {"loss": {"steps": steps, "values": [1.0] * 20, "wall_times": times}}}
    assert client.post(f"/runs/{run_id}/batches", json=body).status_code == 200
    stall = wait_for(lambda: [i for i in incidents(health_server.url) if i["rule"] == "stall"])
    assert stall[0]["severity"] == "warn"
    assert wait_for(lambda: client.get(f"/runs/{run_id}").json()["status"] == "stalled")
    more = {"metrics": {"loss": {"steps": [20], "values": [1.0], "wall_times": [time.time()]}}}
    client.post(f"/runs/{run_id}/batches", json=more)
    assert wait_for(lambda: client.get(f"/runs/{run_id}").json()["status"] == "running")
    resolved = incidents(health_server.url, run=run_id)
    assert resolved[0]["resolved_at"] is not None
    assert "points again" in resolved[0]["resolution"]
    client.close()


def test_acknowledge_and_mute(health_server: LiveServer) -> None:
    client = httpx.Client(base_url=f"{health_server.url}/api/v1")
    run_id = client.post("/runs", json={"project": "muted"}).json()["id"]
    body = {"metrics": {"loss": {"steps": [0, 1], "values": [1.0, "NaN"]}}}
    client.post(f"/runs/{run_id}/batches", json=body)
    [incident] = wait_for(lambda: incidents(health_server.url, run=run_id))
    acked = client.post(f"/incidents/{incident['id']}/ack").json()
    assert acked["acknowledged_at"] is not None
    assert client.post("/incidents/999999/ack").status_code == 404
    mute = client.post("/mutes", json={"project": "muted", "rule": "stall"})
    assert mute.status_code == 201
    assert client.get("/mutes").json()["mutes"][0]["rule"] == "stall"
    assert client.post("/mutes", json={"rule": "stall"}).status_code == 422
    assert client.post("/mutes", json={"project": "muted", "rule": "bogus"}).status_code == 422
    assert client.delete(f"/mutes/{mute.json()['id']}").status_code == 204
    assert client.get("/mutes").json()["mutes"] == []
    client.close()


def test_health_settings_override_kinds(health_server: LiveServer) -> None:
    client = httpx.Client(base_url=f"{health_server.url}/api/v1")
    run_id = client.post("/runs", json={"project": "kinds", "config": {"max_steps": 500}}).json()[
        "id"
    ]
    answer = client.put(f"/runs/{run_id}/health", json={"kinds": {"objective": "train_loss"}})
    assert answer.json() == {"planned_steps": None, "kinds": {"objective": "train_loss"}}
    bad = client.put(f"/runs/{run_id}/health", json={"kinds": {"x": "nonsense"}})
    assert bad.status_code == 422
    steps = list(range(80))
    values: list[Any] = [1.0 - 0.001 * s for s in steps]
    values[70] = "Infinity"
    client.post(
        f"/runs/{run_id}/batches",
        json={"metrics": {"objective": {"steps": steps, "values": values}}},
    )
    found = wait_for(lambda: incidents(health_server.url, run=run_id))
    assert found[0]["rule"] == "nonfinite"
    assert client.put("/projects/kinds/kinds", json={"score": "higher_better"}).status_code == 200
    client.close()


@pytest.mark.parametrize("status", ["failed"])
def test_failed_run_pages_as_crashed(health_server: LiveServer, status: str) -> None:
    client = httpx.Client(base_url=f"{health_server.url}/api/v1")
    run_id = client.post("/runs", json={"project": "p"}).json()["id"]
    client.post(f"/runs/{run_id}/finish", json={"status": status, "message": "OOM"})
    [incident] = wait_for(lambda: incidents(health_server.url, run=run_id))
    assert incident["rule"] == "crashed"
    assert incident["severity"] == "page"
    assert "OOM" in incident["message"]
    client.close()


def batch(steps: list[int], **series: list[float]) -> dict[str, Any]:
    now = time.time()
    times = [now - 0.001 * (steps[-1] - s) for s in steps]
    return {
        "metrics": {
            k: {"steps": steps, "values": v, "wall_times": times} for k, v in series.items()
        }
    }


def test_a_run_heading_short_of_the_project_best_is_told(health_server: LiveServer) -> None:
    with httpx.Client(base_url=f"{health_server.url}/api/v1") as client:
        heading_short(client, health_server.url)


def heading_short(client: httpx.Client, url: str) -> None:
    steps = list(range(0, 1000, 5))
    best = client.post("/runs", json={"project": "race", "name": "baseline"}).json()["id"]
    good = [0.3 + 2.0 * (s + 10) ** -0.5 for s in steps]
    client.post(f"/runs/{best}/batches", json=batch(steps, val_loss=good))
    client.post(f"/runs/{best}/finish", json={"status": "finished"})
    run_id = client.post(
        "/runs", json={"project": "race", "name": "worse", "config": {"max_steps": 1000}}
    ).json()["id"]
    half = steps[:120]
    worse = [0.7 + 2.0 * (s + 10) ** -0.5 for s in half]
    client.post(f"/runs/{run_id}/batches", json=batch(half, val_loss=worse))
    found = wait_for(
        lambda: [i for i in incidents(url, run=run_id) if i["rule"] == "will_not_beat"]
    )
    assert found[0]["severity"] == "info"
    assert "baseline" in found[0]["message"]
    outlook = client.get(f"/runs/{run_id}/outlook").json()
    assert outlook["planned_steps"] == 1000
    assert outlook["last_step"] == 595
    assert outlook["will_not_beat"] is True
    assert outlook["project_best"]["run"] == "baseline"
    assert outlook["projection"]["value"] > 0.7
    assert outlook["eta_s"] is not None
    assert client.get("/runs/nope/outlook").status_code == 404


def test_spooled_operations_are_judged_too(sqlite_store: Any, settings: Any) -> None:
    from lowtide.server.health_worker import HealthWorker
    from lowtide.server.ops import apply_op

    worker = HealthWorker(sqlite_store, tick_s=0.1)
    worker.start()
    try:
        run = {"op": "create_run", "body": {"project": "spooled", "id": "a" * 32}}
        apply_op(sqlite_store, settings, run, worker)
        body = batch([0, 1, 2], loss=[1.0, 0.9, "NaN"])
        apply_op(sqlite_store, settings, {"op": "log", "run_id": "a" * 32, "body": body}, worker)
        end = {"op": "finish", "run_id": "a" * 32, "body": {"status": "finished"}}
        apply_op(sqlite_store, settings, end, worker)

        def closed() -> list[str]:
            found = sqlite_store.list_incidents(run="a" * 32)
            return sorted(f"{i.rule}:{'open' if i.is_open else 'closed'}" for i in found)

        assert wait_for(lambda: closed() == ["done:open", "nonfinite:closed"])
    finally:
        worker.stop()


def test_health_off_leaves_the_engine_stopped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from lowtide.config import Settings
    from lowtide.store import open_store
    from tests.conftest import start_server

    calls: list[str] = []

    class Engine:
        def __getattr__(self, name: str) -> Callable[..., None]:
            return lambda *_: calls.append(name)

    monkeypatch.setenv("LOWTIDE_HEALTH", "off")
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'lowtide.db'}")
    assert settings.health is False
    store = open_store(settings.database_url)
    store.upgrade()
    server, thread, url = start_server(settings, store, health=Engine())  # type: ignore[arg-type]
    try:
        run = httpx.post(f"{url}/api/v1/runs", json={"project": "p"}).json()
        body = {"metrics": {"loss": {"steps": [1], "values": [1.0]}}}
        assert httpx.post(f"{url}/api/v1/runs/{run['id']}/batches", json=body).status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()
    assert calls == []


def test_the_engine_process_does_not_import_the_web_app() -> None:
    # The child process imports health_worker (and so this package) to run the engine.
    code = (
        "import sys, lowtide.server.health_worker\n"
        "print([m for m in ('fastapi', 'starlette', 'uvicorn') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_run_read_after_it_ended_is_not_its_own_target(sqlite_store: Any) -> None:
    from lowtide.core.batch import Batch, SeriesPoints
    from lowtide.core.records import RunSpec, RunStatus
    from lowtide.server.health_worker import HealthWorker

    store = sqlite_store
    steps = np.arange(50, dtype=np.int64)
    for name in ("first", "fast"):
        run = store.create_run(RunSpec(project="p", name=name, config={"max_steps": 50}))
        values = 1.0 / (steps + 1.0) if name == "fast" else 2.0 / (steps + 1.0)
        store.log_batch(
            run.uid, Batch(None, (SeriesPoints("val_loss", steps, steps * 1.0, values),))
        )
        store.finish_run(run.uid, RunStatus.FINISHED)
    uids = {r.name: r.uid for r in store.list_runs(project="p")}
    worker = HealthWorker(store)  # not started: only its reading of a run's settings
    job = worker._settings_job(uids["fast"])
    assert job is not None
    [target] = job[2].targets.values()
    assert target.run_name == "first"  # the project's best but for itself
