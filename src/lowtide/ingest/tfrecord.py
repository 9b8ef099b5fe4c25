"""TFRecord framing, the container of TensorBoard event files, without TensorFlow.

Each record is

    length        u64, little-endian
    length CRC    u32, masked CRC-32C of the 8 length bytes
    data          `length` bytes
    data CRC      u32, masked CRC-32C of the data

A record cut short at the end of the buffer is not an error: the writer is
still writing it, and it is read at a later look.

The CRCs are computed in C by `google-crc32c` (a dependency), or by the
`crc32c` package; the pure-Python table below is the last resort, some
hundred times slower.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

_HEADER = struct.Struct("<QI")
_FOOTER = struct.Struct("<I")
#: Bytes before a record's data: its length and the length's CRC.
HEADER_BYTES = _HEADER.size
#: Bytes around a record's data: length, its CRC, and the data's CRC.
OVERHEAD_BYTES = _HEADER.size + _FOOTER.size
#: Distinct record lengths whose checked headers one scan remembers.
MAX_REMEMBERED_LENGTHS = 4096
#: The CRC-32C (Castagnoli) polynomial, bit-reversed.
_POLY = 0x82F63B78
#: Added to the rotated CRC so that a CRC of data holding CRCs is not trivially related.
_MASK_DELTA = 0xA282EAD8


def _table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


def _python_crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _fastest_crc32c() -> tuple[Callable[[bytes], int], str]:
    """The fastest CRC-32C that imports, and its name."""
    try:
        import google_crc32c

        if google_crc32c.implementation == "c":
            return google_crc32c.value, "google-crc32c"
    except ImportError:
        pass
    try:
        import crc32c as crc32c_package  # type: ignore[import-not-found, unused-ignore]

        function: Callable[[bytes], int] = crc32c_package.crc32c
        return function, "crc32c"
    except ImportError:
        pass
    return _python_crc32c, "pure Python"


_crc32c, CRC32C_IMPLEMENTATION = _fastest_crc32c()


def crc32c(data: bytes) -> int:
    """CRC-32C of `data`."""
    return _crc32c(data)


def masked_crc32c(data: bytes) -> int:
    """The CRC as TFRecord stores it: rotated right by 15 bits, plus a constant."""
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def frame(data: bytes) -> bytes:
    """`data` as one TFRecord (what a writer appends)."""
    length = struct.pack("<Q", len(data))
    return length + _FOOTER.pack(masked_crc32c(length)) + data + _FOOTER.pack(masked_crc32c(data))


class Stop(Enum):
    """Why a scan stopped before the end of its buffer."""

    END = "end"  # every byte was a whole record
    PARTIAL = "partial"  # the last record is not all there yet
    CORRUPT = "corrupt"  # a length whose CRC does not match: the framing cannot be trusted


@dataclass(frozen=True)
class RawRecord:
    """One record's data and the CRC stored with it (checked only for records in use)."""

    data: bytes
    stored_crc: int

    def intact(self) -> bool:
        return masked_crc32c(self.data) == self.stored_crc


@dataclass(frozen=True)
class Scan:
    """The whole records at the start of a buffer.

    `consumed` bytes hold them; `pending` is the full size of the record that
    stopped a PARTIAL scan, so that a caller can skip one too big to read.
    """

    records: list[RawRecord]
    consumed: int
    stop: Stop
    pending: int = 0


def scan(buffer: bytes) -> Scan:
    """Split `buffer` into records, stopping at a partial or corrupt one."""
    records: list[RawRecord] = []
    pos, end = 0, len(buffer)
    view = memoryview(buffer)
    while pos < end:
        if end - pos < _HEADER.size:
            return Scan(records, pos, Stop.PARTIAL, OVERHEAD_BYTES)
        length, length_crc = _HEADER.unpack_from(buffer, pos)
        if masked_crc32c(buffer[pos : pos + 8]) != length_crc:
            return Scan(records, pos, Stop.CORRUPT)
        total = OVERHEAD_BYTES + length
        if end - pos < total:
            return Scan(records, pos, Stop.PARTIAL, total)
        start = pos + _HEADER.size
        data = bytes(view[start : start + length])
        (data_crc,) = _FOOTER.unpack_from(buffer, start + length)
        records.append(RawRecord(data, data_crc))
        pos += total
    return Scan(records, pos, Stop.END)


@dataclass(frozen=True)
class Spans:
    """Where the intact records at the start of a buffer keep their data.

    `spans` holds (start, end) of each intact record's data, in order;
    `damaged` the buffer offsets of records whose data CRC does not match;
    `skipped` how many records longer than the limit were passed over
    unchecked. `consumed`, `stop` and `pending` are as in `Scan`.
    """

    spans: list[tuple[int, int]]
    consumed: int
    stop: Stop
    pending: int = 0
    damaged: list[int] = field(default_factory=list)
    skipped: int = 0


def spans(buffer: bytes, limit: int) -> Spans:
    """Like `scan`, without copying: the data of intact records no longer than `limit`.

    The hot loop of reading event files: the CRC and the structs are bound to
    locals, and a record costs a few C calls and a tuple. (google-crc32c takes
    bytes only, so the CRCs are of slices: copies of small records.)
    """
    found: list[tuple[int, int]] = []
    damaged: list[int] = []
    skipped = 0
    pos, end = 0, len(buffer)
    unpack_header = _HEADER.unpack_from
    unpack_footer = _FOOTER.unpack_from
    crc = _crc32c
    lengths: dict[bytes, int] = {}
    header, overhead, delta = _HEADER.size, OVERHEAD_BYTES, _MASK_DELTA
    while pos < end:
        if end - pos < header:
            return Spans(found, pos, Stop.PARTIAL, overhead, damaged, skipped)
        # Records of one length share their 12 header bytes: each is checked once.
        length = lengths.get(buffer[pos : pos + header])
        if length is None:
            length, length_crc = unpack_header(buffer, pos)
            c = crc(buffer[pos : pos + 8])
            if (((c >> 15) | (c << 17)) + delta) & 0xFFFFFFFF != length_crc:
                return Spans(found, pos, Stop.CORRUPT, 0, damaged, skipped)
            if len(lengths) < MAX_REMEMBERED_LENGTHS:
                lengths[buffer[pos : pos + header]] = length
        total = overhead + length
        if end - pos < total:
            return Spans(found, pos, Stop.PARTIAL, total, damaged, skipped)
        start = pos + header
        stop = start + length
        if length > limit:
            skipped += 1
        else:
            c = crc(buffer[start:stop])
            if (((c >> 15) | (c << 17)) + delta) & 0xFFFFFFFF == unpack_footer(buffer, stop)[0]:
                found.append((start, stop))
            else:
                damaged.append(pos)
        pos += total
    return Spans(found, pos, Stop.END, 0, damaged, skipped)
