"""Reading series: 1M points downsampled to 1,000, all of 100k points; vs MLflow's history.

lowtide is fed over HTTP in 1,000-point batches, as the ingest benchmark and
an SDK sending once a second lay the points out in the store, and reads wait
until the health engine has judged them all. A request is timed until its
body is received (the server's latency, which the targets are about); the
same request with `json.loads` of the body is what gets compared with
`MlflowClient.get_metric_history`, which hands back parsed `Metric`s. The
plain REST call of MLflow's metric history is timed too, for the HTTP level.
"""

from __future__ import annotations

import json
import random
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.harness import BenchError, Client, Deadline, Result, format_ms, median, say
from benchmarks.servers import Context, lowtide_server, wait_quiet

BIG_POINTS = 1_000_000
SMALL_POINTS = 100_000
DOWNSAMPLE_TO = 1_000
#: Points per batch when feeding a series, and the time feeding one series may take.
FEED_BATCH = 1_000
FEED_TIME_LIMIT_S = 120.0
#: Requests timed per measure (after WARMUP), and the time one measure may take.
REQUESTS = 30
BIG_RAW_REQUESTS = 10
WARMUP = 3
MEASURE_TIME_LIMIT_S = 30.0
#: MLflow: calls of get_metric_history timed, and the limit of one measure.
MLFLOW_REQUESTS = 5
#: Seconds the health engine may take to judge the fed points before reads are timed.
QUIET_TIMEOUT_S = 120.0
#: The issue's targets (p50).
TARGET_DOWNSAMPLED_S = 0.050
TARGET_ALL_S = 0.100
T0, STEP_S = 1_700_000_000.0, 0.01


@dataclass(frozen=True)
class Timings:
    """Per request: seconds until the body was in, and until it was decoded too."""

    received: list[float]
    decoded: list[float]

    @property
    def p50(self) -> float:
        return median(self.received)

    @property
    def p50_decoded(self) -> float:
        return median(self.decoded)


def series_batches(key: str, n: int, seed: int) -> list[tuple[int, bytes]]:
    """The JSON bodies that feed `n` points of `key` (a noisy falling loss curve)."""
    rng = random.Random(seed)
    out = []
    for start in range(0, n, FEED_BATCH):
        steps = list(range(start, min(n, start + FEED_BATCH)))
        body = {
            "batch_id": f"{key}-{start}",
            "metrics": {
                key: {
                    "steps": steps,
                    "values": [1.0 / (1 + s / 1000) + rng.gauss(0, 0.01) for s in steps],
                    "wall_times": [T0 + s * STEP_S for s in steps],
                }
            },
        }
        out.append((len(steps), json.dumps(body).encode()))
    return out


def feed_lowtide(client: Client, run_id: str, key: str, n: int, seed: int) -> float:
    """Send `n` points of one key; seconds it took."""
    path = f"/api/v1/runs/{run_id}/batches"
    batches = series_batches(key, n, seed)
    deadline = Deadline(FEED_TIME_LIMIT_S)
    started = time.perf_counter()
    for size, body in batches:
        status, answer = client.request("POST", path, body)
        if status != 200 or json.loads(answer)["stored"] != size:
            raise BenchError(f"lowtide refused a batch: {status} {answer[:300]!r}")
        if deadline.passed():
            raise BenchError(f"feeding {n:,} points of {key} took over {FEED_TIME_LIMIT_S:.0f} s")
    return time.perf_counter() - started


def time_gets(
    client: Client,
    path: str | Callable[[int], str],
    count: int,
    check: Callable[[object], None],
) -> Timings:
    """Time GETs of `path`, or of `path(i)` for the i-th request (to ask each time anew)."""
    received, decoded = [], []
    deadline = Deadline(MEASURE_TIME_LIMIT_S)
    for i in range(WARMUP + count):
        started = time.perf_counter()
        status, body = client.request("GET", path(i) if callable(path) else path)
        got = time.perf_counter()
        payload = json.loads(body)
        done = time.perf_counter()
        if status != 200:
            raise BenchError(f"GET {path} answered {status}: {body[:300]!r}")
        check(payload)
        if i >= WARMUP:
            received.append(got - started)
            decoded.append(done - started)
            if deadline.passed():
                break
    return Timings(received, decoded)


def _series_path(run_id: str, key: str, points: int | None = None) -> str:
    query = {"key": key} if points is None else {"key": key, "points": points}
    return f"/api/v1/runs/{run_id}/series?{urllib.parse.urlencode(query)}"


def _expect(n_total: int, at_most: int | None = None) -> Callable[[object], None]:
    """A check of an answer: all `n_total` points, or at most `at_most` of them."""

    def check(payload: object) -> None:
        assert isinstance(payload, dict)
        got = len(payload["steps"])
        wanted = n_total if at_most is None else at_most
        ok = got == n_total if at_most is None else 2 <= got <= at_most
        if payload["n_total"] != n_total or not ok:
            raise BenchError(
                f"expected {wanted:,} of {n_total:,} points, got {got:,} of {payload['n_total']:,}"
            )

    return check


def measure_lowtide(ctx: Context) -> tuple[Timings, Timings, Timings]:
    with lowtide_server(ctx.workdir("read-lowtide")) as server, Client(server.port) as client:
        run_id = uuid.uuid4().hex
        client.call("POST", "/api/v1/runs", {"id": run_id, "project": "bench-read"})
        big_s = feed_lowtide(client, run_id, "loss_1m", BIG_POINTS, seed=1)
        small_s = feed_lowtide(client, run_id, "loss_100k", SMALL_POINTS, seed=2)
        say(
            f"  fed lowtide {BIG_POINTS:,} points in {big_s:.1f} s and "
            f"{SMALL_POINTS:,} in {small_s:.1f} s"
        )
        waited = wait_quiet(server, QUIET_TIMEOUT_S)
        say(f"  the health engine was done {waited:.1f} s later")
        # A slightly different size each time, so that none is answered from the server's
        # cache of downsampled series: every request reads the million points.
        down = time_gets(
            client,
            lambda i: _series_path(run_id, "loss_1m", DOWNSAMPLE_TO - i),
            REQUESTS,
            _expect(BIG_POINTS, DOWNSAMPLE_TO),
        )
        small = time_gets(
            client, _series_path(run_id, "loss_100k"), REQUESTS, _expect(SMALL_POINTS)
        )
        big = time_gets(
            client, _series_path(run_id, "loss_1m"), BIG_RAW_REQUESTS, _expect(BIG_POINTS)
        )
    return down, small, big


def measure_mlflow(url: str, port: int) -> tuple[int, list[float], list[float]]:
    """Points fed, then seconds per `get_metric_history` and per plain REST call."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient(tracking_uri=url)
    run_id = client.create_run(client.create_experiment(f"read-{uuid.uuid4().hex[:8]}")).info.run_id
    rng = random.Random(2)
    deadline = Deadline(FEED_TIME_LIMIT_S)
    started = time.perf_counter()
    fed = 0
    for start in range(0, SMALL_POINTS, FEED_BATCH):
        metrics = [
            Metric("loss_100k", 1.0 / (1 + s / 1000) + rng.gauss(0, 0.01), int(T0 * 1000) + s, s)
            for s in range(start, min(SMALL_POINTS, start + FEED_BATCH))
        ]
        client.log_batch(run_id, metrics=metrics, synchronous=True)
        fed += len(metrics)
        if deadline.passed():
            say(f"  ! MLflow: only {fed:,} points fed within {FEED_TIME_LIMIT_S:.0f} s")
            break
    say(f"  fed MLflow {fed:,} points in {time.perf_counter() - started:.1f} s")

    history: list[float] = []
    deadline = Deadline(MEASURE_TIME_LIMIT_S)
    for i in range(1 + MLFLOW_REQUESTS):
        t0 = time.perf_counter()
        got = client.get_metric_history(run_id, "loss_100k")
        if len(got) != fed:
            raise BenchError(f"MLflow returned {len(got):,} points of {fed:,}")
        if i:
            history.append(time.perf_counter() - t0)
            if deadline.passed():
                break

    rest: list[float] = []
    query = urllib.parse.urlencode({"run_id": run_id, "metric_key": "loss_100k"})
    with Client(port) as http:
        deadline = Deadline(MEASURE_TIME_LIMIT_S)
        for i in range(1 + MLFLOW_REQUESTS):
            t0 = time.perf_counter()
            status, body = http.request("GET", f"/api/2.0/mlflow/metrics/get-history?{query}")
            if status != 200:
                raise BenchError(f"MLflow get-history answered {status}: {body[:300]!r}")
            if i:
                rest.append(time.perf_counter() - t0)
                if deadline.passed():
                    break
    return fed, history, rest


def run(ctx: Context) -> list[Result]:
    say(f"read: {BIG_POINTS:,} points to {DOWNSAMPLE_TO:,}, all of {SMALL_POINTS:,}")
    down, small, big = measure_lowtide(ctx)
    say(
        f"  lowtide 1M -> {DOWNSAMPLE_TO:,}   p50 {format_ms(down.p50):>10}  "
        f"(with json.loads {format_ms(down.p50_decoded)}, {len(down.received)} requests)"
    )
    say(
        f"  lowtide all of 100k  p50 {format_ms(small.p50):>10}  "
        f"(with json.loads {format_ms(small.p50_decoded)}, {len(small.received)} requests)"
    )
    say(
        f"  lowtide all of 1M    p50 {format_ms(big.p50):>10}  "
        f"(with json.loads {format_ms(big.p50_decoded)}, {len(big.received)} requests)"
    )
    mlflow = ctx.mlflow()
    fed, history, rest = measure_mlflow(mlflow.url, mlflow.port)
    ml_history, ml_rest = median(history), median(rest)
    note = "" if fed == SMALL_POINTS else f" (only {fed:,} points)"
    say(f"  MLflow get_metric_history of {fed:,}  p50 {format_ms(ml_history)}")
    say(f"  MLflow REST get-history of {fed:,}    p50 {format_ms(ml_rest)}")
    return [
        Result(
            f"read 1M -> {DOWNSAMPLE_TO:,} points, p50",
            format_ms(down.p50),
            f"all of 1M {format_ms(big.p50)}",
            f"{big.p50 / down.p50:.0f}x faster",
            f"<= {format_ms(TARGET_DOWNSAMPLED_S)}",
            down.p50 <= TARGET_DOWNSAMPLED_S,
        ),
        Result(
            "read all of 100k, HTTP, p50",
            format_ms(small.p50),
            f"MLflow REST {format_ms(ml_rest)}{note}",
            f"{ml_rest / small.p50:.0f}x faster",
            f"<= {format_ms(TARGET_ALL_S)}",
            small.p50 <= TARGET_ALL_S,
        ),
        Result(
            "read all of 100k, parsed, p50",
            format_ms(small.p50_decoded),
            f"MLflow client {format_ms(ml_history)}{note}",
            f"{ml_history / small.p50_decoded:.0f}x faster",
            "-",
            None,
        ),
    ]
