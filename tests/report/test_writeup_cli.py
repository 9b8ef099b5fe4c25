"""`lowtide writeup`: the draft from the command line, and errors as one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lowtide.cli import app
from tests.report.conftest import Trained
from tests.report.sweep import PROJECT

runner = CliRunner()


@pytest.fixture
def cli_env(trained: Trained, monkeypatch: pytest.MonkeyPatch) -> Trained:
    monkeypatch.setenv("LOWTIDE_HOME", str(trained.home))
    monkeypatch.setenv("LOWTIDE_DATABASE_URL", trained.store.url)
    monkeypatch.setenv("COLUMNS", "200")
    return trained


def test_writeup_of_a_project(cli_env: Trained, tmp_path: Path) -> None:
    out = tmp_path / "draft"
    result = runner.invoke(app, ["writeup", PROJECT, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 figure(s)" in result.output
    assert "best of 3 runs: sgd-lr0.03 (val/loss 0.0" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["article.html", "article.md", "figures"]


def test_writeup_of_a_run_with_runs_to_compare(cli_env: Trained, tmp_path: Path) -> None:
    out = tmp_path / "draft"
    result = runner.invoke(
        app,
        ["writeup", "sgd-lr3", "--runs", "sgd-lr0.003,sgd-lr0.03", "-o", str(out),
         "--metric", "train/loss", "--mode", "min"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "best of 3 runs: sgd-lr0.03 (train/loss" in result.output
    markdown = (out / "article.md").read_text()
    assert markdown.startswith("# sgd-lr3\n")
    assert "Runs are ranked by their best `train/loss` (lower is better)" in markdown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "error: no run with id or name 'nope'"),
        ([PROJECT, "--metric", "acc"], "error: no run logged metric 'acc'; keys: train/loss, "),
        ([PROJECT, "--runs", "nope"], "error: no run with id or name 'nope'"),
        ([PROJECT, "--templates", "/nonexistent"], "error: no template folder /nonexistent"),
    ],
)
def test_errors_are_one_line(
    cli_env: Trained, tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["writeup", *args, "-o", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "d").exists()


def test_an_existing_draft_needs_force(cli_env: Trained, tmp_path: Path) -> None:
    out = tmp_path / "draft"
    assert runner.invoke(app, ["writeup", PROJECT, "-o", str(out)]).exit_code == 0
    again = runner.invoke(app, ["writeup", PROJECT, "-o", str(out)])
    assert again.exit_code == 1
    assert (
        again.output.strip()
        == f"error: {out} is not empty; pass --force to write the draft over it"
    )
    assert runner.invoke(app, ["writeup", PROJECT, "-o", str(out), "--force"]).exit_code == 0


def test_a_missing_output_option_is_a_usage_error(cli_env: Trained) -> None:
    result = runner.invoke(app, ["writeup", PROJECT])
    assert result.exit_code == 2
    assert "--output" in result.output
