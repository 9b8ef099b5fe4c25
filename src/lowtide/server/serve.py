"""Running the server: migrate the embedded store, then hand the app to uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from lowtide.config import Settings
from lowtide.server.app import create_app
from lowtide.store import Store

log = logging.getLogger(__name__)


def prepare_store(settings: Settings, store: Store) -> None:
    """Upgrade the embedded store by itself; a shared database must be upgraded on purpose."""
    if settings.is_embedded:
        store.upgrade()
    else:
        store.check_schema()


def serve(settings: Settings, store: Store) -> None:
    """Serve until interrupted."""
    prepare_store(settings, store)
    app = create_app(settings, store, import_spool=settings.is_embedded)
    log.info("lowtide store: %s", _safe_url(settings.database_url))
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        log_level="info",
        access_log=False,
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
