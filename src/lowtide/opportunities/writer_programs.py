"""Paid technical writing programmes from the CommunityWriterPrograms README.

Each programme is a list item `- [Name](url) - $pay` followed by a `>` line
that describes it, under a heading that says whether it is active or
paused; paused programmes are imported as closed. Pay is read from the text
after the link ("$300-$500 per piece", "Up to $500", "Pay unknown") and is
per article. Domain tags come from words of the description.
"""

from __future__ import annotations

import re

from lowtide.core.opportunities import (
    DEFAULT_SHAPES,
    DEFAULT_VALUES,
    Opportunity,
    OpportunityKind,
)
from lowtide.core.pay import PayBasis, parse_pay
from lowtide.opportunities.report import ImportReport, slug

NAME = "writer-programs"
PATTERNS = ("README.md",)
URL = "https://raw.githubusercontent.com/malgamves/CommunityWriterPrograms/main/README.md"

#: Words of a description and the domain tag they give.
KEYWORD_DOMAINS = {
    "machine learning": "machine-learning",
    " ai ": "machine-learning",
    "data science": "data-science",
    "data engineering": "data-engineering",
    "python": "python",
    "sql": "databases",
    "postgres": "databases",
    "devops": "devops",
    "kubernetes": "devops",
    "k8s": "devops",
    "cloud": "cloud",
    "security": "security",
    "testing": "testing",
    "mobile": "mobile",
    "web": "web",
    "javascript": "web",
    "php": "web",
    "graphql": "web",
    "blockchain": "web3",
    "web3": "web3",
}

_ITEM = re.compile(r"^\s*[-*]\s+\[(?P<name>[^\]]+)\]\((?P<url>[^)\s]+)\)(?P<rest>.*)$")
_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*$")


def parse(name: str, data: bytes, report: ImportReport) -> None:
    """Add the programmes of the README to `report`."""
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        report.warn(name, "(whole file)", "not UTF-8 text")
        return
    section = ""
    for i, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading:
            section = heading.group("title").lower()
            continue
        item = _ITEM.match(line)
        if item is None or not ("active" in section or "paused" in section):
            continue
        title = item.group("name").strip()
        _, _, pay_text = item.group("rest").partition(" - ")
        description = _quote(lines, i + 1)
        try:
            report.add(
                name,
                Opportunity(
                    source=NAME,
                    key=slug(title),
                    kind=OpportunityKind.WRITING,
                    title=title,
                    shape=DEFAULT_SHAPES[OpportunityKind.WRITING],
                    value=DEFAULT_VALUES[OpportunityKind.WRITING],
                    link=item.group("url"),
                    description=description,
                    compensation=parse_pay(pay_text, PayBasis.ARTICLE) if pay_text else None,
                    domains=_domains(description),
                    remote=True,
                    open="paused" not in section,
                ),
            )
        except ValueError as exc:
            report.warn(name, title, str(exc))


def _quote(lines: list[str], start: int) -> str:
    """The `>` lines right after an item."""
    found = []
    for line in lines[start:]:
        text = line.strip()
        if not text.startswith(">"):
            break
        found.append(text.lstrip("> ").strip())
    return " ".join(found)


def _domains(description: str) -> tuple[str, ...]:
    text = f" {description.lower()} "
    return tuple(dict.fromkeys(tag for word, tag in KEYWORD_DOMAINS.items() if word in text))
