"""TFRecord framing: CRC-32C, whole records, a record still being written, damage."""

from __future__ import annotations

import io

from tensorboard.summary.writer.record_writer import RecordWriter

from lowtide.ingest.tfrecord import OVERHEAD_BYTES, Stop, crc32c, frame, masked_crc32c, scan


def test_crc32c_matches_the_standard_check_values() -> None:
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert masked_crc32c(b"") == 0xA282EAD8


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
