"""The on-disk spool: operations the server has not taken yet, kept in order.

One JSON file per operation, named so that sorting the names gives the order
they were made in (nanosecond clock, process id, counter). Whoever drains the
spool — a live SDK, `lowtide sync`, or a server on the same data folder —
holds an exclusive lock on it, sends the files in order, and deletes each one
only after the server has taken it. The server stores a retried batch once,
so a crash between sending and deleting costs nothing.

When the spool is over its size limit, new point batches are dropped (the
oldest are kept, because the later ones mean little without them) and each
drop is logged as an error; run creation, heartbeats and finishes are small
and always kept.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from lowtide.errors import RejectedError, TransportError
from lowtide.sdk.ops import Op

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

SUFFIX = ".json"
LOCK_NAME = ".lock"
#: Files the server refused for good are moved here, for a person to look at.
REJECTED_DIR = "rejected"
#: Operations kept even when the spool is full.
ALWAYS_KEPT = frozenset({"create_run", "heartbeat", "finish"})


@dataclass(frozen=True)
class DrainResult:
    """What one drain did: sent, refused for good, and whether files are left."""

    sent: int
    rejected: int
    remaining: int
    busy: bool = False


class Spool:
    """A folder of pending operations with a size limit."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._counter = 0
        self._last_ns = 0
        self._lock = threading.Lock()
        self.dropped = 0

    def append(self, op: Op) -> bool:
        """Write an operation at the end of the spool; False if it was dropped (spool full)."""
        data = json.dumps(op, separators=(",", ":")).encode()
        with self._lock:
            if op["op"] not in ALWAYS_KEPT and self.size_bytes() + len(data) > self.max_bytes:
                self.dropped += 1
                log.error(
                    "lowtide spool %s is full (limit %d bytes): dropped a batch of run %s "
                    "(%d dropped so far); start the server or run `lowtide sync`, or raise "
                    "LOWTIDE_SPOOL_MAX_BYTES",
                    self.directory,
                    self.max_bytes,
                    op.get("run_id"),
                    self.dropped,
                )
                return False
            self.directory.mkdir(parents=True, exist_ok=True)
            self._last_ns = max(time.time_ns(), self._last_ns + 1)
            self._counter += 1
            name = f"{self._last_ns:020d}-{os.getpid():08d}-{self._counter:010d}"
            tmp = self.directory / f".{name}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, self.directory / f"{name}{SUFFIX}")
            return True

    def pending(self) -> list[Path]:
        """The spooled files, oldest first."""
        try:
            return sorted(p for p in self.directory.iterdir() if p.name.endswith(SUFFIX))
        except FileNotFoundError:
            return []

    def size_bytes(self) -> int:
        total = 0
        for path in self.pending():
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                continue
        return total

    def drain(self, send: Callable[[Op], None]) -> DrainResult:
        """Send every spooled operation in order, until the first that cannot be delivered."""
        with self._exclusive() as acquired:
            if not acquired:
                return DrainResult(sent=0, rejected=0, remaining=len(self.pending()), busy=True)
            sent = rejected = 0
            files = self.pending()
            for i, path in enumerate(files):
                try:
                    op = json.loads(path.read_bytes())
                except FileNotFoundError:
                    continue
                except ValueError:
                    self._set_aside(path, "unreadable")
                    rejected += 1
                    continue
                try:
                    send(op)
                except RejectedError as exc:
                    self._set_aside(path, str(exc))
                    rejected += 1
                    continue
                except TransportError:
                    return DrainResult(sent=sent, rejected=rejected, remaining=len(files) - i)
                path.unlink(missing_ok=True)
                sent += 1
            return DrainResult(sent=sent, rejected=rejected, remaining=0)

    def _set_aside(self, path: Path, reason: str) -> None:
        target = self.directory / REJECTED_DIR
        target.mkdir(exist_ok=True)
        log.error("lowtide: set aside spooled %s in %s: %s", path.name, target, reason)
        with suppress(FileNotFoundError):
            os.replace(path, target / path.name)

    @contextmanager
    def _exclusive(self) -> Iterator[bool]:
        if fcntl is None:  # pragma: no cover - Windows: one drainer per process at least
            with self._lock:
                yield True
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / LOCK_NAME, "a+b") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
