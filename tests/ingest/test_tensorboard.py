"""Reading TensorBoard event files without TensorFlow, checked against real writers."""

from __future__ import annotations

import logging
import math
import struct
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from lowtide.ingest.tail import Record
from lowtide.ingest.tensorboard import EventFileTail, decode_event, event_files, run_folder
from lowtide.ingest.tfrecord import frame
from tests.ingest.helpers import (
    DATA,
    file_version_event,
    histogram_tensor_event,
    tf2_event,
    write_records,
)

TORCH_FILE = DATA / "pytorch" / "events.out.tfevents.1764590000.lowtide.1.0"
TF2_FILE = DATA / "tf2" / "events.out.tfevents.1764590000.lowtide.2.v2"
T0 = 1764590000.0
F32_TENTH = 0.10000000149011612


def by_key(records: list[Record]) -> dict[str, list[tuple[int, float, float | None]]]:
    out: dict[str, list[tuple[int, float, float | None]]] = {}
    for r in records:
        for key, value in r.values.items():
            out.setdefault(key, []).append((r.step, value, r.wall_time))
    return out


def test_checked_in_pytorch_file() -> None:
    got = by_key(EventFileTail(TORCH_FILE).read())
    assert set(got) == {"train/loss", "lr", "val/acc"}  # no histogram, no text
    loss = got["train/loss"]
    assert [s for s, _, _ in loss] == list(range(11))
    assert loss[3] == (3, 0.25, T0 + 3)
    assert math.isnan(loss[10][1])
    assert got["lr"] == [(s, F32_TENTH, T0 + s) for s in range(10)]
    assert got["val/acc"] == [(5, 0.5, T0 + 5)]  # new_style: a tensor under "scalars"


def test_checked_in_tf2_file() -> None:
    got = by_key(EventFileTail(TF2_FILE).read())
    assert got == {
        "epoch_loss": [(0, 0.5, T0), (1, 0.25, T0 + 1), (2, 0.125, T0 + 2)],
        "epoch_lr": [(1, 0.001, T0 + 1)],
        "half_metric": [(3, 0.5, T0 + 3)],
        "int_metric": [(3, 7.0, T0 + 3)],
    }


def test_agrees_with_tensorboards_own_reader() -> None:
    for path in (TORCH_FILE, TF2_FILE):
        theirs: list[tuple[int, str]] = []
        for event in EventFileLoader(str(path)).Load():
            for value in event.summary.value:
                scalar = value.HasField("simple_value") or (
                    value.tensor.dtype != 7 and not value.tensor.tensor_shape.dim
                )
                if scalar and value.tag not in ("notes",):
                    theirs.append((event.step, value.tag))
        ours = [(r.step, k) for r in EventFileTail(path).read() for k in r.values]
        assert ours == theirs


def test_pytorch_summary_writer_output(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path))
    for step in range(5):
        writer.add_scalar("Loss/train", 2.0 - step * 0.25, step)
        writer.add_scalars("acc", {"train": 0.5, "val": 0.25}, step)  # writes subfolders
    writer.close()
    [(path, prefix)] = event_files(tmp_path)
    assert prefix == ""
    got = by_key(EventFileTail(path).read())
    assert [(s, v) for s, v, _ in got["Loss/train"]] == [(s, 2.0 - s * 0.25) for s in range(5)]
    assert all(t is not None and t > 1e9 for _, _, t in got["Loss/train"])


def test_a_half_written_record_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.1.host"
    data = b"".join(
        frame(e)
        for e in [file_version_event()] + [tf2_event(s, {"loss": 1.0 / (s + 1)}) for s in range(4)]
    )
    tail = EventFileTail(path)
    seen: list[int] = []
    with path.open("wb") as handle:
        for i in range(0, len(data), 7):  # a writer that flushes every few bytes
            handle.write(data[i : i + 7])
            handle.flush()
            seen.extend(r.step for r in tail.read())
    assert seen == [0, 1, 2, 3]
    assert tail.read(final=True) == []


def test_damaged_records_are_skipped_and_the_file_can_be_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "events.out.tfevents.1.host"
    bad = bytearray(frame(tf2_event(1, {"loss": 9.0})))
    bad[bad.index(struct.pack("<f", 9.0))] ^= 0xFF  # the value: its CRC no longer matches
    path.write_bytes(frame(tf2_event(0, {"loss": 1.0})) + bytes(bad))
    tail = EventFileTail(path)
    with caplog.at_level(logging.WARNING):
        assert [r.step for r in tail.read()] == [0]
    assert "CRC" in caplog.text
    with path.open("ab") as handle:
        handle.write(frame(tf2_event(2, {"loss": 0.5})))
    assert [r.step for r in tail.read()] == [2]
    path.write_bytes(frame(tf2_event(7, {"loss": 0.1})))  # rewritten, shorter
    assert [r.step for r in tail.read()] == [7]
    path.unlink()
    assert tail.read() == []
    assert tail.gone


def test_tensors_of_other_plugins_are_skipped() -> None:
    plugins: dict[str, str] = {}
    assert decode_event(histogram_tensor_event(1, "w"), plugins) is None
    assert decode_event(tf2_event(1, {"x": 2.0}, plugin="custom"), plugins) is None
    # The plugin is stated once: later values of the tag follow it.
    assert decode_event(tf2_event(2, {"x": 3.0}, metadata=False), plugins) is None
    record = decode_event(tf2_event(2, {"y": 3.0}, metadata=False), plugins, "validation/")
    assert record == Record(2, 1000.0, {"validation/y": 3.0})


def test_negative_steps_and_keras_split_folders(tmp_path: Path) -> None:
    record = decode_event(tf2_event(-3, {"x": 1.0}), {})
    assert record is not None
    assert record.step == -3
    for split in ("train", "validation"):
        (tmp_path / "run" / split).mkdir(parents=True)
        write_records(tmp_path / "run" / split / "events.out.tfevents.1.h.v2", [])
    assert run_folder(tmp_path / "run" / "validation") == tmp_path / "run"
    assert [p for _, p in event_files(tmp_path / "run")] == ["train/", "validation/"]


def test_a_framed_record_that_is_no_event_is_named_by_its_byte(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "events.out.tfevents.1.host"
    first = frame(tf2_event(0, {"loss": 1.0}))
    path.write_bytes(first + frame(b"\x0b\xff") + frame(tf2_event(1, {"loss": 0.5})))
    with caplog.at_level(logging.WARNING):
        assert [r.step for r in EventFileTail(path).read()] == [0, 1]
    assert f"{path}: the record at byte {len(first)} is not a TensorBoard event" in caplog.text
