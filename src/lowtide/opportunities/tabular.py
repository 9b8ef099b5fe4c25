"""Your own opportunities from a CSV, JSON or YAML file: freelance gigs, tutoring offers.

Each row (CSV) or item (a JSON or YAML list, or a mapping with an
`opportunities` list) uses the fields of the board's JSON form: title, kind,
link, description, hours, min_weekly, max_weekly, weeks (with max_weekly:
a fixed number of hours a week), earliest_start, deadline, start_windows
("2027-01-10..2027-02-01; ..."), pay (free text such as "€50/h"), domains
(comma-separated), remote, place, team_size, income, learning, reputation.
The key is the row's `id` (or `key`), else its title: importing the file
again updates the rows, and your edits on the board are kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from lowtide.core.opportunities import opportunity_from_json
from lowtide.opportunities.report import ImportReport, slug

NAME = "file"
PATTERNS = ("*.csv", "*.json", "*.yml", "*.yaml")
URL = ""


def parse(name: str, data: bytes, report: ImportReport) -> None:
    """Add the rows of one CSV, JSON or YAML file to `report`."""
    suffix = PurePosixPath(name.split("?")[0]).suffix.lower()
    if suffix == ".csv":
        try:
            rows: list[Any] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        except (UnicodeDecodeError, csv.Error) as exc:
            report.warn(name, "(whole file)", f"not a CSV file: {exc}")
            return
        first_row = 2  # the header is line 1
    else:
        doc = report.load(name, data, "json" if suffix == ".json" else "yaml")
        if doc is None:
            return
        if isinstance(doc, Mapping):
            doc = doc.get("opportunities")
        if not isinstance(doc, list):
            report.warn(name, "(whole file)", "not a list of opportunities")
            return
        rows, first_row = doc, 1
    for n, row in enumerate(rows, start=first_row):
        label = f"row {n}" if suffix == ".csv" else f"item {n}"
        if not isinstance(row, Mapping):
            report.warn(name, label, "not a mapping of fields")
            continue
        cleaned = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        title = str(cleaned.get("title") or "").strip()
        if title:
            label = f"{label} ({title})"
        key = str(cleaned.pop("id", None) or cleaned.pop("key", None) or slug(title))
        cleaned.pop("source", None)
        try:
            if not key:
                raise ValueError("title: missing")
            report.add(name, opportunity_from_json(cleaned, source=NAME, key=key))
        except ValueError as exc:
            report.warn(name, label, str(exc))
