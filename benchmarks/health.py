"""The health engine: replay speed on the real runs, and how fast a page reaches a webhook.

engine  `lowtide replay` over every run in ../shared/corpora/real-runs, against
        reading the same CSV files alone (the peer): the engine's own points per
        second are the points over the difference of the two times.
alerts  a lowtide server (its own process) with a `json://` webhook on loopback
        in this process; each round posts a batch whose loss turns NaN and times
        until the webhook hears of it. The peer is the batch request's own round
        trip, measured in the same rounds.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    HOST,
    BenchError,
    Client,
    Result,
    format_ms,
    format_rate,
    percentile,
    say,
)
from benchmarks.servers import Context, lowtide_server

#: The real healthy runs (MLPerf, modded-nanogpt) the engine is timed on.
REAL_RUNS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "real-runs" / "runs"
#: The issue's target: points per second per core through the engine.
ENGINE_TARGET = 100_000
#: Rounds of the alert benchmark, one run each; the first warms up and is not counted.
ALERT_ROUNDS = 41
#: Seconds one round may wait for its page.
ALERT_TIMEOUT_S = 10.0
#: The issue's target for the 99th percentile of the alert latency.
ALERT_TARGET_S = 1.0
#: Points before the NaN in each round (the engine needs nothing before a NaN pages).
ALERT_POINTS = 50


def run_engine(_ctx: Context) -> list[Result]:
    from lowtide.ingest.replay import replay_run
    from lowtide.ingest.sources import find_sources

    files = sorted(REAL_RUNS.glob("*.csv"))
    if not files:
        raise BenchError(f"no runs in {REAL_RUNS}")
    say(f"engine: replaying {len(files)} real runs, then reading them alone ...")
    t0 = time.process_time()
    points = sum(replay_run(f).n_points for f in files)
    replay_s = time.process_time() - t0
    t0 = time.process_time()
    read = sum(len(record.values) for src in find_sources(files) for record in src.records())
    read_s = time.process_time() - t0
    if read != points:
        say(f"  ! the engine saw {points:,} points, the reader {read:,}")
    engine_s = max(replay_s - read_s, 1e-9)
    say(
        f"  {points:,} points: replay {replay_s:.2f} s of CPU, reading alone {read_s:.2f} s; "
        f"engine {points / engine_s:,.0f} pts/s, replay with reading {points / replay_s:,.0f} pts/s"
    )
    return [
        Result(
            "engine speed (per core, real runs)",
            format_rate(points / engine_s),
            f"with CSV reading {format_rate(points / replay_s)}",
            f"{replay_s / read_s:.1f}x reading time",
            f">= {format_rate(ENGINE_TARGET)}",
            points / engine_s >= ENGINE_TARGET,
        )
    ]


class _Webhook:
    """Apprise `json://` posts on loopback: the arrival time of each message by its title."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self._lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                at = time.perf_counter()
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with hook._lock:
                    hook.arrived.setdefault(str(body.get("title", "")), at)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"json://{HOST}:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def wait(self, needle: str, timeout_s: float) -> float | None:
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            with self._lock:
                for title, at in self.arrived.items():
                    if needle in title:
                        return at
            time.sleep(0.001)
        return None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_alerts(ctx: Context) -> list[Result]:
    hook = _Webhook()
    try:
        with lowtide_server(ctx.workdir("alerts")) as server, Client(server.port) as client:
            client.call(
                "PUT",
                "/api/v1/notify",
                {"channels": [hook.url], "per_hour": 1_000_000, "burst": 1_000},
            )
            latencies, round_trips = [], []
            say(f"alerts: {ALERT_ROUNDS} runs whose loss turns NaN ...")
            for n in range(ALERT_ROUNDS):
                name = f"alert-{n:03d}"
                run = client.call("POST", "/api/v1/runs", {"project": "bench", "name": name})
                now = time.time()
                steps = list(range(ALERT_POINTS + 1))
                values: list[Any] = [1.0 / (s + 1) for s in range(ALERT_POINTS)] + ["NaN"]
                times = [now - 0.01 * (ALERT_POINTS - s) for s in steps]
                body = {
                    "metrics": {"loss": {"steps": steps, "values": values, "wall_times": times}}
                }
                sent = time.perf_counter()
                client.call("POST", f"/api/v1/runs/{run['id']}/batches", body)
                answered = time.perf_counter()
                arrived = hook.wait(f"{name} (bench): nonfinite", ALERT_TIMEOUT_S)
                if arrived is None:
                    raise BenchError(f"no page for {name} within {ALERT_TIMEOUT_S:.0f} s")
                if n:
                    latencies.append(arrived - sent)
                    round_trips.append(answered - sent)
    finally:
        hook.close()
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    rt99 = percentile(round_trips, 99)
    say(
        f"  page latency p50 {format_ms(p50)}, p99 {format_ms(p99)}; "
        f"the batch request itself p99 {format_ms(rt99)}"
    )
    return [
        Result(
            "alert latency p99 (NaN to webhook)",
            format_ms(p99),
            f"batch request p99 {format_ms(rt99)}",
            f"{p99 / rt99:.0f}x",
            f"<= {format_ms(ALERT_TARGET_S)}",
            p99 <= ALERT_TARGET_S,
        )
    ]
