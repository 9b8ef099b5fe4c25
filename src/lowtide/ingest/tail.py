"""What every log reader hands on, and the file bookkeeping they share.

A reader of one format wraps one file and, each time it is asked, returns the
records that became readable since the last time: a `Tail`. Append-only
formats (TensorBoard event files, CSV logs) read through a `GrowingFile`,
which keeps the byte offset and notices a file that was truncated, replaced
or rewritten, so that the reader starts over; a `StepFilter` over the run
then drops what was already handed on, so starting over never duplicates.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

#: Most bytes one look at a file reads; the rest is read at the next look.
MAX_READ_BYTES = 8 * 1024 * 1024
#: Leading bytes remembered to notice a file rewritten in place (same name, same inode).
HEAD_BYTES = 4096


@dataclass(frozen=True)
class Record:
    """Values logged at one step. `wall_time` is None when the format has no clock."""

    step: int
    wall_time: float | None
    values: dict[str, float]


class Tail(Protocol):
    """One file of a run, read a little more at each look."""

    path: Path

    @property
    def gone(self) -> bool:
        """The file has gone (deleted, or its folder moved away); it will give no more."""
        ...

    @property
    def finished(self) -> bool:
        """The format said the run has ended (Hugging Face's closing summary)."""
        ...

    @property
    def mtime(self) -> float:
        """Modification time of the file at the last look, for records without a clock."""
        ...

    def read(self, final: bool = False) -> list[Record]:
        """Records readable since the last call. `final`: nothing more will be written,
        so a complete last line without its newline counts."""
        ...


class AppendedFileTail:
    """The part every reader of an append-only log shares: its `GrowingFile`,
    whether it is gone, its mtime, and warnings said once per kind of trouble."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.finished = False
        self._file = GrowingFile(path)
        self._warned: set[str] = set()

    @property
    def gone(self) -> bool:
        return self._file.gone

    @property
    def mtime(self) -> float:
        return self._file.mtime

    def _first_time(self, kind: str) -> bool:
        """True the first time a kind of trouble is met in this file, so it is said once."""
        if kind in self._warned:
            return False
        self._warned.add(kind)
        return True


class GrowingFile:
    """The bytes appended to a file since they were last consumed.

    A file that shrank, was replaced by another (new inode) or rewritten with
    different leading bytes is read again from its start; the caller is told,
    so that it can forget what it parsed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.size = 0
        self.mtime = math.nan
        self.gone = False
        self._inode: int | None = None
        self._signature: tuple[int, int, int] | None = None
        self._at_end = False
        self._head = b""
        self._unreadable = False

    def read(self, limit: int = MAX_READ_BYTES, *, again: bool = False) -> tuple[bytes, bool]:
        """Up to `limit` bytes from the offset, and whether the file started over.

        An unchanged file that was read to its end gives nothing, unless `again`.
        """
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self.gone = True
            return b"", False
        signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        if signature == self._signature and self._at_end and not again:
            return b"", False
        reset = self._inode is not None and (st.st_ino != self._inode or st.st_size < self.offset)
        try:
            with open(self.path, "rb") as handle:
                if not reset and self._head:
                    reset = handle.read(len(self._head)) != self._head
                if reset:
                    log.info("%s was truncated or replaced; reading it from the start", self.path)
                    self.offset = 0
                    self._head = b""
                if len(self._head) < HEAD_BYTES:
                    handle.seek(0)
                    self._head = handle.read(HEAD_BYTES)
                handle.seek(self.offset)
                data = handle.read(limit)
        except FileNotFoundError:
            self.gone = True
            return b"", False
        except OSError as exc:  # unreadable for now (permissions, a folder in its place)
            if not self._unreadable:
                self._unreadable = True
                log.warning("%s cannot be read: %s", self.path, exc)
            return b"", False
        self._unreadable = False
        self._inode = st.st_ino
        self._signature = signature
        self.size = st.st_size
        self.mtime = st.st_mtime
        self._at_end = self.offset + len(data) >= st.st_size
        return data, reset

    def consume(self, n: int) -> None:
        """Mark `n` bytes from the offset as parsed."""
        self.offset += n

    def skip_to(self, offset: int) -> None:
        """Move past bytes that are not worth reading (a record far too big to be a scalar)."""
        self.offset = offset
        self._at_end = False


class StepFilter:
    """Passes each key's values only at steps past the last one it passed.

    The same records read twice (a file read again after truncation, a
    checkpoint's copy of a history) come out once. It starts from the last
    steps already stored, so a restarted watcher does not send them again.
    """

    def __init__(self, last_steps: Mapping[str, int] | None = None) -> None:
        self.last_steps: dict[str, int] = dict(last_steps or {})

    def new(self, record: Record) -> Record | None:
        """The part of `record` not passed before; None if nothing is new."""
        fresh: dict[str, float] = {}
        for key, value in record.values.items():
            last = self.last_steps.get(key)
            if last is None or record.step > last:
                fresh[key] = value
                self.last_steps[key] = record.step
        if not fresh:
            return None
        if len(fresh) == len(record.values):
            return record
        return Record(record.step, record.wall_time, fresh)


class StepClock:
    """Gives the values of one step one time: that of the step's first record.

    TensorBoard writes one event per scalar, microseconds apart. One step's
    values share one time, as they do in one `log()` call, so that the health
    engine learns the rhythm of the steps rather than that of the writer.
    """

    def __init__(self) -> None:
        self._step: int | None = None
        self._time = math.nan

    def time(self, step: int, wall_time: float) -> float:
        if step != self._step:
            self._step, self._time = step, wall_time
        return self._time
