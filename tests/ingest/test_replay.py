"""`lowtide replay`: logged runs, in every format the readers know, judged as if they ran now."""

from __future__ import annotations

import shutil
from pathlib import Path

from lowtide.ingest.replay import find_runs, replay_run
from tests.ingest.helpers import DATA, hf_history, write_trainer_state


def test_every_incident_is_reported_once(tmp_path: Path) -> None:
    """Incidents that open and resolve one after another are all kept (none merged)."""
    rows, t = [], 1000.0
    for step in range(310):
        t += 60.0 if step in (130, 260) else 1.0  # two pauses, each a stall that ends
        rows.append(f"{step},{t},{2.0 / (1 + step / 50)}")
    log = tmp_path / "run.csv"
    log.write_text("step,wall_time,loss\n" + "\n".join(rows) + "\n")
    stalls = [i for i in replay_run(log).incidents if i["rule"] == "stall"]
    assert [i["step"] for i in stalls] == [129, 259, 309]  # the last: it never logged again
    assert ["resolved_at" in i for i in stalls] == [True, True, False]


def test_an_incident_freed_by_the_engine_keeps_its_report() -> None:
    """The engine drops resolved incidents; the next one may get the freed object's id."""
    from types import SimpleNamespace

    from lowtide.core.health import Action
    from lowtide.ingest import replay

    def incident(step: int) -> SimpleNamespace:
        return SimpleNamespace(
            rule=SimpleNamespace(value="stall"),
            severity=SimpleNamespace(value="warn"),
            opened_step=step,
            opened_at=float(step),
            onset_step=step,
            message=f"stall at {step}",
            resolved_at=step + 1.0,
        )

    class Health:
        def __init__(self) -> None:
            self.events: list[SimpleNamespace] = []

        def take_events(self) -> list[SimpleNamespace]:
            events, self.events = self.events, []
            return events

    health = Health()
    opened: replay._Opened = {}
    for step in (10, 20, 30):
        current = incident(step)
        health.events = [
            SimpleNamespace(action=Action.OPENED, incident=current),
            SimpleNamespace(action=Action.RESOLVED, incident=current),
        ]
        replay._collect(health, opened)  # type: ignore[arg-type]
        del current
    assert [summary["step"] for _, summary in opened.values()] == [10, 20, 30]


def test_replay_reads_tensorboard_hf_and_lightning(tmp_path: Path) -> None:
    shutil.copytree(DATA / "pytorch", tmp_path / "tb" / "nan-run")
    write_trainer_state(tmp_path / "hf" / "out" / "checkpoint-30", hf_history(30), max_steps=90)
    write_trainer_state(tmp_path / "hf" / "out" / "checkpoint-60", hf_history(60), max_steps=90)
    lightning = tmp_path / "lightning_logs" / "version_0"
    lightning.mkdir(parents=True)
    rows = "".join(f"0,{s},{1.0 / (s + 1)}\n" for s in range(50))
    (lightning / "metrics.csv").write_text("epoch,step,train_loss\n" + rows)
    results = {s.name: replay_run(s) for s in find_runs([tmp_path])}
    assert set(results) == {"nan-run", "out", "version_0"}
    nan_run = results["nan-run"]
    assert nan_run.run == str(tmp_path / "tb" / "nan-run")
    [incident] = [i for i in nan_run.incidents if i["rule"] == "nonfinite"]
    assert incident["step"] == 10
    assert results["out"].n_points == 4 * 6 + 1  # the second checkpoint's copy adds no duplicates
    assert results["version_0"].n_points == 100


def test_replay_of_a_file_path(tmp_path: Path) -> None:
    log = tmp_path / "run.csv"
    log.write_text("step,wall_time,loss\n" + "".join(f"{s},{s},1.0\n" for s in range(20)))
    assert replay_run(log).n_points == 20
