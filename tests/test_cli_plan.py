"""The plan commands: preview, accept, show, export, settings; empty plans and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner

from lowtide.cli import app
from tests.opportunities.conftest import snapshots

runner = CliRunner()

OFFERS = """\
title,kind,hours,min_weekly,max_weekly,weeks,deadline
Rust course,learning,20,2,5,,2099-01-31
Old call,talk,,,,,2001-01-01
"""
#: A year of hands-on wrangling at 40 h a week: no hour free.
BUSY = """\
projects:
  - name: churn
    stages:
      - name: wrangle
        kind: wrangling
        status: active
        estimate: {optimistic: 365, likely: 365, pessimistic: 365}
        hours: {low: 40, high: 40}
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOWTIDE_HOME", str(tmp_path))
    monkeypatch.delenv("LOWTIDE_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    offers = tmp_path / "offers.csv"
    offers.write_text(OFFERS)
    assert runner.invoke(app, ["opportunities", "import", "file", str(offers)]).exit_code == 0
    assert runner.invoke(app, ["plan", "settings", "--weeks", "8"]).exit_code == 0
    return tmp_path


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_preview_accept_show_and_export(home: Path) -> None:
    assert "no plan accepted yet" in ok("plan", "show")
    out = ok("plan", "--time-limit", "1")
    assert "preview" in out
    assert "Rust course" in out
    assert "Old call: its deadline 2001-01-01 has passed" in out
    assert "lowtide plan accept" in out
    assert "accepted revision 0" in ok("plan", "accept")
    shown = ok("plan", "show")
    assert "accepted plan" in shown
    assert "Rust course (learning): 20 h at 2" in shown
    body = json.loads(ok("plan", "show", "--json"))
    assert body["state"] == "accepted"
    target = home / "plan.ics"
    assert "revision 0" in ok("plan", "export", "--ics", str(target))
    events = icalendar.Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert {str(e["SUMMARY"]).split(":")[0] for e in events} == {"Rust course"}
    greedy = json.loads(ok("plan", "--greedy", "--json", "--kind", "learning"))
    assert greedy["method"] == "greedy"
    assert greedy["frozen_weeks"] == 2


def test_no_free_hours_is_an_empty_plan_not_an_error(home: Path) -> None:
    projects = home / "projects.yaml"
    projects.write_text(BUSY)
    ok("projects", "apply", str(projects))
    out = ok("plan", "--greedy")
    assert "0 activities" in out
    assert "no week has hours free" in out
    assert "Rust course: needs 20 h" in out


def test_real_snapshots_plan_with_a_saved_filter(home: Path) -> None:
    ok("opportunities", "import", "writer-programs", str(snapshots() / "community-writer-programs"))
    ok("opportunities", "list", "--kind", "writing", "--save", "writing")
    body = json.loads(ok("plan", "--filter", "writing", "--greedy", "--json"))
    assert body["items"]
    assert {i["kind"] for i in body["items"]} == {"writing"}
    assert body["filter"]["kinds"] == ["writing"]


def test_bad_settings_are_one_line_errors(home: Path) -> None:
    result = runner.invoke(app, ["plan", "settings", "--rest-hours", "-2"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: rest_hours: 0 to 168 hours a week, got -2"
    assert "rest: 4 h a week" in ok("plan", "settings")
    assert "P50 (optimistic)" in ok("plan", "settings", "--p50", "--habit-hours", "3")
    missing = runner.invoke(app, ["plan", "accept"])
    assert missing.exit_code == 1
    assert missing.output.strip().startswith("error: no plan preview to accept")
    unknown = runner.invoke(app, ["plan", "--filter", "nope"])
    assert unknown.output.strip() == "error: no saved filter 'nope'"
