"""Where `lowtide watch` delivers: the server when one answers, else the store itself.

A target hands each watched run's SDK sender a transport (the SDK's seam:
deliver one operation, raise TransportError to retry later) and says which
steps a run already holds, so that a restarted watcher sends nothing twice.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from lowtide.config import Settings
from lowtide.core.batch import BatchLimits
from lowtide.errors import (
    NotFoundError,
    StoreError,
    TransportError,
)
from lowtide.sdk.ops import Op
from lowtide.sdk.settings import ClientSettings
from lowtide.sdk.transport import HTTPTransport, Transport, server_answers
from lowtide.store import Store, open_store
from lowtide.store.ops import apply_op


class Target(Protocol):
    """A place runs are delivered to."""

    #: Where, in words, for the user.
    description: str

    def transport(self) -> Transport:
        """A transport for one run's sender (which closes it when done)."""
        ...

    def last_steps(self, run_id: str) -> dict[str, int]:
        """The last stored step of each key of a run; empty for a run not stored yet."""
        ...


class HTTPTarget:
    """A lowtide server, through the SDK's HTTP transport."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.description = self.url

    def transport(self) -> Transport:
        return HTTPTransport(self.url, self.timeout_s)

    def last_steps(self, run_id: str) -> dict[str, int]:
        address = f"{self.url}/api/v1/runs/{urllib.parse.quote(run_id)}/keys"
        try:
            with urllib.request.urlopen(address, timeout=self.timeout_s) as answer:
                keys = json.loads(answer.read())["keys"]
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return {}
            raise TransportError(f"the server answered {exc.code} to {address}") from exc
        except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
            raise TransportError(f"cannot ask {address}: {exc}") from exc
        return {str(k["key"]): int(k["last_step"]) for k in keys}


class StoreTarget:
    """The store itself, written by this process (no server is running)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.description = f"the store at {settings.database_url}"
        self._limits = BatchLimits(settings.max_key_length, settings.max_batch_points)

    def transport(self) -> Transport:
        return self

    def last_steps(self, run_id: str) -> dict[str, int]:
        try:
            return {k.key: k.last_step for k in self.store.list_keys(run_id)}
        except NotFoundError:
            return {}
        except (StoreError, SQLAlchemyError) as exc:
            raise TransportError(f"the store cannot be read: {exc}") from exc

    def send(self, op: Op) -> None:
        """Do what the HTTP API would do with an operation."""
        try:
            apply_op(self.store, op, self._limits)
        except (StoreError, SQLAlchemyError) as exc:
            raise TransportError(f"the store failed {op.get('op')}: {exc}") from exc


@contextmanager
def open_target(settings: Settings, client: ClientSettings) -> Iterator[Target]:
    """The server at `client.url` if it answers, else the configured store (closed after)."""
    if server_answers(client.url):
        yield HTTPTarget(client.url, client.timeout_s)
        return
    store = open_store(settings.database_url)
    try:
        if settings.is_embedded:
            store.upgrade()
        else:
            store.check_schema()
        yield StoreTarget(store, settings)
    finally:
        store.close()
