"""The Runs page's filters: read from the query string, each error kept with its field."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field

from lowtide.core.records import RunStatus

#: Longest project name and tag a filter accepts (as long as the API stores).
MAX_PROJECT = 200
MAX_TAG = 100


@dataclass(frozen=True)
class RunFilters:
    """What the form asked for, as typed (to show it again), and what was wrong with it."""

    project_text: str = ""
    state_text: str = ""
    tag_text: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def project(self) -> str | None:
        return self.project_text or None

    @property
    def status(self) -> RunStatus | None:
        return RunStatus(self.state_text) if self.state_text else None

    @property
    def tag(self) -> str | None:
        return self.tag_text or None

    @property
    def active(self) -> bool:
        return bool(self.project_text or self.state_text or self.tag_text)


def parse_filters(query: Mapping[str, str], projects: Container[str]) -> RunFilters:
    """Filters from `project`, `state` and `tag`; an unknown project or state is an error."""
    project = query.get("project", "").strip()
    state = query.get("state", "").strip().lower()
    tag = query.get("tag", "").strip()
    errors: dict[str, str] = {}
    if len(project) > MAX_PROJECT:
        errors["project"] = f"A project name has at most {MAX_PROJECT} characters."
    elif project and project not in projects:
        errors["project"] = f"No project is named “{project}”. Pick one from the list."
    if state and state not in {s.value for s in RunStatus}:
        names = ", ".join(s.value for s in RunStatus)
        errors["state"] = f"“{state}” is not a state. Use one of: {names}."
    if len(tag) > MAX_TAG:
        errors["tag"] = f"A tag has at most {MAX_TAG} characters; this one has {len(tag)}."
    elif any(c.isspace() for c in tag):
        errors["tag"] = "A tag has no spaces. Filter by one tag at a time."
    return RunFilters(project_text=project, state_text=state, tag_text=tag, errors=errors)
