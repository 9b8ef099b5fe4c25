"""Hugging Face trainer_state.json: history, configuration, the end of training."""

from __future__ import annotations

import json
from pathlib import Path

from lowtide.ingest.hf_trainer import (
    TrainerStateTail,
    history,
    load_state,
    run_config,
    run_folder,
    state_files,
)
from lowtide.ingest.tail import Record
from tests.ingest.helpers import hf_history, write_trainer_state


def test_history_config_and_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_trainer_state(out / "checkpoint-50", hf_history(50), max_steps=200)
    write_trainer_state(out / "checkpoint-100", hf_history(100), max_steps=200)
    write_trainer_state(out / "checkpoint-9", hf_history(9), max_steps=200)
    assert [p.parent.name for p in state_files(out)] == [
        "checkpoint-9",
        "checkpoint-50",
        "checkpoint-100",
    ]
    assert run_folder(out / "checkpoint-50") == out
    assert run_folder(out) == out
    state = load_state(out / "checkpoint-50" / "trainer_state.json")
    assert state is not None
    records = history(state)
    first = hf_history(10)[0]
    assert records[0] == Record(10, None, {k: v for k, v in first.items() if k != "step"})
    assert set(records[0].values) == {"epoch", "grad_norm", "learning_rate", "loss"}
    assert records[-1] == Record(50, None, {"epoch": 0.5, "eval_loss": 1.0})
    config, planned = run_config(state)
    assert planned == 200
    assert config == {
        "max_steps": 200,
        "num_train_epochs": 3,
        "train_batch_size": 8,
        "logging_steps": 10,
        "save_steps": 50,
    }


def test_tail_rereads_a_rewritten_file_and_sees_the_end(tmp_path: Path) -> None:
    write_trainer_state(tmp_path, hf_history(20))
    path = tmp_path / "trainer_state.json"
    tail = TrainerStateTail(path)
    assert [r.step for r in tail.read()] == [10, 20]
    assert tail.read() == []  # unchanged
    path.write_text(path.read_text()[:40])  # caught halfway through a rewrite
    assert tail.read() == []
    entries = [*hf_history(30), {"step": 30, "train_runtime": 12.5, "train_loss": 0.9}]
    write_trainer_state(tmp_path, entries)
    assert [r.step for r in tail.read()] == [10, 20, 30, 30]
    assert tail.finished
    path.unlink()
    assert tail.read() == []
    assert tail.gone


def test_odd_entries_are_skipped() -> None:
    state = {
        "log_history": [
            {"step": 1, "loss": 1.0, "flag": True, "note": "x"},
            {"step": "2", "loss": 1.0},
            {"loss": 1.0},
            "junk",
            {"step": 3, "loss": float("nan")},
        ]
    }
    records = history(json.loads(json.dumps(state)))
    assert [r.step for r in records] == [1, 3]
    assert records[0].values == {"loss": 1.0}
