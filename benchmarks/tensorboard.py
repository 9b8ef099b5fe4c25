"""Reading TensorBoard event files: lowtide's reader vs TensorBoard's own `EventAccumulator`.

One event file of SCALARS scalars, written as PyTorch's SummaryWriter writes
them: one `Event` per scalar, a `simple_value` under one of four tags. The
events are serialized by TensorBoard's protobuf classes and framed by its
`RecordWriter`, so lowtide reads a file it did not write. lowtide reads the
whole file with `EventFileTail` (CRCs checked) ROUNDS times, the figure is the
best; `EventAccumulator` (scalars kept in full, size_guidance 0) reads it once,
as it takes seconds. Each is timed to its own output (lowtide's records,
EventAccumulator's `ScalarEvent` lists); both must then hold every scalar,
with the same steps and values.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.harness import BenchError, Result, format_rate, say
from benchmarks.servers import Context

#: Scalars in the file, and the tags they cycle through (one scalar per event).
SCALARS = 1_000_000
TAGS = ("train/loss", "train/acc", "lr", "grad_norm")
#: lowtide reads the file this many times; the figure is the fastest.
ROUNDS = 3
#: The issue's target: lowtide at least 5x TensorBoard's own reader.
TARGET_VS_TENSORBOARD = 5.0
#: Wall-clock start of the synthetic run, and seconds between two steps.
T0, STEP_S = 1_700_000_000.0, 0.01


def run(ctx: Context) -> list[Result]:
    from tensorboard.backend.event_processing import event_accumulator

    from lowtide.ingest.tail import Record
    from lowtide.ingest.tensorboard import EventFileTail
    from lowtide.ingest.tfrecord import CRC32C_IMPLEMENTATION

    path = ctx.workdir("tensorboard") / "events.out.tfevents.1700000000.bench"
    t0 = time.perf_counter()
    _write(path)
    say(
        f"tensorboard: {SCALARS:,} scalars, one per event, written by TensorBoard's writer "
        f"({path.stat().st_size / 1e6:,.1f} MB in {time.perf_counter() - t0:.0f} s); "
        f"CRC-32C by {CRC32C_IMPLEMENTATION}"
    )
    walls = []
    records: list[Record] = []
    for _ in range(ROUNDS):
        w0 = time.perf_counter()
        records = EventFileTail(path).read(final=True)
        walls.append(time.perf_counter() - w0)
    best = min(walls)
    rate = SCALARS / best
    say(f"  lowtide EventFileTail: best {best:.2f} s of {ROUNDS}, {format_rate(rate)}")
    w0 = time.perf_counter()
    accumulator = event_accumulator.EventAccumulator(
        str(path), size_guidance={event_accumulator.SCALARS: 0}
    )
    accumulator.Reload()
    events = {tag: accumulator.Scalars(tag) for tag in TAGS}
    peer_s = time.perf_counter() - w0
    peer_rate = SCALARS / peer_s
    say(f"  TensorBoard EventAccumulator: {peer_s:.2f} s, {format_rate(peer_rate)}")
    mine: dict[str, list[tuple[int, float]]] = {tag: [] for tag in TAGS}
    for record in records:
        for tag, value in record.values.items():
            mine[tag].append((record.step, value))
    theirs = {tag: [(e.step, e.value) for e in found] for tag, found in events.items()}
    _check_same(mine, theirs)
    ratio = rate / peer_rate
    return [
        Result(
            f"read {SCALARS:,} TensorBoard scalars",
            format_rate(rate),
            f"EventAccumulator {format_rate(peer_rate)}",
            f"{ratio:.1f}x faster",
            f">= {TARGET_VS_TENSORBOARD:.0f}x",
            ratio >= TARGET_VS_TENSORBOARD,
        )
    ]


def _write(path: Path) -> None:
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.record_writer import RecordWriter

    with path.open("wb") as handle:
        writer = RecordWriter(handle)
        writer.write(Event(wall_time=T0, file_version="brain.Event:2").SerializeToString())
        for i in range(SCALARS):
            step, tag = divmod(i, len(TAGS))
            summary = Summary(value=[Summary.Value(tag=TAGS[tag], simple_value=_value(i))])
            event = Event(wall_time=T0 + step * STEP_S, step=step, summary=summary)
            writer.write(event.SerializeToString())
        writer.flush()


def _value(i: int) -> float:
    return (i % 1000) / 8.0  # exact in float32, so both readers give the same number


def _check_same(
    mine: dict[str, list[tuple[int, float]]], theirs: dict[str, list[tuple[int, float]]]
) -> None:
    found = sum(len(v) for v in mine.values())
    if found != SCALARS:
        raise BenchError(f"lowtide read {found:,} scalars of {SCALARS:,}")
    if mine != theirs:
        raise BenchError("lowtide and EventAccumulator read different scalars")
