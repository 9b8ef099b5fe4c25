"""Builders of incidents and notices, and a webhook receiver on loopback, for the notify tests."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lowtide.core.health import Action, Incident, IncidentEvent, RuleId, Severity
from lowtide.notify import EventNotice, RunInfo

RUN = RunInfo("r-123", name="bert-base", project="nlp")


def incident(
    rule: RuleId = RuleId.DIVERGENCE,
    severity: Severity = Severity.PAGE,
    run_id: str = RUN.run_id,
    opened_at: float = 1_000.0,
    **fields: Any,
) -> Incident:
    defaults: dict[str, Any] = {
        "key": "train/loss",
        "step": 1200,
        "wall_time": opened_at,
        "message": "train/loss rose to 2.31 from its best 0.52",
        "evidence": {"level": 2.3114, "best": 0.5213},
        "onset_step": 1100,
        "opened_step": 1200,
    }
    defaults.update(fields)
    return Incident(run_id=run_id, rule=rule, severity=severity, opened_at=opened_at, **defaults)


def event(action: Action = Action.OPENED, message: str | None = None, **kw: Any) -> IncidentEvent:
    inc = incident(**kw)
    return IncidentEvent(action, inc, message if message is not None else inc.message)


def notice(
    action: Action = Action.OPENED,
    run: RunInfo = RUN,
    recent: tuple[float, ...] = (),
    **kw: Any,
) -> EventNotice:
    kw.setdefault("run_id", run.run_id)
    return EventNotice(event(action, **kw), run, recent)


@dataclass
class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records JSON posts and answers as scripted."""

    port: int
    #: Status codes to answer with, in order; 200 once they run out.
    statuses: deque[int] = field(default_factory=deque)
    #: Seconds each request hangs before it is answered (until `release` is set).
    hang_s: float = 0.0
    release: threading.Event = field(default_factory=threading.Event)
    posts: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook", query: str = "") -> str:
        """The Apprise URL of this receiver as a JSON webhook."""
        return f"json://127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")

    def wait_for(self, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.posts) >= n:
                    return list(self.posts)
            time.sleep(0.01)
        with self.lock:
            raise AssertionError(f"expected {n} posts, got {len(self.posts)}: {self.posts}")


def make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.posts.append(json.loads(body))
                receiver.paths.append(self.path)
                status = receiver.statuses.popleft() if receiver.statuses else 200
            if receiver.hang_s:
                receiver.release.wait(receiver.hang_s)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the client gave up waiting (a hanging receiver)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class ReceiverServer(ThreadingHTTPServer):
    """Handler threads are joined on close, so none outlive the test."""

    daemon_threads = False
    block_on_close = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up on a hanging handler is expected
