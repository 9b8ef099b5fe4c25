"""What every reader shares: steps passed once per key, one time per step, growing files."""

from __future__ import annotations

from pathlib import Path

from lowtide.ingest.tail import GrowingFile, Record, StepClock, StepFilter


def test_step_filter_passes_each_keys_steps_once() -> None:
    steps = StepFilter({"loss": 4})
    assert steps.new(Record(4, None, {"loss": 1.0})) is None
    assert steps.new(Record(5, None, {"loss": 0.5, "acc": 0.1})) == Record(
        5, None, {"loss": 0.5, "acc": 0.1}
    )
    assert steps.new(Record(5, 9.0, {"loss": 0.4, "val": 0.2})) == Record(5, 9.0, {"val": 0.2})
    assert steps.new(Record(3, None, {"acc": 0.0})) is None
    assert steps.last_steps == {"loss": 5, "acc": 5, "val": 5}


def test_step_clock_gives_a_step_the_time_of_its_first_record() -> None:
    clock = StepClock()
    assert [clock.time(s, t) for s, t in [(1, 10.0), (1, 10.001), (2, 11.0), (2, 11.5)]] == [
        10.0,
        10.0,
        11.0,
        11.0,
    ]


def test_growing_file_offsets_and_resets(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    grown = GrowingFile(path)
    assert grown.read() == (b"abc", False)
    grown.consume(2)
    assert grown.read() == (b"", False)  # unchanged: not read again
    assert grown.read(again=True) == (b"c", False)
    with path.open("ab") as handle:
        handle.write(b"de")
    assert grown.read() == (b"cde", False)
    grown.consume(3)
    path.write_bytes(b"xbcdef")  # same length or longer, different start: rewritten
    assert grown.read() == (b"xbcdef", True)
    path.unlink()
    assert grown.read() == (b"", False)
    assert grown.gone
