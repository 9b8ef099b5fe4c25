"""The app factory: `create_app(settings, store)` builds, and does no I/O."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from lowtide import __version__
from lowtide.config import Settings
from lowtide.server.api import build_router
from lowtide.server.api_health import build_health_router
from lowtide.server.api_notify import build_notify_router
from lowtide.server.api_opportunities import build_opportunities_router
from lowtide.server.api_plan import build_plan_router
from lowtide.server.api_projects import build_projects_router
from lowtide.server.dashboard import mount_dashboard
from lowtide.server.dashboard.routes import templates as dashboard_templates
from lowtide.server.dashboard.writeups import build_writeups_router
from lowtide.server.errors import install_error_handlers
from lowtide.server.health_worker import HealthWorker
from lowtide.server.mlflow_api import build_mlflow_router
from lowtide.server.mlflow_artifacts import build_artifacts_router
from lowtide.server.notifier import Notifier
from lowtide.server.spool_import import SpoolImporter
from lowtide.store import Store
from lowtide.store.artifacts import ArtifactStore


def create_app(
    settings: Settings,
    store: Store,
    *,
    import_spool: bool = False,
    health: HealthWorker | None = None,
    notifier: Notifier | None = None,
) -> FastAPI:
    """The lowtide server for one store.

    With `import_spool`, a background thread takes in what SDK processes left
    in the local spool folder while the server was down. With `health`, every
    batch is judged by the health engine (started and stopped with the app),
    unless the settings turn it off (`LOWTIDE_HEALTH=off`). With `notifier`, what the
    engine finds reaches the configured channels.
    """
    if not settings.health:
        health = None
    importer = SpoolImporter(settings.spool_dir, store, settings, health) if import_spool else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if notifier is not None:
            notifier.start()
        if health is not None:
            health.start()
        if importer is not None:
            importer.start(settings.spool_scan_seconds)
        try:
            yield
        finally:
            if importer is not None:
                importer.stop()
            if health is not None:
                health.stop()
            if notifier is not None:
                notifier.stop()

    app = FastAPI(
        title="lowtide",
        version=__version__,
        summary="Know when your ML projects need you, and make the lows count.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(build_router(settings, store, health))
    app.include_router(build_health_router(store, health))
    app.include_router(build_notify_router(store, notifier))
    app.include_router(build_projects_router(store))
    app.include_router(build_opportunities_router(store))
    app.include_router(build_plan_router(store))
    app.include_router(build_mlflow_router(settings, store, health))
    app.include_router(build_artifacts_router(ArtifactStore(settings.artifacts_dir)))
    mount_dashboard(app, store, can_notify=notifier is not None)
    app.include_router(build_writeups_router(store, settings.writeups_dir, dashboard_templates()))

    return app
