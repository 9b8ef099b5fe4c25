"""The hot path of the store: appending batches of points into chunks, and reading them back.

Ingestion runs a handful of plain SQL statements per batch, whatever its number
of keys, through `exec_driver_sql`: no statement is built or compiled per call.
The statements are written once per dialect (`PointSql`), with `:name`
placeholders turned into the driver's own style, so the same text serves
SQLite and PostgreSQL (psycopg).

Where each key of a run stands (its point count and the chunk still open for
its next points) is remembered in memory (`Heads`) and checked against the
`run_keys` row, which each batch reads anyway to lock it: another writer
(another process, another PostgreSQL connection) moves the count, and the
remembered state is then read again from the database.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from lowtide.core.batch import SeriesPoints

#: An open chunk smaller than this takes the next points of its key instead of a new row,
#: so that many small batches still read back as few rows.
CHUNK_TARGET_POINTS = 1024
#: A chunk never grows past this many points by merging.
CHUNK_MAX_POINTS = 8192
#: Keys looked up per statement: well under SQLite's limit of bound parameters.
KEYS_PER_STATEMENT = 500
#: (run, key) states remembered; past this, the least recently used are forgotten.
MAX_HEADS = 100_000

STEP_DTYPE = np.dtype("<i8")
FLOAT_DTYPE = np.dtype("<f8")

_PLACEHOLDER = re.compile(r":(\w+)")

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A thread-safe mapping that forgets its least recently used entries past `size`."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.pop(key, None)
            if value is not None:
                self._data[key] = value
            return value

    def update(self, items: Iterable[tuple[K, V]]) -> None:
        with self._lock:
            for key, value in items:
                self._data.pop(key, None)
                self._data[key] = value
            while len(self._data) > self._size:
                del self._data[next(iter(self._data))]

    def discard(self, keys: Iterable[K]) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)

    def __len__(self) -> int:
        return len(self._data)


@dataclass(frozen=True, slots=True)
class Head:
    """Where one key of one run stands: its number of points and the chunk still open."""

    n_points: int
    chunk_id: int | None
    chunk_points: int = 0
    first_step: int = 0
    last_step: int = 0


Heads = Lru[tuple[int, int], Head]


def driver_sql(sql: str, paramstyle: str) -> str:
    """`sql` with its `:name` placeholders in the style the DB-API driver takes.

    `exec_driver_sql` hands the text to the driver as it is: sqlite3 takes
    `:name`, psycopg `%(name)s`.
    """
    if paramstyle in ("format", "pyformat"):
        return _PLACEHOLDER.sub(r"%(\1)s", sql)
    return sql


@dataclass(frozen=True)
class PointSql:
    """The statements of the hot path, in one dialect's words and placeholders."""

    paramstyle: str
    insert_batch: str
    insert_run_key: str
    chunk_head: str
    insert_chunk: str
    extend_chunk: str
    update_run_key: str
    touch_run: str
    read_chunks: str
    lock_suffix: str

    @classmethod
    def for_dialect(cls, is_sqlite: bool, paramstyle: str) -> PointSql:
        # SQLite concatenates BLOBs as text; CAST gives the same bytes back as a BLOB.
        concat = 'CAST("{0}" || :{0} AS BLOB)' if is_sqlite else '"{0}" || :{0}'
        extend = ", ".join(f'"{c}" = {concat.format(c)}' for c in ("steps", "wall_times", "values"))
        sql = {
            "insert_batch": (
                "INSERT INTO batches (run_id, batch_id, n_points, received_at) "
                "VALUES (:run_id, :batch_id, :n_points, :received_at) "
                "ON CONFLICT DO NOTHING RETURNING batch_id"
            ),
            "insert_run_key": (
                "INSERT INTO run_keys (run_id, key_id, n_points, last_step, last_wall_time, "
                "last_value, open_chunk_id) VALUES (:run_id, :key_id, 0, 0, 0.0, NULL, NULL) "
                "ON CONFLICT DO NOTHING"
            ),
            "chunk_head": (
                "SELECT n_points, first_step, last_step FROM point_chunks WHERE id = :id"
            ),
            "insert_chunk": (
                "INSERT INTO point_chunks (run_id, key_id, first_step, last_step, n_points, "
                'steps, wall_times, "values") VALUES (:run_id, :key_id, :first_step, '
                ":last_step, :n_points, :steps, :wall_times, :values) RETURNING id"
            ),
            "extend_chunk": (
                "UPDATE point_chunks SET n_points = :n_points, first_step = :first_step, "
                f"last_step = :last_step, {extend} WHERE id = :id"
            ),
            "update_run_key": (
                "UPDATE run_keys SET n_points = :n_points, last_step = :last_step, "
                "last_wall_time = :last_wall_time, last_value = :last_value, "
                "open_chunk_id = :open_chunk_id WHERE run_id = :run_id AND key_id = :key_id"
            ),
            "touch_run": (
                "UPDATE runs SET last_seen_at = :now WHERE id = :run_id AND last_seen_at < :now"
            ),
            "read_chunks": (
                'SELECT steps, wall_times, "values" FROM point_chunks '
                "WHERE run_id = :run_id AND key_id = :key_id{range} ORDER BY id"
            ),
        }
        return cls(
            paramstyle=paramstyle,
            lock_suffix="" if is_sqlite else " FOR UPDATE",
            **{name: driver_sql(text, paramstyle) for name, text in sql.items()},
        )

    def run_key_heads(self, n_keys: int) -> str:
        """Count and open chunk of `n_keys` keys of a run, locked for this transaction."""
        marks = ", ".join(f":k{i}" for i in range(n_keys))
        return driver_sql(
            "SELECT key_id, n_points, open_chunk_id FROM run_keys "
            f"WHERE run_id = :run_id AND key_id IN ({marks}) ORDER BY key_id{self.lock_suffix}",
            self.paramstyle,
        )

    def chunks_in_range(self, start: bool, end: bool) -> str:
        where = (" AND last_step >= :start" if start else "") + (
            " AND first_step <= :end" if end else ""
        )
        return self.read_chunks.replace("{range}", driver_sql(where, self.paramstyle))


def append(
    conn: Connection,
    sql: PointSql,
    heads: Heads,
    run_id: int,
    series: Sequence[tuple[int, SeriesPoints]],
) -> list[tuple[tuple[int, int], Head]]:
    """Append each key's points to its open chunk or a new one, and move its `run_keys` row.

    `series` holds one entry per key id. Returns the keys' new heads, to be
    remembered once the transaction has committed (never before: a rolled-back
    head would not match the database).
    """
    rows = _locked_rows(conn, sql, run_id, [key_id for key_id, _ in series])
    missing = [key_id for key_id, _ in series if key_id not in rows]
    if missing:
        conn.exec_driver_sql(sql.insert_run_key, [{"run_id": run_id, "key_id": k} for k in missing])
        rows.update(_locked_rows(conn, sql, run_id, missing))
    extended: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    out: list[tuple[tuple[int, int], Head]] = []
    for key_id, s in series:
        n_stored, open_id = rows[key_id]
        head = heads.get((run_id, key_id))
        if head is None or head.n_points != n_stored or head.chunk_id != open_id:
            head = _read_head(conn, sql, n_stored, open_id)
        n = len(s)
        first, last = int(s.steps.min()), int(s.steps.max())
        blobs = {
            "steps": s.steps.astype(STEP_DTYPE, copy=False).tobytes(),
            "wall_times": s.wall_times.astype(FLOAT_DTYPE, copy=False).tobytes(),
            "values": s.values.astype(FLOAT_DTYPE, copy=False).tobytes(),
        }
        if head.chunk_id is not None and head.chunk_points + n <= CHUNK_MAX_POINTS:
            chunk_id = head.chunk_id
            size = head.chunk_points + n
            first, last = min(first, head.first_step), max(last, head.last_step)
            extended.append(
                {"id": chunk_id, "n_points": size, "first_step": first, "last_step": last} | blobs
            )
        else:
            size = n
            chunk_id = int(
                conn.exec_driver_sql(
                    sql.insert_chunk,
                    {"run_id": run_id, "key_id": key_id, "first_step": first}
                    | {"last_step": last, "n_points": n}
                    | blobs,
                ).scalar_one()
            )
        still_open = size < CHUNK_TARGET_POINTS
        last_value = float(s.values[-1])
        moved.append(
            {
                "run_id": run_id,
                "key_id": key_id,
                "n_points": n_stored + n,
                "last_step": int(s.steps[-1]),
                "last_wall_time": float(s.wall_times[-1]),
                "last_value": last_value if last_value == last_value else None,
                "open_chunk_id": chunk_id if still_open else None,
            }
        )
        out.append(
            (
                (run_id, key_id),
                Head(n_stored + n, chunk_id, size, first, last)
                if still_open
                else Head(n_stored + n, None),
            )
        )
    if extended:
        conn.exec_driver_sql(sql.extend_chunk, extended)
    conn.exec_driver_sql(sql.update_run_key, moved)
    return out


def _locked_rows(
    conn: Connection, sql: PointSql, run_id: int, key_ids: Sequence[int]
) -> dict[int, tuple[int, int | None]]:
    """Per key id with a `run_keys` row: its count and open chunk (rows locked on PostgreSQL)."""
    out: dict[int, tuple[int, int | None]] = {}
    for i in range(0, len(key_ids), KEYS_PER_STATEMENT):
        part = key_ids[i : i + KEYS_PER_STATEMENT]
        params: dict[str, Any] = {f"k{j}": k for j, k in enumerate(part)}
        params["run_id"] = run_id
        for key_id, n, open_id in conn.exec_driver_sql(sql.run_key_heads(len(part)), params):
            out[int(key_id)] = (int(n), None if open_id is None else int(open_id))
    return out


def _read_head(conn: Connection, sql: PointSql, n_stored: int, open_id: int | None) -> Head:
    if open_id is None:
        return Head(n_stored, None)
    row = conn.exec_driver_sql(sql.chunk_head, {"id": open_id}).first()
    if row is None:
        return Head(n_stored, None)
    return Head(n_stored, open_id, int(row[0]), int(row[1]), int(row[2]))


def merge_same_keys(series: Sequence[SeriesPoints]) -> list[SeriesPoints]:
    """One entry per key, points of a key that came twice joined in their order."""
    by_key: dict[str, list[SeriesPoints]] = {}
    for s in series:
        by_key.setdefault(s.key, []).append(s)
    if len(by_key) == len(series):
        return list(series)
    return [
        parts[0]
        if len(parts) == 1
        else SeriesPoints(
            key,
            np.concatenate([p.steps for p in parts]),
            np.concatenate([p.wall_times for p in parts]),
            np.concatenate([p.values for p in parts]),
        )
        for key, parts in by_key.items()
    ]


def read_chunks(
    conn: Connection,
    sql: PointSql,
    run_id: int,
    key_id: int,
    start: int | None,
    end: int | None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64], int]:
    """Steps, wall times and values of a key's chunks in the order they were written,
    and the number of chunks."""
    params: dict[str, Any] = {"run_id": run_id, "key_id": key_id}
    if start is not None:
        params["start"] = start
    if end is not None:
        params["end"] = end
    rows = conn.exec_driver_sql(
        sql.chunks_in_range(start is not None, end is not None), params
    ).all()
    # One copy from the blobs into each array (joining the bytes first would be two).
    steps = _concat([r[0] for r in rows], STEP_DTYPE)
    times = _concat([r[1] for r in rows], FLOAT_DTYPE)
    values = _concat([r[2] for r in rows], FLOAT_DTYPE)
    return steps, times, values, len(rows)


def _concat(blobs: list[bytes], dtype: np.dtype[Any]) -> npt.NDArray[Any]:
    if not blobs:
        return np.empty(0, dtype=dtype)
    return np.concatenate([np.frombuffer(b, dtype=dtype) for b in blobs])
