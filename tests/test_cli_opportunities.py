"""The board, rates and growth log commands: import counts, warnings, filters, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowtide.cli import app
from tests.opportunities.conftest import snapshots

FIXTURES = Path(__file__).parent / "opportunities" / "fixtures"
runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOWTIDE_HOME", str(tmp_path))
    monkeypatch.delenv("LOWTIDE_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return tmp_path


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_import_reports_counts_and_warnings(home: Path) -> None:
    out = ok("opportunities", "import", "ccfddl", str(snapshots() / "ccfddl"))
    assert "skipped conference/AI/acl.yml: acl27: the deadline is 'TBD', not a date yet" in out
    assert (
        "ccfddl: 353 file(s), 1598 entries read, 1593 opportunities (1593 new, 0 updated, "
        "0 unchanged), 7 skipped, 0 ignored"
    ) in out
    ai_folder = snapshots() / "ccfddl" / "conference" / "AI"
    again = ok("opportunities", "import", "ccfddl", str(ai_folder))
    assert "0 new" in again
    per_file = ok("opportunities", "import", "file", str(FIXTURES / "gigs.csv"), "--per-file")
    assert "gigs.csv" in per_file
    assert "3 opportunities (3 new" in per_file


def test_board_filters_edits_rates_and_weights(home: Path) -> None:
    ok("opportunities", "import", "file", str(FIXTURES / "gigs.csv"))
    ok("opportunities", "import", "writer-programs", str(snapshots() / "community-writer-programs"))
    assert "1 EUR = 1.1 USD" in ok("rates", "set", "eur", "1.1")
    listed = ok("opportunities", "list", "--kind", "freelance", "--min-pay", "60", "--basis",
                "hour", "--all", "--save", "hourly")  # fmt: skip
    assert "saved filter hourly" in listed
    assert "Fraud model audit" in listed
    assert "Tutor" not in listed
    data = json.loads(ok("opportunities", "list", "--filter", "hourly", "--json"))
    [gig] = data
    assert gig["pay_in_base"] == 66.0
    assert "hourly: kinds=['freelance']" in ok("opportunities", "filters")
    edited = ok("opportunities", "edit", str(gig["id"]), "--title", "Audit", "--max-weekly", "12")
    assert "(edited: max_weekly, title)" in edited
    ok("opportunities", "import", "file", str(FIXTURES / "gigs.csv"))
    shown = ok("opportunities", "show", str(gig["id"]))
    assert "Audit" in shown
    assert "edited: max_weekly, title" in shown
    assert "Fraud model" in ok("opportunities", "edit", str(gig["id"]), "--reset-all")
    assert "income 3, learning 1" in ok("opportunities", "weights", "--income", "3")
    writing = ok("opportunities", "list", "--kind", "writing", "--remote", "--sort", "pay",
                 "--limit", "2")  # fmt: skip
    assert "Corellium" in writing
    assert "more; --limit" in writing
    added = ok("opportunities", "add", "Teach MLOps", "--kind", "teaching", "--max-weekly", "10",
               "--weeks", "26", "--pay", "€40/h")  # fmt: skip
    assert "Teach MLOps" in added
    assert "base currency EUR; removed 1 rate(s)" in ok("rates", "base", "EUR")
    assert "base currency EUR" in ok("rates", "list")


def test_growth_log(home: Path) -> None:
    ok("log", "add", "writing", "Tracking runs", "--hours", "12", "--earned", "300",
       "--link", "https://example.com/post", "--on", "2026-05-01")  # fmt: skip
    ok("log", "add", "competition", "Kaggle LLM", "--hours", "40", "--rank", "17", "--on",
       "2027-01-10")  # fmt: skip
    assert "Tracking runs" in ok("log", "list", "--year", "2026")
    totals = ok("log", "totals")
    assert "2027" in totals
    assert "300" in totals
    assert "17" in totals
    assert "removed #1" in ok("log", "remove", "1")


def test_errors_are_one_line(home: Path) -> None:
    unknown = runner.invoke(app, ["opportunities", "import", "meetup", "x"])
    assert unknown.exit_code == 1
    assert unknown.output.strip().startswith("error: unknown source 'meetup'")
    missing = runner.invoke(app, ["opportunities", "import", "ccfddl", "/nonexistent"])
    assert missing.output.strip() == "error: no file or folder at /nonexistent"
    assert runner.invoke(app, ["opportunities", "show", "9"]).output.strip() == (
        "error: no opportunity with id 9"
    )
    nothing = runner.invoke(app, ["opportunities", "edit", "1"])
    assert nothing.exit_code == 1
    assert "say what to change" in nothing.output
    bad_rate = runner.invoke(app, ["rates", "set", "euros", "1"])
    assert bad_rate.output.strip() == "error: 'EUROS' is not a currency code such as USD or EUR"
    window = runner.invoke(app, ["opportunities", "list", "--due-after", "2027-02-01",
                                 "--due-before", "2027-01-01"])  # fmt: skip
    assert window.exit_code == 1
    assert "due_before is before due_after" in window.output
    assert "Traceback" not in window.output
