"""The notifier: takes notices off the ingest path and delivers them in the background.

`submit()` only puts the notice on a bounded queue and returns; one
background thread ("lowtide-notify") routes it through the `Policy`,
formats it, holds it through quiet hours or the rate limit, sends it through
every channel, and retries failed sends with exponential backoff. Every
attempt's outcome is handed to the caller's `record(Delivery)`.

A slow or hanging channel never blocks `submit()`: the queue is bounded, and
when it is full the oldest notice that is not a page is dropped (and
recorded). A hanging channel does hold up the other channels for at most its
timeout per attempt, since one thread sends for all of them.

`close()` drains the queue and stops the thread. What waits for the end of
quiet hours or for the rate limit is recorded as dropped then, except pages,
which go out at once; the warnings kept for the digest are forgotten (the
store has them).
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType

from lowtide.core.health import IncidentEvent, Severity
from lowtide.errors import ConfigError, TransportError
from lowtide.notify.channels import AppriseChannel, Channel
from lowtide.notify.config import NotifyConfig
from lowtide.notify.messages import combine, format_digest, format_event, format_summary
from lowtide.notify.notices import (
    EventNotice,
    Message,
    Notice,
    RunInfo,
    RunSummary,
    is_urgent,
    snapshot,
)
from lowtide.notify.policy import Policy, Route, Silences
from lowtide.notify.ratelimit import ChannelGate

log = logging.getLogger(__name__)

#: Notices waiting for the notifier's thread; past this the oldest non-page is dropped.
#: Far more than a healthy fleet of runs produces between two sends.
QUEUE_SIZE = 1000
#: Messages held for the end of quiet hours; past this the oldest non-page is dropped.
HELD_LIMIT = 500
#: Seconds the thread sleeps at most with nothing due, so it notices a changed clock.
MAX_IDLE_S = 30.0
#: Seconds `close()` waits by default for the queue to drain and sends to finish.
CLOSE_TIMEOUT_S = 10.0
#: Seconds `close()` waits past its timeout for a thread that is just finishing.
MAX_JOIN_GRACE_S = 0.5
#: Attempts per message and channel, the first included.
RETRY_ATTEMPTS = 5
#: Seconds before the first retry; each next wait is `RETRY_FACTOR` times longer ...
RETRY_FIRST_DELAY_S = 2.0
RETRY_FACTOR = 2.0
#: ... but never longer than this ...
RETRY_MAX_DELAY_S = 60.0
#: ... and no retry starts more than this many seconds after the first attempt.
RETRY_MAX_TOTAL_S = 300.0
#: The thread's name; tests look for leftover threads by this prefix.
THREAD_NAME = "lowtide-notify"


class DeliveryStatus(StrEnum):
    """The outcome of one attempt to deliver a message to a channel."""

    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Delivery:
    """One attempt's outcome, for the caller's record; `channel` has its secrets masked."""

    channel: str
    title: str
    status: DeliveryStatus
    attempts: int
    error: str | None
    at: float


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for failed sends, bounded in attempts and in total time."""

    max_attempts: int = RETRY_ATTEMPTS
    first_delay_s: float = RETRY_FIRST_DELAY_S
    factor: float = RETRY_FACTOR
    max_delay_s: float = RETRY_MAX_DELAY_S
    max_total_s: float = RETRY_MAX_TOTAL_S

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigError(f"max_attempts must be at least 1, not {self.max_attempts}")
        if min(self.first_delay_s, self.max_delay_s, self.max_total_s) < 0 or self.factor < 1:
            raise ConfigError("retry delays must not be negative and the factor must be at least 1")

    def delay(self, failures: int) -> float:
        """Seconds to wait after the `failures`-th failed attempt."""
        return float(min(self.max_delay_s, self.first_delay_s * self.factor ** (failures - 1)))


@dataclass(frozen=True)
class _Outgoing:
    """A formatted message and the notices it tells of (checked again before it goes)."""

    title: str
    body: str
    urgent: bool
    sources: tuple[Notice, ...]


@dataclass(order=True)
class _Job:
    """A message on its way to one channel; ordered by when it is due."""

    due: float
    seq: int
    channel: int = field(compare=False)
    title: str = field(compare=False)
    body: str = field(compare=False)
    first_at: float = field(compare=False)
    attempts: int = field(default=0, compare=False)


class Dispatcher:
    """Routes, formats and sends notices for one `NotifyConfig`, in a background thread.

    Args:
        config: where and when to notify.
        record: called with every attempt's outcome, from the notifier's thread (from
            the caller's for a notice submitted after `close()`).
        channels: overrides the channels built from `config.channels` (tests, sinks).
        clock: epoch seconds; quiet hours, the digest, rate limits and retries use it.
        retry: backoff of failed sends.
        silences: mutes and acknowledgements shared with the caller.
        queue_size: notices waiting at most before the oldest non-page is dropped.

    Raises:
        ValidationError: when a channel URL cannot be used.
    """

    def __init__(
        self,
        config: NotifyConfig,
        record: Callable[[Delivery], None],
        *,
        channels: Sequence[Channel] | None = None,
        clock: Callable[[], float] = time.time,
        retry: RetryPolicy | None = None,
        silences: Silences | None = None,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        if queue_size < 1:
            raise ConfigError(f"queue_size must be at least 1, not {queue_size}")
        self.config = config
        self.channels: list[Channel] = (
            list(channels)
            if channels is not None
            else [AppriseChannel(url, config.channel_timeout_s) for url in config.channels]
        )
        self.policy = Policy(config, clock, silences)
        self.retry = retry or RetryPolicy()
        self._record = record
        self._clock = clock
        self._queue_size = queue_size
        self._cond = threading.Condition()
        self._inbox: deque[Notice] = deque()
        self._overflow: list[Notice] = []
        self._closing = False
        self._close_deadline = 0.0
        self._thread: threading.Thread | None = None
        # Touched only by the notifier's thread:
        now = clock()
        self._gates = [ChannelGate[_Outgoing](config.rate_limit, now) for _ in self.channels]
        self._held: list[_Outgoing] = []
        self._jobs: list[_Job] = []
        self._seq = itertools.count()

    @property
    def silences(self) -> Silences:
        """Mute runs and projects, acknowledge incidents; safe from any thread."""
        return self.policy.silences

    # -- the caller's side -----------------------------------------------------------

    def start(self) -> None:
        """Start the notifier's thread (once)."""
        with self._cond:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def submit(self, notice: Notice | IncidentEvent) -> None:
        """Queue a notice and return at once; a bare event is about its run id alone."""
        if isinstance(notice, IncidentEvent):
            notice = EventNotice(snapshot(notice), RunInfo(notice.incident.run_id))
        elif isinstance(notice, EventNotice):
            notice = dataclasses.replace(notice, event=snapshot(notice.event))
        with self._cond:
            closed = self._closing
            if not closed:
                self._inbox.append(notice)
                if len(self._inbox) > self._queue_size:
                    self._overflow.append(self._evict())
                self._cond.notify()
        if closed:
            self._drop(self._outgoing(notice), "the notifier is closed")

    def close(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """Drain the queue, finish sends (retries included) within `timeout`, stop the thread.

        Returns whether the thread has stopped; it may still be inside a send
        that outlives `timeout` (bounded by the channel's timeout).
        """
        with self._cond:
            if not self._closing:
                self._closing = True
                self._close_deadline = time.monotonic() + timeout
            self._cond.notify_all()
            thread = self._thread
        if thread is None:
            self._shut_down_unstarted()
            return True
        thread.join(max(0.0, self._close_deadline - time.monotonic()) + MAX_JOIN_GRACE_S)
        if thread.is_alive():
            log.warning("the notifier's thread is still inside a send after close()")
            return False
        return True

    def __enter__(self) -> Dispatcher:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _evict(self) -> Notice:
        """Take the oldest non-page out of the full queue (the oldest page if all are)."""
        for i, queued in enumerate(self._inbox):
            if not is_urgent(queued):
                del self._inbox[i]
                return queued
        return self._inbox.popleft()

    def _shut_down_unstarted(self) -> None:
        with self._cond:
            left, self._inbox = list(self._inbox) + self._overflow, deque()
            self._overflow = []
        for notice in left:
            self._drop(self._outgoing(notice), "the notifier was closed before it started")

    # -- the notifier's thread ---------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._inbox and not self._overflow:
                    now = self._clock()
                    wait = min(self._next_wake(now) - now, MAX_IDLE_S)
                    if self._closing:
                        wait = min(wait, self._close_deadline - time.monotonic())
                    if wait > 0:
                        self._cond.wait(wait)
                notices, self._inbox = list(self._inbox), deque()
                overflow, self._overflow = self._overflow, []
                closing = self._closing
            for notice in overflow:
                self._drop(self._outgoing(notice), "the notifier's queue was full")
            now = self._clock()
            for notice in notices:
                try:
                    self._route(notice, now)
                except Exception:  # one notice that cannot be told must not stop the rest
                    log.exception("could not route a notification; it is lost")
            self._pump(now)
            if closing:
                self._shut_down(now)
            if closing and (not self._jobs or time.monotonic() >= self._close_deadline):
                with self._cond:
                    if self._inbox or self._overflow:
                        continue  # submitted just before close(): drain it too
                for job in self._jobs:
                    self._emit(job, DeliveryStatus.DROPPED, "the notifier closed before a retry")
                self._jobs.clear()
                return

    def _next_wake(self, now: float) -> float:
        due = [now + MAX_IDLE_S, self.policy.next_digest_at(now)]
        if self._jobs:
            due.append(self._jobs[0].due)
        due += [t for gate in self._gates if (t := gate.next_release_at(now)) is not None]
        if self._held:
            due.append(self.policy.quiet_ends_at(now) or now)
        return min(due)

    def _route(self, notice: Notice, now: float) -> None:
        decision = self.policy.decide(notice, now)
        if decision.digest and isinstance(notice, EventNotice):
            self.policy.collect(notice)
        if decision.route is Route.SEND:
            self._offer(self._outgoing(notice))
        elif decision.route is Route.HOLD:
            self._held.append(self._outgoing(notice))
            if len(self._held) > HELD_LIMIT:
                victim = next((o for o in self._held if not o.urgent), self._held[0])
                self._held.remove(victim)
                self._drop(victim, "too many messages held for the end of quiet hours")
        else:
            log.debug("not notifying: %s", decision.reason)

    def _outgoing(self, notice: Notice) -> _Outgoing:
        base_url = self.config.base_url
        if isinstance(notice, EventNotice):
            title, body = format_event(notice, base_url)
        elif isinstance(notice, RunSummary):
            title, body = format_summary(notice, base_url)
        else:
            title, body = notice.title, notice.body
        return _Outgoing(title, body, is_urgent(notice), (notice,))

    def _offer(self, out: _Outgoing) -> None:
        for i, gate in enumerate(self._gates):
            dropped = gate.offer(out, out.urgent)
            if dropped is not None:
                self._drop(dropped, "too many messages held back by the rate limit", channel=i)

    def _wanted(self, out: _Outgoing, now: float) -> bool:
        return all(self.policy.suppressed(n, now) is None for n in out.sources)

    def _pump(self, now: float) -> None:
        """Release what time allows: held messages, the digest, the gates; send what is due."""
        if self._held and not self.policy.in_quiet_hours(now):
            held, self._held = self._held, []
            for out in held:
                if self._wanted(out, now):
                    self._offer(out)
        digest = self.policy.take_digest(now)
        if digest is not None:
            title, body = format_digest(digest.entries, digest.day, self.config.base_url)
            self._route(Message(title, body, Severity.INFO), now)
        for i, gate in enumerate(self._gates):
            for group in gate.release(now):
                wanted = [out for out in group if self._wanted(out, now)]
                if wanted:
                    self._schedule(i, wanted, now)
        while self._jobs and self._jobs[0].due <= self._clock():
            self._attempt(heapq.heappop(self._jobs))

    def _schedule(self, channel: int, group: list[_Outgoing], now: float) -> None:
        title, body = combine([(out.title, out.body) for out in group])
        job = _Job(now, next(self._seq), channel, title, body, first_at=now)
        heapq.heappush(self._jobs, job)

    def _attempt(self, job: _Job) -> None:
        job.attempts += 1
        try:
            self.channels[job.channel].send(job.title, job.body)
        except TransportError as exc:
            error = str(exc)
        except Exception as exc:  # a broken channel must not stop the notifier
            log.exception("channel %s raised while sending", self.channels[job.channel].name)
            error = f"{type(exc).__name__}: {exc}"
        else:
            self._emit(job, DeliveryStatus.SENT, None)
            return
        delay = self.retry.delay(job.attempts)
        now = self._clock()
        retry = (
            job.attempts < self.retry.max_attempts
            and now + delay - job.first_at <= self.retry.max_total_s
        )
        with self._cond:
            if self._closing and time.monotonic() + delay > self._close_deadline:
                retry = False
        if not retry:
            self._emit(job, DeliveryStatus.FAILED, error)
            return
        self._emit(job, DeliveryStatus.RETRYING, error)
        job.due = now + delay
        heapq.heappush(self._jobs, job)

    def _shut_down(self, now: float) -> None:
        """On close, after sending what may go: rate-limited pages go now, the rest is dropped."""
        for out in self._held:
            self._drop(out, "the notifier closed during quiet hours")
        self._held.clear()
        for i, gate in enumerate(self._gates):
            pending = gate.clear()
            pages = [out for out in pending if out.urgent and self._wanted(out, now)]
            if pages:
                self._schedule(i, pages, now)
            for out in pending:
                if not out.urgent:
                    self._drop(out, "the notifier closed while rate-limited", channel=i)

    # -- records ---------------------------------------------------------------------

    def _drop(self, out: _Outgoing, why: str, channel: int | None = None) -> None:
        indices = range(len(self.channels)) if channel is None else [channel]
        now = self._clock()
        for i in indices:
            name = self.channels[i].name
            self._put(Delivery(name, out.title, DeliveryStatus.DROPPED, 0, why, now))

    def _emit(self, job: _Job, status: DeliveryStatus, error: str | None) -> None:
        name = self.channels[job.channel].name
        self._put(Delivery(name, job.title, status, job.attempts, error, self._clock()))

    def _put(self, delivery: Delivery) -> None:
        try:
            self._record(delivery)
        except Exception:  # the caller's record must not stop the notifier
            log.exception("recording a notification delivery failed")
