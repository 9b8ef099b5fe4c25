"""Deadlines as sources write them: "2026-08-28 11:00:00" in AoE, UTC-7, PST, Europe/London.

Each spelling the snapshots use is read: AoE (Anywhere on Earth, UTC-12),
UTC and GMT with an offset in any form ("UTC-8", "UTC-08", "UTC+02",
"GMT+02", "UTC+0"), the US abbreviations (PT/PST/PDT, ET/EST/EDT, CT, MT),
and IANA names. Anything else is an error the importer reports, never a
guess. 'TBD' and 'TBA' say there is no deadline yet.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Anywhere on Earth: a deadline holds until the day has ended everywhere.
AOE = dt.timezone(dt.timedelta(hours=-12), "AoE")
#: Abbreviations sources use, and the zone they mean (with its daylight saving time).
ZONE_ABBREVIATIONS = {
    "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "MT": "America/Denver",
    "CT": "America/Chicago",
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "BST": "Europe/London",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
}
#: Words that stand for a deadline not set yet.
NOT_YET = ("tbd", "tba", "to be announced", "to be determined")

_OFFSET = re.compile(r"^(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.I)
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def parse_zone(spelling: str) -> dt.tzinfo:
    """The time zone a source means; ValueError for one it does not name clearly."""
    text = spelling.strip()
    upper = text.upper()
    if upper == "AOE":
        return AOE
    if upper in ("UTC", "GMT", "Z"):
        return dt.UTC
    m = _OFFSET.match(text)
    if m:
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise ValueError(f"time zone {spelling!r} is not a real offset")
        sign = -1 if m.group(1) == "-" else 1
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    if upper in ZONE_ABBREVIATIONS:
        return ZoneInfo(ZONE_ABBREVIATIONS[upper])
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {spelling!r}") from None


def parse_deadline(value: object, zone: str | dt.tzinfo) -> dt.datetime:
    """An aware deadline from a source's text (a day alone is its last second).

    ValueError says what was wrong: 'TBD', an unreadable date, an unknown zone.
    """
    tz = parse_zone(zone) if isinstance(zone, str) else zone
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=tz)
    text = str(value).strip()
    if text.lower() in NOT_YET:
        raise ValueError(f"the deadline is {text!r}, not a date yet")
    for fmt in _FORMATS:
        try:
            found = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d":
            found = found.replace(hour=23, minute=59, second=59)
        return found.replace(tzinfo=tz)
    raise ValueError(f"the deadline {text!r} is not a date and time")


def parse_day(value: object) -> dt.date:
    """A day from a date or 'YYYY-MM-DD'; ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a day (YYYY-MM-DD)") from None
