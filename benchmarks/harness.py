"""What every benchmark measures with: clocks, statistics, results, a keep-alive client."""

from __future__ import annotations

import http.client
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

HOST = "127.0.0.1"
#: Seconds one HTTP request of a benchmark may take before it counts as failed.
REQUEST_TIMEOUT_S = 120.0
MB = 1024 * 1024


class BenchError(Exception):
    """A benchmark could not run: a server did not start, or answered wrongly."""


# -- clocks and statistics ---------------------------------------------------------


class Deadline:
    """A time limit for a loop: `passed()` once `seconds` have gone by."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.perf_counter() + seconds

    def passed(self) -> bool:
        return time.perf_counter() >= self.end

    def left(self) -> float:
        return max(0.0, self.end - time.perf_counter())


def median(values: Sequence[float]) -> float:
    if not values:
        raise BenchError("no measurement was taken")
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    if not values:
        raise BenchError("no measurement was taken")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return float(ordered[rank])


def say(text: str = "") -> None:
    """A line of progress, flushed at once so that `make bench` shows it as it happens."""
    print(text, flush=True)


# -- results -----------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One row of the summary: lowtide's figure, the peer's, their ratio and the target."""

    benchmark: str
    figure: str
    peer: str
    ratio: str
    target: str
    passed: bool | None  # None: shown for information, no target

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "FAIL", None: "info"}[self.passed]


def format_rate(points_per_s: float) -> str:
    return f"{points_per_s:,.0f} pts/s"


def format_ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def format_us(seconds: float) -> str:
    return f"{seconds * 1e6:,.2f} µs"


def format_mb(n_bytes: float) -> str:
    return f"{n_bytes / MB:,.1f} MB"


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    """A plain-text table, columns as wide as their widest cell."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)


# -- HTTP ----------------------------------------------------------------------------


class Client:
    """Keep-alive HTTP/1.1 on the standard library, as the lowtide SDK speaks it."""

    def __init__(self, port: int, timeout_s: float = REQUEST_TIMEOUT_S) -> None:
        self.port = port
        self._timeout = timeout_s
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        # One retry on a fresh connection: the server closes keep-alive connections left idle.
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(HOST, self.port, timeout=self._timeout)
            try:
                self._conn.request(method, path, body=body, headers=headers)
                response = self._conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def call(self, method: str, path: str, payload: Any = None) -> Any:
        """Send JSON (or nothing), expect a 2xx answer, return its decoded JSON body."""
        body = None if payload is None else json.dumps(payload).encode()
        status, answer = self.request(method, path, body)
        return checked_json(status, answer, f"{method} {path}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def checked_json(status: int, answer: bytes, what: str) -> Any:
    if not 200 <= status < 300:
        raise BenchError(f"{what} answered {status}: {answer[:300].decode(errors='replace')}")
    return json.loads(answer) if answer else None
