"""Academic conference deadlines from ccfddl (`conference/<SUB>/<name>.yml`).

Each file is a list of conference series; each series has a `confs` list
(one per year) with a `timeline` of deadlines in the conference's `timezone`.
Every deadline of the timeline becomes a call for papers (kind `talk`), keyed
by the conference-year id (`aaai27`, then `aaai27-2` for a second round).
A 'TBD' deadline, an unknown time zone, or an abstract due after the paper
is skipped with a warning. The CCF rank sets the reputation score.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lowtide.core.opportunities import (
    PAPER_SHAPE,
    Opportunity,
    OpportunityKind,
    ValueScores,
)
from lowtide.opportunities.report import ImportReport
from lowtide.opportunities.timezones import parse_deadline, parse_zone

NAME = "ccfddl"
#: Files of a checkout or its `conference` folder; types.yml lists the areas only.
PATTERNS = ("**/*.yml",)
SKIP = ("types.yml", "conference-yaml-schema.yml")
URL = "https://raw.githubusercontent.com/ccfddl/ccf-deadlines/main/conference/AI/aaai.yml"

#: CCF's areas, as domain tags.
AREAS = {
    "AI": "artificial-intelligence",
    "CG": "graphics",
    "CT": "theory",
    "DB": "data-mining",
    "DS": "systems",
    "HI": "human-computer-interaction",
    "MX": "interdisciplinary",
    "NW": "networking",
    "SC": "security",
    "SE": "software-engineering",
}
#: Reputation of a paper by the venue's CCF rank (A is the top tier).
RANK_REPUTATION = {"A": 9.0, "B": 7.0, "C": 5.0}
#: Reputation of a paper at an unranked venue.
UNRANKED_REPUTATION = 4.0
#: Learning from writing a paper, whatever the venue.
PAPER_LEARNING = 7.0


def parse(name: str, data: bytes, report: ImportReport) -> None:
    """Add the calls for papers of one ccfddl file to `report`."""
    doc = report.load(name, data, "yaml")
    if doc is None:
        return
    if not isinstance(doc, list):
        report.warn(name, "(whole file)", "not a list of conferences")
        return
    for series in doc:
        if not isinstance(series, Mapping) or not isinstance(series.get("confs"), list):
            report.warn(name, _label(series), "no `confs` list")
            continue
        for conf in series["confs"]:
            if not isinstance(conf, Mapping):
                report.warn(name, _label(series), "a conference that is not a mapping")
                continue
            _conference(name, series, conf, report)


def _conference(
    name: str, series: Mapping[str, Any], conf: Mapping[str, Any], report: ImportReport
) -> None:
    conf_id = str(conf.get("id") or "").strip()
    label = conf_id or _label(series)
    if not conf_id:
        report.warn(name, label, "no id")
        return
    try:
        zone = parse_zone(str(conf.get("timezone") or ""))
    except ValueError as exc:
        report.warn(name, label, str(exc))
        return
    timeline = conf.get("timeline") or []
    if not timeline:
        report.warn(name, label, "no deadline in its timeline")
        return
    rank = series.get("rank") or {}
    reputation = RANK_REPUTATION.get(str(rank.get("ccf", "")).upper(), UNRANKED_REPUTATION)
    area = AREAS.get(str(series.get("sub", "")).upper())
    year = str(conf.get("year") or "")
    if year[-2:] not in conf_id:  # "ica3pp" for every year: the year makes it one
        conf_id = f"{conf_id}{year}"
    for n, step in enumerate(timeline, start=1):
        key = conf_id if n == 1 else f"{conf_id}-{n}"
        if not isinstance(step, Mapping):
            report.warn(name, key, "a timeline entry that is not a mapping")
            continue
        try:
            deadline = parse_deadline(step.get("deadline"), zone)
            abstract = step.get("abstract_deadline")
            if abstract not in (None, "", "TBD"):
                first = parse_deadline(abstract, zone)
                if first > deadline:
                    raise ValueError(
                        f"the abstract deadline {abstract} is after the paper deadline "
                        f"{step.get('deadline')}"
                    )
            comment = str(step.get("comment") or "").strip()
            title = f"{series.get('title', conf_id)} {conf.get('year', '')}".strip()
            report.add(
                name,
                Opportunity(
                    source=NAME,
                    key=key,
                    kind=OpportunityKind.TALK,
                    title=f"{title} ({comment})" if comment else title,
                    shape=PAPER_SHAPE,
                    value=ValueScores(0.0, PAPER_LEARNING, reputation),
                    link=str(conf.get("link") or ""),
                    description=str(series.get("description") or ""),
                    deadline=deadline,
                    domains=(area,) if area else (),
                    place=str(conf.get("place") or ""),
                ),
            )
        except ValueError as exc:
            report.warn(name, key, str(exc))


def _label(series: object) -> str:
    if isinstance(series, Mapping):
        return str(series.get("title") or series.get("dblp") or "(untitled)")
    return repr(series)[:40]
