"""Which runs a path holds, and in what format each is logged.

A source is one run's logs: a TensorBoard run folder (its event files, and
Keras' `train/` and `validation/` folders under it), a Hugging Face output
folder (its trainer_state.json files), or one CSV log (lowtide's, Lightning's
or Keras'). `lowtide watch` follows sources, `lowtide replay` judges them;
both read them through the one reader of their format.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from lowtide.errors import ValidationError
from lowtide.ingest import csv_log, hf_trainer, tensorboard
from lowtide.ingest.csv_log import CsvKind, CsvTail
from lowtide.ingest.hf_trainer import TrainerStateTail
from lowtide.ingest.tail import Record, StepClock, StepFilter, Tail
from lowtide.ingest.tensorboard import EventFileTail

#: Project of a run whose folder has no parent to name it after.
DEFAULT_PROJECT = "default"
#: Folder levels looked into below each given path.
MAX_DEPTH = 8
#: Folders never looked into.
SKIPPED_FOLDERS = frozenset({"__pycache__", "node_modules", "site-packages"})
#: CSV file names that say nothing about the run: such a run is named after its folder.
GENERIC_STEMS = frozenset({"metrics", "training", "train", "history", "log", "logs", "progress"})
#: Longest run or project name the store takes.
MAX_NAME_LENGTH = 200

#: Told of a file named like a log that holds binary data, and the byte where it starts.
OnBinary = Callable[[Path, int], None]


class Format(StrEnum):
    """How a run's logs are written."""

    TENSORBOARD = "tensorboard"
    HF_TRAINER = "hf-trainer"
    CSV = CsvKind.PLAIN.value
    LIGHTNING = CsvKind.LIGHTNING.value
    KERAS = CsvKind.KERAS.value


@dataclass(frozen=True)
class RunInfo:
    """What a source says about its run besides points."""

    config: dict[str, Any] = field(default_factory=dict)
    planned_steps: int | None = None


@dataclass(frozen=True)
class Source:
    """One run's logs: a run folder (TensorBoard, Hugging Face) or a CSV file."""

    format: Format
    path: Path
    name: str
    project: str

    @property
    def folder(self) -> Path:
        """The folder the run lives in."""
        return self.path.parent if self.path_is_file else self.path

    @property
    def path_is_file(self) -> bool:
        return self.format not in (Format.TENSORBOARD, Format.HF_TRAINER)

    def files(self) -> list[tuple[Path, str]]:
        """The files that hold the run now, in reading order, with the prefix of their keys."""
        if self.format is Format.TENSORBOARD:
            return tensorboard.event_files(self.path)
        if self.format is Format.HF_TRAINER:
            return [(p, "") for p in hf_trainer.state_files(self.path)]
        return [(self.path, "")] if self.path.is_file() else []

    def open(self, path: Path, prefix: str = "", strict: bool = False) -> Tail:
        """A reader of one of the run's files."""
        if self.format is Format.TENSORBOARD:
            return EventFileTail(path, prefix)
        if self.format is Format.HF_TRAINER:
            return TrainerStateTail(path)
        return CsvTail(path, strict=strict)

    def info(self) -> RunInfo:
        """The run's configuration, where the format keeps one."""
        if self.format is Format.LIGHTNING:
            return RunInfo(config=csv_log.lightning_hparams(self.folder))
        if self.format is Format.HF_TRAINER:
            for path in reversed(hf_trainer.state_files(self.path)):
                state = hf_trainer.load_state(path)
                if state is not None:
                    config, planned = hf_trainer.run_config(state)
                    return RunInfo(config, planned)
        return RunInfo()

    def exists(self) -> bool:
        return self.path.exists()

    def records(self, strict: bool = True) -> Iterator[Record]:
        """Every record the run's files hold now, each key's steps once (for replay)."""
        steps = StepFilter()
        clock = StepClock()
        for path, prefix in self.files():
            for record in self.open(path, prefix, strict=strict).read(final=True):
                fresh = steps.new(record)
                if fresh is None:
                    continue
                if fresh.wall_time is not None:
                    wall_time = clock.time(fresh.step, fresh.wall_time)
                    fresh = Record(fresh.step, wall_time, fresh.values)
                yield fresh


def find_sources(
    paths: Iterable[Path], project: str | None = None, on_binary: OnBinary | None = None
) -> list[Source]:
    """Every run under the given paths, each once, in the order found.

    A file must be a log lowtide reads; a folder is searched, and may hold none
    yet. A file in it named like a CSV log that holds binary data is skipped
    and handed to `on_binary` with the byte where the binary data starts.
    """
    found: dict[tuple[Format, Path], Source] = {}
    for given in paths:
        path = Path(os.path.abspath(given))
        if not path.exists():
            raise ValidationError(f"{given} does not exist")
        if path.is_file():
            source = detect_file(path, project)
            if source is None:
                raise ValidationError(
                    f"{given} is not a log lowtide reads: TensorBoard event files, "
                    "trainer_state.json, or CSV logs with a 'step' or 'epoch' column"
                )
            found.setdefault((source.format, source.path), source)
            continue
        for source in _search(path, project, on_binary):
            found.setdefault((source.format, source.path), source)
    return list(found.values())


def detect_file(path: Path, project: str | None = None) -> Source | None:
    """The source a single file belongs to; None when it is no log lowtide reads."""
    if tensorboard.is_event_file(path):
        return _folder_source(Format.TENSORBOARD, tensorboard.run_folder(path.parent), project)
    if path.name == hf_trainer.STATE_FILE:
        return _folder_source(Format.HF_TRAINER, hf_trainer.run_folder(path.parent), project)
    columns = csv_log.sniff(path)
    if columns is None:
        return None
    fmt = Format(columns.kind.value)
    if path.stem.lower() in GENERIC_STEMS:
        return Source(fmt, path, _name(path.parent.name), _project(path.parent, project))
    return Source(fmt, path, _name(path.stem), _project(path, project))


def _search(root: Path, project: str | None, on_binary: OnBinary | None) -> Iterator[Source]:
    base_depth = len(root.parts)
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        subfolders[:] = sorted(
            d for d in subfolders if not d.startswith(".") and d not in SKIPPED_FOLDERS
        )
        if len(here.parts) - base_depth >= MAX_DEPTH:
            subfolders.clear()
        seen_events = False
        for name in sorted(files):
            path = here / name
            if tensorboard.is_event_file(path):
                if not seen_events:
                    seen_events = True
                    run = tensorboard.run_folder(here)
                    yield _folder_source(Format.TENSORBOARD, run, project)
            elif name == hf_trainer.STATE_FILE:
                yield _folder_source(Format.HF_TRAINER, hf_trainer.run_folder(here), project)
            elif path.suffix.lower() in csv_log.SUFFIXES:
                source = detect_file(path, project)
                if source is not None:
                    yield source
                elif on_binary is not None and (at := csv_log.binary_at(path)) is not None:
                    on_binary(path, at)


def _folder_source(fmt: Format, folder: Path, project: str | None) -> Source:
    return Source(fmt, folder, _name(folder.name), _project(folder, project))


def _project(location: Path, given: str | None) -> str:
    if given:
        return given
    parent = location.parent
    return _name(parent.name) if parent != location and parent.name else DEFAULT_PROJECT


def _name(text: str) -> str:
    return (text.strip() or DEFAULT_PROJECT)[:MAX_NAME_LENGTH]
