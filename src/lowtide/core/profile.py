"""The engineer's working time: weekly hours, workdays, time zone, time off, busy time.

Capacity is counted per day: the weekly hours spread evenly over the
workdays, zero on a day off, less the calendar's busy time within the day's
working window (which starts at `WORKDAY_START_HOUR` local time and lasts
the day's hours).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

#: A full-time week.
DEFAULT_WEEKLY_HOURS = 40.0
#: Monday to Friday (Python's weekday numbers).
DEFAULT_WORKDAYS: tuple[int, ...] = (0, 1, 2, 3, 4)
#: Local hour a working day starts: busy time outside the window costs no capacity.
WORKDAY_START_HOUR = 9
#: Most hours a week a profile may claim (every hour of the week).
MAX_WEEKLY_HOURS = 168.0
#: Weekday names as the CLI and YAML spell them.
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class TimeOff:
    """Days off, `start` to `end` inclusive."""

    start: dt.date
    end: dt.date
    note: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"time off ends on {self.end}, before it starts on {self.start}")


@dataclass(frozen=True)
class Busy:
    """Calendar time taken by something else, Unix seconds [start, end)."""

    start: float
    end: float
    summary: str = ""


@dataclass(frozen=True)
class EngineerProfile:
    """How much the engineer works, when, and where."""

    weekly_hours: float = DEFAULT_WEEKLY_HOURS
    workdays: tuple[int, ...] = DEFAULT_WORKDAYS
    timezone: str = "UTC"
    time_off: tuple[TimeOff, ...] = ()

    def __post_init__(self) -> None:
        if not (0 <= self.weekly_hours <= MAX_WEEKLY_HOURS):
            raise ValueError(
                f"weekly hours must be between 0 and {MAX_WEEKLY_HOURS:g}, got {self.weekly_hours}"
            )
        if not self.workdays or any(d not in range(7) for d in self.workdays):
            raise ValueError(f"workdays are weekday numbers 0-6, got {self.workdays}")
        zone(self.timezone)

    @property
    def hours_per_workday(self) -> float:
        return self.weekly_hours / len(set(self.workdays))

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ValueError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Paris"
        ) from None


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def local_midnight(day: dt.date, tz: ZoneInfo) -> float:
    """Unix seconds of the start of `day` in `tz`."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).timestamp()


def daily_capacity(
    profile: EngineerProfile,
    origin: dt.date,
    days: int,
    busy: Sequence[Busy] = (),
) -> npt.NDArray[np.float64]:
    """Working hours free of time off and busy time, for each of `days` days from `origin`."""
    tz = profile.tz
    per_day = profile.hours_per_workday
    workdays = set(profile.workdays)
    off = set[dt.date]()
    for t in profile.time_off:
        day = max(t.start, origin)
        while day <= t.end and (day - origin).days < days:
            off.add(day)
            day += dt.timedelta(days=1)
    capacity = np.zeros(days)
    windows = np.zeros((days, 2))
    for i in range(days):
        day = origin + dt.timedelta(days=i)
        if day.weekday() in workdays and day not in off:
            capacity[i] = per_day
        start = dt.datetime.combine(day, dt.time(WORKDAY_START_HOUR), tzinfo=tz).timestamp()
        windows[i] = (start, start + per_day * 3600.0)
    if busy and days:
        taken = np.zeros(days)
        first = windows[0, 0]
        for b in merge_busy(busy):
            # Only the days the interval can touch; a window never spans more than a day.
            lo = max(0, int((b.start - first) // 86400) - 1)
            hi = min(days, int((b.end - first) // 86400) + 2)
            if hi <= lo:
                continue
            w = windows[lo:hi]
            overlap = np.clip(np.minimum(w[:, 1], b.end) - np.maximum(w[:, 0], b.start), 0, None)
            taken[lo:hi] += overlap / 3600.0
        capacity = np.clip(capacity - taken, 0.0, None)
    return capacity


def merge_busy(busy: Sequence[Busy]) -> list[Busy]:
    """Busy intervals with overlaps merged, by start: an hour taken twice is taken once."""
    merged: list[Busy] = []
    for b in sorted(busy, key=lambda b: b.start):
        if b.end <= b.start:
            continue
        if merged and b.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Busy(last.start, max(last.end, b.end), last.summary)
        else:
            merged.append(b)
    return merged
