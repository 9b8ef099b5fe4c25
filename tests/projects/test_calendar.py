"""Busy time from .ics files: single, all-day and recurring events, free time skipped."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lowtide.core.profile import EngineerProfile, daily_capacity
from lowtide.errors import ValidationError
from lowtide.projects.calendar import read_busy

PARIS = ZoneInfo("Europe/Paris")

ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//lowtide tests//EN
BEGIN:VEVENT
UID:standup@test
DTSTART;TZID=Europe/Paris:20270301T100000
DTEND;TZID=Europe/Paris:20270301T110000
RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6
SUMMARY:Reading group
END:VEVENT
BEGIN:VEVENT
UID:trip@test
DTSTART;VALUE=DATE:20270311
DTEND;VALUE=DATE:20270313
SUMMARY:Conference trip
END:VEVENT
BEGIN:VEVENT
UID:free@test
DTSTART;TZID=Europe/Paris:20270302T090000
DTEND;TZID=Europe/Paris:20270302T170000
TRANSP:TRANSPARENT
SUMMARY:Focus block (free)
END:VEVENT
END:VCALENDAR
"""


def test_recurring_and_all_day_events_become_busy_time() -> None:
    busy = read_busy(ICS, PARIS, dt.date(2027, 3, 1), dt.date(2027, 4, 1))
    summaries = [b.summary for b in busy]
    assert summaries.count("Reading group") == 6
    assert "Conference trip" in summaries
    assert "Focus block (free)" not in summaries
    first = busy[0]
    assert first.end - first.start == 3600
    assert dt.datetime.fromtimestamp(first.start, PARIS).hour == 10


def test_busy_time_reduces_capacity() -> None:
    busy = read_busy(ICS, PARIS, dt.date(2027, 3, 1), dt.date(2027, 4, 1))
    profile = EngineerProfile(timezone="Europe/Paris")
    cap = daily_capacity(profile, dt.date(2027, 3, 8), 7, busy)
    # Monday and Wednesday lose the reading group's hour; Thursday and Friday are the trip.
    assert cap.tolist() == [7, 8, 7, 0, 0, 0, 0]


def test_a_broken_file_is_a_clean_error() -> None:
    with pytest.raises(ValidationError, match="iCalendar"):
        read_busy(
            "BEGIN:VCALENDAR\nthis is not ics", PARIS, dt.date(2027, 3, 1), dt.date(2027, 4, 1)
        )
