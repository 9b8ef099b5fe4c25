"""Fault and load tests of the tracking core, with real processes and real HTTP on loopback.

A server killed with SIGKILL in the middle of a run, a client that ends while
the server is down, eight clients at once and a batch sent twice: every point
arrives exactly once, with its step and value, and the run ends `finished`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lowtide.sdk.spool import Spool
from lowtide.store import open_store
from tests.faults_helpers import (
    ClientProcess,
    ServerProcess,
    expected_value,
    free_port,
    get_json,
    group_members,
    key_name,
    mismatch,
    process_env,
    request,
    run_status,
    series_problems,
    spooled_files,
    start_client,
    wait_for,
)

pytestmark = pytest.mark.slow

#: Steps and keys of the run a server is killed under: 100,000 points.
STEPS, KEYS = 25_000, 4
#: Seconds the client spreads its logging over, so that the kill and restart fall inside it.
SLOW_CLIENT_S = 12.0
#: Seconds a client that must end while the server is down spreads its logging over.
FAST_CLIENT_S = 3.0
#: Points of k0 the server must hold before it is killed (a fifth of the run).
KILL_AFTER_POINTS = STEPS // 5
#: Seconds the server stays dead before it is started again.
DOWN_S = 1.0
#: Seconds the server's spool importer waits between two looks.
SPOOL_SCAN_S = 0.5
#: Seconds a client may take from start to exit (the SDK waits up to 30 s in finish()).
CLIENT_EXIT_TIMEOUT_S = 50.0
#: Seconds for spooled points to be taken in once nothing else is running.
SETTLE_TIMEOUT_S = 30.0
#: Seconds the health-engine child of a killed server may take to notice and exit.
ORPHAN_EXIT_TIMEOUT_S = 10.0

ServerFactory = Callable[[Path], ServerProcess]
ClientFactory = Callable[..., ClientProcess]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """Servers on free ports, each stopped (and its process group killed) after the test."""
    made: list[ServerProcess] = []

    def make(home: Path) -> ServerProcess:
        server = ServerProcess(
            home=home,
            port=free_port(),
            log_path=tmp_path / f"server-{len(made)}.log",
            env_extra={"LOWTIDE_SPOOL_SCAN_SECONDS": str(SPOOL_SCAN_S)},
        )
        made.append(server)
        return server

    try:
        yield make
    finally:
        for server in made:
            server.stop()


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[ClientFactory]:
    """Client processes (see faults_helpers.start_client), killed after the test if still alive."""
    made: list[ClientProcess] = []

    def make(**kwargs: Any) -> ClientProcess:
        client = start_client(log_path=tmp_path / f"client-{len(made)}.log", **kwargs)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            client.stop()


def n_points(url: str, run_id: str, key: str) -> int:
    status, answer = request(url, "GET", f"/api/v1/runs/{run_id}/keys")
    if status != 200:
        return 0
    return sum(k["n_points"] for k in answer["keys"] if k["key"] == key)


def kill_partway(server: ServerProcess, client: ClientProcess) -> None:
    """SIGKILL the server once it holds a fifth of the run, while the client still logs."""
    wait_for(
        lambda: n_points(server.url, client.run_id, "k0") >= KILL_AFTER_POINTS,
        SETTLE_TIMEOUT_S,
        f"{KILL_AFTER_POINTS} points of k0 at the server",
    )
    assert client.proc.poll() is None, f"the client ended before the kill:\n{client.log()}"
    server.kill()
    assert server.proc is not None
    killed_pid = server.proc.pid
    # The health engine's child process must not outlive its server.
    wait_for(
        lambda: group_members(killed_pid) == [],
        ORPHAN_EXIT_TIMEOUT_S,
        f"the children of the killed server {killed_pid} to exit",
        poll_s=0.2,
    )


def assert_settled(home: Path, url: str, client: ClientProcess, *, seed: int = 0) -> None:
    """The spool is drained, the run finished, and every point is there exactly once."""
    wait_for(
        lambda: not spooled_files(home) and run_status(url, client.run_id) == "finished",
        SETTLE_TIMEOUT_S,
        lambda: (
            f"the spool of {home} to drain and run {client.run_id} to finish "
            f"(spooled: {len(spooled_files(home))}, status: {run_status(url, client.run_id)})"
        ),
    )
    assert_all_points(url, client.run_id, STEPS, KEYS, seed)
    rejected = home / "spool" / "rejected"
    assert not rejected.exists() or not list(rejected.iterdir()), "spooled operations refused"


def assert_all_points(url: str, run_id: str, steps: int, keys: int, seed: int) -> None:
    problems = series_problems(url, run_id, steps, keys, seed)
    if problems:
        # Tell "late" from "lost": look again after a pause.
        time.sleep(3)
        later = series_problems(url, run_id, steps, keys, seed)
        pytest.fail(f"run {run_id}: {problems}; 3 s later: {later}")


def test_server_killed_mid_run_loses_and_doubles_nothing(
    tmp_path: Path, make_server: ServerFactory, make_client: ClientFactory
) -> None:
    home = tmp_path / "home"
    server = make_server(home)
    server.start()
    go = tmp_path / "restarted"
    client = make_client(
        home=home,
        url=server.url,
        run_id=uuid.uuid4().hex,
        project="sigkill",
        steps=STEPS,
        keys=KEYS,
        seconds=SLOW_CLIENT_S,
        hold_until=go,
    )

    kill_partway(server, client)
    time.sleep(DOWN_S)
    wait_for(lambda: spooled_files(home), 10, "the client to spool while the server is down")
    server.start()
    assert client.proc.poll() is None, f"the client ended before the restart:\n{client.log()}"
    go.touch()

    assert client.wait(CLIENT_EXIT_TIMEOUT_S) == 0, client.log()
    assert_settled(home, server.url, client)
    assert "dropped" not in client.log()


@pytest.mark.parametrize("taken_in_by", ["restarted server", "lowtide sync"])
def test_client_that_ends_while_the_server_is_down_loses_nothing(
    tmp_path: Path, make_server: ServerFactory, make_client: ClientFactory, taken_in_by: str
) -> None:
    home = tmp_path / "home"
    server = make_server(home)
    server.start()
    client = make_client(
        home=home,
        url=server.url,
        run_id=uuid.uuid4().hex,
        project="down-at-exit",
        steps=STEPS,
        keys=KEYS,
        seconds=FAST_CLIENT_S,
    )

    kill_partway(server, client)
    assert client.wait(CLIENT_EXIT_TIMEOUT_S) == 0, client.log()
    ops = [p.name for p in spooled_files(home)]
    assert ops, "the client ended with the server down but spooled nothing"

    if taken_in_by == "restarted server":
        server.start()
        assert_settled(home, server.url, client)
        return

    synced = subprocess.run(
        [sys.executable, "-m", "lowtide", "sync"],
        env=process_env(home, server.url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "the store directly" in synced.stdout, synced.stdout
    assert spooled_files(home) == []
    store = open_store(f"sqlite:///{home / 'lowtide.db'}")
    try:
        assert store.get_run(client.run_id).status.value == "finished"
        for k in range(KEYS):
            series = store.read_series(client.run_id, key_name(k))
            found = mismatch(series.steps.tolist(), series.values.tolist(), STEPS, 0, k)
            assert found is None, found
    finally:
        store.close()


def test_eight_clients_at_once_lose_nothing(
    tmp_path: Path, make_server: ServerFactory, make_client: ClientFactory
) -> None:
    n_clients, steps, keys = 8, 5_000, 4  # 20,000 points each
    home = tmp_path / "home"
    server = make_server(home)
    server.start()
    clients = [
        make_client(
            home=home,
            url=server.url,
            run_id=f"load{seed}-{uuid.uuid4().hex[:8]}",
            project="load",
            steps=steps,
            keys=keys,
            seconds=2.0,
            seed=seed,
        )
        for seed in range(1, n_clients + 1)
    ]
    for client in clients:
        assert client.wait(CLIENT_EXIT_TIMEOUT_S) == 0, client.log()
    wait_for(
        lambda: (
            not spooled_files(home)
            and all(run_status(server.url, c.run_id) == "finished" for c in clients)
        ),
        SETTLE_TIMEOUT_S,
        "every run to finish",
    )
    for seed, client in enumerate(clients, start=1):
        assert_all_points(server.url, client.run_id, steps, keys, seed)
        assert "dropped" not in client.log()
    listed = get_json(server.url, "/api/v1/runs?project=load")["runs"]
    assert sorted(r["id"] for r in listed) == sorted(c.run_id for c in clients)


def _batch(batch_id: str, first_step: int, n: int) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "metrics": {
            key_name(k): {
                "steps": list(range(first_step, first_step + n)),
                "values": [expected_value(0, s, k) for s in range(first_step, first_step + n)],
                "wall_times": [1_700_000_000.0 + s for s in range(first_step, first_step + n)],
            }
            for k in range(2)
        },
    }


def post_together(url: str, path: str, raw: bytes, n_threads: int) -> list[tuple[int, Any]]:
    """POST the same body from `n_threads` threads released at the same moment."""
    answers: list[tuple[int, Any]] = []
    start = threading.Barrier(n_threads, timeout=10)

    def post() -> None:
        start.wait()
        answers.append(request(url, "POST", path, raw=raw))

    threads = [threading.Thread(target=post, name=f"same-batch-{i}") for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a POST did not return"
    return answers


def test_a_retried_batch_is_stored_once(tmp_path: Path, make_server: ServerFactory) -> None:
    home = tmp_path / "home"
    server = make_server(home)
    server.start()
    run_id = uuid.uuid4().hex
    status, _ = request(server.url, "POST", "/api/v1/runs", {"id": run_id, "project": "retry"})
    assert status == 201
    path = f"/api/v1/runs/{run_id}/batches"
    per_batch = 500

    # One after the other: the second answer says it was a duplicate.
    body = _batch(uuid.uuid4().hex, 0, per_batch)
    assert request(server.url, "POST", path, body) == (
        200,
        {"stored": 2 * per_batch, "duplicate": False},
    )
    assert request(server.url, "POST", path, body) == (200, {"stored": 0, "duplicate": True})

    # At the same moment from two threads, a few times over: exactly one of each pair stores.
    rounds = 10
    for r in range(1, rounds + 1):
        raw = json.dumps(_batch(uuid.uuid4().hex, r * per_batch, per_batch)).encode()
        answers = post_together(server.url, path, raw, n_threads=2)
        assert sorted((status, a["duplicate"], a["stored"]) for status, a in answers) == [
            (200, False, 2 * per_batch),
            (200, True, 0),
        ], answers

    # A copy of the first batch left in the spool (a client that never saw the answer)
    # is taken in by the server's importer, and stored no second time.
    Spool(home / "spool", 10**9).append({"op": "log", "run_id": run_id, "body": body})
    wait_for(lambda: not spooled_files(home), SETTLE_TIMEOUT_S, "the spool import")

    total = (rounds + 1) * per_batch
    for k in range(2):
        answer = get_json(server.url, f"{path.removesuffix('/batches')}/series?key={key_name(k)}")
        found = mismatch(answer["steps"], answer["values"], total, 0, k)
        assert found is None, found
