"""The story of finished work, as plain values.

A story is what an article draft tells: the project's goal and stages, the
compared runs with their configurations (and the hyperparameters that set
them apart), the metric that decides which run is best, each run's best and
final values, the incidents met on the way and how they ended, and the time
it all took. `gather` reads it from the store; `figures` and `render` draw
and write it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from lowtide.core.stages import StageKind
from lowtide.errors import ValidationError

Mode = Literal["min", "max"]

#: Incident rules that mean a run's numbers went bad for good while they stay open.
DIVERGED_RULES = frozenset({"nonfinite", "divergence"})
#: Shown for a configuration key a run does not have.
MISSING = "\u2013"
#: Stage kinds that tell the problem, and those that tell the data.
PROBLEM_KINDS = frozenset({StageKind.UNDERSTANDING})
DATA_KINDS = frozenset({StageKind.COLLECTION, StageKind.ANNOTATION, StageKind.WRANGLING})


@dataclass(frozen=True)
class Subject:
    """What to write up: one run (id, prefix or name) or one project, and which runs to
    compare; `metric` and `mode` choose what "best" means instead of the guess."""

    run: str | None = None
    project: str | None = None
    runs: tuple[str, ...] = ()
    metric: str | None = None
    mode: Mode | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.project is None):
            raise ValidationError("write up one run or one project", field="run")
        if self.mode is not None and self.mode not in ("min", "max"):
            raise ValidationError(f"mode is min or max, got {self.mode!r}", field="mode")


@dataclass(frozen=True)
class Metric:
    """The metric that decides the best run, and which way is better."""

    key: str
    higher_is_better: bool
    chosen: bool  # named by the author rather than guessed from the keys

    @property
    def mode(self) -> Mode:
        return "max" if self.higher_is_better else "min"


@dataclass(frozen=True)
class Curve:
    """One run's points of one key, thinned for a figure."""

    run: str
    steps: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    best: bool
    diverged: bool


@dataclass(frozen=True)
class IncidentStory:
    """An incident of a compared run and what became of it."""

    run: str
    rule: str
    severity: str
    key: str | None
    step: int | None
    message: str
    resolved: bool  # the run recovered (not merely ended with it open)
    outcome: str


@dataclass(frozen=True)
class RunStory:
    """One compared run: its configuration, its numbers and its incidents."""

    uid: str
    name: str
    status: str
    started_at: float
    ended_at: float
    config: dict[str, str]
    tags: tuple[str, ...]
    last_step: int | None
    best: float | None
    best_step: int | None
    final: float | None
    final_step: int | None
    diverged: bool
    incidents: tuple[IncidentStory, ...]

    @property
    def hours(self) -> float:
        return max(0.0, self.ended_at - self.started_at) / 3600


@dataclass(frozen=True)
class Hyperparameter:
    """A configuration key and its value in each compared run (a dash where it is missing)."""

    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class StageStory:
    """A stage of the project: when it ran, how long, and the hours recorded on it."""

    key: str
    kind: str
    status: str
    started_on: dt.date | None
    ended_on: dt.date | None
    days: int | None
    estimate_days: float | None
    hours: float
    progress: str | None


@dataclass(frozen=True)
class Story:
    """Everything an article draft says, in the order it says it."""

    title: str
    subject: Literal["run", "project"]
    project: str
    goal: str
    owner: str
    runs: tuple[RunStory, ...]
    metric: Metric | None
    best: RunStory | None
    shared_config: tuple[tuple[str, str], ...]
    differing: tuple[Hyperparameter, ...]
    curves: tuple[tuple[str, tuple[Curve, ...]], ...]
    incidents: tuple[IncidentStory, ...]
    stages: tuple[StageStory, ...]
    stage_hours: float
    compute_hours: float
    made_at: float

    @property
    def problem_stages(self) -> tuple[StageStory, ...]:
        return tuple(s for s in self.stages if s.kind in PROBLEM_KINDS)

    @property
    def data_stages(self) -> tuple[StageStory, ...]:
        return tuple(s for s in self.stages if s.kind in DATA_KINDS)

    @property
    def fixes(self) -> tuple[tuple[RunStory, tuple[Hyperparameter, ...]], ...]:
        """Each run that went wrong (diverged, or paged), with what the best run did
        differently; a warning alone is not a run gone wrong."""
        if self.best is None:
            return ()
        at = {r.uid: i for i, r in enumerate(self.runs)}
        best = at[self.best.uid]
        found = []
        for run in self.runs:
            paged = any(i.severity == "page" for i in run.incidents)
            if run.uid == self.best.uid or not (run.diverged or paged):
                continue
            mine = at[run.uid]
            changed = tuple(
                Hyperparameter(h.key, (h.values[mine], h.values[best]))
                for h in self.differing
                if h.values[mine] != h.values[best]
            )
            found.append((run, changed))
        return tuple(found)
