"""The SDK's background sender: turns logged records into batches and delivers them.

Delivery is in order. While the server is unreachable, operations go to the
spool, and every operation after them too, until a drain has emptied it; the
sender retries with a growing pause. Nothing here raises into the caller.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import unicodedata
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from lowtide.errors import RejectedError, TransportError
from lowtide.sdk.ops import Op, wire_float
from lowtide.sdk.spool import Spool
from lowtide.sdk.transport import Transport

log = logging.getLogger(__name__)

#: Most points one batch carries, well under the server's body limit.
MAX_POINTS_PER_BATCH = 20_000
#: First and longest pause between two tries to reach the server again.
RETRY_MIN_S, RETRY_MAX_S = 1.0, 30.0
#: A heartbeat is sent when nothing else was sent for this long.
HEARTBEAT_INTERVAL_S = 30.0
#: Longest metric key the SDK sends; longer keys are skipped with a warning.
MAX_KEY_LENGTH = 250

Record = tuple[int, float, Mapping[str, Any]]


class Sender:
    """One background thread per run that batches, sends and spools.

    It sends a heartbeat when idle for `heartbeat_interval_s`; None sends none, for
    senders that are not the run's own process (`lowtide watch` tailing its logs).
    """

    def __init__(
        self,
        run_id: str,
        transport: Transport | None,
        spool: Spool,
        take_records: Callable[[], list[Record]],
        flush_interval_s: float,
        clock: Callable[[], float] = time.monotonic,
        heartbeat_interval_s: float | None = HEARTBEAT_INTERVAL_S,
    ) -> None:
        self.run_id = run_id
        self._transport = transport
        self._spool = spool
        self._take_records = take_records
        self._interval = flush_interval_s
        self._clock = clock
        self._heartbeat_s = heartbeat_interval_s
        self._queue: deque[Op] = deque()
        self._wake = threading.Event()
        self._closing = False
        self._spooling = transport is None
        self._retry_at = 0.0
        self._retry_pause = RETRY_MIN_S
        self._last_sent = clock()
        self._warned_keys: set[str] = set()
        self._good_keys: set[str] = set()
        self._thread = threading.Thread(target=self._loop, name=f"lowtide-{run_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def enqueue(self, op: Op) -> None:
        """Deliver `op` after everything enqueued or logged before it."""
        self._queue.append(op)
        self._wake.set()

    def wake(self) -> None:
        """Send what is buffered now rather than at the next interval."""
        self._wake.set()

    def close(self, final: Op | None, timeout_s: float) -> bool:
        """Send everything left, then `final`; True if it all reached the server or spool."""
        if final is not None:
            self._final = final
        self._closing = True
        self._wake.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.error(
                "lowtide: run %s did not finish sending within %.0f s; what is left "
                "goes to the spool when the request in flight ends",
                self.run_id,
                timeout_s,
            )
            return False
        return True

    # -- the thread ------------------------------------------------------------

    _final: Op | None = None

    def _loop(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            closing = self._closing
            try:
                self._cycle(final=closing)
            except Exception:  # the sender must outlive any surprise
                log.exception("lowtide: the sender of run %s failed a cycle", self.run_id)
            if closing:
                close = getattr(self._transport, "close", None)
                if callable(close):
                    close()
                return

    def _cycle(self, *, final: bool) -> None:
        ops: list[Op] = []
        while self._queue:
            ops.append(self._queue.popleft())
        ops.extend(self._batches(self._take_records()))
        if final and self._final is not None:
            ops.append(self._final)
        elif (
            not ops
            and self._heartbeat_s is not None
            and self._clock() - self._last_sent > self._heartbeat_s
        ):
            ops.append({"op": "heartbeat", "run_id": self.run_id})
        if self._spooling:
            for op in ops:
                self._spool.append(op)
            self._try_drain(force=final)
            return
        for i, op in enumerate(ops):
            try:
                self._send(op)
            except TransportError as exc:
                log.warning(
                    "lowtide: %s; keeping points in %s until it is back", exc, self._spool.directory
                )
                self._spooling = True
                self._retry_at = self._clock() + self._retry_pause
                for rest in ops[i:]:
                    self._spool.append(rest)
                return

    def _try_drain(self, *, force: bool) -> None:
        if self._transport is None or (not force and self._clock() < self._retry_at):
            return
        result = self._spool.drain(self._send_spooled)
        if result.remaining == 0 and not result.busy:
            self._spooling = False
            self._retry_pause = RETRY_MIN_S
            log.warning("lowtide: the server is back; the spool of run %s is sent", self.run_id)
        else:
            self._retry_pause = min(RETRY_MAX_S, self._retry_pause * 2)
            self._retry_at = self._clock() + self._retry_pause

    def _send(self, op: Op) -> None:
        try:
            self._send_spooled(op)
        except RejectedError as exc:
            log.error("lowtide: %s; the operation is dropped", exc)

    def _send_spooled(self, op: Op) -> None:
        assert self._transport is not None
        self._transport.send(op)
        self._last_sent = self._clock()

    def _batches(self, records: list[Record]) -> list[Op]:
        """Per-key arrays, split so that no batch carries more than MAX_POINTS_PER_BATCH."""
        out: list[Op] = []
        metrics: dict[str, dict[str, list[Any]]] = {}
        n = 0
        for step, wall_time, values in records:
            for key, raw in values.items():
                if key not in self._good_keys and not self._check_key(key):
                    continue
                value = self._number(key, raw)
                if value is None:
                    continue
                arrays = metrics.get(key)
                if arrays is None:
                    arrays = metrics[key] = {"steps": [], "values": [], "wall_times": []}
                arrays["steps"].append(step)
                arrays["values"].append(value)
                arrays["wall_times"].append(wall_time)
                n += 1
            if n >= MAX_POINTS_PER_BATCH:
                out.append(self._log_op(metrics))
                metrics, n = {}, 0
        if metrics:
            out.append(self._log_op(metrics))
        return out

    def _log_op(self, metrics: dict[str, dict[str, list[Any]]]) -> Op:
        return {
            "op": "log",
            "run_id": self.run_id,
            "body": {"batch_id": uuid.uuid4().hex, "metrics": metrics},
        }

    def _number(self, key: Any, raw: Any) -> float | int | str | None:
        if type(raw) is float:
            return raw if math.isfinite(raw) else wire_float(raw)
        if type(raw) is int:
            return raw
        item = getattr(raw, "item", None)
        if callable(item):  # numpy scalars, 0-d tensors
            try:
                raw = item()
            except (ValueError, RuntimeError):
                self._skip(key, f"{type(raw).__name__} with more than one value")
                return None
        if isinstance(raw, bool | int | float):
            try:
                return wire_float(float(raw))
            except OverflowError:
                self._skip(key, "the integer is too large for a float")
                return None
        self._skip(key, f"{type(raw).__name__} is not a number")
        return None

    def _check_key(self, key: Any) -> bool:
        if (
            isinstance(key, str)
            and key.strip()
            and len(key) <= MAX_KEY_LENGTH
            and not any(unicodedata.category(ch) == "Cc" for ch in key)
        ):
            self._good_keys.add(key)
            return True
        self._skip(
            key,
            f"keys are non-empty strings of at most {MAX_KEY_LENGTH} characters, "
            "without control characters",
        )
        return False

    def _skip(self, key: Any, why: str) -> None:
        name = str(key)
        if name not in self._warned_keys:
            self._warned_keys.add(name)
            log.warning("lowtide: not logging %r: %s", name[:300], why)
        return None
