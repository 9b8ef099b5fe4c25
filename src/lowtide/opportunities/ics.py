"""Opportunities from an iCalendar (.ics) file: deadlines and offers as events or to-dos.

A VTODO's DUE is the hard deadline and its DTSTART the earliest start; a
VEVENT's DTSTART is the deadline (the thing must be ready when it starts:
a call for papers closing, a course starting), and the event's span is kept.
CATEGORIES that name a kind (talk, writing, ...) set it, the others become
domain tags. The key is the UID, so importing the calendar again updates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar

from lowtide.core.opportunities import (
    DEFAULT_SHAPES,
    DEFAULT_VALUES,
    DateWindow,
    Opportunity,
    OpportunityKind,
)
from lowtide.opportunities.report import ImportReport, slug

NAME = "ics"
PATTERNS = ("*.ics",)
URL = ""


def parse(name: str, data: bytes, report: ImportReport) -> None:
    """Add the events and to-dos of one calendar to `report`."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        report.warn(name, "(whole file)", f"not an iCalendar file: {exc}")
        return
    for component in calendar.walk():
        if component.name not in ("VEVENT", "VTODO"):
            continue
        summary = str(component.get("SUMMARY", "")).strip()
        label = summary or str(component.get("UID", "(untitled)"))
        try:
            report.add(name, _opportunity(component, summary))
        except ValueError as exc:
            report.warn(name, label, str(exc))


def _opportunity(c: Any, summary: str) -> Opportunity:
    if not summary:
        raise ValueError("no SUMMARY")
    begin = _when(c.get("DTSTART"))
    if c.name == "VTODO":
        deadline = _when(c.get("DUE"))
        earliest = begin.date() if begin else None
        event = None
    else:
        if begin is None:
            raise ValueError("no DTSTART")
        deadline, earliest = begin, None
        event = _span(c.get("DTSTART").dt, c.get("DTEND").dt if c.get("DTEND") else None)
    kind = OpportunityKind.OTHER
    domains = []
    for category in _categories(c):
        if category in OpportunityKind.__members__.values() and kind is OpportunityKind.OTHER:
            kind = OpportunityKind(category)
        else:
            domains.append(category)
    uid = str(c.get("UID") or "").strip()
    return Opportunity(
        source=NAME,
        key=uid or slug(f"{summary} {begin.isoformat() if begin else ''}"),
        kind=kind,
        title=summary,
        shape=DEFAULT_SHAPES[kind],
        value=DEFAULT_VALUES[kind],
        link=str(c.get("URL") or ""),
        description=str(c.get("DESCRIPTION") or "").strip(),
        earliest_start=earliest,
        deadline=deadline,
        domains=tuple(domains),
        place=str(c.get("LOCATION") or "").strip(),
        event=event,
    )


def _when(prop: Any) -> dt.datetime | None:
    """An aware time from DTSTART/DUE/DTEND; a day is its last second, floating is UTC."""
    if prop is None:
        return None
    value = prop.dt
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _span(start: dt.date, end: dt.date | None) -> DateWindow:
    """The days an event covers; DTEND is exclusive (the next day for an all-day event)."""
    first = start.date() if isinstance(start, dt.datetime) else start
    if end is None:
        return DateWindow(first, first)
    if isinstance(end, dt.datetime):
        last = (end - dt.timedelta(seconds=1)).date() if _aware(end) > _aware(start) else end.date()
    else:
        last = end - dt.timedelta(days=1)
    if last < first:
        raise ValueError(f"it ends on {last}, before it starts on {first}")
    return DateWindow(first, last)


def _aware(value: dt.date) -> dt.datetime:
    found = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _categories(c: Any) -> list[str]:
    found = c.get("CATEGORIES")
    if found is None:
        return []
    groups = found if isinstance(found, list) else [found]
    return [str(cat).strip().lower() for g in groups for cat in g.cats if str(cat).strip()]
