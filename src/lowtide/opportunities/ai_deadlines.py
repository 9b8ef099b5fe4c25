"""AI conference deadlines from huggingface/ai-deadlines (`src/data/conferences/*.yml`).

Each file is a list of conference-years with a typed `deadlines:` list, each
deadline in its own `timezone` (older entries have one top-level `deadline`
and `timezone`). The paper (or submission) deadline is the opportunity's
hard deadline, keyed by the conference-year id. An entry with no such
deadline, an unreadable date or zone, an abstract due after the paper, or a
conference that ends before it starts is skipped with a warning. A deadline
without a time zone is read as AoE, the field's convention.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from lowtide.core.opportunities import (
    PAPER_SHAPE,
    DateWindow,
    Opportunity,
    OpportunityKind,
    ValueScores,
)
from lowtide.opportunities.report import ImportReport
from lowtide.opportunities.timezones import AOE, parse_day, parse_deadline, parse_zone

NAME = "ai-deadlines"
PATTERNS = ("**/*.yml", "**/*.yaml")
URL = (
    "https://raw.githubusercontent.com/huggingface/ai-deadlines/main/"
    "src/data/conferences/neurips.yml"
)
#: Deadline types that mean "the paper is due", best first.
PAPER_TYPES = ("paper", "submission", "full_paper")
#: Learning and reputation of an AI conference paper.
PAPER_VALUE = ValueScores(0.0, 7.0, 8.0)


def parse(name: str, data: bytes, report: ImportReport) -> None:
    """Add the calls for papers of one ai-deadlines file to `report`."""
    doc = report.load(name, data, "yaml")
    if doc is None:
        return
    if not isinstance(doc, list):
        report.warn(name, "(whole file)", "not a list of conferences")
        return
    for entry in doc:
        if not isinstance(entry, Mapping):
            report.warn(name, repr(entry)[:40], "not a mapping")
            continue
        label = str(entry.get("id") or entry.get("title") or "(untitled)")
        try:
            report.add(name, _opportunity(entry))
        except ValueError as exc:
            report.warn(name, label, str(exc))


def _opportunity(entry: Mapping[str, Any]) -> Opportunity:
    key = str(entry.get("id") or "").strip()
    if not key:
        raise ValueError("no id")
    zone = parse_zone(str(entry["timezone"])) if entry.get("timezone") else AOE
    paper, abstract = _deadlines(entry, zone)
    if abstract is not None and abstract > paper:
        raise ValueError(f"the abstract deadline {abstract} is after the paper deadline {paper}")
    event = None
    if entry.get("start"):
        start = parse_day(entry["start"])
        end = parse_day(entry.get("end") or start)
        if end < start:
            raise ValueError(f"the conference ends on {end}, before it starts on {start}")
        event = DateWindow(start, end)
    place = ", ".join(str(entry[k]) for k in ("city", "country") if entry.get(k))
    tags = entry.get("tags") or []
    description = str(entry.get("full_name") or "")
    if entry.get("note"):
        description = f"{description}. {entry['note']}".strip(". ")
    return Opportunity(
        source=NAME,
        key=key,
        kind=OpportunityKind.TALK,
        title=f"{entry.get('title', key)} {entry.get('year', '')}".strip(),
        shape=PAPER_SHAPE,
        value=PAPER_VALUE,
        link=str(entry.get("link") or ""),
        description=description,
        deadline=paper,
        domains=tuple(str(t).lower() for t in tags) if isinstance(tags, list) else (),
        place=place,
        event=event,
    )


def _deadlines(entry: Mapping[str, Any], zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime | None]:
    """The paper deadline and the abstract deadline (if any)."""
    typed = entry.get("deadlines")
    if isinstance(typed, list) and typed:
        by_type: dict[str, dt.datetime] = {}
        for d in typed:
            if not isinstance(d, Mapping) or not d.get("type"):
                raise ValueError("a deadline without a type")
            kind = str(d["type"]).lower()
            if kind in (*PAPER_TYPES, "abstract") and kind not in by_type:
                own = parse_zone(str(d["timezone"])) if d.get("timezone") else zone
                by_type[kind] = parse_deadline(d.get("date"), own)
        paper = next((by_type[t] for t in PAPER_TYPES if t in by_type), None)
        if paper is None:
            raise ValueError("no paper or submission deadline among its deadlines")
        return paper, by_type.get("abstract")
    if entry.get("deadline"):
        paper = parse_deadline(entry["deadline"], zone)
        abstract = entry.get("abstract_deadline")
        return paper, parse_deadline(abstract, zone) if abstract else None
    raise ValueError("no deadline")
