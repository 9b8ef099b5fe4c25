"""CSV logs: lowtide's, Lightning's and Keras' shapes, read as they grow."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest

from lowtide.errors import ValidationError
from lowtide.ingest.csv_log import (
    MAX_HEADER_BYTES,
    CsvKind,
    CsvTail,
    binary_at,
    lightning_hparams,
    parse_header,
    read_csv,
)
from lowtide.ingest.tail import Record


def test_headers_tell_the_writer() -> None:
    plain = parse_header(["step", "wall_time", "loss"])
    assert plain is not None
    assert plain.kind is CsvKind.PLAIN
    assert (plain.step, plain.time, plain.metrics) == (0, 1, ((2, "loss"),))
    lightning = parse_header(["epoch", "lr-Adam", "step", "train_loss", "val_loss"])
    assert lightning is not None
    assert lightning.kind is CsvKind.LIGHTNING
    assert lightning.step == 2
    assert lightning.time is None
    assert [k for _, k in lightning.metrics] == ["epoch", "lr-Adam", "train_loss", "val_loss"]
    keras = parse_header(["epoch", "accuracy", "loss", "val_accuracy", "val_loss"])
    assert keras is not None
    assert keras.kind is CsvKind.KERAS
    assert [k for _, k in keras.metrics] == ["accuracy", "loss", "val_accuracy", "val_loss"]
    for bad in (["a", "b"], ["loss", "epoch"], [], ["step", "step"], ["step", ""]):
        assert parse_header(bad) is None


def test_lightning_sparse_rows_and_header_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,train_loss\n0,0,2.0\n0,1,1.5\n")
    tail = CsvTail(path)
    assert tail.read() == [
        Record(0, None, {"epoch": 0.0, "train_loss": 2.0}),
        Record(1, None, {"epoch": 0.0, "train_loss": 1.5}),
    ]
    # A new metric: Lightning rewrites the whole file with the new header.
    path.write_text("epoch,step,train_loss,val_loss\n0,0,2.0,\n0,1,1.5,\n0,1,,1.25\n1,2,1.0,\n")
    records = tail.read()
    assert Record(1, None, {"epoch": 0.0, "val_loss": 1.25}) in records
    assert records[-1] == Record(2, None, {"epoch": 1.0, "train_loss": 1.0})
    assert tail.mtime == path.stat().st_mtime


def test_only_whole_lines_are_read(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("step,wall_time,loss\n0,10.0,1.0\n1,11.0,0.")
    tail = CsvTail(path)
    assert [r.step for r in tail.read()] == [0]
    with path.open("a") as handle:
        handle.write("5\n2,12.0,0.25\n")
    assert tail.read() == [Record(1, 11.0, {"loss": 0.5}), Record(2, 12.0, {"loss": 0.25})]
    with path.open("a") as handle:
        handle.write("3,13.0,0.125")  # no newline: in a finished file it still counts
    assert tail.read() == []
    assert tail.read(final=True) == [Record(3, 13.0, {"loss": 0.125})]


def test_truncation_and_rotation_start_over(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("step,wall_time,loss\n" + "".join(f"{i},{i}.0,1.0\n" for i in range(10)))
    tail = CsvTail(path)
    assert len(tail.read()) == 10
    path.write_text("step,wall_time,loss\n10,10.0,0.5\n")  # shorter: truncated and rewritten
    assert tail.read() == [Record(10, 10.0, {"loss": 0.5})]
    path.rename(tmp_path / "log.csv.1")
    path.write_text("step,wall_time,loss\n11,11.0,0.25\n")  # longer would do too: a new inode
    assert tail.read() == [Record(11, 11.0, {"loss": 0.25})]
    # copytruncate keeps no header: the columns already known still hold.
    path.write_text("")
    assert tail.read() == []
    path.write_text("12,12.0,0.125\n")
    assert tail.read() == [Record(12, 12.0, {"loss": 0.125})]


def test_keras_epochs_are_steps(tmp_path: Path) -> None:
    path = tmp_path / "training.log"
    path.write_text("epoch,accuracy,loss,val_loss\r\n0,0.5,1.2,1.3\r\n1,0.75,0.9,inf\r\n")
    records = read_csv(path)
    assert records[0] == Record(0, None, {"accuracy": 0.5, "loss": 1.2, "val_loss": 1.3})
    assert records[1].step == 1
    assert math.isinf(records[1].values["val_loss"])


def test_bad_cells(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("step,wall_time,loss,acc\n0,1.0,oops,0.5\n1.0,2.0,0.5,\nx,3.0,1,1\n")
    with pytest.raises(ValidationError, match=r"line 2, column 'loss': 'oops' is not a number"):
        read_csv(path)
    with caplog.at_level(logging.WARNING):
        records = CsvTail(path).read()
    assert records == [Record(0, 1.0, {"acc": 0.5}), Record(1, 2.0, {"loss": 0.5})]
    assert "'oops' is not a number" in caplog.text
    assert "'x' is not an integer" in caplog.text


def test_a_ragged_row_is_skipped_by_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("step,wall_time,loss\n0,1.0,0.5\n1,2.0,0.4,9\n2,3.0\n3,4.0,0.3\n")
    with pytest.raises(ValidationError, match=r"line 3 has 4 cells where the header has 3"):
        read_csv(path)
    with caplog.at_level(logging.WARNING):
        records = CsvTail(path).read()
    assert [r.step for r in records] == [0, 3]
    assert f"{path}, line 3 has 4 cells" in caplog.text


def test_lightning_hparams(tmp_path: Path) -> None:
    assert lightning_hparams(tmp_path) == {}
    (tmp_path / "hparams.yaml").write_text("lr: 0.001\nlayers:\n  - 64\n  - 32\nname: mlp\n")
    assert lightning_hparams(tmp_path) == {"lr": 0.001, "layers": [64, 32], "name": "mlp"}
    (tmp_path / "hparams.yaml").write_text("a: !!python/object:foo.Bar {}\n")
    assert lightning_hparams(tmp_path) == {}


def test_binary_data_is_found_where_it_starts(tmp_path: Path) -> None:
    text = tmp_path / "notes.csv"
    text.write_text("step,loss\n0,0.5 ✓\n", encoding="utf-8")
    assert binary_at(text) is None
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("step,loss\n0,0.5 é\n".encode("latin-1"))
    assert binary_at(latin1) == len("step,loss\n0,0.5 ")
    # A character cut by the end of the first read is not binary data.
    long_text = tmp_path / "long.csv"
    long_text.write_bytes(b"x" * (MAX_HEADER_BYTES - 1) + "é".encode())
    assert binary_at(long_text) is None
