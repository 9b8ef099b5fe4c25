"""A webhook receiver on loopback, and a check that no test leaves any thread running."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.notify.helpers import Receiver, ReceiverServer, make_handler


@pytest.fixture(autouse=True)
def _no_new_threads() -> Iterator[None]:
    """Stricter than the suite's check: no thread of any name may outlive a notify test."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not left, f"threads left running: {[t.name for t in left]}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A JSON webhook endpoint on a free port of 127.0.0.1, stopped after the test."""
    server = ReceiverServer(("127.0.0.1", 0), make_handler(Receiver(port=0)))
    rec = Receiver(port=server.server_address[1])
    server.RequestHandlerClass = make_handler(rec)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="test-receiver"
    )
    thread.start()
    try:
        yield rec
    finally:
        rec.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
