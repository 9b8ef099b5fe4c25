"""Finding runs under a path and telling their format; names and projects."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowtide.errors import ValidationError
from lowtide.ingest.sources import Format, find_sources
from tests.ingest.helpers import hf_history, tf2_event, write_records, write_trainer_state


def layout(root: Path) -> None:
    write_records(root / "tb" / "run-a" / "events.out.tfevents.1.h", [tf2_event(0, {"x": 1})])
    write_records(root / "tb" / "run-a" / "events.out.tfevents.2.h", [])
    for split in ("train", "validation"):
        folder = root / "tb" / "keras-run" / split
        folder.mkdir(parents=True)
        write_records(folder / "events.out.tfevents.1.h.v2", [])
    lightning = root / "lightning_logs" / "version_0"
    lightning.mkdir(parents=True)
    (lightning / "metrics.csv").write_text("epoch,step,loss\n0,0,1.0\n")
    (lightning / "hparams.yaml").write_text("lr: 0.01\n")
    (root / "keras").mkdir()
    (root / "keras" / "training.log").write_text("epoch,loss\n0,1.0\n")
    (root / "corpus").mkdir()
    (root / "corpus" / "mlp-01.csv").write_text("step,wall_time,loss\n0,1.0,1.0\n")
    (root / "corpus" / "notes.csv").write_text("name,value\na,1\n")
    (root / "corpus" / "app.log").write_text("INFO started\n")
    write_trainer_state(root / "hf" / "out" / "checkpoint-10", hf_history(10), max_steps=40)
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.csv").write_text("step,wall_time,loss\n")


def test_a_tree_of_runs(tmp_path: Path) -> None:
    layout(tmp_path)
    found = {(s.format, s.project, s.name): s for s in find_sources([tmp_path])}
    assert set(found) == {
        (Format.TENSORBOARD, "tb", "run-a"),
        (Format.TENSORBOARD, "tb", "keras-run"),
        (Format.LIGHTNING, "lightning_logs", "version_0"),
        (Format.KERAS, tmp_path.name, "keras"),
        (Format.CSV, "corpus", "mlp-01"),
        (Format.HF_TRAINER, "hf", "out"),
    }
    keras_tb = found[(Format.TENSORBOARD, "tb", "keras-run")]
    assert [prefix for _, prefix in keras_tb.files()] == ["train/", "validation/"]
    assert len(found[(Format.TENSORBOARD, "tb", "run-a")].files()) == 2
    lightning = found[(Format.LIGHTNING, "lightning_logs", "version_0")]
    assert lightning.info().config == {"lr": 0.01}
    hf = found[(Format.HF_TRAINER, "hf", "out")]
    assert hf.path == tmp_path / "hf" / "out"
    assert hf.info().planned_steps == 40


def test_project_option_and_single_files(tmp_path: Path) -> None:
    layout(tmp_path)
    [one] = find_sources([tmp_path / "corpus" / "mlp-01.csv"], project="mine")
    assert (one.format, one.project, one.name) == (Format.CSV, "mine", "mlp-01")
    [tb] = find_sources([tmp_path / "tb" / "keras-run" / "train" / "events.out.tfevents.1.h.v2"])
    assert tb.path == tmp_path / "tb" / "keras-run"
    [hf] = find_sources([tmp_path / "hf" / "out" / "checkpoint-10" / "trainer_state.json"])
    assert hf.path == tmp_path / "hf" / "out"
    assert find_sources([tmp_path / "tb", tmp_path / "tb" / "run-a"]) == find_sources(
        [tmp_path / "tb"]
    )


def test_bad_paths(tmp_path: Path) -> None:
    layout(tmp_path)
    with pytest.raises(ValidationError, match="does not exist"):
        find_sources([tmp_path / "nope"])
    with pytest.raises(ValidationError, match="not a log lowtide reads"):
        find_sources([tmp_path / "corpus" / "notes.csv"])
    assert find_sources([tmp_path / "keras" / ".."]) != []
    (tmp_path / "empty").mkdir()
    assert find_sources([tmp_path / "empty"]) == []
