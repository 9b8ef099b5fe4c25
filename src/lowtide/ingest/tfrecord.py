"""TFRecord framing, the container of TensorBoard event files, without TensorFlow.

Each record is

    length        u64, little-endian
    length CRC    u32, masked CRC-32C of the 8 length bytes
    data          `length` bytes
    data CRC      u32, masked CRC-32C of the data

A record cut short at the end of the buffer is not an error: the writer is
still writing it, and it is read at a later look.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import Enum

_HEADER = struct.Struct("<QI")
_FOOTER = struct.Struct("<I")
#: Bytes around a record's data: length, its CRC, and the data's CRC.
OVERHEAD_BYTES = _HEADER.size + _FOOTER.size
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


def crc32c(data: bytes) -> int:
    """CRC-32C of `data` (pure Python: cheap for the small records scalars live in)."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The CRC as TFRecord stores it: rotated right by 15 bits, plus a constant."""
    crc = crc32c(data)
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
        if masked_crc32c(bytes(view[pos : pos + 8])) != length_crc:
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
