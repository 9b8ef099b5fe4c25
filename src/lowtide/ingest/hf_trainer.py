"""Hugging Face Trainer's `trainer_state.json`: its `log_history`, rewritten whole at each save.

The Trainer writes the file into each `checkpoint-N/` folder of its output
folder (older ones are deleted as `save_total_limit` allows), and into the
output folder itself when the state is saved at the end. Every copy holds the
whole history so far; the entry that closes training carries `train_runtime`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from pathlib import Path
from typing import Any

from lowtide.ingest.tail import Record

log = logging.getLogger(__name__)

STATE_FILE = "trainer_state.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
#: The key of the summary the Trainer logs when training ends.
END_KEY = "train_runtime"
#: Fields of trainer_state.json kept as the run's configuration.
CONFIG_FIELDS = (
    "max_steps",
    "num_train_epochs",
    "train_batch_size",
    "logging_steps",
    "eval_steps",
    "save_steps",
)


def run_folder(folder: Path) -> Path:
    """The Trainer's output folder that a folder holding trainer_state.json belongs to."""
    return folder.parent if _CHECKPOINT.match(folder.name) else folder


def state_files(root: Path) -> list[Path]:
    """The run's trainer_state.json files, oldest history first."""
    found: list[tuple[int, Path]] = []
    try:
        entries = list(root.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        match = _CHECKPOINT.match(entry.name)
        if match and (entry / STATE_FILE).is_file():
            found.append((int(match.group(1)), entry / STATE_FILE))
    found.sort()
    files = [path for _, path in found]
    if (root / STATE_FILE).is_file():
        files.append(root / STATE_FILE)
    return files


def load_state(path: Path) -> dict[str, Any] | None:
    """The parsed file; None while it is missing or half written."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def history(state: dict[str, Any]) -> list[Record]:
    """The numeric values of each `log_history` entry, at its step."""
    records: list[Record] = []
    entries = state.get("log_history")
    if not isinstance(entries, list):
        return records
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        step = entry.get("step")
        if not isinstance(step, int) or isinstance(step, bool):
            continue
        values = {
            str(key): float(value)
            for key, value in entry.items()
            if key != "step" and isinstance(value, int | float) and not isinstance(value, bool)
        }
        if values:
            records.append(Record(step, None, values))
    return records


def run_config(state: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """The run's configuration and its planned steps (`max_steps`)."""
    config = {k: state[k] for k in CONFIG_FIELDS if isinstance(state.get(k), int | float)}
    max_steps = state.get("max_steps")
    planned = max_steps if isinstance(max_steps, int) and max_steps > 0 else None
    return config, planned


def has_ended(records: list[Record]) -> bool:
    return any(END_KEY in r.values for r in records)


class TrainerStateTail:
    """One trainer_state.json, read again whenever it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.gone = False
        self.finished = False
        self.mtime = math.nan
        self._signature: tuple[int, int, int] | None = None

    def read(self, final: bool = False) -> list[Record]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self.gone = True
            return []
        signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        if signature == self._signature:
            return []
        state = load_state(self.path)
        if state is None:
            # Being rewritten: read again at the next look.
            if final:
                log.warning("%s is not valid JSON; left out", self.path)
            return []
        self._signature = signature
        self.mtime = st.st_mtime
        records = history(state)
        self.finished = has_ended(records)
        return records
