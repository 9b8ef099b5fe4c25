"""`lowtide sync`: send the local spool to a server, or into the local store directly."""

from __future__ import annotations

from dataclasses import dataclass

from lowtide.config import Settings
from lowtide.sdk.settings import ClientSettings
from lowtide.sdk.spool import Spool
from lowtide.sdk.transport import HTTPTransport, server_answers
from lowtide.server.ops import apply_op
from lowtide.store import open_store


@dataclass(frozen=True)
class SyncResult:
    """Where the spool went and what was left."""

    target: str
    sent: int
    rejected: int
    remaining: int
    busy: bool


def sync(settings: Settings, client: ClientSettings, *, direct: bool = False) -> SyncResult:
    """Drain the spool to the server at `client.url`, or into the store when none answers."""
    spool = Spool(client.spool_dir, max_bytes=0)
    if not direct and server_answers(client.url):
        transport = HTTPTransport(client.url, client.timeout_s)
        try:
            result = spool.drain(transport.send)
        finally:
            transport.close()
        target = client.url
    else:
        store = open_store(settings.database_url)
        try:
            if settings.is_embedded:
                store.upgrade()
            else:
                store.check_schema()
            result = spool.drain(lambda op: apply_op(store, settings, op))
        finally:
            store.close()
        target = "the store directly"
    return SyncResult(target, result.sent, result.rejected, result.remaining, result.busy)
