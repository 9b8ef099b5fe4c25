"""Busy time from an iCalendar (.ics) file: holidays, on-call, trips, with repeats expanded.

Each event that blocks time (not marked TRANSPARENT, i.e. "free") becomes a
busy interval; all-day events and floating times are read in the engineer's
time zone. Recurring events (RRULE, RDATE, EXDATE, moved occurrences) are
expanded by `recurring-ical-events` over the window asked for.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from lowtide.core.profile import Busy
from lowtide.errors import ValidationError

#: Days before today that an import still reads (a trip that began last week).
IMPORT_DAYS_BEFORE = 7
#: Days after today an import reads: a year and a week, past the longest forecast.
IMPORT_DAYS_AFTER = 372


def read_busy(text: bytes | str, tz: ZoneInfo, start: dt.date, end: dt.date) -> list[Busy]:
    """Busy intervals of the calendar that overlap [start, end), by start."""
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise ValidationError(f"not an iCalendar file: {exc}") from None
    busy: list[Busy] = []
    try:
        events = recurring_ical_events.of(calendar).between(start, end)
    except Exception as exc:  # the library raises many kinds for a bad rule or date
        raise ValidationError(f"the calendar's events cannot be expanded: {exc}") from None
    for event in events:
        if event.name != "VEVENT":
            continue
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        begin = event.get("DTSTART")
        if begin is None:
            continue
        finish = event.get("DTEND")
        first = _unix(begin.dt, tz)
        if finish is not None:
            last = _unix(finish.dt, tz)
        elif isinstance(begin.dt, dt.datetime):
            duration = event.get("DURATION")
            last = first + (duration.dt.total_seconds() if duration is not None else 0.0)
        else:
            last = first + 86400.0  # an all-day event without an end is one day
        if last > first:
            busy.append(Busy(first, last, str(event.get("SUMMARY", ""))))
    return sorted(busy, key=lambda b: b.start)


def _unix(value: dt.date | dt.datetime, tz: ZoneInfo) -> float:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).timestamp()
    return dt.datetime.combine(value, dt.time(), tzinfo=tz).timestamp()
