"""TFRecord framing: CRC-32C, whole records, a record still being written, damage."""

from __future__ import annotations

import io

import pytest
from tensorboard.summary.writer.record_writer import RecordWriter

from lowtide.ingest.tfrecord import (
    CRC32C_IMPLEMENTATION,
    OVERHEAD_BYTES,
    Stop,
    _python_crc32c,
    crc32c,
    frame,
    masked_crc32c,
    scan,
    spans,
)


def test_crc32c_matches_the_standard_check_values() -> None:
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert masked_crc32c(b"") == 0xA282EAD8


@pytest.mark.parametrize("data", [b"", b"123456789", bytes(32), bytes(range(256)) * 3])
def test_the_pure_python_fallback_agrees_with_the_c_crc(data: bytes) -> None:
    assert CRC32C_IMPLEMENTATION == "google-crc32c"  # the dependency, in C
    assert _python_crc32c(data) == crc32c(data)


def test_frames_are_those_of_tensorboards_writer() -> None:
    out = io.BytesIO()
    RecordWriter(out).write(b"hello event")
    assert frame(b"hello event") == out.getvalue()


def test_scan_splits_whole_records_and_waits_for_a_partial_one() -> None:
    data = frame(b"one") + frame(b"two") + frame(b"three")
    result = scan(data)
    assert [r.data for r in result.records] == [b"one", b"two", b"three"]
    assert all(r.intact() for r in result.records)
    assert (result.consumed, result.stop) == (len(data), Stop.END)
    for cut in range(1, len(frame(b"three"))):
        partial = scan(data[: len(data) - cut])
        assert [r.data for r in partial.records] == [b"one", b"two"]
        assert partial.stop is Stop.PARTIAL
        assert partial.consumed == len(frame(b"one") + frame(b"two"))
        header_there = len(frame(b"three")) - cut >= 12
        assert partial.pending == OVERHEAD_BYTES + (len(b"three") if header_there else 0)


def test_a_damaged_length_stops_and_damaged_data_is_flagged() -> None:
    good = frame(b"abc")
    bad_length = bytearray(frame(b"xyz"))
    bad_length[0] ^= 1
    result = scan(good + bytes(bad_length))
    assert [r.data for r in result.records] == [b"abc"]
    assert result.stop is Stop.CORRUPT
    bad_data = bytearray(frame(b"xyz"))
    bad_data[OVERHEAD_BYTES - 4] ^= 1
    [record] = scan(bytes(bad_data)).records
    assert not record.intact()


def test_spans_point_into_the_buffer_and_name_damaged_records() -> None:
    records = [frame(b"a" * 3), frame(b"b" * 50), frame(b"c" * 5)]
    damaged = bytearray(records[0])
    damaged[OVERHEAD_BYTES - 4] ^= 1  # a byte of the data
    buffer = bytes(damaged) + records[1] + records[2] + records[0][:5]
    result = spans(buffer, limit=10)
    assert [buffer[a:b] for a, b in result.spans] == [b"c" * 5]
    assert result.damaged == [0]
    assert result.skipped == 1  # the record longer than the limit, unchecked
    assert (result.stop, result.consumed) == (Stop.PARTIAL, len(buffer) - 5)
