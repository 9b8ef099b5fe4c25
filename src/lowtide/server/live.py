"""A run's changes as server-sent events, for pages that follow a run while it logs.

Each event is the run and its keys (the bodies of `GET /runs/{id}` and
`GET /runs/{id}/keys`), sent when anything in them moved: points, steps or the
run's state. The store is asked every `CHECK_S` (one indexed read of the run's
keys), so points that came by any path (the API, the MLflow API, the spool, a
`lowtide watch` writing to the store) show. A stream ends after `STREAM_S`, or
with the run; the browser's EventSource comes back by itself after `RETRY_MS`,
so no stream holds a server that is stopping for long.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from lowtide.store import Store

#: Seconds between two looks at the store: how late a point may show on the page.
CHECK_S = 0.5
#: Seconds one stream lasts before the browser is asked to connect again.
STREAM_S = 25.0
#: Milliseconds the browser waits before connecting again.
RETRY_MS = 1000
#: Seconds without an event after which a comment keeps proxies from closing the stream.
KEEPALIVE_S = 10.0


def run_state(store: Store, uid: str) -> dict[str, Any]:
    """The run and its keys, as the two GET endpoints answer them."""
    return {
        "run": store.get_run(uid).to_json(),
        "keys": [k.to_json() for k in store.list_keys(uid)],
    }


async def run_events(
    store: Store,
    uid: str,
    disconnected: Callable[[], Any],
    *,
    check_s: float = CHECK_S,
    stream_s: float = STREAM_S,
) -> AsyncIterator[bytes]:
    """Server-sent events of one run: its state now, then whenever it changes."""
    yield f"retry: {RETRY_MS}\n\n".encode()
    started = last_sent = time.monotonic()
    shown: bytes | None = None
    while time.monotonic() - started < stream_s:
        state = await run_in_threadpool(run_state, store, uid)
        body = orjson.dumps(state)
        now = time.monotonic()
        if body != shown:
            shown, last_sent = body, now
            yield b"event: run\ndata: " + body + b"\n\n"
        elif now - last_sent > KEEPALIVE_S:
            last_sent = now
            yield b": still here\n\n"
        if state["run"]["status"] != "running":
            return
        await asyncio.sleep(check_s)
        if await disconnected():
            return
