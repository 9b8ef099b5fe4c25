"""Makes the small event files checked in beside this script (run it from the repo root).

    python -m tests.ingest.data.make_event_files

pytorch/  PyTorch's SummaryWriter: scalars as `simple_value` (one of them NaN), a
          `new_style` scalar as a tensor, a histogram and a text summary to skip.
tf2/      the TF2 shape, with TensorBoard's protobuf classes and record writer:
          rank-0 tensors under the "scalars" plugin, the plugin stated only the
          first time a tag is written, values in tensor_content, double_val,
          half_val and int64_val, and a histogram tensor and a text tensor to skip.

The files are checked in so that the reader is tested against bytes written by
others even if those writers change.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
from tensorboard.compat.proto import event_pb2, tensor_pb2, tensor_shape_pb2
from tests.ingest.helpers import (
    file_version_event,
    histogram_tensor_event,
    tf2_event,
    write_records,
)

HERE = Path(__file__).parent
TORCH_FILE = HERE / "pytorch" / "events.out.tfevents.1764590000.lowtide.1.0"
TF2_FILE = HERE / "tf2" / "events.out.tfevents.1764590000.lowtide.2.v2"
T0 = 1764590000.0


def make_torch(target: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    with tempfile.TemporaryDirectory() as tmp:
        writer = SummaryWriter(tmp)
        writer.add_histogram("weights", np.arange(10.0), 0, walltime=T0)
        writer.add_text("notes", "a text summary", 0, walltime=T0)
        for step in range(10):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step, walltime=T0 + step)
            writer.add_scalar("lr", 0.1, step, walltime=T0 + step)
        writer.add_scalar("train/loss", math.nan, 10, walltime=T0 + 10)
        writer.add_scalar("val/acc", 0.5, 5, walltime=T0 + 5, new_style=True)
        writer.close()
        [produced] = Path(tmp).glob("events.out.tfevents.*")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(produced, target)


def make_tf2(target: Path) -> None:
    text = tensor_pb2.TensorProto(
        dtype=7, tensor_shape=tensor_shape_pb2.TensorShapeProto(), string_val=[b"hello"]
    )
    text_event = event_pb2.Event(wall_time=T0, step=0)
    text_value = text_event.summary.value.add(tag="notes", tensor=text)
    text_value.metadata.plugin_data.plugin_name = "text"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    write_records(
        target,
        [
            file_version_event(),
            tf2_event(0, {"epoch_loss": 0.5}, wall_time=T0),
            text_event.SerializeToString(),
            tf2_event(1, {"epoch_loss": 0.25}, wall_time=T0 + 1, metadata=False),
            tf2_event(1, {"epoch_lr": 0.001}, wall_time=T0 + 1, dtype="double"),
            histogram_tensor_event(1, "dense/kernel"),
            tf2_event(2, {"epoch_loss": 0.125}, wall_time=T0 + 2, metadata=False),
            tf2_event(3, {"half_metric": 0.5}, wall_time=T0 + 3, dtype="half"),
            tf2_event(3, {"int_metric": 7}, wall_time=T0 + 3, dtype="int64"),
        ],
    )


if __name__ == "__main__":
    make_torch(TORCH_FILE)
    make_tf2(TF2_FILE)
