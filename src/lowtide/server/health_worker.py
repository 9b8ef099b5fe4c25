"""The health engine beside the server: in a child process, off the request's critical path.

The request handler only puts the batch on a queue. A child process runs the
engine (so its work never competes with ingestion for the interpreter lock)
and sends back the incident events it decides on; a thread in the server
stores them, moves run states (stalled, crashed) and hands them on to be
announced. A full queue drops work for the engine, never a request.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from lowtide.core.batch import Batch
from lowtide.core.health import Action, HealthEngine, IncidentEvent, RuleId
from lowtide.core.health.kinds import parse_kinds
from lowtide.core.health.outlook import Target
from lowtide.core.records import RunStatus
from lowtide.errors import LowtideError
from lowtide.server.outlook import planned_steps, project_targets
from lowtide.store import Store

log = logging.getLogger(__name__)

#: Seconds between two looks at time-driven rules (stalls, crashes).
TICK_S = 0.5
#: Jobs waiting for the engine; past this, batches are not judged (and a warning is logged).
QUEUE_JOBS = 10_000
#: Points waiting for the engine; past this, batches are not judged either. It bounds the
#: queue's memory (about 24 bytes a point, 12 MB in all) when the engine falls behind a
#: burst: a few seconds of the fastest ingest.
QUEUE_POINTS = 500_000
#: Points per key read back from the store to rebuild a live run's state at start.
PRIME_POINTS = 2_000
#: Seconds a project's best values are reused before they are read again.
TARGETS_TTL_S = 60.0
#: How much lower than the server's the engine process's CPU priority is (see `nice`).
ENGINE_NICENESS = 10
#: Seconds to wait for the child process to stop.
STOP_TIMEOUT_S = 10.0

Announce = Callable[[str, IncidentEvent], None]


@dataclass(frozen=True)
class _Settings:
    run_id: str
    planned_steps: int | None
    kinds: dict[str, str]
    targets: dict[str, Target]


def engine_main(jobs: Connection, results: Connection, tick_s: float) -> None:
    """The child process: judge what arrives, tick the clock, send back events."""
    # When the CPU is short, storing points goes first: the engine's queue holds what it
    # has not judged yet, and it catches up as soon as the server waits on the network.
    with contextlib.suppress(OSError):
        os.nice(ENGINE_NICENESS)
    # Projections need SciPy, whose import takes seconds on a cold disk: loaded beside the
    # loop, so that the first projection does not hold up the judging of every run.
    threading.Thread(target=_load_fitting, name="lowtide-engine-warmup", daemon=True).start()
    engine = HealthEngine(clock=time.time)
    next_tick = time.time() + tick_s
    while True:
        out: list[tuple[str, IncidentEvent]] = []
        if jobs.poll(max(0.0, next_tick - time.time())):
            try:
                job = jobs.recv()
            except EOFError:
                return
            if job[0] == "stop":
                return
            try:
                out = _handle(engine, job)
            except Exception:  # one bad job must not stop the judging of all runs
                log.exception("the health engine failed on a %s job", job[0])
        if time.time() >= next_tick:
            next_tick = time.time() + tick_s
            out.extend((e.incident.run_id, e) for e in engine.tick())
        if out:
            results.send(out)


def _load_fitting() -> None:
    with contextlib.suppress(ImportError):
        import scipy.optimize  # type: ignore[import-untyped]  # noqa: F401


def _handle(engine: HealthEngine, job: tuple[Any, ...]) -> list[tuple[str, IncidentEvent]]:
    kind, run_id = job[0], job[1]
    if kind == "settings":
        settings: _Settings = job[2]
        kinds = parse_kinds(
            settings.kinds,
            lambda name, raw: log.warning(
                "run %s: unknown series kind %r for %r", run_id, raw, name
            ),
        )
        health = engine.run(run_id, kinds, settings.planned_steps, settings.targets)
        health.configure(kinds, settings.planned_steps, settings.targets)
        return []
    if kind == "heartbeat":
        engine.heartbeat(run_id, job[2])
        return []
    if kind == "finish":
        return [(run_id, e) for e in engine.finish(run_id, job[2], job[3])]
    if kind in ("batch", "prime"):
        batch: Batch = job[2]
        health = engine.run(run_id)
        rows = _rows(batch)
        for key, step, wall_time, value in rows:
            health.observe(key, step, wall_time, value)
        if kind == "batch" and len(job) > 3 and rows:
            health.arrival(job[3], rows[0][2])
        events = health.take_events()
        return [] if kind == "prime" else [(run_id, e) for e in events]
    raise ValueError(f"unknown job {kind!r}")


def _rows(batch: Batch) -> list[tuple[str, int, float, float]]:
    """The batch's points in time order across keys, as the engine wants them."""
    if len(batch.series) == 1:
        s = batch.series[0]
        order = np.lexsort((s.steps, s.wall_times))
        return [
            (s.key, int(s.steps[i]), float(s.wall_times[i]), float(s.values[i]))
            for i in order.tolist()
        ]
    keys = np.concatenate([np.full(len(s), i) for i, s in enumerate(batch.series)])
    steps = np.concatenate([s.steps for s in batch.series])
    times = np.concatenate([s.wall_times for s in batch.series])
    values = np.concatenate([s.values for s in batch.series])
    order = np.lexsort((keys, steps, times))
    names = [s.key for s in batch.series]
    return list(
        zip(
            [names[k] for k in keys[order].tolist()],
            steps[order].tolist(),
            times[order].tolist(),
            values[order].tolist(),
            strict=True,
        )
    )


class HealthWorker:
    """The server's side of the engine: submit work, store and announce what comes back."""

    def __init__(self, store: Store, announce: Announce | None = None, tick_s: float = TICK_S):
        self._store = store
        self._announce = announce
        self._tick_s = tick_s
        ctx = mp.get_context("spawn")
        # Pipes rather than multiprocessing queues: no semaphores to leak, and the
        # request handlers only ever touch the in-process outbox.
        jobs_out, self._jobs = ctx.Pipe(duplex=False)
        self._results, results_in = ctx.Pipe(duplex=False)
        self._child_ends = (jobs_out, results_in)
        self._outbox: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=QUEUE_JOBS)
        self._process = ctx.Process(
            target=engine_main,
            args=(jobs_out, results_in, tick_s),
            name="lowtide-health",
            daemon=True,
        )
        self._sender = threading.Thread(target=self._send, name="lowtide-health-sender")
        self._reader = threading.Thread(target=self._read, name="lowtide-health-reader")
        self._known: set[str] = set()
        self._known_lock = threading.Lock()
        self._pending_lock = threading.Lock()
        self._pending_points = 0
        self._target_cache: dict[str, tuple[float, dict[str, Target]]] = {}
        self._stopping = threading.Event()
        self.dropped = 0

    def start(self) -> None:
        """Start the engine process and rebuild the state of runs that are still live."""
        self._process.start()
        for end in self._child_ends:
            end.close()
        self._sender.start()
        self._reader.start()
        for status in (RunStatus.RUNNING, RunStatus.STALLED):
            for run in self._store.list_runs(status=status, limit=1000):
                self._prime(run.uid)

    def stop(self) -> None:
        self._stopping.set()
        try:
            self._outbox.put(("stop", ""), timeout=STOP_TIMEOUT_S)
        except queue.Full:
            log.warning("the health engine's queue is still full at shutdown")
        self._sender.join(STOP_TIMEOUT_S)
        self._process.join(STOP_TIMEOUT_S)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(STOP_TIMEOUT_S)
        self._reader.join(STOP_TIMEOUT_S)
        self._jobs.close()
        self._results.close()

    # -- from the request handlers (never block) -----------------------------------

    def batch(self, run_id: str, batch: Batch, *, live: bool = True) -> None:
        """Judge a stored batch; `live=False` for one that comes late (from a spool),
        which says nothing of whether the run's process is alive now."""
        self._ensure_known(run_id)
        self._put(("batch", run_id, batch, time.time()) if live else ("batch", run_id, batch))

    def heartbeat(self, run_id: str) -> None:
        self._ensure_known(run_id)
        self._put(("heartbeat", run_id, time.time()))

    def finish(self, run_id: str, status: str, message: str) -> None:
        self._ensure_known(run_id)
        self._put(("finish", run_id, status, message))
        # A finished run may be its project's new best: live runs hear of it with their
        # next batch.
        with self._known_lock:
            self._known.clear()
            self._target_cache.clear()

    def settings_changed(self, run_id: str) -> None:
        with self._known_lock:
            self._known.discard(run_id)
        self._ensure_known(run_id)

    def _put(self, job: tuple[Any, ...]) -> None:
        points = job[2].n_points if job[0] in ("batch", "prime") else 0
        try:
            with self._pending_lock:
                if points and self._pending_points + points > QUEUE_POINTS:
                    raise queue.Full
                self._outbox.put_nowait(job)
                self._pending_points += points
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("the health engine is behind: %d jobs not judged", self.dropped)

    def _ensure_known(self, run_id: str) -> None:
        with self._known_lock:
            if run_id in self._known:
                return
            self._known.add(run_id)
        # Read from the store by the sender thread, not by the request's.
        self._put(("known", run_id))

    def _settings_job(self, run_id: str) -> tuple[Any, ...] | None:
        """What the engine needs to know of a run: planned steps, kinds, project bests."""
        try:
            run = self._store.get_run(run_id)
            settings = self._store.health_settings(run_id)
            targets = self._targets(run.project, run_id)
            if any(t.run_name == run.name for t in targets.values()):
                # Read as the run ended or after (its points came fast, or from a spool),
                # it may be its project's best: a run is never measured against itself.
                targets = project_targets(self._store, run.project, exclude=run_id)
        except LowtideError:
            return None
        planned = planned_steps(settings)
        return ("settings", run_id, _Settings(run_id, planned, settings.kinds, targets))

    def _targets(self, project: str, run_id: str) -> dict[str, Target]:
        """The project's best values, read at most every `TARGETS_TTL_S` per project."""
        now = time.monotonic()
        cached = self._target_cache.get(project)
        if cached is None or now - cached[0] > TARGETS_TTL_S:
            cached = (now, project_targets(self._store, project))
            self._target_cache[project] = cached
        return cached[1]

    def _prime(self, run_id: str) -> None:
        self._ensure_known(run_id)
        try:
            keys = self._store.list_keys(run_id)
            series = []
            for k in keys:
                s = self._store.read_series(run_id, k.key)
                series.append(s.take(np.arange(max(0, len(s) - PRIME_POINTS), len(s))))
        except LowtideError:
            return
        from lowtide.core.batch import SeriesPoints

        batch = Batch(
            None,
            tuple(SeriesPoints(s.key, s.steps, s.wall_times, s.values) for s in series if len(s)),
        )
        if batch.series:
            self._put(("prime", run_id, batch))

    # -- back from the engine ----------------------------------------------------------

    def _send(self) -> None:
        while True:
            job: tuple[Any, ...] | None = self._outbox.get()
            if job is not None and job[0] in ("batch", "prime"):
                with self._pending_lock:
                    self._pending_points -= job[2].n_points
                if self._stopping.is_set():
                    continue  # shutting down: what is not judged yet is judged at next start
            if job is not None and job[0] == "known":
                job = self._settings_job(job[1])
            if job is None:
                continue
            try:
                self._jobs.send(job)
            except (OSError, ValueError):
                return
            if job[0] == "stop":
                return

    def _read(self) -> None:
        while True:
            try:
                if not self._results.poll(0.2):
                    if self._stopping.is_set() and not self._process.is_alive():
                        return
                    continue
                events = self._results.recv()
            except (EOFError, OSError):
                return
            for run_id, event in events:
                try:
                    self._apply(run_id, event)
                except Exception:
                    log.exception("could not record a health event of run %s", run_id)

    def _apply(self, run_id: str, event: IncidentEvent) -> None:
        self._store.record_incident(run_id, event)
        rule, action, evidence = event.incident.rule, event.action, event.incident.evidence
        if rule is RuleId.STALL and action is Action.OPENED:
            self._store.set_status(run_id, RunStatus.STALLED, event.message)
        elif rule is RuleId.STALL and action is Action.RESOLVED:
            self._store.set_status(run_id, RunStatus.RUNNING, event.message)
        elif rule is RuleId.CRASHED and action is Action.OPENED:
            self._store.set_status(run_id, RunStatus.CRASHED, event.message)
        elif rule is RuleId.DONE and action is Action.OPENED and "reason" in evidence:
            self._store.set_status(run_id, RunStatus.FINISHED, event.message)
        elif rule is RuleId.DONE and action is Action.RESOLVED and evidence.get("reopened"):
            self._store.set_status(run_id, RunStatus.RUNNING, event.message, reopen=True)
        if self._announce is not None:
            self._announce(run_id, event)
