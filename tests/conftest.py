"""Shared fixtures: stores on SQLite and PostgreSQL, a live server on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from lowtide.config import Settings
from lowtide.notify import RetryPolicy
from lowtide.server import create_app
from lowtide.server.health_worker import HealthWorker
from lowtide.server.notifier import Notifier
from lowtide.store import Store, open_store

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_answers() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return None
    except OSError as exc:
        return f"no PostgreSQL server on 127.0.0.1:5432 ({exc})"


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    """Fail a test that leaves a lowtide sender or a server thread running."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while True:
        left = [
            t
            for t in threading.enumerate()
            if t not in before and t.is_alive() and t.name.startswith(("lowtide", "uvicorn"))
        ]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not left, f"threads left running: {[t.name for t in left]}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'lowtide.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped after it."""
    reason = _postgres_answers()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        "host=127.0.0.1 port=5432 dbname=test user=postgres", autocommit=True
    ) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(
            "host=127.0.0.1 port=5432 dbname=test user=postgres", autocommit=True
        ) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated store, on SQLite and on PostgreSQL."""
    url = (
        request.getfixturevalue("pg_url")
        if request.param == "postgres"
        else f"sqlite:///{tmp_path / 'lowtide.db'}"
    )
    s = open_store(url)
    s.upgrade()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    s = open_store(sqlite_url)
    s.upgrade()
    try:
        yield s
    finally:
        s.close()


@dataclass
class LiveServer:
    """A lowtide server in this process, on a port of its own."""

    url: str
    store: Store
    settings: Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'lowtide.db'}")


def start_server(
    settings: Settings,
    store: Store,
    port: int = 0,
    health: HealthWorker | None = None,
    notifier: Notifier | None = None,
) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Serve the app on 127.0.0.1 in a thread; `port=0` picks a free one."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    app = create_app(settings, store, health=health, notifier=notifier)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The real app served by uvicorn on 127.0.0.1, stopped after the test."""
    s = open_store(settings.database_url)
    s.upgrade()
    server, thread, url = start_server(settings, s)
    try:
        yield LiveServer(url=url, store=s, settings=settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        s.close()


@pytest.fixture
def health_server(settings: Settings) -> Iterator[LiveServer]:
    """Like `live_server`, with the health engine judging every batch."""
    s = open_store(settings.database_url)
    s.upgrade()
    server, thread, url = start_server(settings, s, health=HealthWorker(s, tick_s=0.1))
    try:
        yield LiveServer(url=url, store=s, settings=settings)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        s.close()


@dataclass
class Receiver:
    """A webhook on loopback that keeps what it is sent; `fail` answers 500 instead."""

    url: str
    received: list[dict[str, Any]]
    fail: bool = False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 taking Apprise's `json://` posts, stopped after the test."""
    with serve_receiver() as state:
        yield state


@contextmanager
def serve_receiver() -> Iterator[Receiver]:
    """A webhook on 127.0.0.1 taking Apprise's `json://` posts, until the block ends."""
    state = Receiver(url="", received=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if state.fail:
                self.send_response(500)
                self.end_headers()
                return
            state.received.append({"at": time.time(), **json.loads(body)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="lowtide-test-receiver")
    thread.start()
    state.url = f"json://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def notify_server(settings: Settings) -> Iterator[LiveServer]:
    """Like `health_server`, with notifications sent (retries quick, for tests)."""
    s = open_store(settings.database_url)
    s.upgrade()
    notifier = Notifier(s, retry=RetryPolicy(max_attempts=3, first_delay_s=0.05), reload_s=0.1)
    health = HealthWorker(s, announce=notifier.announce, tick_s=0.1)
    server, thread, url = start_server(settings, s, health=health, notifier=notifier)
    try:
        yield LiveServer(url=url, store=s, settings=settings)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        s.close()
