"""The planner's settings the user keeps: rest, caps, the habit, P80 or P50, time to solve.

Each has a named default; `from_json` takes any subset over the defaults and
names the field that is wrong, so the CLI and the API say the same thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lowtide.core.forecast import DEFAULT_WEEKS
from lowtide.core.planner import (
    DEFAULT_FREEZE_WEEKS,
    DEFAULT_MAX_CONCURRENT,
    DEFAULT_MAX_LONG,
    DEFAULT_REST_HOURS,
)

#: Hours in a week: the most any weekly figure can be.
WEEK_HOURS = 168.0
#: Seconds the solver may take when the user does not say; the greedy preview is instant.
DEFAULT_TIME_LIMIT_S = 10.0
#: Shortest and longest time the solver may be given, in seconds.
MIN_TIME_LIMIT_S = 0.1
MAX_TIME_LIMIT_S = 600.0
#: Most activities in a week and long commitments anyone could mean.
MAX_ACTIVITIES = 20
#: Longest horizon of a plan, in weeks (the forecast's own limit).
MAX_PLAN_WEEKS = 104


@dataclass(frozen=True)
class PlannerSettings:
    """How the user wants the lulls planned.

    `optimistic` plans into the forecast's P50 free hours instead of P80;
    `freeze_weeks` of an accepted plan stay as they are when re-planning.
    """

    rest_hours: float = DEFAULT_REST_HOURS
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    max_long: int = DEFAULT_MAX_LONG
    habit_hours: float = 0.0
    optimistic: bool = False
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    freeze_weeks: int = DEFAULT_FREEZE_WEEKS
    weeks: int = DEFAULT_WEEKS

    def __post_init__(self) -> None:
        _check("rest_hours", self.rest_hours, 0, WEEK_HOURS, "hours a week")
        _check("habit_hours", self.habit_hours, 0, WEEK_HOURS, "hours a week")
        _check("max_concurrent", self.max_concurrent, 0, MAX_ACTIVITIES, "activities")
        _check("max_long", self.max_long, 0, MAX_ACTIVITIES, "long commitments")
        _check("time_limit_s", self.time_limit_s, MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S, "seconds")
        _check("freeze_weeks", self.freeze_weeks, 0, MAX_PLAN_WEEKS, "weeks")
        _check("weeks", self.weeks, 1, MAX_PLAN_WEEKS, "weeks")
        if self.rest_hours + self.habit_hours > WEEK_HOURS:
            raise ValueError(
                f"habit_hours: {self.habit_hours:g} h of habit and {self.rest_hours:g} h of rest "
                f"are more than the {WEEK_HOURS:g} h of a week"
            )

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], base: PlannerSettings | None = None
    ) -> PlannerSettings:
        """`base` (the defaults) with the fields of `data`; ValueError starts with the field."""
        fields = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ValueError(f"{unknown[0]}: not a planner setting; use one of {', '.join(fields)}")
        changes: dict[str, Any] = {}
        for name, value in data.items():
            if value is None:
                continue
            default = getattr(cls(), name)
            changes[name] = _coerce(name, value, type(default))
        return dataclasses.replace(base or cls(), **changes)


def _coerce(name: str, value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise ValueError(f"{name}: true or false, got {value!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: a number, got {value!r}")
    if kind is int and value != int(value):
        raise ValueError(f"{name}: a whole number, got {value!r}")
    return kind(value)


def _check(name: str, value: float, low: float, high: float, unit: str) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name}: {low:g} to {high:g} {unit}, got {value:g}")
