"""Running the server: migrate the embedded store, then hand the app to uvicorn."""

from __future__ import annotations

import logging
import socket

import uvicorn

from lowtide.config import Settings
from lowtide.errors import ConfigError
from lowtide.server.app import create_app
from lowtide.server.health_worker import HealthWorker
from lowtide.server.notifier import Notifier
from lowtide.store import Store

log = logging.getLogger(__name__)

#: Seconds a stopping server waits for requests under way (a page following a run live
#: holds a stream open; its browser reconnects to the next server by itself).
SHUTDOWN_GRACE_S = 5


def prepare_store(settings: Settings, store: Store) -> None:
    """Upgrade the embedded store by itself; a shared database must be upgraded on purpose."""
    if settings.is_embedded:
        store.upgrade()
    else:
        store.check_schema()


def serve(settings: Settings, store: Store) -> None:
    """Serve until interrupted; a taken port is a clear error before anything starts."""
    sock = bind(settings.host, settings.port)
    try:
        prepare_store(settings, store)
        if not store.list_runs(limit=1) and not store.list_projects():
            log.info("the store is empty: `lowtide demo` fills it with an example")
        notifier = Notifier(store)
        app = create_app(
            settings,
            store,
            import_spool=settings.is_embedded,
            health=HealthWorker(store, announce=notifier.announce),
            notifier=notifier,
        )
        log.info("lowtide store: %s", _safe_url(settings.database_url))
        config = uvicorn.Config(
            app,
            loop="uvloop",
            http="httptools",
            log_level="info",
            access_log=False,
            timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or ConfigError saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {host!r}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        hint = " (is another lowtide server running?) — choose another with --port"
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}{hint}") from None
    sock.set_inheritable(True)
    return sock


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
