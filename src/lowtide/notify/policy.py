"""Which notices notify, and when: severity routing, quiet hours, mutes, acks, the digest.

Pure decisions on an injected clock (seconds since the epoch); the
dispatcher acts on them. The rules:

- Pages always notify, at once. During quiet hours too, when
  `pages_override_quiet` is set (the default); otherwise they are held.
- Warnings go to the daily digest. With `notify_warnings` they also go out
  at once (outside quiet hours).
- Info events (a run looks done) notify only through the end-of-run summary.
- A resolution notifies when its incident did: page incidents always, warning
  incidents with `notify_warnings`; it is never urgent.
- Summaries, digests and caller-written messages below page are not urgent.
- Anything not urgent is held during quiet hours and sent when they end.
- Muted runs and projects, and acknowledged incidents, never notify; this is
  checked again when held or rate-limited messages finally go out.
- The digest goes out once a day at `digest_at` local time, when non-empty.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from lowtide.core.health import Action, Incident, RuleId, Severity
from lowtide.notify.config import NotifyConfig, QuietHours
from lowtide.notify.notices import EventNotice, Notice, RunInfo, is_urgent

#: Warning incidents kept for one digest; past this the oldest are forgotten (the
#: dashboard keeps them all), so a flood cannot grow memory without bound.
DIGEST_BOOK_LIMIT = 1000
#: Acknowledged incidents remembered; the oldest are forgotten first (they are long over).
ACK_LIMIT = 10_000

IncidentKey = tuple[str, RuleId, float]


def incident_key(incident: Incident) -> IncidentKey:
    """One incident's identity: its run, its rule, and when it opened."""
    return (incident.run_id, incident.rule, incident.opened_at)


class Route(StrEnum):
    """What to do with a notice now."""

    SEND = "send"
    HOLD = "hold"
    DIGEST = "digest"
    SKIP = "skip"


@dataclass(frozen=True)
class Decision:
    """A routing decision: `digest` also keeps the notice for the day's digest."""

    route: Route
    reason: str
    urgent: bool = False
    digest: bool = False


@dataclass(frozen=True)
class Digest:
    """The warnings collected since the last digest, for the local day `day`."""

    day: date
    entries: tuple[EventNotice, ...]


class Silences:
    """Mutes and acknowledgements; changed from any thread while the notifier reads them.

    Args:
        acknowledged: asked about each incident too (for acks kept in the store).
    """

    def __init__(
        self,
        muted_projects: Iterable[str] = (),
        muted_runs: Iterable[str] = (),
        acknowledged: Callable[[Incident], bool] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._projects: dict[str, float | None] = dict.fromkeys(muted_projects)
        self._runs: dict[str, float | None] = dict.fromkeys(muted_runs)
        self._acks: dict[IncidentKey, None] = {}
        self._acknowledged = acknowledged

    def mute_run(self, run_id: str, until: float | None = None) -> None:
        """No notifications about this run (until `until`, or for good)."""
        with self._lock:
            self._runs[run_id] = until

    def mute_project(self, project: str, until: float | None = None) -> None:
        """No notifications about this project's runs (until `until`, or for good)."""
        with self._lock:
            self._projects[project] = until

    def unmute_run(self, run_id: str) -> None:
        with self._lock:
            self._runs.pop(run_id, None)

    def unmute_project(self, project: str) -> None:
        with self._lock:
            self._projects.pop(project, None)

    def acknowledge(self, incident: Incident) -> None:
        """Someone is on it: this incident notifies no more (a new one of its rule does)."""
        with self._lock:
            self._acks[incident_key(incident)] = None
            if len(self._acks) > ACK_LIMIT:
                del self._acks[next(iter(self._acks))]

    def is_muted(self, run: RunInfo, now: float) -> bool:
        """Whether notices about the run are muted at `now`."""
        with self._lock:
            mutes = [self._runs.get(run.run_id, 0.0)]
            if run.project is not None:
                mutes.append(self._projects.get(run.project, 0.0))
        return any(until is None or until > now for until in mutes)

    def is_acknowledged(self, incident: Incident) -> bool:
        with self._lock:
            if incident_key(incident) in self._acks:
                return True
        return self._acknowledged is not None and self._acknowledged(incident)


def in_window(at: time, window: QuietHours) -> bool:
    """Whether a local time of day falls in the window (which may span midnight)."""
    if window.start < window.end:
        return window.start <= at < window.end
    return at >= window.start or at < window.end


class Policy:
    """The notification rules for one `NotifyConfig` (see the module docstring)."""

    def __init__(
        self,
        config: NotifyConfig,
        clock: Callable[[], float],
        silences: Silences | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.zone = config.zone()
        self.silences = silences or Silences(config.muted_projects, config.muted_runs)
        self._book: dict[IncidentKey, EventNotice] = {}
        local = self.local(clock())
        # A digest time already past today counts as done: the first digest collects
        # from now on rather than going out at once with nearly nothing in it.
        today = local.date()
        self._digest_done = today if local.time() >= config.digest_at else today - timedelta(1)

    def local(self, now: float) -> datetime:
        """`now` in the user's time zone."""
        return datetime.fromtimestamp(now, self.zone)

    # -- what notifies -------------------------------------------------------------

    def suppressed(self, notice: Notice, now: float | None = None) -> str | None:
        """Why the notice must not notify (muted, acknowledged), or None."""
        now = self.clock() if now is None else now
        run = notice.run
        if run is not None and self.silences.is_muted(run, now):
            return f"run {run.label} is muted"
        if isinstance(notice, EventNotice) and self.silences.is_acknowledged(notice.event.incident):
            return "the incident is acknowledged"
        return None

    def decide(self, notice: Notice, now: float | None = None) -> Decision:
        """Send now, hold for the end of quiet hours, keep for the digest, or skip."""
        now = self.clock() if now is None else now
        reason = self.suppressed(notice, now)
        if reason:
            return Decision(Route.SKIP, reason)
        urgent = is_urgent(notice)
        digest = False
        if isinstance(notice, EventNotice):
            severity = notice.event.incident.severity
            if severity is Severity.INFO:
                return Decision(Route.SKIP, "info events notify only in the end-of-run summary")
            if severity is Severity.WARN:
                digest = True
                if not self.config.notify_warnings:
                    return Decision(Route.DIGEST, "warnings go to the daily digest", digest=True)
        if self.in_quiet_hours(now) and not (urgent and self.config.pages_override_quiet):
            return Decision(Route.HOLD, "quiet hours", urgent=urgent, digest=digest)
        return Decision(Route.SEND, "page" if urgent else "notify", urgent=urgent, digest=digest)

    # -- quiet hours ------------------------------------------------------------------

    def in_quiet_hours(self, now: float | None = None) -> bool:
        """Whether `now` falls in the user's quiet hours."""
        window = self.config.quiet_hours
        if window is None:
            return False
        now = self.clock() if now is None else now
        return in_window(self.local(now).time(), window)

    def quiet_ends_at(self, now: float | None = None) -> float | None:
        """When the current quiet hours end (epoch seconds); None outside them."""
        now = self.clock() if now is None else now
        window = self.config.quiet_hours
        if window is None or not self.in_quiet_hours(now):
            return None
        local = self.local(now)
        end = datetime.combine(local.date(), window.end, tzinfo=self.zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(1), window.end, tzinfo=self.zone)
        return end.timestamp()

    # -- the daily digest ------------------------------------------------------------

    def collect(self, notice: EventNotice) -> None:
        """Keep a warning for the digest; its later updates and resolution replace it."""
        key = incident_key(notice.event.incident)
        if notice.event.action is Action.RESOLVED and key not in self._book:
            return
        self._book.pop(key, None)  # re-inserted last: the book stays in order of news
        self._book[key] = notice
        if len(self._book) > DIGEST_BOOK_LIMIT:
            del self._book[next(iter(self._book))]

    def digest_due(self, now: float | None = None) -> bool:
        """Whether today's digest time has come and today's digest has not gone out."""
        now = self.clock() if now is None else now
        local = self.local(now)
        return local.date() > self._digest_done and local.time() >= self.config.digest_at

    def take_digest(self, now: float | None = None) -> Digest | None:
        """The digest, once a day when due; None when not due or nothing to tell."""
        now = self.clock() if now is None else now
        if not self.digest_due(now):
            return None
        day = self.local(now).date()
        self._digest_done = day
        entries = tuple(n for n in self._book.values() if self.suppressed(n, now) is None)
        self._book.clear()
        return Digest(day, entries) if entries else None

    def next_digest_at(self, now: float | None = None) -> float:
        """When the next digest is due (epoch seconds); `now` if it is due already."""
        now = self.clock() if now is None else now
        if self.digest_due(now):
            return now
        local = self.local(now)
        day = local.date() if local.date() > self._digest_done else local.date() + timedelta(1)
        return datetime.combine(day, self.config.digest_at, tzinfo=self.zone).timestamp()
