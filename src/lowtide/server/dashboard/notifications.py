"""The Notifications page: the channels each scope sends to, and what became of messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lowtide.core.records import DeliveryRecord
from lowtide.notify import mask_url
from lowtide.notify.dispatcher import DeliveryStatus
from lowtide.server.notifier import USER_SCOPE
from lowtide.store import Store

#: Deliveries shown at most (the newest), and read to filter by status.
DELIVERIES_SHOWN = 200
DELIVERIES_READ = 1000
#: The scope filter's value for the user's own settings.
YOU = "you"


@dataclass(frozen=True)
class ChannelSet:
    """One scope's settings: whose, its channels (masked) and when it sends."""

    scope: str  # "" for yours, else a project's name
    channels: list[str]
    timezone: str
    quiet_hours: str | None
    digest_at: str
    per_hour: float
    warnings_at_once: bool

    @property
    def label(self) -> str:
        return "You (every project without its own)" if self.scope == USER_SCOPE else self.scope


@dataclass(frozen=True)
class DeliveryFilters:
    """The form as typed, and what was wrong with it, by field."""

    scope_text: str = ""
    status_text: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.scope_text or self.status_text)

    @property
    def scope(self) -> str | None:
        """The stored scope asked for ("" for yours), or None for every scope."""
        if not self.scope_text:
            return None
        return USER_SCOPE if self.scope_text == YOU else self.scope_text


@dataclass(frozen=True)
class NotificationsView:
    channels: list[ChannelSet]
    deliveries: list[DeliveryRecord]
    scopes: list[str]
    statuses: list[str]
    can_test: bool
    truncated: bool = False


def parse_delivery_filters(query: Mapping[str, str], scopes: list[str]) -> DeliveryFilters:
    """`scope` (`you` or a project) and `status`; an unknown one is an error next to its field."""
    scope = query.get("scope", "").strip()
    status = query.get("status", "").strip().lower()
    errors: dict[str, str] = {}
    if scope and scope != YOU and scope not in scopes:
        errors["scope"] = (
            f"“{scope}” has no notification settings. Pick “{YOU}” or a project from the list."
        )
    if status and status not in {s.value for s in DeliveryStatus}:
        names = ", ".join(s.value for s in DeliveryStatus)
        errors["status"] = f"“{status}” is not a delivery status. Use one of: {names}."
    return DeliveryFilters(scope_text=scope, status_text=status, errors=errors)


def notification_scopes(store: Store) -> list[str]:
    """Projects that have settings of their own, or messages on record."""
    stored = store.notify_settings()
    sent = {d.scope for d in store.list_deliveries(limit=DELIVERIES_READ)}
    return sorted((set(stored) | sent) - {USER_SCOPE})


def notifications_view(store: Store, filters: DeliveryFilters, can_test: bool) -> NotificationsView:
    """Channels of every scope, and the deliveries that pass the filters, newest first."""
    stored = store.notify_settings()
    channels = [
        ChannelSet(
            scope=scope,
            channels=[mask_url(u) for u in raw.get("channels", [])],
            timezone=str(raw.get("timezone", "UTC")),
            quiet_hours=raw.get("quiet_hours"),
            digest_at=str(raw.get("digest_at", "")),
            per_hour=float(raw.get("per_hour", 0)),
            warnings_at_once=bool(raw.get("notify_warnings")),
        )
        for scope, raw in sorted(stored.items())
    ]
    scopes = notification_scopes(store)
    found: list[DeliveryRecord] = []
    if not filters.errors:
        found = store.list_deliveries(filters.scope, DELIVERIES_READ)
        if filters.status_text:
            found = [d for d in found if d.status == filters.status_text]
    return NotificationsView(
        channels=channels,
        deliveries=found[:DELIVERIES_SHOWN],
        scopes=scopes,
        statuses=[s.value for s in DeliveryStatus],
        can_test=can_test,
        truncated=len(found) > DELIVERIES_SHOWN,
    )
