"""What one import found: the opportunities, and the entries skipped with the reason.

A malformed entry never stops an import: it is skipped with a warning that
names the file, the entry and what was wrong, logged and kept in the report.
Entries that are fine but are not opportunities (a conference without a
call for talks) are counted as ignored, without a warning.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from lowtide.core.opportunities import Opportunity

log = logging.getLogger(__name__)

#: Longest natural key kept; longer ones are cut (keys are names and URLs, not prose).
MAX_KEY_LENGTH = 200


@dataclass
class FileCount:
    """Entries of one file: imported, skipped as malformed, ignored as not opportunities."""

    imported: int = 0
    skipped: int = 0
    ignored: int = 0


@dataclass
class ImportReport:
    """The outcome of reading one source."""

    source: str
    opportunities: dict[str, Opportunity] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    files: dict[str, FileCount] = field(default_factory=dict)

    def file(self, name: str) -> FileCount:
        return self.files.setdefault(name, FileCount())

    def add(self, name: str, opportunity: Opportunity) -> None:
        """Keep an opportunity; the same key twice is one opportunity with both domains."""
        self.file(name).imported += 1
        found = self.opportunities.get(opportunity.key)
        if found is not None:
            domains = tuple(dict.fromkeys((*found.domains, *opportunity.domains)))
            opportunity = replace(found, domains=domains)
        self.opportunities[opportunity.key] = opportunity

    def warn(self, name: str, entry: str, problem: str) -> None:
        """Skip a malformed entry, saying which and why."""
        self.file(name).skipped += 1
        message = f"{name}: {entry}: {problem}"
        log.warning("skipped %s", message)
        self.warnings.append(message)

    def load(self, name: str, data: bytes, fmt: str) -> Any:
        """A file's YAML or JSON document, or None (with a warning) when it is neither."""
        try:
            text = data.decode("utf-8-sig")
            return json.loads(text) if fmt == "json" else yaml.safe_load(text)
        except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
            self.warn(name, "(whole file)", f"not valid {fmt.upper()}: {_first_line(exc)}")
            return None

    def ignore(self, name: str) -> None:
        self.file(name).ignored += 1

    @property
    def imported(self) -> int:
        return sum(c.imported for c in self.files.values())

    @property
    def skipped(self) -> int:
        return sum(c.skipped for c in self.files.values())

    @property
    def ignored(self) -> int:
        return sum(c.ignored for c in self.files.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "files": len(self.files),
            "imported": self.imported,
            "distinct": len(self.opportunities),
            "skipped": self.skipped,
            "ignored": self.ignored,
            "warnings": list(self.warnings),
        }


def slug(text: str) -> str:
    """A key from a name: lowercase words joined by '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:MAX_KEY_LENGTH]


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
