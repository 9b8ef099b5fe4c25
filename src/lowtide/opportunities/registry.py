"""The importers by name, and one call that imports from a path or URL.

Every source reads one local file, the matching files of a folder (a
checkout of the source's repository), or the URL of one raw file. Kaggle
also reads the live API when no location is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType

from lowtide.errors import SourceError
from lowtide.opportunities import (
    ai_deadlines,
    ccfddl,
    ics,
    kaggle_competitions,
    tabular,
    tech_conferences,
    writer_programs,
)
from lowtide.opportunities.fetch import gather
from lowtide.opportunities.report import ImportReport

Parse = Callable[[str, bytes, ImportReport], None]


@dataclass(frozen=True)
class Source:
    """One importer: its name, what it reads, and where its data lives online."""

    name: str
    summary: str
    parse: Parse
    patterns: tuple[str, ...]
    skip: tuple[str, ...] = ()
    url: str = ""


def _source(module: ModuleType, summary: str) -> Source:
    return Source(
        name=module.NAME,
        summary=summary,
        parse=module.parse,
        patterns=tuple(module.PATTERNS),
        skip=tuple(getattr(module, "SKIP", ())),
        url=module.URL,
    )


#: Every importer, by the name the CLI and API use.
SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        _source(ccfddl, "academic calls for papers (ccfddl conference/<SUB>/<name>.yml)"),
        _source(ai_deadlines, "AI calls for papers (huggingface/ai-deadlines *.yml)"),
        _source(tech_conferences, "industry calls for talks (conference-data <topic>.json)"),
        _source(writer_programs, "paid writing programmes (CommunityWriterPrograms README)"),
        _source(kaggle_competitions, "Kaggle competitions (the API, or a saved response)"),
        _source(tabular, "your own list: CSV, JSON or YAML (gigs, tutoring, courses)"),
        _source(ics, "an iCalendar file of deadlines and offers"),
    )
}


def source_names() -> Sequence[str]:
    return list(SOURCES)


def import_from(source: str, location: str | None = None) -> ImportReport:
    """Read a source from a file, folder or URL (its canonical URL when there is one).

    SourceError when the source is unknown or its location cannot be read; entries
    that are malformed are skipped with a warning in the report.
    """
    found = SOURCES.get(source)
    if found is None:
        raise SourceError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    report = ImportReport(found.name)
    if location is None and found.name == kaggle_competitions.NAME:
        kaggle_competitions.from_api(report)
        return report
    location = location or found.url
    if not location:
        raise SourceError(f"say where to read {found.name} from: a file, a folder or a URL")
    for name, data in gather(location, found.patterns, found.skip):
        found.parse(name, data, report)
    return report


def import_content(source: str, name: str, data: bytes) -> ImportReport:
    """Read one file's content that was handed over (an upload through the API)."""
    found = SOURCES.get(source)
    if found is None:
        raise SourceError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    report = ImportReport(found.name)
    found.parse(name, data, report)
    return report
