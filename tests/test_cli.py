"""The `lowtide` command: help everywhere, tables, clean errors, and the README's commands."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lowtide.cli import app
from lowtide.core.batch import Batch, SeriesPoints
from lowtide.core.records import RunSpec, RunStatus
from lowtide.store import open_store
from tests.conftest import LiveServer, Receiver, free_port

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOWTIDE_HOME", str(tmp_path))
    monkeypatch.delenv("LOWTIDE_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def seeded(home: Path) -> str:
    store = open_store(f"sqlite:///{home / 'lowtide.db'}")
    store.upgrade()
    run = store.create_run(RunSpec(project="mnist", name="baseline", config={"lr": 0.1}))
    steps = np.arange(100, dtype=np.int64)
    store.log_batch(
        run.uid,
        Batch(
            None,
            (
                SeriesPoints("loss", steps, steps.astype(float), 1.0 / (steps + 1.0)),
                SeriesPoints(
                    "acc", steps[:3], steps[:3].astype(float), np.array([0.1, np.nan, 0.3])
                ),
            ),
        ),
    )
    store.finish_run(run.uid, RunStatus.FINISHED)
    store.close()
    return run.uid


COMMANDS = [
    ["serve"],
    ["runs"],
    ["run", "show"],
    ["sync"],
    ["db", "upgrade"],
    ["replay"],
    ["watch"],
    ["incidents"],
    ["incident", "ack"],
    ["mute"],
    ["unmute"],
    ["run"],
    ["db"],
    ["incident"],
    ["notify"],
    ["notify", "show"],
    ["notify", "add"],
    ["notify", "remove"],
    ["notify", "set"],
    ["notify", "test"],
    ["notify", "log"],
    ["projects"],
    ["projects", "apply"],
    ["projects", "export"],
    ["project"],
    ["project", "list"],
    ["project", "show"],
    ["project", "add"],
    ["stage"],
    ["stage", "start"],
    ["stage", "done"],
    ["stage", "block"],
    ["stage", "progress"],
    ["hours"],
    ["hours", "add"],
    ["hours", "list"],
    ["profile"],
    ["profile", "show"],
    ["profile", "set"],
    ["profile", "off"],
    ["profile", "on"],
    ["calendar"],
    ["calendar", "import"],
    ["forecast"],
    ["writeup"],
    ["opportunities"],
    ["opportunities", "import"],
    ["opportunities", "sources"],
    ["opportunities", "list"],
    ["opportunities", "show"],
    ["opportunities", "edit"],
    ["opportunities", "add"],
    ["opportunities", "filters"],
    ["opportunities", "weights"],
    ["rates"],
    ["rates", "list"],
    ["rates", "set"],
    ["rates", "remove"],
    ["rates", "base"],
    ["log"],
    ["log", "add"],
    ["log", "list"],
    ["log", "totals"],
    ["log", "remove"],
    ["demo"],
    ["plan"],
    ["plan", "accept"],
    ["plan", "show"],
    ["plan", "export"],
    ["plan", "settings"],
]


#: Command groups: the README names their commands, not the groups alone.
GROUPS = [
    [name]
    for name in (
        "run", "db", "incident", "notify", "projects", "project", "stage", "hours", "profile",
        "calendar", "opportunities", "rates", "log",
    )
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) > 3


def test_commands_are_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for command in COMMANDS:
        if command not in GROUPS:
            assert f"lowtide {' '.join(command)}" in readme


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert re.fullmatch(r"lowtide \d+\.\d+\.\d+\n", result.output)


def test_runs_table_and_show(home: Path) -> None:
    uid = seeded(home)
    result = runner.invoke(app, ["runs"])
    assert result.exit_code == 0, result.output
    assert "baseline" in result.output
    assert "finished" in result.output
    assert uid[:8] in result.output
    shown = runner.invoke(app, ["run", "show", "baseline"])
    assert shown.exit_code == 0, shown.output
    assert "lr=0.1" in shown.output
    loss_line = next(line for line in shown.output.splitlines() if line.strip().startswith("loss"))
    assert "100" in loss_line
    assert "0.01" in loss_line
    assert "█" in loss_line
    acc_line = next(line for line in shown.output.splitlines() if line.strip().startswith("acc"))
    assert "!" in acc_line
    assert runner.invoke(app, ["run", "show", uid[:6]]).exit_code == 0
    assert "no runs" in runner.invoke(app, ["runs", "--project", "nothing"]).output


def test_errors_are_one_line_and_exit_nonzero(home: Path) -> None:
    missing = runner.invoke(app, ["runs"])
    assert missing.exit_code == 1
    assert "lowtide db upgrade" in missing.output
    assert "Traceback" not in missing.output
    seeded(home)
    unknown = runner.invoke(app, ["run", "show", "nope"])
    assert unknown.exit_code == 1
    assert unknown.output.strip() == "error: no run with id or name 'nope'"
    bad_status = runner.invoke(app, ["runs", "--status", "sleeping"])
    assert bad_status.exit_code == 2


def test_bad_database_url_is_a_clean_error(home: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--database-url", "nonsense"])
    assert result.exit_code == 1
    assert "not a database URL" in result.output


def test_db_upgrade_creates_the_store(home: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0
    assert (home / "lowtide.db").exists()
    assert runner.invoke(app, ["runs"]).output.strip() == "no runs yet"


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lowtide", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("lowtide ")


def test_readme_quick_start_names_the_two_make_targets() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick
    assert "make test" in quick
    assert "127.0.0.1:7600" in quick
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M)
    assert re.search(r"^test:", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_incidents_ack_mute_unmute(home: Path) -> None:
    from lowtide.core.health import HealthEngine

    uid = seeded(home)
    store = open_store(f"sqlite:///{home / 'lowtide.db'}")
    engine = HealthEngine(clock=lambda: 10.0)
    [event] = engine.observe(uid, "loss", 5, 10.0, float("nan"))
    incident_id = store.record_incident(uid, event)
    store.close()
    listed = runner.invoke(app, ["incidents"])
    assert listed.exit_code == 0, listed.output
    assert "nonfinite" in listed.output
    assert "page" in listed.output
    assert "baseline" in listed.output
    acked = runner.invoke(app, ["incident", "ack", str(incident_id)])
    assert acked.exit_code == 0
    assert "acknowledged nonfinite" in acked.output
    assert "acked" in runner.invoke(app, ["incidents"]).output
    assert runner.invoke(app, ["incident", "ack", "9999"]).exit_code == 1
    muted = runner.invoke(app, ["mute", "--project", "mnist", "--rule", "stall", "--hours", "2"])
    assert muted.exit_code == 0, muted.output
    assert runner.invoke(app, ["mute", "--project", "mnist", "--rule", "nap"]).exit_code == 1
    assert runner.invoke(app, ["mute", "--rule", "stall"]).exit_code == 1
    assert runner.invoke(app, ["unmute", "1"]).exit_code == 0
    assert runner.invoke(app, ["unmute", "1"]).exit_code == 1


def test_replay_prints_incidents_and_json(tmp_path: Path) -> None:
    log = tmp_path / "run.csv"
    rows = ["step,wall_time,loss"] + [f"{i},{1000 + i},{2.0 / (i + 1)}" for i in range(50)]
    rows.append("50,1050,nan")
    log.write_text("\n".join(rows) + "\n")
    shown = runner.invoke(app, ["replay", str(log)])
    assert shown.exit_code == 0, shown.output
    assert "nonfinite" in shown.output
    as_json = runner.invoke(app, ["replay", "--json", str(tmp_path)])
    record = json.loads(as_json.output.strip())
    assert record["run"] == str(log)
    assert record["incidents"][0]["rule"] == "nonfinite"
    assert record["incidents"][0]["step"] == 50
    assert record["state"] in ("stalled", "finished")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    assert runner.invoke(app, ["replay", str(bad)]).exit_code == 1


def test_notify_add_set_test_remove(home: Path, receiver: Receiver) -> None:
    seeded(home)
    assert "no notification channels" in runner.invoke(app, ["notify", "show"]).output
    bad = runner.invoke(app, ["notify", "add", "nosuchservice://x"])
    assert bad.exit_code == 1
    assert "no scheme Apprise knows" in bad.output
    added = runner.invoke(app, ["notify", "add", receiver.url])
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["notify", "add", receiver.url]).exit_code == 0
    quiet = runner.invoke(
        app, ["notify", "set", "--quiet", "22:00-07:00", "--timezone", "Asia/Tokyo"]
    )
    assert quiet.exit_code == 0, quiet.output
    wrong = runner.invoke(app, ["notify", "set", "--timezone", "Mars/Olympus"])
    assert wrong.exit_code == 1
    assert "unknown time zone" in wrong.output
    shown = runner.invoke(app, ["notify", "show"]).output
    assert shown.count("json://127.0.0.1") == 1
    assert "quiet hours 22:00-07:00" in shown
    assert "Asia/Tokyo" in shown
    sent = runner.invoke(app, ["notify", "test"])
    assert sent.exit_code == 0, sent.output
    assert [m["title"] for m in receiver.received] == ["lowtide test message"]
    receiver.fail = True
    failed = runner.invoke(app, ["notify", "test"])
    assert failed.exit_code == 1
    assert "failed" in failed.output
    assert runner.invoke(app, ["notify", "remove", "2"]).exit_code == 1
    assert runner.invoke(app, ["notify", "remove", "1"]).exit_code == 0
    assert runner.invoke(app, ["notify", "test"]).exit_code == 1
    assert "nothing sent yet" in runner.invoke(app, ["notify", "log"]).output


def test_watch_once_into_a_server_then_the_store(
    tmp_path: Path, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = tmp_path / "logs" / "exp"
    logs.mkdir(parents=True)
    (logs / "metrics.csv").write_text("epoch,step,loss\n0,0,1.0\n0,1,0.5\n")
    monkeypatch.setenv("LOWTIDE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LOWTIDE_URL", live_server.url)
    monkeypatch.setenv("COLUMNS", "200")
    sent = runner.invoke(app, ["watch", "--once", "--project", "demo", str(tmp_path / "logs")])
    assert sent.exit_code == 0, sent.output
    assert f"sending to {live_server.url}" in sent.output
    assert "+ demo/exp  lightning" in sent.output
    assert sent.output.strip().endswith("1 run, 4 new points")
    [run] = live_server.store.list_runs(project="demo")
    assert [k.key for k in live_server.store.list_keys(run.uid)] == ["epoch", "loss"]
    again = runner.invoke(app, ["watch", "--once", "--project", "demo", str(tmp_path / "logs")])
    assert again.output.strip().endswith("1 run, 0 new points")

    monkeypatch.setenv("LOWTIDE_URL", f"http://127.0.0.1:{free_port()}")
    stored = runner.invoke(app, ["watch", "--once", str(tmp_path / "logs")])
    assert stored.exit_code == 0, stored.output
    assert "sending to the store at sqlite:///" in stored.output
    listed = runner.invoke(app, ["runs", "--project", "logs"])
    assert "exp" in listed.output


def test_watch_errors_are_one_line(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOWTIDE_URL", f"http://127.0.0.1:{free_port()}")
    missing = runner.invoke(app, ["watch", "--once", str(home / "nope")])
    assert missing.exit_code == 1
    assert missing.output.strip().endswith(f"error: {home / 'nope'} does not exist")
    assert "Traceback" not in missing.output
    (home / "notes.csv").write_text("name,value\n")
    not_a_log = runner.invoke(app, ["watch", str(home / "notes.csv")])
    assert not_a_log.exit_code == 1
    assert "is not a log lowtide reads" in not_a_log.output
    assert runner.invoke(app, ["watch", "--interval", "0", str(home)]).exit_code == 2


def test_watch_ends_cleanly_on_ctrl_c(tmp_path: Path, live_server: LiveServer) -> None:
    log = tmp_path / "logs" / "mlp.csv"
    log.parent.mkdir()
    log.write_text("step,wall_time,loss\n" + "".join(f"{s},{s}.0,1.0\n" for s in range(10)))
    env = {
        **os.environ,
        "LOWTIDE_URL": live_server.url,
        "LOWTIDE_HOME": str(tmp_path / "home"),
        "COLUMNS": "200",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "lowtide", "watch", "--interval", "0.05", str(log.parent)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not live_server.store.list_runs() or not live_server.store.list_keys(
            live_server.store.list_runs()[0].uid
        ):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the watcher sent nothing"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "+ logs/mlp  csv" in out
    assert out.strip().endswith("1 run, 10 new points")
    [run] = live_server.store.list_runs()
    assert live_server.store.list_keys(run.uid)[0].n_points == 10


PROJECTS_YAML = """\
projects:
  - name: churn
    goal: predict churn
    owner: ana
    stages:
      - name: wrangle
        kind: wrangling
        status: active
        estimate: {optimistic: 5, likely: 10, pessimistic: 20}
      - name: label
        kind: annotation
      - name: ship
        kind: deployment
"""

ICS = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//lowtide tests//EN
BEGIN:VEVENT
UID:talk@test
DTSTART:20270301T100000Z
DTEND:20270301T120000Z
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Talk
END:VEVENT
END:VCALENDAR
"""


def test_projects_stages_profile_calendar_and_forecast(home: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    plan = home / "projects.yaml"
    plan.write_text(PROJECTS_YAML)
    applied = runner.invoke(app, ["projects", "apply", str(plan)])
    assert applied.exit_code == 0, applied.output
    assert "3 stage(s) added" in applied.output
    again = runner.invoke(app, ["projects", "apply", str(plan)])
    assert "0 stage(s) added, 3 updated" in again.output
    listed = runner.invoke(app, ["project", "list"])
    assert "churn" in listed.output
    assert "wrangle" in listed.output
    assert runner.invoke(app, ["project", "add", "ranker", "--owner", "bo"]).exit_code == 0
    assert "ranker" in runner.invoke(app, ["project", "list"]).output
    assert (
        runner.invoke(app, ["stage", "start", "churn", "label", "--on", "2027-03-01"]).exit_code
        == 0
    )
    progress = runner.invoke(app, ["stage", "progress", "churn", "label", "30", "100"])
    assert progress.exit_code == 0, progress.output
    assert "30%" in progress.output
    wrong = runner.invoke(app, ["stage", "progress", "churn", "wrangle", "1", "2"])
    assert wrong.exit_code == 1
    assert "only annotation and collection" in wrong.output
    assert runner.invoke(app, ["stage", "done", "churn", "nope"]).exit_code == 1
    assert runner.invoke(app, ["stage", "block", "churn", "ship"]).exit_code == 0
    shown = runner.invoke(app, ["project", "show", "churn"])
    assert "30/100" in shown.output
    assert "blocked" in shown.output
    assert (
        runner.invoke(
            app, ["hours", "add", "churn", "wrangle", "31", "--week", "2027-03-03"]
        ).exit_code
        == 0
    )
    assert "2027-03-01" in runner.invoke(app, ["hours", "list"]).output

    assert (
        runner.invoke(
            app, ["profile", "set", "--workdays", "mon,tue,wed,thu", "--weekly-hours", "32"]
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["profile", "set", "--workdays", "funday"]).exit_code == 1
    assert runner.invoke(app, ["profile", "set", "--timezone", "Mars/Base"]).exit_code == 1
    assert (
        runner.invoke(
            app, ["profile", "off", "2027-08-02", "2027-08-13", "--note", "summer"]
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["profile", "off", "2027-08-02", "2027-08-01"]).exit_code == 1
    profile = runner.invoke(app, ["profile", "show"])
    assert "32 h a week on mon,tue,wed,thu" in profile.output
    assert "summer" in profile.output
    assert runner.invoke(app, ["profile", "on", "1"]).exit_code == 0
    assert "summer" not in runner.invoke(app, ["profile", "show"]).output

    ics = home / "work.ics"
    ics.write_text(ICS)
    imported = runner.invoke(app, ["calendar", "import", str(ics)])
    assert imported.exit_code == 0, imported.output
    assert "from work.ics" in imported.output

    chart = runner.invoke(app, ["forecast", "--weeks", "8", "--samples", "200"])
    assert chart.exit_code == 0, chart.output
    assert "capacity" in chart.output
    assert (
        len([line for line in chart.output.splitlines() if re.match(r"\s*\d{4}-\d{2}-\d{2}", line)])
        == 8
    )
    as_json = json.loads(runner.invoke(app, ["forecast", "--weeks", "4", "--json"]).output)
    assert len(as_json["weeks"]) == 4

    exported = runner.invoke(app, ["projects", "export"])
    assert exported.exit_code == 0
    assert "status: blocked" in exported.output
    out = home / "out.yaml"
    assert runner.invoke(app, ["projects", "export", "-o", str(out)]).exit_code == 0
    assert runner.invoke(app, ["projects", "apply", str(out)]).exit_code == 0

    plan.write_text(PROJECTS_YAML.replace("kind: annotation", "kind: labeling"))
    bad = runner.invoke(app, ["projects", "apply", str(plan)])
    assert bad.exit_code == 1
    assert (
        "projects.yaml:11: projects[0].stages[1].kind: unknown stage kind 'labeling'" in bad.output
    )
    assert "Traceback" not in bad.output
    assert runner.invoke(app, ["projects", "apply", str(home / "missing.yaml")]).exit_code == 1


def test_demo_fills_an_empty_store_once(home: Path) -> None:
    filled = runner.invoke(app, ["demo"])
    assert filled.exit_code == 0, filled.output
    assert "wave-mlp-lr0.05, wave-mlp-lr0.5" in filled.output
    assert "divergence" in filled.output
    assert "lull" in filled.output
    assert re.search(r"opportunities: \d+ imported; growth log: 5 entries", filled.output)
    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 1
    assert "lowtide demo --force" in again.output
    assert "Traceback" not in again.output
    quiet = runner.invoke(app, ["demo", "--if-empty"])
    assert (quiet.exit_code, quiet.output) == (0, "")
    listed = runner.invoke(app, ["project", "list"])
    assert "wave-forecast" in listed.output
    assert "support-triage" in listed.output


def test_make_run_offers_the_demo_without_waiting_for_an_answer(home: Path) -> None:
    makefile = (ROOT / "Makefile").read_text()
    run_target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "lowtide demo --if-empty --ask" in run_target
    assert run_target.strip().endswith("$(BIN)/lowtide serve")
    # Without a terminal (CI, a pipe) it only says how, and leaves the store empty.
    offered = runner.invoke(app, ["demo", "--if-empty", "--ask"])
    assert offered.exit_code == 0, offered.output
    assert "`lowtide demo` fills it with an example" in offered.output
    assert runner.invoke(app, ["runs"]).output.strip() == "no runs yet"
