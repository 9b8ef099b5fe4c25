"""SDK overhead: one `run.log()` of 4 keys in a tight loop vs `mlflow.log_metrics`, async.

Each side runs in a fresh interpreter (the worker at the bottom of this file),
so that the threads of one cannot slow the other. The loop times blocks of
CHUNK_CALLS calls; the figure is the median per-call cost over the blocks.
The background senders (lowtide's sender thread, MLflow's async queue) work
meanwhile, as they would beside a training loop. lowtide is measured online
(sending to a server) and offline (spooling to disk); a no-op function called
the same way shows what the loop itself costs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    BenchError,
    Client,
    Deadline,
    Result,
    format_us,
    median,
    percentile,
    say,
)
from benchmarks.servers import Context, clean_env, lowtide_server

KEYS = ("train/loss", "train/acc", "lr", "grad_norm")
#: Calls timed together; the first block warms up and is not counted.
CHUNK_CALLS = 1_000
#: Blocks per side, and the time the loop may take. 100 blocks are 400,000 lowtide points.
LOWTIDE_CHUNKS = 100
#: MLflow's async queue sends ~7,000 points/s, so fewer of its calls are queued.
MLFLOW_CHUNKS = 30
LOOP_TIME_LIMIT_S = 15.0
#: Seconds a worker process may take in all (MLflow's import alone takes a few).
WORKER_TIMEOUT_S = 120.0
#: Seconds lowtide's finish() may take to deliver what is left.
FINISH_TIMEOUT_S = 60.0
#: The issue's target for one call.
TARGET_S = 5e-6
RESULT_PREFIX = "BENCH-RESULT "

LogFn = Callable[[dict[str, float], int], object]


def timed_loop(log: LogFn, chunks: int, seconds: float) -> tuple[list[float], int]:
    """Per-call seconds of each timed block, and the number of calls made in all."""
    rng = random.Random(0)
    values = [rng.random() for _ in range(1024)]
    k0, k1, k2, k3 = KEYS
    per_call: list[float] = []
    step = 0
    deadline = Deadline(seconds)
    for chunk in range(chunks + 1):
        started = time.perf_counter()
        for i in range(CHUNK_CALLS):
            v = values[i & 1023]
            log({k0: v, k1: v, k2: v, k3: v}, step)
            step += 1
        if chunk:  # the first block warms up
            per_call.append((time.perf_counter() - started) / CHUNK_CALLS)
        if deadline.passed():
            break
    return per_call, step


def _noop(metrics: dict[str, float], step: int) -> None:
    return None


# -- the worker: one side, in a process of its own ------------------------------------------


def _worker(mode: str, url: str, home: Path, chunks: int) -> dict[str, Any]:
    if mode == "noop":
        per_call, calls = timed_loop(_noop, chunks, LOOP_TIME_LIMIT_S)
        return {"per_call_s": per_call, "calls": calls}
    if mode.startswith("lowtide-"):
        import lowtide
        from lowtide.sdk import ClientSettings, Mode

        settings = ClientSettings(
            url=url,
            home=home,
            mode=Mode(mode.removeprefix("lowtide-")),
            finish_timeout_s=FINISH_TIMEOUT_S,
        )
        run = lowtide.init(project="bench-sdk", settings=settings)
        per_call, calls = timed_loop(run.log, chunks, LOOP_TIME_LIMIT_S)
        started = time.perf_counter()
        run.finish()
        return {
            "per_call_s": per_call,
            "calls": calls,
            "run_id": run.id,
            "finish_s": time.perf_counter() - started,
        }
    if mode == "mlflow-async":
        os.environ["MLFLOW_ENABLE_ASYNC_LOGGING"] = "true"
        import mlflow

        mlflow.set_tracking_uri(url)
        mlflow.config.enable_async_logging(True)
        mlflow.set_experiment("bench-sdk")
        mlflow.start_run()
        per_call, calls = timed_loop(mlflow.log_metrics, chunks, LOOP_TIME_LIMIT_S)
        # Not waiting for its queue to drain: at ~7,000 points/s that takes longer than the
        # loop; the caller exits the process without it and stops the server afterwards.
        return {"per_call_s": per_call, "calls": calls}
    raise ValueError(f"unknown worker {mode!r}")


def _worker_main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sdk_overhead")
    parser.add_argument("--worker", required=True)
    parser.add_argument("--url", default="")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--chunks", type=int, required=True)
    args = parser.parse_args()
    result = _worker(args.worker, args.url, args.home, args.chunks)
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()
    # Skip interpreter shutdown: MLflow would drain its whole async queue first.
    os._exit(0)


def run_worker(mode: str, url: str, home: Path, chunks: int) -> dict[str, Any]:
    home.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "benchmarks.sdk_overhead", "--worker", mode]
    argv += ["--url", url, "--home", str(home), "--chunks", str(chunks)]
    try:
        done = subprocess.run(
            argv,
            env=clean_env(),
            cwd=home,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=WORKER_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"the {mode} worker did not end within {WORKER_TIMEOUT_S:.0f} s") from None
    lines = [ln for ln in done.stdout.decode().splitlines() if ln.startswith(RESULT_PREFIX)]
    if done.returncode != 0 or not lines:
        raise BenchError(
            f"the {mode} worker failed (exit {done.returncode}):\n"
            + done.stderr.decode(errors="replace")[-3000:]
        )
    warnings = done.stderr.decode(errors="replace").strip()
    if warnings and mode.startswith("lowtide"):
        say(f"  ! the {mode} worker logged:\n{warnings[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix(RESULT_PREFIX))
    return result


def _describe(name: str, result: dict[str, Any]) -> float:
    per_call = result["per_call_s"]
    mid = median(per_call)
    say(
        f"  {name:<22} median {format_us(mid):>10}  p90 {format_us(percentile(per_call, 90)):>10}"
        f"  max {format_us(max(per_call)):>10}  ({len(per_call)} blocks of {CHUNK_CALLS:,})"
    )
    return mid


def run(ctx: Context) -> list[Result]:
    say(f"sdk: one log() of {len(KEYS)} keys, median per call over blocks of {CHUNK_CALLS:,}")
    noop = run_worker("noop", "", ctx.workdir("sdk-noop"), LOWTIDE_CHUNKS)
    loop_cost = _describe("the loop alone (no-op)", noop)

    with lowtide_server(ctx.workdir("sdk-lowtide")) as server:
        online = run_worker(
            "lowtide-online", server.url, ctx.workdir("sdk-online-client"), LOWTIDE_CHUNKS
        )
        with Client(server.port) as client:
            keys = client.call("GET", f"/api/v1/runs/{online['run_id']}/keys")["keys"]
    online_s = _describe("lowtide online", online)
    say(f"  {'':<22} finish() delivered the rest in {online['finish_s']:.2f} s")
    stored = {k["key"]: k["n_points"] for k in keys}
    if stored != dict.fromkeys(KEYS, online["calls"]):
        say(f"  ! lowtide online: {online['calls']:,} calls, the server holds {stored}")

    offline_home = ctx.workdir("sdk-offline")
    offline = run_worker("lowtide-offline", "", offline_home, LOWTIDE_CHUNKS)
    offline_s = _describe("lowtide offline", offline)
    spooled = list((offline_home / "spool").glob("*.json"))
    size = sum(p.stat().st_size for p in spooled)
    say(f"  {'':<22} spooled {len(spooled)} files, {size / 1e6:.1f} MB")

    mlflow = run_worker("mlflow-async", ctx.mlflow().url, ctx.workdir("sdk-mlflow"), MLFLOW_CHUNKS)
    mlflow_s = _describe("MLflow log_metrics async", mlflow)
    say(
        f"  lowtide online is {mlflow_s / online_s:.0f}x cheaper than MLflow, offline "
        f"{mlflow_s / offline_s:.0f}x; the loop itself costs {format_us(loop_cost)}"
    )
    return [
        Result(
            f"SDK log(), {len(KEYS)} keys, {mode}",
            format_us(figure),
            f"MLflow async {format_us(mlflow_s)}",
            f"{mlflow_s / figure:.0f}x cheaper",
            f"<= {format_us(TARGET_S)}",
            figure <= TARGET_S,
        )
        for mode, figure in (("online", online_s), ("offline", offline_s))
    ]


if __name__ == "__main__":
    _worker_main()
