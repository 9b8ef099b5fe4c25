"""A project's stages: their kinds, the engineer's part in each, estimates and status.

The seven kinds follow the stage model of PRODUCT.md. Each kind has a default
effort profile: its share of the engineer's project hours, and the hours a
week it takes while it is active (for unattended stages: the supervision
cost). The defaults come from the Anaconda State of Data Science 2020 survey
(about 45 % of time on loading and cleaning data, about 11 % on deploying)
and the stage model of Amershi et al., "Software Engineering for Machine
Learning: A Case Study", ICSE-SEIP 2019; they are meant to be overridden per
stage and learned from recorded hours (`forecast.learn_profiles`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class StageKind(StrEnum):
    """The seven kinds of stage of an ML project, in their usual order."""

    UNDERSTANDING = "understanding"
    COLLECTION = "collection"
    ANNOTATION = "annotation"
    WRANGLING = "wrangling"
    DEVELOPMENT = "development"
    TRAINING = "training"
    DEPLOYMENT = "deployment"

    @property
    def has_progress(self) -> bool:
        """Counted in items done of a total, so the count gives an ETA."""
        return self in (StageKind.ANNOTATION, StageKind.COLLECTION)

    @property
    def has_runs(self) -> bool:
        """Linked to training runs, whose ETAs give the stage's."""
        return self is StageKind.TRAINING


class Involvement(StrEnum):
    """The engineer's part: all hands, or checking in on work that runs by itself."""

    HANDS_ON = "hands-on"
    UNATTENDED = "unattended"


class StageStatus(StrEnum):
    """Where a stage stands. A blocked stage is forecast as if it resumed today."""

    PLANNED = "planned"
    ACTIVE = "active"
    DONE = "done"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class HoursRange:
    """Hours a week, from low to high; the forecast samples between them."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (0 <= self.low <= self.high):
            raise ValueError(f"hours must satisfy 0 <= low <= high, got {self.low}-{self.high}")

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class EffortProfile:
    """A kind's default effort: share of project hours, hours a week while active,
    and (for deployment) the hours a week of maintenance after the rollout."""

    share: float
    hours: HoursRange
    involvement: Involvement
    after: HoursRange | None = None


# Source of every default below: Anaconda, State of Data Science 2020 (about 45 % of
# time on loading and cleaning data, about 11 % on deploying), and Amershi et al.,
# ICSE-SEIP 2019 (the stages); shares are of the engineer's project hours, hours are
# a week while the stage is active.
#: Understanding the problem: 10 %, 16-24 h a week, hands-on.
UNDERSTANDING_PROFILE = EffortProfile(0.10, HoursRange(16, 24), Involvement.HANDS_ON)
#: Data collection, mostly by data engineers: 5 %, 2-6 h a week of checking in.
COLLECTION_PROFILE = EffortProfile(0.05, HoursRange(2, 6), Involvement.UNATTENDED)
#: Annotation, mostly by third-party labelers: 5 %, 3-6 h a week of checking in.
ANNOTATION_PROFILE = EffortProfile(0.05, HoursRange(3, 6), Involvement.UNATTENDED)
#: Wrangling (EDA, features), the peak: 35 %, 30-36 h a week.
WRANGLING_PROFILE = EffortProfile(0.35, HoursRange(30, 36), Involvement.HANDS_ON)
#: Model development and evaluation: 25 %, 28-36 h a week.
DEVELOPMENT_PROFILE = EffortProfile(0.25, HoursRange(28, 36), Involvement.HANDS_ON)
#: Training, a running job: 5 %, 3-8 h a week of monitoring.
TRAINING_PROFILE = EffortProfile(0.05, HoursRange(3, 8), Involvement.UNATTENDED)
#: Deployment and maintenance: 15 %, 24-32 h a week at rollout, then 4-8 h.
DEPLOYMENT_PROFILE = EffortProfile(
    0.15, HoursRange(24, 32), Involvement.HANDS_ON, after=HoursRange(4, 8)
)

DEFAULT_PROFILES: Mapping[StageKind, EffortProfile] = {
    StageKind.UNDERSTANDING: UNDERSTANDING_PROFILE,
    StageKind.COLLECTION: COLLECTION_PROFILE,
    StageKind.ANNOTATION: ANNOTATION_PROFILE,
    StageKind.WRANGLING: WRANGLING_PROFILE,
    StageKind.DEVELOPMENT: DEVELOPMENT_PROFILE,
    StageKind.TRAINING: TRAINING_PROFILE,
    StageKind.DEPLOYMENT: DEPLOYMENT_PROFILE,
}


@dataclass(frozen=True)
class DurationEstimate:
    """A three-point estimate of a stage's length in days (PERT)."""

    optimistic: float
    likely: float
    pessimistic: float

    def __post_init__(self) -> None:
        if not (0 < self.optimistic <= self.likely <= self.pessimistic):
            raise ValueError(
                "an estimate needs 0 < optimistic <= likely <= pessimistic days, got "
                f"{self.optimistic}/{self.likely}/{self.pessimistic}"
            )


#: A stage given no estimate lasts one to four weeks, two most likely.
DEFAULT_ESTIMATE = DurationEstimate(7, 14, 28)


@dataclass(frozen=True)
class Progress:
    """Items done of a total, for an annotation or collection stage."""

    done: int
    total: int

    def __post_init__(self) -> None:
        if self.total <= 0 or not (0 <= self.done <= self.total):
            raise ValueError(f"progress needs 0 <= done <= total and total > 0, got {self}")

    @property
    def fraction(self) -> float:
        return self.done / self.total


@dataclass(frozen=True)
class Stage:
    """One stage of a project. `key` is unique within the project; `after` names
    the keys of the stages it waits for."""

    key: str
    kind: StageKind
    status: StageStatus = StageStatus.PLANNED
    estimate: DurationEstimate | None = None
    hours: HoursRange | None = None
    involvement: Involvement | None = None
    after: tuple[str, ...] = ()
    planned_start: dt.date | None = None
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    progress: Progress | None = None
    runs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValueError(
                f"stage {self.key} ends on {self.ended_on}, before it starts on {self.started_on}"
            )

    @property
    def effective_involvement(self) -> Involvement:
        return self.involvement or DEFAULT_PROFILES[self.kind].involvement


@dataclass(frozen=True)
class Project:
    """A project: its name, goal, owner and stages."""

    name: str
    stages: tuple[Stage, ...] = ()
    goal: str = ""
    owner: str = ""


@dataclass(frozen=True)
class StageRef:
    """A stage across projects: `project/key`."""

    project: str
    key: str

    def __str__(self) -> str:
        return f"{self.project}/{self.key}"


class CycleError(ValueError):
    """Stages that wait for each other in a circle."""

    def __init__(self, cycle: Sequence[str]) -> None:
        super().__init__("stages wait for each other in a circle: " + " -> ".join(cycle))
        self.cycle = tuple(cycle)


def stage_order(stages: Iterable[Stage]) -> list[Stage]:
    """The stages of one project so that each comes after those it waits for.

    Raises CycleError naming a circle, and ValueError for an unknown key.
    """
    by_key: dict[str, Stage] = {}
    for s in stages:
        if s.key in by_key:
            raise ValueError(f"two stages are called {s.key!r}")
        by_key[s.key] = s
    for s in by_key.values():
        for dep in s.after:
            if dep not in by_key:
                raise ValueError(f"stage {s.key!r} waits for {dep!r}, which is not a stage")
    order: list[Stage] = []
    state: dict[str, int] = {}  # 1: on the path, 2: placed

    def visit(key: str, path: list[str]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            raise CycleError([*path[path.index(key) :], key])
        state[key] = 1
        path.append(key)
        for dep in by_key[key].after:
            visit(dep, path)
        path.pop()
        state[key] = 2
        order.append(by_key[key])

    for key in by_key:
        visit(key, [])
    return order


@dataclass(frozen=True)
class ProgressSample:
    """A progress count at a time (Unix seconds)."""

    at: float
    done: int
    total: int


#: Seconds of progress history an ETA's rate is measured over: recent enough to
#: follow a labeling team that speeds up or slows down.
PROGRESS_WINDOW_S = 14 * 86400.0
#: Counts closer together than this say more about when they were typed in than about
#: the labelers' rate: no ETA until the counts span a day.
PROGRESS_MIN_SPAN_S = 86400.0


def progress_eta(samples: Sequence[ProgressSample], now: float) -> float | None:
    """Seconds until a progress count reaches its total, at its recent rate.

    None when the rate is unknown (the counts in the window span less than
    `PROGRESS_MIN_SPAN_S`, or show no progress); 0 when it is complete.
    """
    if not samples:
        return None
    last = max(samples, key=lambda s: s.at)
    if last.done >= last.total:
        return 0.0
    recent = [s for s in samples if s.at >= last.at - PROGRESS_WINDOW_S]
    first = min(recent, key=lambda s: s.at)
    if last.at - first.at < PROGRESS_MIN_SPAN_S or last.done <= first.done:
        return None
    rate = (last.done - first.done) / (last.at - first.at)
    return max(0.0, (last.total - last.done) / rate - (now - last.at))


@dataclass(frozen=True)
class HoursActual:
    """Hours really spent on a stage of a kind in the week starting on `week`."""

    week: dt.date
    kind: StageKind
    hours: float
    stage: str = ""


@dataclass(frozen=True)
class Plan:
    """Every project the forecast looks at."""

    projects: tuple[Project, ...] = field(default_factory=tuple)
