"""`lowtide watch`: follow log folders and stream what appears in them into lowtide.

Every look (`poll`) finds the runs under the watched paths, reads what each
of their files gained since the last look, and hands the new points to the
run's SDK sender, which batches them, delivers them in order, and spools them
while the target cannot take them. Polling needs nothing from the operating
system but `stat`, and works the same on network file systems.

Each key's points go out once: a run remembers the last step it passed per
key, starting from what the target already holds, so a file read again
(truncated, rotated, rewritten, or a restarted watcher) duplicates nothing.
The watcher is not the training process: it sends no heartbeats, and it
finishes a run only when the format says the run ended.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowtide.errors import TransportError, ValidationError
from lowtide.ingest.sources import Source, find_sources
from lowtide.ingest.tail import StepClock, StepFilter, Tail
from lowtide.ingest.targets import Target
from lowtide.sdk.ops import Op
from lowtide.sdk.sender import Sender
from lowtide.sdk.settings import ClientSettings
from lowtide.sdk.spool import Spool

log = logging.getLogger(__name__)

#: Seconds between two looks at the watched paths.
DEFAULT_INTERVAL_S = 1.0
#: Hex digits of a watched run's id (the store takes up to 32).
RUN_ID_LENGTH = 32


@dataclass(frozen=True)
class WatchedRun:
    """A run the watcher follows, as the user sees it."""

    source: Source
    run_id: str


@dataclass
class PollResult:
    """What one look found."""

    new_runs: list[WatchedRun] = field(default_factory=list)
    ended_runs: list[WatchedRun] = field(default_factory=list)
    finished_runs: list[WatchedRun] = field(default_factory=list)
    points: int = 0


def run_id_for(source: Source) -> str:
    """The id of a watched run: the same for the same project, format and path.

    A restarted watcher, or a log deleted and written again, continues the same
    run. Nothing on disk tells a new training in an old folder from the old one
    resumed (inodes are reused at once), so each run wants a folder of its own,
    as Lightning's version_N and TensorBoard's dated folders give it.
    """
    text = f"{source.project}\0{source.format.value}\0{source.path}"
    return hashlib.sha256(text.encode()).hexdigest()[:RUN_ID_LENGTH]


class Watcher:
    """Follows the runs under some paths and streams their points to a target."""

    def __init__(
        self,
        paths: Iterable[Path],
        target: Target,
        client: ClientSettings,
        *,
        project: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.project = project
        self.target = target
        self.client = client
        self.clock = clock
        self.spool = Spool(client.spool_dir, client.spool_max_bytes)
        self._feeds: dict[tuple[str, Path], _Feed] = {}
        self._started = False
        self._warned_down = False
        self._binary_warned: set[Path] = set()

    @property
    def runs(self) -> list[WatchedRun]:
        return [f.run for f in self._feeds.values()]

    @property
    def points(self) -> int:
        """Points read and handed on so far."""
        return sum(f.points for f in self._feeds.values())

    def poll(self, final: bool = False) -> PollResult:
        """Look once: find new runs, read what their files gained, hand it on.

        `final`: the files are complete (an import), so a last line without its
        newline counts. The first look raises ValidationError for a path that
        does not exist or a file that is no log.
        """
        result = PollResult()
        if not self._started:
            sources = find_sources(self.paths, self.project, self._binary)
            self._drain_spool()
            self._started = True
        else:
            sources = self._sources()
        for source in sources:
            key = (source.format.value, source.path)
            if key in self._feeds:
                continue
            feed = self._open_feed(source)
            if feed is not None:
                self._feeds[key] = feed
                result.new_runs.append(feed.run)
        for key, feed in list(self._feeds.items()):
            if feed.finished:
                continue
            if not feed.source.exists():
                log.info("%s is gone; no more points from it", feed.source.path)
                feed.close(self.client.finish_timeout_s)
                del self._feeds[key]
                result.ended_runs.append(feed.run)
                continue
            try:
                result.points += feed.poll(final)
                feed.failing = False
            except Exception:  # one bad file must not end the watch of the others
                if not feed.failing:
                    feed.failing = True
                    log.exception("reading %s failed; trying at every look", feed.source.path)
            if feed.finished:
                result.finished_runs.append(feed.run)
        return result

    def run(
        self,
        interval_s: float,
        stop: threading.Event,
        on_poll: Callable[[PollResult], None] | None = None,
    ) -> None:
        """Poll every `interval_s` until `stop` is set."""
        while not stop.is_set():
            result = self.poll()
            if on_poll is not None:
                on_poll(result)
            stop.wait(interval_s)

    def close(self) -> None:
        """Send what was read (or spool it) and stop every run's sender."""
        for feed in self._feeds.values():
            feed.close(self.client.finish_timeout_s)

    # -- inside ---------------------------------------------------------------

    def _sources(self) -> list[Source]:
        found: list[Source] = []
        for path in self.paths:
            try:
                found.extend(find_sources([path], self.project, self._binary))
            except ValidationError:
                continue  # a watched path went away; it may come back
        return found

    def _binary(self, path: Path, at: int) -> None:
        """Warn once about a file named like a CSV log that holds binary data."""
        if path not in self._binary_warned:
            self._binary_warned.add(path)
            log.warning("%s at byte %d: binary data, not a CSV log; skipped", path, at)

    def _drain_spool(self) -> None:
        """Deliver what an earlier watcher spooled, before asking what the target holds."""
        if not self.spool.pending():
            return
        transport = self.target.transport()
        try:
            result = self.spool.drain(transport.send)
        finally:
            close = getattr(transport, "close", None)
            if callable(close):
                close()
        if result.sent:
            log.info("sent %d spooled operations to %s", result.sent, self.target.description)

    def _open_feed(self, source: Source) -> _Feed | None:
        run_id = run_id_for(source)
        try:
            last_steps = self.target.last_steps(run_id)
        except TransportError as exc:
            if not self._warned_down:
                self._warned_down = True
                log.warning("%s; new runs are read when it is back", exc)
            return None
        self._warned_down = False
        return _Feed(WatchedRun(source, run_id), last_steps, self)


class _Feed:
    """One watched run: its files' readers, what it passed per key, and its sender."""

    def __init__(self, run: WatchedRun, last_steps: dict[str, int], watcher: Watcher) -> None:
        self.run = run
        self.source = run.source
        self.points = 0
        self.finished = False
        self.failing = False
        self._watcher = watcher
        self._steps = StepFilter(last_steps)
        self._clock = StepClock()
        self._tails: dict[Path, Tail] = {}
        self._buffer: list[tuple[int, float, dict[str, float]]] = []
        self._lock = threading.Lock()
        self._sender: Sender | None = None

    def poll(self, final: bool) -> int:
        for path, prefix in self.source.files():
            if path not in self._tails:
                self._tails[path] = self.source.open(path, prefix)
        fresh: list[tuple[int, float, dict[str, float]]] = []
        ended = False
        for path, tail in list(self._tails.items()):
            for record in tail.read(final):
                new = self._steps.new(record)
                if new is None:
                    continue
                wall_time = new.wall_time if new.wall_time is not None else tail.mtime
                fresh.append((new.step, self._clock.time(new.step, wall_time), new.values))
            ended = ended or tail.finished
            if tail.gone:
                del self._tails[path]
        sender = self._sender or self._start(fresh)
        n = sum(len(values) for _, _, values in fresh)
        if fresh:
            with self._lock:
                self._buffer.extend(fresh)
            self.points += n
            sender.wake()
        if ended:
            self.finish()
        return n

    def finish(self) -> None:
        """The format said the run is over: send the rest, then finish it."""
        self.finished = True
        final: Op = {
            "op": "finish",
            "run_id": self.run.run_id,
            "body": {"status": "finished", "message": "the log says training ended"},
        }
        if self._sender is not None:
            self._sender.close(final, self._watcher.client.finish_timeout_s)

    def close(self, timeout_s: float) -> None:
        if self._sender is not None and not self.finished:
            self._sender.close(None, timeout_s)

    def _take(self) -> list[tuple[int, float, Any]]:
        with self._lock:
            records, self._buffer = self._buffer, []
        return list(records)

    def _start(self, first: list[tuple[int, float, dict[str, float]]]) -> Sender:
        watcher = self._watcher
        info = self.source.info()
        times = [t for _, t, _ in first if math.isfinite(t)]
        started_at = min(times) if times else watcher.clock()
        body: dict[str, Any] = {
            "id": self.run.run_id,
            "project": self.source.project,
            "name": self.source.name,
            "config": _jsonable({"source": str(self.source.path), **info.config}),
            "tags": [self.source.format.value],
            "started_at": started_at,
        }
        if info.planned_steps:
            body["planned_steps"] = info.planned_steps
        sender = Sender(
            self.run.run_id,
            watcher.target.transport(),
            watcher.spool,
            self._take,
            watcher.client.flush_interval_s,
            heartbeat_interval_s=None,
        )
        sender.enqueue({"op": "create_run", "run_id": self.run.run_id, "body": body})
        sender.start()
        self._sender = sender
        return sender


def _jsonable(config: dict[str, Any]) -> dict[str, Any]:
    """A configuration the JSON encoder takes: values it does not know become text."""
    loaded: dict[str, Any] = json.loads(json.dumps(config, default=str))
    return loaded
