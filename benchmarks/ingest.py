"""Ingest over HTTP, batches of 1,000 points, one client: lowtide vs MLflow vs raw SQLite.

The same points go to each: 4 keys x 250 steps per batch. lowtide gets them
as one JSON batch per request on a keep-alive connection, MLflow as 1,000
`Metric`s per `MlflowClient.log_batch` call, and raw SQLite as one
`executemany` of 1,000 rows per transaction into a plain table, with the
pragmas lowtide uses (WAL, synchronous=NORMAL). Turning the points into each
one's input (JSON, Metric objects, row tuples) is timed, as a client pays it.
The three are measured in turn, ROUNDS times, each time into a new run or
table; the figures are the medians, so that a noisy moment hits one round.
A second lowtide server, with the health engine off (LOWTIDE_HEALTH=off), is
measured in each round too: what judging every batch costs ingestion.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks.harness import BenchError, Client, Deadline, Result, format_rate, median, say
from benchmarks.servers import Context, ServerProcess, cpu_seconds, lowtide_server, wait_quiet
from lowtide.sdk.transport import encode_body

KEYS = ("train/loss", "train/acc", "lr", "grad_norm")
#: Steps per batch; with the 4 keys, 1,000 points.
STEPS_PER_BATCH = 250
POINTS_PER_BATCH = STEPS_PER_BATCH * len(KEYS)
#: Points each side is fed, and the time it may take. MLflow takes ~7,000 points/s.
LOWTIDE_POINTS = 200_000
SQLITE_POINTS = 200_000
MLFLOW_POINTS = 20_000
TIME_LIMIT_S = 60.0
#: Each side is measured this many times, the three interleaved; the figures are medians.
ROUNDS = 3
#: Batches sent before the clock starts (connections, caches, the first run keys).
WARMUP_BATCHES = 3
#: The issue's targets: lowtide at least 50x MLflow and 25 % of raw SQLite, and with the
#: health engine on at least 70 % of itself with the engine off.
TARGET_VS_MLFLOW = 50.0
TARGET_VS_SQLITE = 0.25
TARGET_ENGINE_ON_VS_OFF = 0.70
#: Seconds the health engine may take to judge the points after the last batch.
QUIET_TIMEOUT_S = 60.0
#: Wall-clock start of the synthetic run, and seconds between two steps.
T0, STEP_S = 1_700_000_000.0, 0.01


@dataclass(frozen=True)
class PointBatch:
    """One batch of points, in plain Python lists: steps, wall times, values per key."""

    steps: list[int]
    wall_times: list[float]
    values: dict[str, list[float]]


def make_batches(n: int, seed: int = 0) -> list[PointBatch]:
    rng = random.Random(seed)
    out = []
    for b in range(n):
        steps = list(range(b * STEPS_PER_BATCH, (b + 1) * STEPS_PER_BATCH))
        out.append(
            PointBatch(
                steps=steps,
                wall_times=[T0 + s * STEP_S for s in steps],
                values={k: [rng.random() for _ in steps] for k in KEYS},
            )
        )
    return out


def lowtide_body(batch: PointBatch, batch_id: str) -> bytes:
    metrics = {
        k: {"steps": batch.steps, "values": v, "wall_times": batch.wall_times}
        for k, v in batch.values.items()
    }
    # Encoded as the SDK's transport encodes a batch.
    return encode_body({"op": "log", "body": {"batch_id": batch_id, "metrics": metrics}})


@dataclass(frozen=True)
class Rate:
    points: int
    seconds: float

    @property
    def per_s(self) -> float:
        return self.points / self.seconds


def timed_writes(
    write: Callable[[PointBatch, str], None], batches: list[PointBatch], who: str
) -> Rate:
    """Write the warm-up batches, then time the rest (up to TIME_LIMIT_S); points/s."""
    for i, b in enumerate(batches[:WARMUP_BATCHES]):
        write(b, f"warm-{i}")
    deadline = Deadline(TIME_LIMIT_S)
    sent = 0
    started = time.perf_counter()
    for i, b in enumerate(batches[WARMUP_BATCHES:]):
        write(b, f"b-{i}")
        sent += POINTS_PER_BATCH
        if deadline.passed():
            say(f"  ! {who}: time limit reached after {sent:,} points")
            break
    return Rate(sent, time.perf_counter() - started)


def ingest_lowtide(client: Client, run_id: str, batches: list[PointBatch]) -> Rate:
    """POST the batches one after the other; points/s over the timed ones."""
    path = f"/api/v1/runs/{run_id}/batches"

    def write(b: PointBatch, batch_id: str) -> None:
        status, answer = client.request("POST", path, lowtide_body(b, batch_id))
        if status != 200 or json.loads(answer)["stored"] != POINTS_PER_BATCH:
            raise BenchError(f"lowtide refused a batch: {status} {answer[:300]!r}")

    return timed_writes(write, batches, "lowtide")


def ingest_sqlite(path: Path, batches: list[PointBatch]) -> Rate:
    """executemany 1,000 rows per transaction into a plain table; points/s."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(
            "CREATE TABLE points (run_id TEXT, key TEXT, step INTEGER, wall_time REAL, value REAL)"
        )
        insert = "INSERT INTO points VALUES (?, ?, ?, ?, ?)"
        run_id = uuid.uuid4().hex

        def write(b: PointBatch) -> None:
            rows = [
                (run_id, k, s, t, v)
                for k, values in b.values.items()
                for s, t, v in zip(b.steps, b.wall_times, values, strict=True)
            ]
            con.execute("BEGIN")
            con.executemany(insert, rows)
            con.execute("COMMIT")

        rate = timed_writes(lambda b, _: write(b), batches, "raw SQLite")
        (count,) = con.execute("SELECT count(*) FROM points").fetchone()
        if count != rate.points + WARMUP_BATCHES * POINTS_PER_BATCH:
            raise BenchError(f"raw SQLite holds {count} rows, not {rate.points}")
        return rate
    finally:
        con.close()


def ingest_mlflow(url: str, batches: list[PointBatch]) -> Rate:
    """`MlflowClient.log_batch` with 1,000 metrics per call; points/s."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient(tracking_uri=url)
    experiment = client.create_experiment(f"ingest-{uuid.uuid4().hex[:8]}")
    run_id = client.create_run(experiment).info.run_id

    def write(b: PointBatch) -> None:
        metrics = [
            Metric(k, v, int(t * 1000), s)
            for k, values in b.values.items()
            for s, t, v in zip(b.steps, b.wall_times, values, strict=True)
        ]
        client.log_batch(run_id, metrics=metrics, synchronous=True)

    rate = timed_writes(lambda b, _: write(b), batches, "MLflow")
    with contextlib.redirect_stdout(io.StringIO()):  # it prints links to its UI
        client.set_terminated(run_id)
    return rate


def lowtide_round(
    server: ServerProcess, client: Client, batches: list[PointBatch]
) -> tuple[Rate, list[float]]:
    """One measure of lowtide in a new run; its rate, and CPU seconds per batch used by the
    server, its children (the health engine, until it is done judging) and this client."""
    run_id = uuid.uuid4().hex
    client.call("POST", "/api/v1/runs", {"id": run_id, "project": "bench-ingest"})
    procs = [*server.processes(), psutil.Process()]
    before = cpu_seconds(procs)
    rate = ingest_lowtide(client, run_id, batches)
    sent = cpu_seconds(procs)
    wait_quiet(server, QUIET_TIMEOUT_S)
    judged = cpu_seconds(procs)
    keys = client.call("GET", f"/api/v1/runs/{run_id}/keys")["keys"]
    stored = sum(k["n_points"] for k in keys)
    expected = rate.points + WARMUP_BATCHES * POINTS_PER_BATCH
    if stored != expected:
        raise BenchError(f"lowtide stored {stored:,} points of {expected:,}")
    n = rate.points / POINTS_PER_BATCH
    cpu = [
        (sent[0] - before[0]) / n,
        (sum(judged[1:-1]) - sum(before[1:-1])) / n,
        (sent[-1] - before[-1]) / n,
    ]
    return rate, cpu


def run(ctx: Context) -> list[Result]:
    say(
        f"ingest: batches of {POINTS_PER_BATCH:,} points ({len(KEYS)} keys x {STEPS_PER_BATCH}), "
        f"{ROUNDS} rounds, medians"
    )
    n_big = max(LOWTIDE_POINTS, SQLITE_POINTS) // POINTS_PER_BATCH + WARMUP_BATCHES
    batches = make_batches(n_big)
    lowtide_batches = batches[: LOWTIDE_POINTS // POINTS_PER_BATCH + WARMUP_BATCHES]
    mlflow_batches = make_batches(MLFLOW_POINTS // POINTS_PER_BATCH + WARMUP_BATCHES, seed=1)
    mlflow_url = ctx.mlflow().url  # started first, so that its start-up overlaps no measure
    sqlite_dir = ctx.workdir("ingest-sqlite")
    rates: dict[str, list[float]] = {"sqlite": [], "lowtide": [], "mlflow": [], "no_engine": []}
    cpu: list[list[float]] = []
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(lowtide_server(ctx.workdir("ingest-lowtide")))
        client = stack.enter_context(Client(server.port))
        bare = stack.enter_context(
            lowtide_server(ctx.workdir("ingest-lowtide-no-engine"), {"LOWTIDE_HEALTH": "off"})
        )
        bare_client = stack.enter_context(Client(bare.port))
        for r in range(ROUNDS):
            rates["sqlite"].append(ingest_sqlite(sqlite_dir / f"raw-{r}.db", batches).per_s)
            lowtide, lowtide_cpu = lowtide_round(server, client, lowtide_batches)
            rates["lowtide"].append(lowtide.per_s)
            cpu.append(lowtide_cpu)
            rates["no_engine"].append(lowtide_round(bare, bare_client, lowtide_batches)[0].per_s)
            rates["mlflow"].append(ingest_mlflow(mlflow_url, mlflow_batches).per_s)
            say(
                f"  round {r + 1}: raw SQLite {format_rate(rates['sqlite'][-1]):>16}   "
                f"lowtide {format_rate(rates['lowtide'][-1]):>14} "
                f"(engine off {format_rate(rates['no_engine'][-1]):>14})   "
                f"MLflow {format_rate(rates['mlflow'][-1]):>12}"
            )
    sqlite, lowtide_rate, mlflow, no_engine = (
        median(rates[k]) for k in ("sqlite", "lowtide", "mlflow", "no_engine")
    )
    server_s, engine_s, client_s = (median([c[i] for c in cpu]) for i in range(3))
    say(
        f"  lowtide CPU per batch: server {server_s * 1e3:.1f} ms, its children (the health "
        f"engine) {engine_s * 1e3:.1f} ms, this client {client_s * 1e3:.1f} ms; wall "
        f"{POINTS_PER_BATCH / lowtide_rate * 1e3:.1f} ms"
    )
    vs_mlflow = lowtide_rate / mlflow
    vs_sqlite = lowtide_rate / sqlite
    on_vs_off = lowtide_rate / no_engine
    say(
        f"  lowtide / MLflow = {vs_mlflow:.1f}x   lowtide / raw SQLite = {vs_sqlite:.1%}   "
        f"engine on / off = {on_vs_off:.1%}"
    )
    return [
        Result(
            "ingest, 1k-point batches",
            format_rate(lowtide_rate),
            f"MLflow {format_rate(mlflow)}",
            f"{vs_mlflow:.1f}x",
            f">= {TARGET_VS_MLFLOW:.0f}x MLflow",
            vs_mlflow >= TARGET_VS_MLFLOW,
        ),
        Result(
            "ingest, 1k-point batches",
            format_rate(lowtide_rate),
            f"raw SQLite {format_rate(sqlite)}",
            f"{vs_sqlite:.1%}",
            f">= {TARGET_VS_SQLITE:.0%} of raw SQLite",
            vs_sqlite >= TARGET_VS_SQLITE,
        ),
        Result(
            "ingest, health engine on",
            format_rate(lowtide_rate),
            f"engine off {format_rate(no_engine)}",
            f"{on_vs_off:.1%}",
            f">= {TARGET_ENGINE_ON_VS_OFF:.0%} of engine off",
            on_vs_off >= TARGET_ENGINE_ON_VS_OFF,
        ),
    ]
