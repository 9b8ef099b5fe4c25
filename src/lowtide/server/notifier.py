"""The server's notifier: health events and run ends become messages on the user's channels.

The health worker's reader thread hands every incident event to `announce()`.
It looks up the run, skips what a mute covers, adds the recent values of the
series for a sparkline, and submits the notice to the dispatcher of the run's
project (or the user's, when the project has no settings of its own). A run
that ends gets one summary. The dispatchers send in their own threads, so a
slow channel never holds up ingestion or judging, and each attempt is
recorded in the store.

Settings live in the store and may be changed by the API or the CLI while the
server runs; they are read again when they have changed, at most every
`RELOAD_S` seconds.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from lowtide.core.health import Action, Incident, IncidentEvent, RuleId, Severity
from lowtide.core.health.kinds import headline_metric
from lowtide.core.records import IncidentRecord, RunRecord
from lowtide.errors import LowtideError, NotFoundError
from lowtide.notify import (
    Channel,
    Delivery,
    Dispatcher,
    EventNotice,
    Message,
    Notice,
    NotifyConfig,
    RetryPolicy,
    RunInfo,
    RunSummary,
    Silences,
)
from lowtide.notify.config import config_from_json
from lowtide.server.outlook import best_of, overrides
from lowtide.store import Store

log = logging.getLogger(__name__)

#: Scope of the user's own settings; every other scope is a project's name.
USER_SCOPE = ""
#: Seconds between two looks at whether the stored settings changed.
RELOAD_S = 2.0
#: Values of the incident's series drawn as a sparkline in the message.
RECENT_VALUES = 40
#: Runs whose end-of-run summary was sent, remembered so a run is summed up once.
SUMMARIZED_LIMIT = 10_000

ChannelFactory = Callable[[str, NotifyConfig], Sequence[Channel]]


class Notifier:
    """Dispatchers per scope, fed from the health worker, recording into the store.

    Args:
        channels: builds the channels of a scope instead of Apprise (tests, sinks).
        retry: backoff of failed sends.
    """

    def __init__(
        self,
        store: Store,
        *,
        channels: ChannelFactory | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        reload_s: float = RELOAD_S,
    ) -> None:
        self._store = store
        self._channels = channels
        self._retry = retry
        self._clock = clock
        self._reload_s = reload_s
        self._lock = threading.Lock()
        self._dispatchers: dict[str, Dispatcher] = {}
        self._configs: dict[str, NotifyConfig] = {}
        self._version: tuple[int, float] | None = None
        self._checked_at = -math.inf
        self._summarized: dict[str, None] = {}
        self._silences = Silences(acknowledged=self._acknowledged)
        self._started = False

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Read the settings and start a dispatcher per scope that has channels."""
        with self._lock:
            self._started = True
        self.reload(force=True)

    def stop(self) -> None:
        """Send what is queued (within the dispatchers' close timeout), then stop."""
        with self._lock:
            self._started = False
            dispatchers, self._dispatchers = list(self._dispatchers.values()), {}
        for d in dispatchers:
            d.close()

    def reload(self, force: bool = False) -> None:
        """Rebuild the dispatchers whose settings changed in the store."""
        now = time.monotonic()
        if not force and now - self._checked_at < self._reload_s:
            return
        self._checked_at = now
        try:
            version = self._store.notify_settings_version()
            if not force and version == self._version:
                return
            stored = self._store.notify_settings()
        except LowtideError as exc:
            log.warning("could not read the notification settings: %s", exc)
            return
        configs: dict[str, NotifyConfig] = {}
        for scope, raw in stored.items():
            try:
                configs[scope] = config_from_json(raw)
            except LowtideError as exc:
                log.warning("notification settings of %r are unusable: %s", scope or "you", exc)
        old: list[Dispatcher] = []
        with self._lock:
            if not self._started:
                return
            self._version = version
            for scope in set(self._dispatchers) | set(configs):
                if self._configs.get(scope) == configs.get(scope) and scope in self._dispatchers:
                    continue
                if scope in self._dispatchers:
                    old.append(self._dispatchers.pop(scope))
                config = configs.get(scope)
                if config is not None and config.channels:
                    self._dispatchers[scope] = self._build(scope, config)
            self._configs = configs
        for d in old:
            d.close()

    def _build(self, scope: str, config: NotifyConfig) -> Dispatcher:
        def record(delivery: Delivery) -> None:
            try:
                self._store.record_delivery(
                    scope=scope,
                    channel=delivery.channel,
                    title=delivery.title,
                    status=delivery.status.value,
                    attempts=delivery.attempts,
                    error=delivery.error,
                    at=delivery.at,
                )
            except LowtideError as exc:
                log.warning("could not record a delivery: %s", exc)

        channels = self._channels(scope, config) if self._channels else None
        dispatcher = Dispatcher(
            config,
            record,
            channels=channels,
            clock=self._clock,
            retry=self._retry,
            silences=self._silences,
        )
        dispatcher.start()
        return dispatcher

    # -- what to tell --------------------------------------------------------------------

    def announce(self, run_id: str, event: IncidentEvent) -> None:
        """Tell the run's owner of a health event (called off the request path)."""
        self.reload()
        try:
            run = self._store.get_run(run_id)
        except LowtideError:
            return
        incident = event.incident
        if incident.rule is RuleId.DONE:
            if event.action is Action.OPENED:
                self.summarize(run)
            elif event.action is Action.RESOLVED:
                with self._lock:  # it was not over after all: its real end gets a summary
                    self._summarized.pop(run.uid, None)
            return
        if self._muted(run, incident.rule.value):
            return
        self._submit(run.project, EventNotice(event, _info(run), self._recent(run, incident)))

    def summarize(self, run: RunRecord) -> None:
        """Send the end-of-run summary of a run, once."""
        with self._lock:
            if run.uid in self._summarized:
                return
            self._summarized[run.uid] = None
            if len(self._summarized) > SUMMARIZED_LIMIT:
                del self._summarized[next(iter(self._summarized))]
        if self._muted(run, RuleId.DONE.value):
            return
        try:
            summary = self._summary(run)
        except LowtideError as exc:
            log.warning("could not sum up run %s: %s", run.uid, exc)
            return
        self._submit(run.project, summary)

    def send_test(self, project: str | None = None) -> list[str]:
        """Send a test message through a scope's channels; the (masked) channels it went to."""
        self.reload(force=True)
        scope = self._scope(project)
        with self._lock:
            dispatcher = self._dispatchers.get(scope) if scope is not None else None
        if dispatcher is None:
            where = f"project {project!r}" if project else "you"
            raise NotFoundError(
                f"no notification channels are set for {where}; add one with "
                "`lowtide notify add URL`"
            )
        dispatcher.submit(
            Message(
                "lowtide test message",
                "Notifications from lowtide reach you here.",
                severity=Severity.PAGE,
            )
        )
        return [c.name for c in dispatcher.channels]

    def _submit(self, project: str, notice: Notice) -> None:
        scope = self._scope(project)
        with self._lock:
            dispatcher = self._dispatchers.get(scope) if scope is not None else None
        if dispatcher is not None:
            dispatcher.submit(notice)

    def _scope(self, project: str | None) -> str | None:
        """The scope whose settings apply to a project: its own, else the user's."""
        with self._lock:
            if project and project in self._configs:
                return project
            return USER_SCOPE if USER_SCOPE in self._configs else None

    def _muted(self, run: RunRecord, rule: str) -> bool:
        try:
            mutes = self._store.list_mutes()
        except LowtideError:
            return False
        now = self._clock()
        return any(m.covers(run.project, run.uid, rule, now) for m in mutes)

    def _acknowledged(self, incident: Incident) -> bool:
        try:
            found = self._store.list_incidents(run=incident.run_id, open_only=True)
        except LowtideError:
            return False
        return any(i.rule == incident.rule.value and i.acknowledged_at is not None for i in found)

    def _recent(self, run: RunRecord, incident: Incident) -> tuple[float, ...]:
        if incident.key is None:
            return ()
        try:
            series = self._store.read_series(run.uid, incident.key)
        except LowtideError:
            return ()
        end = len(series)
        if incident.step is not None:
            end = int(np.searchsorted(series.steps, incident.step, side="right"))
        return tuple(series.values[max(0, end - RECENT_VALUES) : end].tolist())

    def _summary(self, run: RunRecord) -> RunSummary:
        keys = self._store.list_keys(run.uid)
        settings = self._store.health_settings(run.uid)
        metric = best = best_step = None
        headline = headline_metric((k.key for k in keys), overrides(settings))
        if headline is not None:
            metric, higher = headline
            series = self._store.read_series(run.uid, metric)
            at = best_of(series.values, higher)
            if at is not None:
                best, best_step = float(series.values[at]), int(series.steps[at])
        incidents = tuple(
            _incident(i)
            for i in reversed(self._store.list_incidents(run=run.uid))
            if i.rule != RuleId.DONE.value
        )
        return RunSummary(
            run=_info(run),
            status=run.status.value,
            started_at=run.started_at,
            ended_at=run.ended_at or run.last_seen_at,
            last_step=max((k.last_step for k in keys), default=None),
            metric=metric,
            best=best,
            best_step=best_step,
            final={k.key: k.last_value for k in keys},
            incidents=incidents,
        )


def _info(run: RunRecord) -> RunInfo:
    return RunInfo(run.uid, run.name, run.project)


def _incident(record: IncidentRecord) -> Incident:
    """The engine's form of a stored incident, as the message formatting wants it."""
    return Incident(
        run_id=record.run_id,
        rule=RuleId(record.rule),
        severity=Severity(record.severity),
        key=record.key,
        step=record.last_step,
        wall_time=record.updated_at,
        opened_at=record.opened_at,
        message=record.message,
        evidence=dict(record.evidence),
        onset_step=record.onset_step,
        opened_step=record.opened_step,
        count=record.count,
        resolved_at=record.resolved_at,
    )
