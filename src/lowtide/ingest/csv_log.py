"""Metric logs as CSV: `step,wall_time,<metric>...`, a blank cell meaning "not logged"."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lowtide.errors import ValidationError

STEP_COLUMN = "step"
TIME_COLUMN = "wall_time"


@dataclass(frozen=True)
class Row:
    """One row: a step, its wall time, and the metrics logged at it."""

    step: int
    wall_time: float
    values: dict[str, float]


def read_rows(path: Path) -> Iterator[Row]:
    """The rows of a CSV metric log, in file order; ValidationError names a bad cell."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            return
        if len(header) < 2 or header[0] != STEP_COLUMN or header[1] != TIME_COLUMN:
            raise ValidationError(
                f"{path}: expected the columns to start with 'step,wall_time', got {header[:2]}"
            )
        keys = header[2:]
        for line_no, cells in enumerate(reader, start=2):
            if not cells:
                continue
            try:
                step = int(cells[0])
                wall_time = float(cells[1])
                values = {
                    key: _number(cell) for key, cell in zip(keys, cells[2:], strict=False) if cell
                }
            except ValueError as exc:
                raise ValidationError(f"{path}, line {line_no}: {exc}") from None
            yield Row(step, wall_time, values)


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        lowered = cell.strip().lower()
        if lowered in ("nan", "inf", "-inf", "infinity", "-infinity"):
            return float(lowered)
        raise ValueError(f"{cell!r} is not a number") from None


def is_metric_csv(path: Path) -> bool:
    """True for a CSV file whose header starts with `step,wall_time`."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    with path.open(newline="", encoding="utf-8") as handle:
        first = handle.readline().strip().split(",")
    return first[:2] == [STEP_COLUMN, TIME_COLUMN]
