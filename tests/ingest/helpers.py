"""Writers of real log files for the ingest tests, and reading the points back.

TensorBoard files come from the real writers: PyTorch's SummaryWriter
(`simple_value`) and TensorBoard's own protobuf classes and record writer for
the TF2 shape (`tensor` under the "scalars" plugin, `tensor_content` bytes as
TensorFlow's C++ writer makes them). lowtide's reader shares no code with them.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2
from tensorboard.summary.writer.record_writer import RecordWriter

from lowtide.store import Store

DATA = Path(__file__).parent / "data"


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def points(store: Store, run_id: str, key: str) -> list[tuple[int, float]]:
    series = store.read_series(run_id, key)
    return [(int(s), float(v)) for s, v in zip(series.steps, series.values, strict=True)]


def tf2_event(
    step: int,
    values: dict[str, float],
    *,
    wall_time: float = 1000.0,
    dtype: str = "content",
    metadata: bool = True,
    plugin: str = "scalars",
) -> bytes:
    """A serialized Event holding rank-0 tensors, the way TF2's writer shapes them.

    dtype: "content" (DT_FLOAT in tensor_content), "double" (double_val),
    "half" (half_val bits), "int64" (int64_val).
    """
    event = event_pb2.Event(wall_time=wall_time, step=step)
    for tag, value in values.items():
        tensor = tensor_pb2.TensorProto(tensor_shape=tensor_shape_pb2.TensorShapeProto())
        if dtype == "content":
            tensor.dtype = 1
            tensor.tensor_content = struct.pack("<f", value)
        elif dtype == "double":
            tensor.dtype = 2
            tensor.double_val.append(value)
        elif dtype == "half":
            tensor.dtype = 19
            tensor.half_val.append(struct.unpack("<H", struct.pack("<e", value))[0])
        elif dtype == "int64":
            tensor.dtype = 9
            tensor.int64_val.append(int(value))
        summary_value = event.summary.value.add(tag=tag, tensor=tensor)
        if metadata:
            summary_value.metadata.plugin_data.plugin_name = plugin
    return bytes(event.SerializeToString())


def file_version_event() -> bytes:
    return bytes(event_pb2.Event(wall_time=999.0, file_version="brain.Event:2").SerializeToString())


def histogram_tensor_event(step: int, tag: str) -> bytes:
    """A [3, 3] float tensor under the histograms plugin: numbers, but not a scalar."""
    shape = tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=3)] * 2
    )
    tensor = tensor_pb2.TensorProto(dtype=1, tensor_shape=shape, float_val=[0.5] * 9)
    event = event_pb2.Event(wall_time=1000.0, step=step)
    value = event.summary.value.add(tag=tag, tensor=tensor)
    value.metadata.CopyFrom(
        summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="histograms")
        )
    )
    return bytes(event.SerializeToString())


def write_records(path: Path, payloads: Iterable[bytes]) -> None:
    """Append events to a file with TensorBoard's own TFRecord writer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        writer = RecordWriter(handle)
        for payload in payloads:
            writer.write(payload)
        handle.flush()


def write_trainer_state(folder: Path, history: list[dict[str, Any]], max_steps: int = 100) -> None:
    """trainer_state.json as the Hugging Face Trainer writes it (whole, not atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {
        "best_metric": None,
        "epoch": history[-1].get("epoch", 0) if history else 0,
        "global_step": history[-1]["step"] if history else 0,
        "log_history": history,
        "logging_steps": 10,
        "max_steps": max_steps,
        "num_train_epochs": 3,
        "save_steps": 50,
        "train_batch_size": 8,
    }
    (folder / "trainer_state.json").write_text(json.dumps(state, indent=2) + "\n")


def hf_history(last_step: int, every: int = 10, eval_every: int = 50) -> list[dict[str, Any]]:
    """log_history up to `last_step`: training logs, and evaluations on their own entries."""
    entries: list[dict[str, Any]] = []
    for step in range(every, last_step + 1, every):
        entries.append(
            {
                "epoch": step / 100,
                "grad_norm": 1.0 + step / 1000,
                "learning_rate": 5e-5 * (1 - step / 1000),
                "loss": 2.0 / (1 + step / 100),
                "step": step,
            }
        )
        if step % eval_every == 0:
            entries.append({"epoch": step / 100, "eval_loss": 1.5 / (1 + step / 100), "step": step})
    return entries
