"""Reading the Runs page's filters from a query string."""

from __future__ import annotations

from lowtide.core.records import RunStatus
from lowtide.server.dashboard.filters import parse_filters


def test_empty_query_filters_nothing() -> None:
    found = parse_filters({}, {"a"})
    assert not found.active
    assert (found.project, found.status, found.tag) == (None, None, None)


def test_values_are_trimmed_and_kept_as_typed() -> None:
    found = parse_filters({"project": " a ", "state": "Running", "tag": "x"}, {"a"})
    assert found.errors == {}
    assert found.project_text == "a"
    assert found.status is RunStatus.RUNNING
    assert found.tag == "x"


def test_each_error_belongs_to_its_field() -> None:
    found = parse_filters({"project": "b", "state": "asleep", "tag": "a b"}, {"a"})
    assert set(found.errors) == {"project", "state", "tag"}
    assert found.project_text == "b"
