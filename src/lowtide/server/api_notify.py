"""The HTTP API for notifications: where and when to notify, a test message, deliveries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from lowtide.errors import NotFoundError
from lowtide.notify import AppriseChannel, mask_url
from lowtide.notify.config import (
    DEFAULT_BURST,
    DEFAULT_PER_HOUR,
    config_from_json,
    config_to_json,
)
from lowtide.server.notifier import USER_SCOPE, Notifier
from lowtide.server.responses import JSONBody
from lowtide.store import Store

#: Longest Apprise URL accepted.
URL_LENGTH = 2000


class NotifySettingsIn(BaseModel):
    """Where and when to notify: Apprise URLs, time zone, quiet hours, rate, digest."""

    model_config = ConfigDict(extra="forbid")

    channels: list[Annotated[str, Field(min_length=1, max_length=URL_LENGTH)]] = Field(
        default_factory=list,
        description="Apprise URLs: slack://..., ntfy://topic, json://host/path, mailto://...",
    )
    timezone: str = Field(default="UTC", description="IANA name, such as Europe/Paris.")
    quiet_hours: str | None = Field(
        default=None, description="START-END in local time, such as 22:00-07:00."
    )
    pages_override_quiet: bool = True
    digest_at: str = Field(default="09:00", description="Local time of the daily digest.")
    per_hour: float = Field(default=DEFAULT_PER_HOUR, gt=0)
    burst: int = Field(default=DEFAULT_BURST, ge=1)
    notify_warnings: bool = Field(
        default=False, description="Send warnings at once too, not only in the digest."
    )
    base_url: str | None = Field(default=None, description="The dashboard's address, for links.")


def build_notify_router(store: Store, notifier: Notifier | None) -> APIRouter:
    """Routes for notification settings and the record of deliveries."""
    router = APIRouter(prefix="/api/v1", tags=["notifications"])

    def shown(scope: str, raw: dict[str, Any]) -> dict[str, Any]:
        return {
            "scope": "user" if scope == USER_SCOPE else "project",
            "project": scope or None,
            **raw,
            "channels": [mask_url(u) for u in raw.get("channels", [])],
        }

    async def save(scope: str, body: NotifySettingsIn) -> JSONBody:
        raw = body.model_dump()
        config = config_from_json(raw)
        for url in config.channels:
            AppriseChannel(url)  # an unusable URL is a 422 now, not a failed send later
        stored = config_to_json(config)
        await run_in_threadpool(store.set_notify_settings, scope, stored)
        if notifier is not None:
            await run_in_threadpool(notifier.reload, True)
        return JSONBody(shown(scope, stored))

    @router.get("/notify")
    async def get_settings() -> JSONBody:
        """Your notification settings and each project's own (channel secrets masked)."""
        stored = await run_in_threadpool(store.notify_settings)
        return JSONBody({"settings": [shown(s, raw) for s, raw in sorted(stored.items())]})

    @router.put("/notify")
    async def set_user_settings(body: NotifySettingsIn) -> JSONBody:
        """Set your notification settings (every project without its own uses them)."""
        return await save(USER_SCOPE, body)

    @router.put("/projects/{project}/notify")
    async def set_project_settings(
        project: Annotated[str, Path(min_length=1, max_length=200)], body: NotifySettingsIn
    ) -> JSONBody:
        """Set a project's own notification settings, used instead of yours for its runs."""
        return await save(project, body)

    @router.delete("/projects/{project}/notify", status_code=204)
    async def delete_project_settings(
        project: Annotated[str, Path(min_length=1, max_length=200)],
    ) -> Response:
        """Remove a project's own settings: its runs notify through yours again."""
        stored = await run_in_threadpool(store.notify_settings)
        if project not in stored:
            raise NotFoundError(f"project {project!r} has no notification settings of its own")
        await run_in_threadpool(store.set_notify_settings, project, None)
        if notifier is not None:
            await run_in_threadpool(notifier.reload, True)
        return Response(status_code=204)

    @router.post("/notify/test", status_code=202)
    async def send_test(
        project: Annotated[str | None, Query(max_length=200)] = None,
    ) -> JSONBody:
        """Send a test message through the channels that a project's runs would use."""
        if notifier is None:
            raise NotFoundError("this server sends no notifications")
        channels = await run_in_threadpool(notifier.send_test, project)
        return JSONBody({"queued": True, "channels": channels}, status_code=202)

    @router.get("/notify/deliveries")
    async def list_deliveries(
        project: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> JSONBody:
        """What became of each message on each channel, newest first."""
        found = await run_in_threadpool(lambda: store.list_deliveries(project, limit))
        return JSONBody({"deliveries": [d.to_json() for d in found]})

    return router
