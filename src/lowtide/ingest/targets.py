"""Where `lowtide watch` delivers: the server when one answers, else the store itself.

A target hands each watched run's SDK sender a transport (the SDK's seam:
deliver one operation, raise TransportError to retry later) and says which
steps a run already holds, so that a restarted watcher sends nothing twice.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from lowtide.config import Settings
from lowtide.core.batch import BatchLimits, parse_batch
from lowtide.core.records import RunSpec, RunStatus
from lowtide.errors import (
    ConflictError,
    NotFoundError,
    RejectedError,
    StoreError,
    TransportError,
    ValidationError,
)
from lowtide.sdk.ops import Op
from lowtide.sdk.settings import ClientSettings
from lowtide.sdk.transport import HTTPTransport, Transport
from lowtide.store import Store, open_store

#: Seconds to wait for the server's health answer before writing into the store.
PROBE_TIMEOUT_S = 2.0


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
            self._apply(op)
        except (ValidationError, NotFoundError, ConflictError) as exc:
            raise RejectedError(str(exc), 404 if isinstance(exc, NotFoundError) else 422) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise RejectedError(f"a malformed {op.get('op')} operation: {exc}", 422) from exc
        except (StoreError, SQLAlchemyError) as exc:
            raise TransportError(f"the store failed {op.get('op')}: {exc}") from exc

    def _apply(self, op: Op) -> None:
        kind, run_id, body = op["op"], str(op.get("run_id", "")), op.get("body") or {}
        if kind == "create_run":
            self.store.create_run(
                RunSpec(
                    project=body["project"],
                    name=body.get("name"),
                    uid=body.get("id") or run_id,
                    config=dict(body.get("config") or {}),
                    tags=tuple(body.get("tags") or ()),
                    started_at=body.get("started_at"),
                    planned_steps=body.get("planned_steps"),
                )
            )
        elif kind == "log":
            self.store.log_batch(run_id, parse_batch(body, self._limits, time.time()))
        elif kind == "heartbeat":
            self.store.heartbeat(run_id)
        elif kind == "finish":
            status = RunStatus(body.get("status", RunStatus.FINISHED.value))
            self.store.finish_run(run_id, status, message=str(body.get("message", "")))
        else:
            raise ValidationError(f"unknown operation {kind!r}")


def server_answers(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """True when a lowtide server answers at `url`."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/api/v1/health", timeout=timeout_s) as a:
            return bool(a.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


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
