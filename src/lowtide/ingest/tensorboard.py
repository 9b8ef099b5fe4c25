"""TensorBoard event files: their scalars, without TensorFlow or the protobuf package.

An event file is a TFRecord file of `Event` messages. The few fields read here
are decoded from the protobuf wire format by hand:

    Event         wall_time = 1 (double), step = 2 (int64), summary = 5
    Summary       value = 1 (repeated)
    Value         tag = 1, simple_value = 2 (float), tensor = 8, metadata = 9
    Metadata      plugin_data = 1 -> plugin_name = 1
    TensorProto   dtype = 1, tensor_shape = 2, tensor_content = 4, float_val = 5,
                  double_val = 6, int_val = 7, int64_val = 10, bool_val = 11,
                  half_val = 13, uint32_val = 16, uint64_val = 17

PyTorch's SummaryWriter writes `simple_value`; TF2's `tf.summary.scalar` (and
Keras' TensorBoard callback) writes a rank-0 `tensor` under the "scalars"
plugin. Tensors of other plugins (histograms, text, hparams) are skipped.
"""

from __future__ import annotations

import logging
import math
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

from lowtide.ingest.tail import AppendedFileTail, Record
from lowtide.ingest.tfrecord import HEADER_BYTES, Stop, spans

log = logging.getLogger(__name__)

#: What every event file's name contains (`events.out.tfevents.<time>.<host>...`).
EVENT_FILE_MARK = "tfevents"
#: Subfolders in which Keras' TensorBoard callback writes the parts of one run;
#: their name becomes a prefix of the tags ("validation/epoch_loss").
SPLIT_FOLDERS = frozenset({"train", "validation", "val", "eval", "test"})
#: A record longer than this holds an image, a histogram or a graph, never just
#: scalars: it is skipped without being read or checked.
MAX_SCALAR_RECORD_BYTES = 1024 * 1024
#: The plugin whose tensors are scalars.
SCALARS_PLUGIN = "scalars"

_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")

# TensorProto dtypes that hold numbers, with the struct format of `tensor_content`
# and the typed field their values travel in otherwise.
_DT_HALF, _DT_BFLOAT16 = 19, 14
_DTYPES: dict[int, tuple[str, int]] = {
    1: ("f", 5),  # DT_FLOAT: float_val
    2: ("d", 6),  # DT_DOUBLE: double_val
    3: ("i", 7),  # DT_INT32: int_val
    4: ("B", 7),  # DT_UINT8
    5: ("h", 7),  # DT_INT16
    6: ("b", 7),  # DT_INT8
    9: ("q", 10),  # DT_INT64: int64_val
    10: ("?", 11),  # DT_BOOL: bool_val
    14: ("H", 13),  # DT_BFLOAT16: half_val holds the bits
    17: ("H", 7),  # DT_UINT16
    19: ("e", 13),  # DT_HALF: half_val holds the bits
    22: ("I", 16),  # DT_UINT32: uint32_val
    23: ("Q", 17),  # DT_UINT64: uint64_val
}
_VARINT_FIELDS = frozenset({7, 10, 11, 13, 16, 17})


class DecodeError(ValueError):
    """Bytes that are not the protobuf they should be."""


def is_event_file(path: Path) -> bool:
    """True for a file named like a TensorBoard event file."""
    return EVENT_FILE_MARK in path.name and not path.name.endswith((".tmp", ".lock"))


def run_folder(folder: Path) -> Path:
    """The run a folder of event files belongs to: its parent for Keras' split folders."""
    if folder.name in SPLIT_FOLDERS and folder.parent != folder:
        return folder.parent
    return folder


def event_files(folder: Path) -> list[tuple[Path, str]]:
    """A run's event files in reading order, each with the prefix of its tags."""
    found: list[tuple[Path, str]] = []
    try:
        entries = sorted(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        if is_event_file(entry) and entry.is_file():
            found.append((entry, ""))
    for entry in entries:
        if entry.name in SPLIT_FOLDERS and entry.is_dir():
            try:
                inner = sorted(entry.iterdir())
            except FileNotFoundError:
                continue
            found.extend((f, f"{entry.name}/") for f in inner if is_event_file(f) and f.is_file())
    return found


class EventFileTail(AppendedFileTail):
    """One event file, read a record at a time as the writer appends them."""

    def __init__(self, path: Path, prefix: str = "") -> None:
        super().__init__(path)
        self.prefix = prefix
        self._plugins: dict[str, str] = {}
        self._tags: dict[bytes, str] = {}

    def read(self, final: bool = False) -> list[Record]:
        records: list[Record] = []
        while True:
            data, reset = self._file.read()
            if reset:
                self._plugins.clear()
            if not data:
                break
            base = self._file.offset
            result = spans(data, MAX_SCALAR_RECORD_BYTES)
            if result.damaged:
                self._warn(
                    "crc",
                    f"the record at byte {base + result.damaged[0]} does not match its CRC "
                    f"(damaged records in this read: {len(result.damaged)}); skipped",
                )
            self._decode(data, result.spans, base, records)
            self._file.consume(result.consumed)
            offset, size = self._file.offset, self._file.size
            if result.stop is Stop.CORRUPT:
                self._warn(
                    "framing",
                    f"the record at byte {offset} is damaged (length CRC); "
                    "reading stops here until the file changes",
                )
                break
            if result.stop is Stop.PARTIAL and result.pending > MAX_SCALAR_RECORD_BYTES:
                if offset + result.pending <= size:
                    self._file.skip_to(offset + result.pending)
                    continue
                break
            if result.consumed == 0 or offset >= size:
                if final and result.stop is Stop.PARTIAL:
                    log.debug("%s ends in an incomplete record; it was left out", self.path)
                break
        return records

    def _decode(
        self, data: bytes, found: list[tuple[int, int]], base: int, out: list[Record]
    ) -> None:
        plugins, prefix, tags = self._plugins, self.prefix, self._tags
        append = out.append
        for start, end in found:
            try:
                record = _event_at(data, start, end, plugins, prefix, tags)
            except (DecodeError, struct.error, IndexError):
                self._warn(
                    "decode",
                    f"the record at byte {base + start - HEADER_BYTES} "
                    "is not a TensorBoard event; skipped",
                )
                continue
            if record is not None:
                append(record)

    def _warn(self, kind: str, message: str) -> None:
        if self._first_time(kind):
            log.warning("%s: %s", self.path, message)


def decode_event(data: bytes, plugins: dict[str, str], prefix: str = "") -> Record | None:
    """The scalars of one serialized `Event`; None when it holds none.

    `plugins` remembers each tag's plugin, which writers state only the first
    time they write the tag.
    """
    return _event_at(data, 0, len(data), plugins, prefix, {})


#: Tags remembered by their bytes, per file; past this many the memory starts afresh.
MAX_REMEMBERED_TAGS = 10_000


def _tag_name(raw: bytes, prefix: str, tags: dict[bytes, str]) -> str:
    """The key of a tag's values ("" for no tag), remembered for the next event."""
    if len(tags) >= MAX_REMEMBERED_TAGS:
        tags.clear()
    tag = raw.decode("utf-8", errors="replace")
    name = tags[raw] = prefix + tag if tag else ""
    return name


# The keys (field << 3 | wire type) of the fields read on the hot path. `_event_at`
# spells them as literals: a global's look-up costs more than the comparison.
_KEY_WALL_TIME = 1 << 3 | 1  # 0x09
_KEY_STEP = 2 << 3 | 0  # 0x10
_KEY_SUMMARY = 5 << 3 | 2  # 0x2A
_KEY_VALUE = 1 << 3 | 2  # 0x0A
_KEY_TAG = 1 << 3 | 2
_KEY_SIMPLE_VALUE = 2 << 3 | 5  # 0x15
_KEY_NODE_NAME = 7 << 3 | 2
_KEY_TENSOR = 8 << 3 | 2
_KEY_METADATA = 9 << 3 | 2
#: The fewest bytes of a summary value that is a tag and a simple_value (the tag empty).
_SIMPLE_VALUE_MIN_BYTES = 7


def _event_at(
    data: bytes,
    pos: int,
    end: int,
    plugins: dict[str, str],
    prefix: str,
    tags: dict[bytes, str],
    _unpack_double: Callable[[bytes, int], tuple[float]] = _DOUBLE.unpack_from,
    _unpack_float: Callable[[bytes, int], tuple[float]] = _FLOAT.unpack_from,
) -> Record | None:
    """`decode_event` of data[pos:end], without copying it: the hot path of reading.

    Varints of one byte (keys, lengths) are read inline, and a summary value
    that is just a tag and a `simple_value` (PyTorch's, a million times over)
    is read without a call.
    """
    wall_time = math.nan
    step = 0
    values: dict[str, float] = {}
    while pos < end:
        key = data[pos]
        pos += 1
        if key & 0x80:
            key, pos = _varint(data, pos - 1)
        if key == 0x09:  # wall_time
            wall_time = _unpack_double(data, pos)[0]
            pos += 8
        elif key == 0x10:  # step: up to three bytes (2 ** 21) inline
            step = data[pos]
            pos += 1
            if step & 0x80:
                byte = data[pos]
                step = (step & 0x7F) | (byte & 0x7F) << 7
                pos += 1
                if byte & 0x80:
                    byte = data[pos]
                    if byte & 0x80:
                        step, pos = _varint(data, pos - 2)
                        if step >= 1 << 63:
                            step -= 1 << 64
                    else:
                        step |= byte << 14
                        pos += 1
        elif key == 0x2A:  # summary
            stop = data[pos]
            pos += 1
            if stop & 0x80:
                stop, pos = _varint(data, pos - 1)
            stop += pos
            if stop > end:
                raise DecodeError("a summary runs past the end of its event")
            while pos < stop:
                key = data[pos]
                pos += 1
                if key & 0x80:
                    key, pos = _varint(data, pos - 1)
                if key != 0x0A:  # not a value
                    pos = _skip(data, pos, key & 7, stop)
                    continue
                length = data[pos]
                pos += 1
                if length & 0x80:
                    length, pos = _varint(data, pos - 1)
                value_end = pos + length
                if value_end > stop:
                    raise DecodeError("a value runs past the end of its summary")
                # The common shape: tag (0x0A, a short length), then simple_value (0x15).
                if length >= _SIMPLE_VALUE_MIN_BYTES and data[pos] == 0x0A and data[pos + 1] < 0x80:
                    tag_end = pos + 2 + data[pos + 1]
                    if tag_end + 5 == value_end and data[tag_end] == 0x15:
                        raw = data[pos + 2 : tag_end]
                        name = tags.get(raw)
                        if name is None:
                            name = _tag_name(raw, prefix, tags)
                        if name:
                            values[name] = _unpack_float(data, tag_end + 1)[0]
                        pos = value_end
                        continue
                _summary_value(data, pos, value_end, plugins, prefix, values)
                pos = value_end
            if pos > stop:
                raise DecodeError("a field runs past the end of its summary")
        else:
            pos = _skip(data, pos, key & 7, end)
    if pos > end:
        raise DecodeError("a field runs past the end of its event")
    if not values:
        return None
    return Record(step, wall_time if math.isfinite(wall_time) else None, values)


def _summary_value(
    data: bytes, pos: int, end: int, plugins: dict[str, str], prefix: str, out: dict[str, float]
) -> None:
    tag = ""
    simple: float | None = None
    tensor: tuple[int, int] | None = None
    plugin: str | None = None
    while pos < end:
        key = data[pos]
        pos += 1
        if key & 0x80:
            key, pos = _varint(data, pos - 1)
        if key == _KEY_SIMPLE_VALUE:
            (simple,) = _FLOAT.unpack_from(data, pos)
            pos += 4
            continue
        if key & 7 != 2:
            pos = _skip(data, pos, key & 7, end)
            continue
        length, a = _varint(data, pos)
        pos = a + length
        if pos > end:
            raise DecodeError("a field runs past the end of its summary value")
        if key == _KEY_TAG or (key == _KEY_NODE_NAME and not tag):  # tag, or old node_name
            tag = data[a:pos].decode("utf-8", errors="replace")
        elif key == _KEY_TENSOR:
            tensor = (a, pos)
        elif key == _KEY_METADATA:
            plugin = _plugin_name(data, a, pos)
    if pos > end:
        raise DecodeError("a field runs past the end of its summary value")
    if not tag:
        return
    if plugin is not None:
        plugins[tag] = plugin
    if simple is not None:
        out[prefix + tag] = simple
        return
    if tensor is None:
        return
    known = plugins.get(tag)
    if known is not None and known != SCALARS_PLUGIN:
        return
    value = _tensor_scalar(data, *tensor)
    if value is not None:
        out[prefix + tag] = value


def _plugin_name(data: bytes, start: int, end: int) -> str:
    for field, wire, a, b in _fields(data, start, end):
        if field == 1 and wire == 2:
            for pfield, pwire, pa, pb in _fields(data, a, b):
                if pfield == 1 and pwire == 2:
                    return data[pa:pb].decode("utf-8", errors="replace")
    return ""


def _tensor_scalar(data: bytes, start: int, end: int) -> float | None:
    """The value of a numeric tensor with exactly one element; None for anything else."""
    dtype = 0
    elements = 1
    content = b""
    typed: dict[int, list[float]] = {}
    for field, wire, a, b in _fields(data, start, end):
        if field == 1 and wire == 0:
            dtype = a
        elif field == 2 and wire == 2:
            elements = _elements(data, a, b)
        elif field == 4 and wire == 2:
            content = data[a:b]
        elif field in (5, 6) or field in _VARINT_FIELDS:
            typed.setdefault(field, []).extend(_typed_values(data, field, wire, a, b))
    if dtype not in _DTYPES or elements != 1:
        return None
    code, typed_field = _DTYPES[dtype]
    if content:
        if len(content) != struct.calcsize("<" + code):
            return None
        (raw,) = struct.unpack("<" + code, content)
    else:
        found = typed.get(typed_field, [])
        if len(found) != 1:
            return None
        raw = found[0]
        if dtype == _DT_HALF:
            (raw,) = struct.unpack("<e", struct.pack("<H", int(raw) & 0xFFFF))
    if dtype == _DT_BFLOAT16:
        (raw,) = _FLOAT.unpack(struct.pack("<I", (int(raw) & 0xFFFF) << 16))
    return float(raw)


def _elements(data: bytes, start: int, end: int) -> int:
    """Number of elements of a TensorShapeProto (dim = 2 -> size = 1); -1 if unknown."""
    n = 1
    for field, wire, a, b in _fields(data, start, end):
        if field == 2 and wire == 2:
            for dfield, dwire, da, _ in _fields(data, a, b):
                if dfield == 1 and dwire == 0:
                    n *= _signed(da)
        elif field == 3 and wire == 0 and a:
            return -1
    return n


def _typed_values(data: bytes, field: int, wire: int, a: int, b: int) -> list[float]:
    if field == 5:
        if wire == 5:
            return [_FLOAT.unpack_from(data, a)[0]]
        return list(struct.unpack_from(f"<{(b - a) // 4}f", data, a)) if wire == 2 else []
    if field == 6:
        if wire == 1:
            return [_DOUBLE.unpack_from(data, a)[0]]
        return list(struct.unpack_from(f"<{(b - a) // 8}d", data, a)) if wire == 2 else []
    if wire == 0:
        return [float(_signed(a))]
    if wire == 2:
        out: list[float] = []
        pos = a
        while pos < b:
            value, pos = _varint(data, pos)
            out.append(float(_signed(value)))
        return out
    return []


# -- the protobuf wire format -------------------------------------------------------


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise DecodeError("a varint runs past the end")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("a varint is too long")


def _skip(data: bytes, pos: int, wire: int, end: int) -> int:
    """The position after a field of wire type `wire` whose key ended at `pos`."""
    if wire == 0:
        return _varint(data, pos)[1]
    if wire == 1:
        pos += 8
    elif wire == 2:
        length, pos = _varint(data, pos)
        pos += length
    elif wire == 5:
        pos += 4
    else:
        raise DecodeError(f"wire type {wire} is not used by TensorBoard events")
    if pos > end:
        raise DecodeError("a field runs past the end of its message")
    return pos


def _signed(value: int) -> int:
    """An int64 from its varint (negative numbers are sign-extended to 64 bits)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _fields(data: bytes, pos: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, a, b) for each field of the message in data[pos:end].

    For a varint, `a` is its value; for the other wire types data[a:b] holds the field.
    """
    while pos < end:
        key, pos = _varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            yield field, wire, value, 0
            continue
        if wire == 1:
            start, pos = pos, pos + 8
        elif wire == 2:
            length, start = _varint(data, pos)
            pos = start + length
        elif wire == 5:
            start, pos = pos, pos + 4
        else:
            raise DecodeError(f"wire type {wire} is not used by TensorBoard events")
        if pos > end:
            raise DecodeError("a field runs past the end of its message")
        yield field, wire, start, pos
