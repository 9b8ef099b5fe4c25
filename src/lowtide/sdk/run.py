"""A run as a training script sees it: `init()`, `log()`, `finish()`.

`log()` only appends to a bounded in-memory buffer; a background sender
batches and delivers. A run that ends by an exception is marked failed, a
normal exit finishes it, and whatever is still buffered is sent or spooled.
"""

from __future__ import annotations

import atexit
import logging
import operator
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from lowtide.sdk.ops import Op
from lowtide.sdk.sender import Record, Sender
from lowtide.sdk.settings import ClientSettings, Mode
from lowtide.sdk.spool import Spool
from lowtide.sdk.system import SystemMonitor
from lowtide.sdk.transport import HTTPTransport, Transport

log = logging.getLogger(__name__)

#: log() calls buffered before the sender is woken early.
EARLY_FLUSH_RECORDS = 2_000
#: Seconds log() waits for room when the buffer is full, before dropping the record.
BUFFER_FULL_WAIT_S = 0.5

_active: list[Run] = []
_hooks_installed = False


class Run:
    """One training run. Create it with `lowtide.init()`."""

    def __init__(
        self,
        *,
        project: str = "default",
        name: str | None = None,
        config: Mapping[str, Any] | None = None,
        tags: list[str] | tuple[str, ...] = (),
        run_id: str | None = None,
        planned_steps: int | None = None,
        settings: ClientSettings | None = None,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or ClientSettings.from_env()
        self.id = run_id or uuid.uuid4().hex
        self.project = project
        self.name = name
        self.config = dict(config or {})
        self._clock = clock
        self._buffer: list[Record] = []
        self._buffer_lock = threading.Lock()
        self._room = threading.Condition(self._buffer_lock)
        self._step = 0
        self._dropped = 0
        self._finished = False
        self._exit_status = "finished"
        self._sender: Sender | None = None
        self._system: SystemMonitor | None = None
        if self.settings.mode is Mode.DISABLED:
            return
        if transport is None and self.settings.mode is Mode.ONLINE:
            transport = HTTPTransport(self.settings.url, self.settings.timeout_s)
        spool = Spool(self.settings.spool_dir, self.settings.spool_max_bytes)
        self._sender = Sender(
            self.id, transport, spool, self._take_records, self.settings.flush_interval_s
        )
        body: dict[str, Any] = {
            "id": self.id,
            "project": project,
            "config": _jsonable(self.config),
            "tags": list(tags),
            "started_at": clock(),
        }
        if name:
            body["name"] = name
        if planned_steps:
            body["planned_steps"] = int(planned_steps)
        self._sender.enqueue({"op": "create_run", "run_id": self.id, "body": body})
        # Tells the server this run's process will keep saying it lives, so that its
        # silence can mean a crash (a log file followed by `lowtide watch` says no such thing).
        if self.settings.mode is Mode.ONLINE:
            self._sender.enqueue({"op": "heartbeat", "run_id": self.id})
        self._sender.start()
        if self.settings.system_interval_s > 0:
            self._system = SystemMonitor(self._log_system, self.settings.system_interval_s)
            self._system.start()

    # -- logging ---------------------------------------------------------------

    def log(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Record metric values at a step (the next step when left out). Never raises."""
        if self._finished or self._sender is None:
            return
        if step is None:
            step = self._step
        elif type(step) is not int:
            try:
                step = operator.index(step)
            except TypeError:
                log.warning("lowtide: step %r is not an integer; record not logged", step)
                return
        self._step = step + 1
        record = (step, self._clock(), dict(metrics))
        with self._buffer_lock:
            if len(self._buffer) >= self.settings.buffer_max_records:
                self._sender.wake()
                self._room.wait(BUFFER_FULL_WAIT_S)
                if len(self._buffer) >= self.settings.buffer_max_records:
                    self._dropped += 1
                    if self._dropped == 1 or self._dropped % 10_000 == 0:
                        log.error(
                            "lowtide: the log buffer of run %s is full; %d records dropped",
                            self.id,
                            self._dropped,
                        )
                    return
            self._buffer.append(record)
            if len(self._buffer) == EARLY_FLUSH_RECORDS:
                self._sender.wake()

    def _log_system(self, values: dict[str, float]) -> None:
        """System figures at the step the run has reached, leaving the step count alone."""
        if self._finished or self._sender is None:
            return
        with self._buffer_lock:
            if len(self._buffer) < self.settings.buffer_max_records:
                self._buffer.append((max(0, self._step - 1), self._clock(), values))

    def _take_records(self) -> list[Record]:
        with self._buffer_lock:
            records, self._buffer = self._buffer, []
            self._room.notify_all()
        return records

    # -- ending ----------------------------------------------------------------

    def finish(self, status: str = "finished", message: str = "") -> None:
        """Send what is left and mark the run finished (or `failed`). Safe to call twice."""
        if self._finished:
            return
        self._finished = True
        if self in _active:
            _active.remove(self)
        if self._sender is None:
            return
        if self._system is not None:
            self._system.stop()
        final: Op = {
            "op": "finish",
            "run_id": self.id,
            "body": {"status": status, "message": message},
        }
        self._sender.close(final, self.settings.finish_timeout_s)

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.finish()
        else:
            self.finish("failed", f"{exc_type.__name__ if exc_type else 'error'}: {exc}")

    def __repr__(self) -> str:
        return f"Run(id={self.id!r}, project={self.project!r}, name={self.name!r})"


def start_run(**kwargs: Any) -> Run:
    """Create a run and make it the current one; finished at exit, failed on a crash."""
    run = Run(**kwargs)
    _active.append(run)
    _install_hooks()
    return run


def current_run() -> Run | None:
    """The most recently started run that has not finished."""
    return _active[-1] if _active else None


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    previous = sys.excepthook

    def excepthook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        for run in list(_active):
            run.finish("failed", f"{exc_type.__name__}: {exc}")
        previous(exc_type, exc, tb)

    sys.excepthook = excepthook
    atexit.register(_finish_all)


def _finish_all() -> None:
    for run in list(_active):
        run.finish()


def _jsonable(value: Any) -> Any:
    """Config values the JSON encoder can take: containers kept, other objects as text."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    return str(value)
