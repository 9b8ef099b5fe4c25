"""Shared fixtures: stores on SQLite and PostgreSQL, a live server on loopback."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from lowtide.config import Settings
from lowtide.server import create_app
from lowtide.server.health_worker import HealthWorker
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
    settings: Settings, store: Store, port: int = 0, health: HealthWorker | None = None
) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Serve the app on 127.0.0.1 in a thread; `port=0` picks a free one."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    app = create_app(settings, store, health=health)
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
