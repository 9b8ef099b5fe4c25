"""Industry calls for talks from tech-conferences/conference-data.

The files are `conferences/<YEAR>/<topic>.json`.

Each file is a list of conferences of one topic; those with a call for
talks (`cfpUrl` or `cfpEndDate`) become talk opportunities, the others are
ignored. The key is the conference's name and first day, so a conference
listed under two topics is one opportunity tagged with both. The call
closes at the end of `cfpEndDate`, Anywhere on Earth (the files give a day
and no zone). An entry that ends before it starts, or whose call closes
after the conference is over, is skipped with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from lowtide.core.opportunities import (
    DEFAULT_SHAPES,
    DEFAULT_VALUES,
    DateWindow,
    Opportunity,
    OpportunityKind,
)
from lowtide.opportunities.report import ImportReport, slug
from lowtide.opportunities.timezones import AOE, parse_day, parse_deadline

NAME = "tech-conferences"
PATTERNS = ("**/*.json",)
URL = (
    "https://raw.githubusercontent.com/tech-conferences/conference-data/main/"
    "conferences/2026/python.json"
)


def parse(name: str, data: bytes, report: ImportReport) -> None:
    """Add the calls for talks of one topic file to `report`."""
    doc = report.load(name, data, "json")
    if doc is None:
        return
    if not isinstance(doc, list):
        report.warn(name, "(whole file)", "not a list of conferences")
        return
    topic = PurePosixPath(name).stem.lower()
    for entry in doc:
        if not isinstance(entry, Mapping):
            report.warn(name, repr(entry)[:40], "not a mapping")
            continue
        if not entry.get("cfpUrl") and not entry.get("cfpEndDate"):
            report.ignore(name)
            continue
        label = f"{entry.get('name', '(unnamed)')} ({entry.get('startDate', '?')})"
        try:
            report.add(name, _opportunity(entry, topic))
        except ValueError as exc:
            report.warn(name, label, str(exc))


def _opportunity(entry: Mapping[str, Any], topic: str) -> Opportunity:
    title = str(entry.get("name") or "").strip()
    if not title:
        raise ValueError("no name")
    start = parse_day(entry.get("startDate"))
    end = parse_day(entry.get("endDate") or start)
    if end < start:
        raise ValueError(f"the conference ends on {end}, before it starts on {start}")
    deadline = None
    if entry.get("cfpEndDate"):
        deadline = parse_deadline(parse_day(entry["cfpEndDate"]), AOE)
        if deadline.date() > end:
            raise ValueError(
                f"the call for talks closes on {deadline.date()}, after the conference ends {end}"
            )
    online = entry.get("online")
    place = ", ".join(str(entry[k]) for k in ("city", "country") if entry.get(k))
    kind = OpportunityKind.TALK
    return Opportunity(
        source=NAME,
        key=f"{slug(title)}-{start.isoformat()}",
        kind=kind,
        title=title,
        shape=DEFAULT_SHAPES[kind],
        value=DEFAULT_VALUES[kind],
        link=str(entry.get("cfpUrl") or entry.get("url") or ""),
        description=f"Call for talks of {title} ({entry['url']})" if entry.get("url") else "",
        deadline=deadline,
        domains=(topic,),
        remote=online if isinstance(online, bool) else None,
        place=place or ("online" if online else ""),
        event=DateWindow(start, end),
    )
