"""The mlflow client's `log_batch` into lowtide, against `mlflow server` and a do-nothing server.

All three are fed the same batches of 1,000 metrics by `MlflowClient.log_batch`
(see `ingest.ingest_mlflow`). The do-nothing server is a few lines of standard
library HTTP, in a process of its own, that parses each body and drops it: the
ceiling any MLflow-compatible server can reach through MLflow's own client.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from benchmarks.harness import HOST, BenchError, Result, format_rate, median, say
from benchmarks.ingest import POINTS_PER_BATCH, WARMUP_BATCHES, ingest_mlflow, make_batches
from benchmarks.servers import Context, clean_env, free_port, lowtide_server

#: Points per side and round, and rounds (the median is reported).
POINTS = 200_000
ROUNDS = 3
#: The issue's target: lowtide's share of the do-nothing ceiling.
TARGET_SHARE = 0.8
#: Seconds the do-nothing server may take to listen.
START_TIMEOUT_S = 10.0

_RUN = {
    "run_id": "0" * 32,
    "run_uuid": "0" * 32,
    "experiment_id": "1",
    "status": "RUNNING",
    "start_time": 0,
    "lifecycle_stage": "active",
    "artifact_uri": "",
}


class _DoNothing(BaseHTTPRequestHandler):
    """Parses each request body and answers the least the client accepts."""

    protocol_version = "HTTP/1.1"
    # Each answer leaves at once, in one segment (buffered, flushed after each request):
    # no wait on Nagle and delayed ACKs.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        json.loads(body or b"{}")
        path = self.path.split("?")[0]
        answer: dict[str, Any] = {}
        if path.endswith("/experiments/create"):
            answer = {"experiment_id": "1"}
        elif path.endswith("/runs/create"):
            answer = {"run": {"info": _RUN, "data": {}}}
        elif path.endswith("/runs/update"):
            answer = {"run_info": {**_RUN, "status": "FINISHED"}}
        self._send(answer)

    def do_GET(self) -> None:
        self._send({})

    def _send(self, answer: dict[str, Any]) -> None:
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: Any) -> None:
        pass


@contextlib.contextmanager
def do_nothing_server() -> Any:
    """The do-nothing server in a process of its own; its URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.mlflow_client", str(port)],
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    import urllib.request

    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise BenchError("the do-nothing server did not start") from None
            time.sleep(0.05)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def run(ctx: Context) -> list[Result]:
    n = POINTS // POINTS_PER_BATCH + WARMUP_BATCHES
    batches = make_batches(n, seed=2)
    mlflow_url = ctx.mlflow().url
    rates: dict[str, list[float]] = {"lowtide": [], "ceiling": [], "mlflow": []}
    say(f"mlflow client: log_batch of {POINTS_PER_BATCH:,} metrics, {ROUNDS} rounds ...")
    with lowtide_server(ctx.workdir("mlflow-client")) as server, do_nothing_server() as ceiling:
        lowtide_url = f"http://{HOST}:{server.port}"
        for r in range(ROUNDS):
            rates["lowtide"].append(ingest_mlflow(lowtide_url, batches).per_s)
            rates["ceiling"].append(ingest_mlflow(ceiling, batches).per_s)
            rates["mlflow"].append(ingest_mlflow(mlflow_url, batches[: WARMUP_BATCHES + 20]).per_s)
            say(
                f"  round {r + 1}: lowtide {format_rate(rates['lowtide'][-1])}, "
                f"do-nothing {format_rate(rates['ceiling'][-1])}, "
                f"mlflow server {format_rate(rates['mlflow'][-1])}"
            )
    ours, ceil, theirs = (median(rates[k]) for k in ("lowtide", "ceiling", "mlflow"))
    return [
        Result(
            "mlflow client log_batch into lowtide",
            format_rate(ours),
            f"do-nothing {format_rate(ceil)}; mlflow server {format_rate(theirs)}",
            f"{ours / ceil:.0%} of ceiling, {ours / theirs:.1f}x mlflow",
            f">= {TARGET_SHARE:.0%} of ceiling",
            ours >= TARGET_SHARE * ceil,
        )
    ]


if __name__ == "__main__":
    ThreadingHTTPServer((HOST, int(sys.argv[1])), _DoNothing).serve_forever()
