"""Metric logs as CSV, in the three shapes that writers give them.

    csv        step,wall_time,<metric>...   lowtide's own (the evaluation corpus)
    lightning  PyTorch Lightning's CSVLogger `metrics.csv`: a `step` and an `epoch`
               column among the metric columns (sorted), one sparse row per log call;
               the file is rewritten whole when a new metric appears
    keras      Keras' CSVLogger: `epoch` first, one row per epoch

The columns are told by the header; a blank cell means "not logged in this row".
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from lowtide.errors import ValidationError
from lowtide.ingest.tail import AppendedFileTail, Record

log = logging.getLogger(__name__)

STEP_COLUMN = "step"
TIME_COLUMN = "wall_time"
EPOCH_COLUMN = "epoch"
#: File endings looked into for a metric header (Keras' own example writes `training.log`).
SUFFIXES = frozenset({".csv", ".log"})
#: Lightning keeps the hyperparameters next to metrics.csv.
HPARAMS_FILE = "hparams.yaml"
#: Longest header line looked at when telling whether a file is a metric log.
MAX_HEADER_BYTES = 64 * 1024


class CsvKind(StrEnum):
    """Which writer's shape a CSV log has."""

    PLAIN = "csv"
    LIGHTNING = "lightning"
    KERAS = "keras"


@dataclass(frozen=True)
class Columns:
    """What the header says: the step column, the clock column if any, and the metrics."""

    kind: CsvKind
    step: int
    time: int | None
    metrics: tuple[tuple[int, str], ...]


def parse_header(cells: list[str]) -> Columns | None:
    """The columns of a metric log's header; None when it is not one."""
    names = [c.strip() for c in cells]
    if not names or any(not n for n in names) or len(set(names)) != len(names):
        return None
    if names[:2] == [STEP_COLUMN, TIME_COLUMN]:
        kind, step = CsvKind.PLAIN, 0
    elif STEP_COLUMN in names:
        kind, step = CsvKind.LIGHTNING, names.index(STEP_COLUMN)
    elif names[0] == EPOCH_COLUMN:
        kind, step = CsvKind.KERAS, 0
    else:
        return None
    time = names.index(TIME_COLUMN) if TIME_COLUMN in names else None
    metrics = tuple((i, n) for i, n in enumerate(names) if i not in (step, time))
    return Columns(kind, step, time, metrics)


def sniff(path: Path) -> Columns | None:
    """The columns of a CSV metric log, from its first line; None for any other file."""
    if path.suffix.lower() not in SUFFIXES:
        return None
    try:
        with path.open("rb") as handle:
            first = handle.readline(MAX_HEADER_BYTES)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return None
    if not first.endswith(b"\n"):
        return None
    try:
        line = first.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        return None
    return parse_header(next(csv.reader([line]), []))


def binary_at(path: Path) -> int | None:
    """Where a file named like a CSV log first holds what no text log does (a NUL byte,
    bytes that are not UTF-8), within its first MAX_HEADER_BYTES; None for text."""
    try:
        with path.open("rb") as handle:
            head = handle.read(MAX_HEADER_BYTES)
    except OSError:
        return None
    nul = head.find(b"\0")
    if nul >= 0:
        return nul
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A character cut by the end of the read is no sign of binary data.
        if exc.end < len(head) or len(head) < MAX_HEADER_BYTES:
            return exc.start
    return None


def lightning_hparams(folder: Path) -> dict[str, Any]:
    """Lightning's hparams.yaml beside metrics.csv, when PyYAML is installed; else nothing."""
    path = folder / HPARAMS_FILE
    if not path.is_file():
        return {}
    try:
        import yaml
    except ImportError:
        log.debug("PyYAML is not installed; %s is not read", path)
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        log.info("%s could not be read as configuration: %s", path, exc)
        return {}
    return dict(loaded) if isinstance(loaded, dict) else {}


class CsvTail(AppendedFileTail):
    """One CSV log, read a line at a time as the writer appends them.

    Only whole lines are read: a line without its newline is still being
    written. A file rewritten with a new header (Lightning, on a new metric)
    is read again from the start. With `strict`, a bad cell raises
    ValidationError; otherwise it is skipped with a warning.
    """

    def __init__(self, path: Path, strict: bool = False) -> None:
        super().__init__(path)
        self.strict = strict
        self.columns: Columns | None = None
        self._line = 0
        self._header_seen = False
        self._width = 0

    def read(self, final: bool = False) -> list[Record]:
        records: list[Record] = []
        again = final
        while True:
            data, reset = self._file.read(again=again)
            again = False
            if reset:
                self._line = 0
                self._header_seen = False
            if not data:
                break
            end = data.rfind(b"\n") + 1
            if final and end < len(data) and self._file.offset + len(data) >= self._file.size:
                end = len(data)
            if end == 0:
                break
            self._file.consume(end)
            text = data[:end].decode("utf-8", errors="replace")
            for cells in csv.reader(text.splitlines()):
                self._line += 1
                record = self._row(cells)
                if record is not None:
                    records.append(record)
            if self._file.offset >= self._file.size:
                break
        return records

    def _row(self, cells: list[str]) -> Record | None:
        if not self._header_seen:
            self._header_seen = True
            if self._line == 1 and cells:
                cells[0] = cells[0].lstrip("\ufeff")
            columns = parse_header(cells)
            if columns is not None:
                self.columns = columns
                self._width = len(cells)
                return None
            if self.columns is None:
                self._bad(f"the header {cells[:3]} is not that of a metric log")
                return None
            # Truncated by a log rotation that keeps no header: the old columns still hold.
        if self.columns is None or not any(c.strip() for c in cells):
            return None
        if len(cells) != self._width:
            # A cell too many or too few: which value belongs to which column is a guess.
            self._bad(
                f"line {self._line} has {len(cells)} cells where the header has {self._width}",
                "ragged",
            )
            return None
        columns = self.columns
        try:
            step = _step(_cell(cells, columns.step))
        except ValueError as exc:
            self._bad(f"line {self._line}: the step {exc}")
            return None
        wall_time: float | None = None
        if columns.time is not None:
            raw = _cell(cells, columns.time)
            try:
                wall_time = float(raw) if raw else None
            except ValueError:
                self._bad(f"line {self._line}: the wall time {raw!r} is not a number")
        values: dict[str, float] = {}
        for i, key in columns.metrics:
            raw = _cell(cells, i)
            if not raw:
                continue
            try:
                values[key] = _number(raw)
            except ValueError as exc:
                self._bad(f"line {self._line}, column {key!r}: {exc}", key)
        if not values:
            return None
        return Record(step, wall_time, values)

    def _bad(self, message: str, kind: str = "") -> None:
        if self.strict:
            raise ValidationError(f"{self.path}, {message}")
        if self._first_time(kind):
            log.warning("%s, %s; skipped", self.path, message)


def read_csv(path: Path) -> list[Record]:
    """Every record of a finished CSV log; ValidationError names a bad cell."""
    return CsvTail(path, strict=True).read(final=True)


def _cell(cells: list[str], i: int) -> str:
    return cells[i].strip() if i < len(cells) else ""


def _step(cell: str) -> int:
    if not cell:
        raise ValueError("is missing")
    try:
        return int(cell)
    except ValueError:
        pass
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{cell!r} is not an integer") from None
    if not value.is_integer():
        raise ValueError(f"{cell!r} is not an integer")
    return int(value)


def _number(cell: str) -> float:
    """A cell's value; `nan`, `inf` and `-Infinity` are kept, they are evidence."""
    try:
        return float(cell)
    except ValueError:
        raise ValueError(f"{cell!r} is not a number") from None
