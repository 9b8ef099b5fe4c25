"""A plan as it is kept: the planner's result with what it chose from, its state and revision.

Each item keeps the candidate it was planned as (title, kind, link, value,
shape and dates), so a stored plan can be checked again before it is
accepted, exported as a calendar, and re-planned from, without the board.
A preview becomes accepted, and the accepted plan it replaces superseded;
the revision counts accepted plans from 0 and is the calendar's SEQUENCE.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lowtide.core.plan_settings import PlannerSettings
from lowtide.core.planner import (
    ActivityKind,
    Assignment,
    Candidate,
    Fixed,
    Flexible,
    Method,
    PlanningProblem,
    PlanResult,
    Rejection,
)

#: Hours below which a week holds nothing of an activity (the solver's round-off).
HOURS_EPSILON = 1e-4
#: Decimals of hours in the JSON form.
HOURS_DECIMALS = 2


class PlanState(StrEnum):
    """Where a plan is in its life."""

    PREVIEW = "preview"  # the latest proposal, not acted on
    ACCEPTED = "accepted"  # the plan the user follows
    SUPERSEDED = "superseded"  # an accepted plan that a later one replaced


@dataclass(frozen=True)
class PlanItem:
    """A chosen activity: its hours week by week, those kept from the accepted plan, and why."""

    candidate: Candidate
    hours: tuple[float, ...]
    explanation: str
    opportunity_id: int | None = None
    long: bool = False
    frozen: tuple[float, ...] = ()

    @property
    def key(self) -> str:
        return self.candidate.key

    def assignment(self) -> Assignment:
        return Assignment(self.key, self.hours, self.long)


@dataclass(frozen=True)
class PlanRejection:
    """An opportunity left out of the plan, and why."""

    key: str
    title: str
    kind: ActivityKind
    reason: str
    opportunity_id: int | None = None


@dataclass(frozen=True)
class StoredPlan:
    """A plan with its inputs: weeks and free hours, settings, and the filter it drew from."""

    weeks: tuple[dt.date, ...]
    free_hours: tuple[float, ...]
    settings: PlannerSettings
    items: tuple[PlanItem, ...]
    rejections: tuple[PlanRejection, ...]
    value: float
    method: Method
    gap: float | None
    habit: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()
    frozen_weeks: int = 0
    board_filter: Mapping[str, Any] = field(default_factory=dict)
    id: int = 0
    state: PlanState = PlanState.PREVIEW
    revision: int = 0
    created_at: float = 0.0
    accepted_at: float | None = None

    def item(self, key: str) -> PlanItem | None:
        return next((i for i in self.items if i.key == key), None)

    def candidates(self) -> tuple[Candidate, ...]:
        return tuple(i.candidate for i in self.items)

    def problem(self) -> PlanningProblem:
        """The problem the plan was found for, its frozen work included."""
        s = self.settings
        frozen = tuple(
            Assignment(i.key, i.frozen, i.long)
            for i in self.items
            if any(h > HOURS_EPSILON for h in i.frozen)
        )
        return PlanningProblem(
            self.weeks,
            self.free_hours,
            rest_hours=s.rest_hours,
            max_concurrent=s.max_concurrent,
            max_long=s.max_long,
            habit_hours=s.habit_hours,
            frozen=frozen,
        )

    def result(self) -> PlanResult:
        return PlanResult(
            weeks=self.weeks,
            chosen=tuple(i.assignment() for i in self.items),
            rejected=tuple(Rejection(r.key, r.reason) for r in self.rejections),
            value=self.value,
            method=self.method,
            gap=self.gap,
            explanations={i.key: i.explanation for i in self.items},
            habit=self.habit,
            notes=self.notes,
        )

    def to_json(self) -> dict[str, Any]:
        """Everything a page needs: the weeks with their hours and activities, items, rejections."""
        return {
            "id": self.id,
            "state": self.state.value,
            "revision": self.revision,
            "created_at": _iso_time(self.created_at),
            "accepted_at": None if self.accepted_at is None else _iso_time(self.accepted_at),
            "method": self.method.value,
            "value": round(self.value, HOURS_DECIMALS),
            "gap": self.gap if self.gap is not None and math.isfinite(self.gap) else None,
            "horizon_weeks": len(self.weeks),
            "frozen_weeks": self.frozen_weeks,
            "settings": self.settings.to_json(),
            "filter": dict(self.board_filter),
            "notes": list(self.notes),
            "weeks": [self._week_json(k) for k in range(len(self.weeks))],
            "items": [self._item_json(i) for i in self.items],
            "rejections": [
                {
                    "key": r.key,
                    "opportunity_id": r.opportunity_id,
                    "title": r.title,
                    "kind": r.kind.value,
                    "reason": r.reason,
                }
                for r in self.rejections
            ],
        }

    def _week_json(self, k: int) -> dict[str, Any]:
        free = self.free_hours[k]
        room = max(0.0, free - self.settings.rest_hours)
        habit = self.habit[k] if self.habit else 0.0
        activities = [
            {"key": i.key, "title": i.candidate.title, "kind": i.candidate.kind.value,
             "hours": _hours(i.hours[k])}
            for i in self.items
            if i.hours[k] > HOURS_EPSILON
        ]  # fmt: skip
        planned = sum(i.hours[k] for i in self.items if i.hours[k] > HOURS_EPSILON)
        return {
            "start": self.weeks[k].isoformat(),
            "free_hours": _hours(free),
            "rest_hours": _hours(self.settings.rest_hours),
            "room_hours": _hours(room),
            "habit_hours": _hours(habit),
            "planned_hours": _hours(planned),
            "used_hours": _hours(planned + habit),
            "left_hours": _hours(max(0.0, room - planned - habit)),
            "frozen": k < self.frozen_weeks,
            "activities": activities,
        }

    def _item_json(self, i: PlanItem) -> dict[str, Any]:
        c = i.candidate
        active = [k for k, h in enumerate(i.hours) if h > HOURS_EPSILON]
        return {
            "key": c.key,
            "opportunity_id": i.opportunity_id,
            "title": c.title,
            "kind": c.kind.value,
            "link": c.link,
            "value": round(c.value, HOURS_DECIMALS),
            "long": i.long,
            "hours": [_hours(h) for h in i.hours],
            "frozen_hours": [_hours(h) for h in i.frozen] if i.frozen else [],
            "total_hours": _hours(sum(i.hours)),
            "start": self.weeks[active[0]].isoformat() if active else None,
            "end": (self.weeks[active[-1]] + dt.timedelta(days=6)).isoformat() if active else None,
            "deadline": c.deadline.isoformat() if c.deadline else None,
            "explanation": i.explanation,
        }


def candidate_to_json(c: Candidate) -> dict[str, Any]:
    """The candidate as plain JSON (kept with a plan's item)."""
    shape: dict[str, Any]
    if isinstance(c.shape, Fixed):
        shape = {"fixed": True, "weekly_hours": c.shape.weekly_hours, "weeks": c.shape.weeks}
    else:
        shape = {"fixed": False, "total_hours": c.shape.total_hours,
                 "min_weekly": c.shape.min_weekly, "max_weekly": c.shape.max_weekly}  # fmt: skip
    return {
        "key": c.key,
        "title": c.title,
        "kind": c.kind.value,
        "value": c.value,
        "shape": shape,
        "earliest_start": c.earliest_start.isoformat() if c.earliest_start else None,
        "start_windows": [[a.isoformat(), b.isoformat()] for a, b in c.start_windows],
        "deadline": c.deadline.isoformat() if c.deadline else None,
        "long": c.long,
        "link": c.link,
    }


def candidate_from_json(data: Mapping[str, Any]) -> Candidate:
    """The candidate back from `candidate_to_json`."""
    s = data["shape"]
    shape = (
        Fixed(float(s["weekly_hours"]), int(s["weeks"]))
        if s["fixed"]
        else Flexible(float(s["total_hours"]), float(s["min_weekly"]), float(s["max_weekly"]))
    )
    return Candidate(
        key=str(data["key"]),
        title=str(data["title"]),
        kind=ActivityKind(data["kind"]),
        value=float(data["value"]),
        shape=shape,
        earliest_start=_day(data.get("earliest_start")),
        start_windows=tuple(
            (dt.date.fromisoformat(a), dt.date.fromisoformat(b))
            for a, b in data.get("start_windows") or []
        ),
        deadline=_day(data.get("deadline")),
        long=data.get("long"),
        link=str(data.get("link") or ""),
    )


def _day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _hours(h: float) -> float:
    return round(float(h), HOURS_DECIMALS)


def _iso_time(unix_s: float) -> str:
    return dt.datetime.fromtimestamp(unix_s, dt.UTC).isoformat()
