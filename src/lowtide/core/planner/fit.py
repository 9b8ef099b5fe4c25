"""Where a candidate may go: its weeks, the room left in them, and a placement that fits.

The room of a week is its free hours less the rest buffer, the habit and
frozen work, with the activities it may still hold under the cap. The
greedy planner places candidates into the room one by one; the explanations
ask the same questions of the room left by a finished plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lowtide.core.planner.model import (
    HOURS_TOLERANCE,
    Candidate,
    Fixed,
    Flexible,
    PlanningProblem,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Days from a week's Monday to its Sunday.
_SUNDAY = dt.timedelta(days=6)


@dataclass
class Room:
    """Hours and activity slots left in each week, and long commitments left."""

    hours: FloatArray
    slots: IntArray
    long_left: int

    def copy(self) -> Room:
        return Room(self.hours.copy(), self.slots.copy(), self.long_left)

    def take(self, hours: FloatArray, long: bool) -> None:
        """Book `hours` a week (one activity in each week with hours)."""
        self.hours -= hours
        self.slots -= (hours > HOURS_TOLERANCE).astype(np.int64)
        self.long_left -= int(long)


@dataclass(frozen=True)
class Window:
    """The weeks a candidate may use: allowed start weeks, and the last week."""

    starts: tuple[int, ...]
    last: int


def habit_hours(problem: PlanningProblem) -> FloatArray:
    """The habit's hours in each week: all of them where they fit after the rest, else none."""
    after_rest = np.maximum(0.0, np.asarray(problem.free_hours, dtype=float) - problem.rest_hours)
    fits = after_rest + HOURS_TOLERANCE >= problem.habit_hours
    return np.where(fits, problem.habit_hours, 0.0)


def base_room(problem: PlanningProblem) -> Room:
    """The room before anything is planned: free hours less rest, habit and frozen work."""
    free = np.asarray(problem.free_hours, dtype=float)
    hours = np.maximum(0.0, free - problem.rest_hours) - habit_hours(problem)
    slots = np.full(problem.n, problem.max_concurrent, dtype=np.int64)
    for a in problem.frozen:
        booked = np.asarray(a.hours, dtype=float)
        hours -= booked
        slots -= (booked > HOURS_TOLERANCE).astype(np.int64)
    long_left = problem.max_long - len({a.key for a in problem.frozen if a.long})
    return Room(np.maximum(hours, 0.0), np.maximum(slots, 0), max(long_left, 0))


def window(candidate: Candidate, problem: PlanningProblem) -> Window:
    """The weeks `candidate` may start in and the last week it may use, by its dates."""
    last = problem.n - 1
    if candidate.deadline is not None:
        last = -1
        for k, monday in enumerate(problem.weeks):
            if monday + _SUNDAY <= candidate.deadline:
                last = k
    starts = tuple(
        k
        for k, monday in enumerate(problem.weeks)
        if k <= last
        and (candidate.earliest_start is None or monday >= candidate.earliest_start)
        and (
            not candidate.start_windows
            or any(first <= monday <= end for first, end in candidate.start_windows)
        )
    )
    return Window(starts, last)


def feasible_starts(candidate: Candidate, win: Window) -> tuple[int, ...]:
    """Start weeks that leave the candidate its fewest weeks before `win.last`."""
    return tuple(s for s in win.starts if s + candidate.shape.min_weeks - 1 <= win.last)


def place(candidate: Candidate, win: Window, room: Room) -> FloatArray | None:
    """Hours a week for `candidate` at its earliest start that fits `room`, or None."""
    for s in feasible_starts(candidate, win):
        hours = place_at(candidate, s, win.last, room)
        if hours is not None:
            return hours
    return None


def place_at(candidate: Candidate, start: int, last: int, room: Room) -> FloatArray | None:
    """Hours a week for `candidate` starting in week `start`, or None if it does not fit."""
    shape = candidate.shape
    if isinstance(shape, Fixed):
        return _place_fixed(shape, start, last, room)
    return _place_flexible(shape, start, last, room)


def _place_fixed(shape: Fixed, start: int, last: int, room: Room) -> FloatArray | None:
    end = start + shape.weeks
    if end - 1 > last:
        return None
    span = slice(start, end)
    if np.any(room.hours[span] + HOURS_TOLERANCE < shape.weekly_hours) or np.any(
        room.slots[span] < 1
    ):
        return None
    hours = np.zeros(room.hours.size)
    hours[span] = shape.weekly_hours
    return hours


def _place_flexible(shape: Flexible, start: int, last: int, room: Room) -> FloatArray | None:
    """Fill week after week at the most the week allows; stop when a week cannot hold
    the least. A last piece under the least is topped up from the weeks before it."""
    low, high = shape.min_weekly, shape.max_weekly
    hours = np.zeros(room.hours.size)
    left = shape.total_hours
    for k in range(start, last + 1):
        can = min(high, float(room.hours[k])) if room.slots[k] >= 1 else 0.0
        if can <= HOURS_TOLERANCE or can + HOURS_TOLERANCE < low:
            return None
        if left > can:
            hours[k] = can
            left -= can
            continue
        if left + HOURS_TOLERANCE >= low:
            hours[k] = left
            return hours
        # The last piece is under the least: give it the least, taken from earlier weeks.
        need = low - left
        earlier = hours[start:k]
        spare = earlier - low
        if spare.sum() + HOURS_TOLERANCE < need:
            return None
        for j in np.argsort(-spare):
            cut = min(float(spare[j]), need)
            earlier[j] -= cut
            need -= cut
            if need <= HOURS_TOLERANCE:
                break
        hours[k] = low
        return hours
    return None
