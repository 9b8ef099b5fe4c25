"""What the planner works on: candidates, the weeks and their free hours, and a plan.

Time is counted in whole weeks of the problem (Monday starts). A week is
used whole, so that a plan survives a slip: an activity may start in a week
whose Monday is on or after its earliest start and inside one of its start
windows, and must end in a week whose Sunday is on or before its deadline.

A candidate takes one of two shapes. `Fixed` is a commitment of so many hours
a week for so many consecutive weeks (tutoring 10 h a week for 26 weeks): it
is planned whole or not at all. `Flexible` is a total of hours done over a
run of consecutive weeks, between a least and a most hours a week while it
runs (a course of 40 h at 2-8 h a week).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from enum import StrEnum

from lowtide.core.forecast import Forecast
from lowtide.core.opportunities import OpportunityKind

#: Hours a week kept free of any plan, for rest, when the user does not say.
DEFAULT_REST_HOURS = 4.0
#: Activities running in the same week, at most, when the user does not say.
DEFAULT_MAX_CONCURRENT = 3
#: Long commitments in one plan, at most: one is a plan, two are a second job.
DEFAULT_MAX_LONG = 1
#: A fixed commitment this many weeks or longer is long unless its candidate says.
LONG_COMMITMENT_WEEKS = 12
#: Hours below which two amounts are the same (float round-off of the solver).
HOURS_TOLERANCE = 1e-4


#: What an activity is: the opportunity's kind; calendar categories and explanations use it.
ActivityKind = OpportunityKind


class Method(StrEnum):
    """How a plan was found."""

    GREEDY = "greedy"  # the instant preview, or the fallback when the solver failed
    OPTIMAL = "optimal"  # the solver proved it within its gap
    TIME_LIMIT = "time-limit"  # the solver's best when its time ran out


@dataclass(frozen=True)
class Fixed:
    """`weekly_hours` a week for `weeks` consecutive weeks, whole or not at all."""

    weekly_hours: float
    weeks: int

    def __post_init__(self) -> None:
        if self.weekly_hours <= 0 or self.weeks <= 0:
            raise ValueError(
                f"a fixed commitment needs positive hours and weeks, "
                f"got {self.weekly_hours:g} h for {self.weeks} weeks"
            )

    @property
    def total_hours(self) -> float:
        return self.weekly_hours * self.weeks

    @property
    def min_weeks(self) -> int:
        return self.weeks


@dataclass(frozen=True)
class Flexible:
    """`total_hours` over consecutive weeks, each between `min_weekly` and `max_weekly`."""

    total_hours: float
    min_weekly: float
    max_weekly: float

    def __post_init__(self) -> None:
        if self.total_hours <= 0 or self.max_weekly <= 0:
            raise ValueError(
                f"flexible work needs positive total and weekly hours, "
                f"got {self.total_hours:g} h at most {self.max_weekly:g} h a week"
            )
        if not 0 < self.min_weekly <= self.max_weekly:
            raise ValueError(
                f"min weekly hours {self.min_weekly:g} must be above 0 and at most the "
                f"max weekly hours {self.max_weekly:g}"
            )

    @property
    def min_weeks(self) -> int:
        """Fewest weeks the work takes, at its most hours a week."""
        return max(1, math.ceil(self.total_hours / self.max_weekly - HOURS_TOLERANCE))

    @property
    def max_weeks(self) -> int:
        """Most weeks the work may run, at its least hours a week."""
        return max(1, math.floor(self.total_hours / self.min_weekly + HOURS_TOLERANCE))


Shape = Fixed | Flexible


@dataclass(frozen=True)
class Candidate:
    """An opportunity as the planner sees it; `value` is the user's weighted value.

    `start_windows` are (first, last) dates a start may fall in (term dates);
    none means any week from `earliest_start`. `long` defaults to fixed
    commitments of `LONG_COMMITMENT_WEEKS` or more.
    """

    key: str
    title: str
    kind: ActivityKind
    value: float
    shape: Shape
    earliest_start: dt.date | None = None
    start_windows: tuple[tuple[dt.date, dt.date], ...] = ()
    deadline: dt.date | None = None
    long: bool | None = None
    link: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("a candidate needs a key")
        if self.value < 0 or not math.isfinite(self.value):
            raise ValueError(f"the value of {self.key!r} must be 0 or more, got {self.value}")
        for first, last in self.start_windows:
            if last < first:
                raise ValueError(f"start window of {self.key!r} ends on {last}, before {first}")

    @property
    def is_long(self) -> bool:
        if self.long is not None:
            return self.long
        return isinstance(self.shape, Fixed) and self.shape.weeks >= LONG_COMMITMENT_WEEKS

    @property
    def total_hours(self) -> float:
        return self.shape.total_hours


@dataclass(frozen=True)
class Assignment:
    """A candidate's hours in each week of the problem (zero outside its run)."""

    key: str
    hours: tuple[float, ...]
    long: bool = False

    @property
    def active(self) -> tuple[int, ...]:
        """Indices of the weeks with hours in them."""
        return tuple(k for k, h in enumerate(self.hours) if h > HOURS_TOLERANCE)

    @property
    def first_week(self) -> int:
        return self.active[0]

    @property
    def last_week(self) -> int:
        return self.active[-1]

    @property
    def total_hours(self) -> float:
        return sum(self.hours)


@dataclass(frozen=True)
class PlanningProblem:
    """The weeks to plan, their free hours, and the user's limits.

    `habit_hours` a week (a daily-learning habit) are reserved first, after the
    rest, in every week they fit. `frozen` holds assignments carried over from
    an accepted plan: their hours and activities are kept as they are.
    """

    weeks: tuple[dt.date, ...]
    free_hours: tuple[float, ...]
    rest_hours: float = DEFAULT_REST_HOURS
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    max_long: int = DEFAULT_MAX_LONG
    habit_hours: float = 0.0
    frozen: tuple[Assignment, ...] = ()

    def __post_init__(self) -> None:
        if len(self.weeks) != len(self.free_hours):
            raise ValueError(
                f"{len(self.weeks)} weeks but {len(self.free_hours)} free-hour figures"
            )
        if any(w.weekday() != 0 for w in self.weeks):
            raise ValueError("weeks are given by their Monday")
        if self.rest_hours < 0 or self.habit_hours < 0:
            raise ValueError("rest and habit hours must be 0 or more")
        if self.max_concurrent < 0 or self.max_long < 0:
            raise ValueError("the caps on activities must be 0 or more")
        for a in self.frozen:
            if len(a.hours) != len(self.weeks):
                raise ValueError(f"frozen {a.key!r} has {len(a.hours)} weeks, not {self.n}")

    @property
    def n(self) -> int:
        """The number of weeks."""
        return len(self.weeks)

    @classmethod
    def from_forecast(
        cls,
        forecast: Forecast,
        *,
        optimistic: bool = False,
        rest_hours: float = DEFAULT_REST_HOURS,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT,
        max_long: int = DEFAULT_MAX_LONG,
        habit_hours: float = 0.0,
    ) -> PlanningProblem:
        """The forecast's weeks with their free hours at P80 (at P50 if `optimistic`)."""
        free = tuple(max(0.0, w.free_p50 if optimistic else w.free_p80) for w in forecast.weeks)
        return cls(
            tuple(w.start for w in forecast.weeks),
            free,
            rest_hours=rest_hours,
            max_concurrent=max_concurrent,
            max_long=max_long,
            habit_hours=habit_hours,
        )


@dataclass(frozen=True)
class Rejection:
    """A candidate left out, and why, in words."""

    key: str
    reason: str


@dataclass(frozen=True)
class PlanResult:
    """A plan: what was chosen and rejected, why, and how good it is.

    `gap` is the solver's relative gap to its bound (0 when proven optimal,
    None for a greedy plan). `habit` holds the habit's hours in each week.
    """

    weeks: tuple[dt.date, ...]
    chosen: tuple[Assignment, ...]
    rejected: tuple[Rejection, ...]
    value: float
    method: Method
    gap: float | None
    explanations: dict[str, str] = field(default_factory=dict)
    habit: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()

    def assignment(self, key: str) -> Assignment | None:
        return next((a for a in self.chosen if a.key == key), None)
