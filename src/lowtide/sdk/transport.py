"""How the SDK reaches the server: a one-method Protocol and its HTTP implementation."""

from __future__ import annotations

import http.client
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Protocol

from lowtide.errors import ConfigError, RejectedError, TransportError
from lowtide.sdk.ops import Op, op_body, op_path

try:  # a server dependency: most SDK installs have it, and batches encode ~5x faster with it
    import orjson
except ImportError:  # pragma: no cover - the SDK alone needs only the standard library
    orjson: Any = None  # type: ignore[no-redef]

#: 4xx answers that are worth retrying (timeouts, rate limits).
RETRYABLE_CLIENT_STATUSES = frozenset({408, 425, 429})


class Transport(Protocol):
    """Deliver one operation. Raise TransportError to retry later, RejectedError to give up."""

    def send(self, op: Op) -> None: ...


class HTTPTransport:
    """Keep-alive HTTP/1.1 to the lowtide server, standard library only."""

    def __init__(self, url: str, timeout_s: float) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(f"LOWTIDE_URL={url!r} is not an http(s) URL")
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 80)
        self._prefix = parsed.path.rstrip("/")
        self._timeout = timeout_s
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def send(self, op: Op) -> None:
        body = encode_body(op)
        path = self._prefix + op_path(op)
        with self._lock:
            status, answer = self._post(path, body)
        if 200 <= status < 300:
            return
        message = _error_message(answer) or f"HTTP {status}"
        if 400 <= status < 500 and status not in RETRYABLE_CLIENT_STATUSES:
            raise RejectedError(f"the server refused {op['op']}: {message}", status)
        raise TransportError(f"the server failed {op['op']}: {message}")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _post(self, path: str, body: bytes) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        # One retry on a fresh connection: the server may have closed an idle keep-alive one.
        for attempt in (0, 1):
            conn = self._conn or self._connect()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._conn = None
                if attempt == 1 or isinstance(exc, TimeoutError | ConnectionRefusedError):
                    raise TransportError(
                        f"cannot reach the lowtide server at {self._host}:{self._port}: {exc}"
                    ) from exc
        raise AssertionError("unreachable")

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn


#: Seconds to wait for a server's health answer before taking it for absent.
PROBE_TIMEOUT_S = 2.0


def encode_body(op: Op) -> bytes:
    """An operation's body as compact JSON.

    A batch of points holds only numbers, strings and lists (non-finite values
    are already strings), which orjson writes as the standard library would.
    Other bodies carry a user's config, so they keep the standard library's
    handling of odd keys and values.
    """
    body = op_body(op)
    if orjson is not None and op["op"] == "log":
        try:
            return orjson.dumps(body)
        except TypeError:
            pass
    return json.dumps(body, separators=(",", ":")).encode()


def server_answers(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """True when a lowtide server answers at `url`."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/api/v1/health", timeout=timeout_s) as a:
            return bool(a.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _error_message(answer: bytes) -> str:
    try:
        error = json.loads(answer)["error"]
        return f"{error['message']} ({error.get('field') or error['code']})"
    except (ValueError, KeyError, TypeError):
        return answer[:200].decode(errors="replace")
