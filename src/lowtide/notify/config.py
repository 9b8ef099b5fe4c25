"""How one user (or project) wants to be notified: channels, hours, limits.

Built by the caller per user or project; nothing here reads the environment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lowtide.errors import ConfigError, ValidationError

#: Messages each channel may send per hour before they are held back and merged:
#: an engineer reads a handful an hour; chat services throttle far above this.
DEFAULT_PER_HOUR = 20.0
#: Messages a channel may send at once before the hourly rate applies.
DEFAULT_BURST = 5
#: Local time at which the day's digest of warnings goes out.
DEFAULT_DIGEST_AT = time(9, 0)
#: Seconds a channel may take to connect or answer before the attempt fails
#: (each retry gets as long again).
DEFAULT_CHANNEL_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class QuietHours:
    """A daily window, in the user's time zone, when only pages may go out.

    `start` after `end` spans midnight (22:00 to 07:00); `start == end` is rejected.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ConfigError(
                f"quiet hours start and end at the same time ({self.start:%H:%M}); "
                "give two different times, or no quiet hours"
            )


@dataclass(frozen=True)
class RateLimit:
    """A token bucket per channel: `burst` messages at once, `per_hour` on average."""

    per_hour: float = DEFAULT_PER_HOUR
    burst: int = DEFAULT_BURST

    def __post_init__(self) -> None:
        if not (math.isfinite(self.per_hour) and self.per_hour > 0):
            raise ConfigError(f"rate limit per_hour must be a positive number, not {self.per_hour}")
        if self.burst < 1:
            raise ConfigError(f"rate limit burst must be at least 1, not {self.burst}")


@dataclass(frozen=True)
class NotifyConfig:
    """Where and when to notify one user or project.

    Attributes:
        channels: Apprise URLs, one per channel (`slack://...`, `ntfy://topic`,
            `json://host/path`, `mailto://...`).
        timezone: IANA name of the user's time zone; quiet hours and the digest use it.
        quiet_hours: when only pages go out; None (the default) for none, since a
            window means nothing until the user's time zone is known.
        pages_override_quiet: pages go out during quiet hours too.
        digest_at: local time of the daily digest of warnings.
        rate_limit: per channel.
        notify_warnings: send warnings at once as well, not only in the digest.
        base_url: the dashboard's address, for links to runs; None for no links.
        muted_projects, muted_runs: never notify about these.
        channel_timeout_s: connect and read timeout of one send.
    """

    channels: Sequence[str] = ()
    timezone: str = "UTC"
    quiet_hours: QuietHours | None = None
    pages_override_quiet: bool = True
    digest_at: time = DEFAULT_DIGEST_AT
    rate_limit: RateLimit = field(default_factory=RateLimit)
    notify_warnings: bool = False
    base_url: str | None = None
    muted_projects: frozenset[str] = frozenset()
    muted_runs: frozenset[str] = frozenset()
    channel_timeout_s: float = DEFAULT_CHANNEL_TIMEOUT_S

    def __post_init__(self) -> None:
        if isinstance(self.channels, str):
            raise ConfigError("channels must be a list of URLs, not one string")
        # Frozen and hashable whatever sequence the caller built it from.
        object.__setattr__(self, "channels", tuple(self.channels))
        object.__setattr__(self, "muted_projects", frozenset(self.muted_projects))
        object.__setattr__(self, "muted_runs", frozenset(self.muted_runs))
        self.zone()  # fail now, not at the first quiet-hours check
        if not (math.isfinite(self.channel_timeout_s) and self.channel_timeout_s > 0):
            raise ConfigError(
                f"channel_timeout_s must be a positive number of seconds, "
                f"not {self.channel_timeout_s}"
            )

    def zone(self) -> ZoneInfo:
        """The user's time zone."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"unknown time zone {self.timezone!r}; use an IANA name such as "
                "'Europe/Paris' or 'America/New_York'"
            ) from exc


def parse_clock(text: str, field: str) -> time:
    """`HH:MM` as a time of day."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValidationError(f"{text!r} is not a time of day; write HH:MM", field=field) from None


def parse_quiet_hours(text: str) -> QuietHours:
    """`22:00-07:00` as quiet hours."""
    start, sep, end = text.partition("-")
    if not sep:
        raise ValidationError(
            f"{text!r} are not quiet hours; write START-END, such as 22:00-07:00",
            field="quiet_hours",
        )
    try:
        return QuietHours(parse_clock(start, "quiet_hours"), parse_clock(end, "quiet_hours"))
    except ConfigError as exc:
        raise ValidationError(str(exc), field="quiet_hours") from None


def config_to_json(config: NotifyConfig) -> dict[str, Any]:
    """The stored form of a config (mutes live in the store's own table)."""
    quiet = config.quiet_hours
    return {
        "channels": list(config.channels),
        "timezone": config.timezone,
        "quiet_hours": f"{quiet.start:%H:%M}-{quiet.end:%H:%M}" if quiet else None,
        "pages_override_quiet": config.pages_override_quiet,
        "digest_at": f"{config.digest_at:%H:%M}",
        "per_hour": config.rate_limit.per_hour,
        "burst": config.rate_limit.burst,
        "notify_warnings": config.notify_warnings,
        "base_url": config.base_url,
    }


def config_from_json(data: Mapping[str, Any]) -> NotifyConfig:
    """A config from its stored form; unknown or bad fields raise ValidationError naming them."""
    unknown = set(data) - set(config_to_json(NotifyConfig()))
    if unknown:
        raise ValidationError(f"unknown setting {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    channels = data.get("channels", [])
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise ValidationError("channels must be a list of Apprise URLs", field="channels")
    quiet = data.get("quiet_hours")
    try:
        rate = RateLimit(
            float(data.get("per_hour", DEFAULT_PER_HOUR)), int(data.get("burst", DEFAULT_BURST))
        )
    except (ConfigError, TypeError, ValueError) as exc:
        raise ValidationError(f"bad rate limit: {exc}", field="per_hour") from None
    try:
        return NotifyConfig(
            channels=tuple(channels),
            timezone=str(data.get("timezone", "UTC")),
            quiet_hours=parse_quiet_hours(quiet) if quiet else None,
            pages_override_quiet=bool(data.get("pages_override_quiet", True)),
            digest_at=parse_clock(str(data.get("digest_at", "09:00")), "digest_at"),
            rate_limit=rate,
            notify_warnings=bool(data.get("notify_warnings", False)),
            base_url=data.get("base_url") or None,
        )
    except ConfigError as exc:
        raise ValidationError(str(exc), field="timezone") from None
