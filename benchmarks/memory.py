"""Memory: the server's resident memory while 50 runs log at once vs the idle server.

CLIENT_PROCESSES processes of RUNS_PER_PROCESS threads each create a run and
POST 1,000-point batches back to back on a keep-alive connection for
LOAD_SECONDS: the server is saturated, the worst case for its queues. RSS is
sampled every 50 ms: of the server process, and of it with its children (the
health engine runs in a process of its own). The peer is the same server's
RSS when idle, right after start.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

from benchmarks.harness import MB, BenchError, Client, Deadline, Result, format_mb, format_rate, say
from benchmarks.servers import Context, RssSampler, ServerProcess, clean_env, lowtide_server

RUNS = 50
CLIENT_PROCESSES = 5
RUNS_PER_PROCESS = RUNS // CLIENT_PROCESSES
LOAD_SECONDS = 10.0
#: Most batches one run sends, whatever the time.
MAX_BATCHES_PER_RUN = 5_000
KEYS = ("train/loss", "train/acc", "lr", "grad_norm")
STEPS_PER_BATCH = 250
#: Seconds the idle server is sampled, after SETTLE_S to finish starting.
SETTLE_S, IDLE_SAMPLE_S = 1.0, 2.0
#: Seconds sampled after the clients stopped, while the server's queues drain.
DRAIN_SAMPLE_S = 3.0
#: Seconds a client process may take beyond LOAD_SECONDS before it is killed.
CLIENT_GRACE_S = 60.0
#: Growth of the server's RSS at the end of the load (bytes/s) worth a warning.
GROWTH_WARNING = 0.5 * MB
#: The issue's target for the server under load.
TARGET_BYTES = 200 * MB
RESULT_PREFIX = "BENCH-RESULT "
T0, STEP_S = 1_700_000_000.0, 0.01


# -- a client process: RUNS_PER_PROCESS runs, one thread each --------------------------------


def _log_run(port: int, seconds: float, seed: int, out: dict[str, Any]) -> None:
    rng = random.Random(seed)
    run_id = uuid.uuid4().hex[:24]
    path = f"/api/v1/runs/{run_id}/batches"
    sent = batches = 0
    deadline = Deadline(seconds)
    try:
        with Client(port) as client:
            client.call("POST", "/api/v1/runs", {"id": run_id, "project": "bench-memory"})
            for b in range(MAX_BATCHES_PER_RUN):
                steps = list(range(b * STEPS_PER_BATCH, (b + 1) * STEPS_PER_BATCH))
                times = [T0 + s * STEP_S for s in steps]
                body = {
                    "batch_id": f"b{b}",
                    "metrics": {
                        k: {
                            "steps": steps,
                            "values": [rng.random() for _ in steps],
                            "wall_times": times,
                        }
                        for k in KEYS
                    },
                }
                status, answer = client.request("POST", path, json.dumps(body).encode())
                if status != 200:
                    raise BenchError(f"a batch answered {status}: {answer[:200]!r}")
                sent += len(KEYS) * len(steps)
                batches += 1
                if deadline.passed():
                    break
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    out["points"], out["batches"] = sent, batches


def _client_main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args()
    outs: list[dict[str, Any]] = [{} for _ in range(args.runs)]
    threads = [
        threading.Thread(target=_log_run, args=(args.port, args.seconds, args.seed * 1000 + i, o))
        for i, o in enumerate(outs)
    ]
    for t in threads:
        t.start()
    deadline = Deadline(args.seconds + CLIENT_GRACE_S)
    for t in threads:
        t.join(deadline.left())
    sys.stdout.write(RESULT_PREFIX + json.dumps(outs) + "\n")
    sys.stdout.flush()
    os._exit(0)  # a thread stuck past its time must not keep the process


# -- the benchmark -----------------------------------------------------------------------------


def _load(server: ServerProcess) -> tuple[list[dict[str, Any]], float]:
    """Run the client processes to their end; what each run sent, and the seconds it took."""
    procs = []
    started = time.perf_counter()
    try:
        for seed in range(CLIENT_PROCESSES):
            argv = [sys.executable, "-m", "benchmarks.memory", "--port", str(server.port)]
            argv += ["--runs", str(RUNS_PER_PROCESS), "--seconds", str(LOAD_SECONDS)]
            argv += ["--seed", str(seed)]
            procs.append(
                subprocess.Popen(
                    argv,
                    env=clean_env(),
                    cwd=server.cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
        runs: list[dict[str, Any]] = []
        deadline = Deadline(LOAD_SECONDS + CLIENT_GRACE_S)
        for p in procs:
            out, err = p.communicate(timeout=deadline.left())
            lines = [ln for ln in out.decode().splitlines() if ln.startswith(RESULT_PREFIX)]
            if p.returncode != 0 or not lines:
                raise BenchError(f"a load client failed: {err.decode(errors='replace')[-2000:]}")
            runs.extend(json.loads(lines[-1].removeprefix(RESULT_PREFIX)))
        return runs, time.perf_counter() - started
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(5)


def run(ctx: Context) -> list[Result]:
    say(f"memory: server RSS while {RUNS} runs log 1,000-point batches for {LOAD_SECONDS:.0f} s")
    with lowtide_server(ctx.workdir("memory-lowtide")) as server:
        time.sleep(SETTLE_S)
        with RssSampler(server) as idle:
            time.sleep(IDLE_SAMPLE_S)
        with RssSampler(server) as loaded:
            runs, seconds = _load(server)
        with RssSampler(server) as after:
            time.sleep(DRAIN_SAMPLE_S)
    errors = [r["error"] for r in runs if "error" in r]
    if errors:
        raise BenchError(f"{len(errors)} of {RUNS} runs failed, e.g. {errors[0]}")
    points = sum(r["points"] for r in runs)
    say(
        f"  {RUNS} runs sent {points:,} points in {seconds:.1f} s ({format_rate(points / seconds)})"
    )
    peak_main = max(loaded.peak_main, after.peak_main)
    peak_pss = max(loaded.peak_pss, after.peak_pss)
    say(
        f"  idle:    server RSS {format_mb(idle.peak_main):>9}   with its children: "
        f"RSS {format_mb(idle.peak_tree):>9}, PSS {format_mb(idle.peak_pss):>9}"
    )
    say(
        f"  loaded:  server RSS {format_mb(peak_main):>9}   with its children: "
        f"RSS {format_mb(max(loaded.peak_tree, after.peak_tree)):>9}, "
        f"PSS {format_mb(peak_pss):>9}   ({loaded.samples + after.samples} samples)"
    )
    growth = loaded.growth()
    say(
        f"  server RSS at the end of the load: {format_mb(loaded.trace[-1][1])}, "
        f"{DRAIN_SAMPLE_S:.0f} s later {format_mb(after.trace[-1][1])}"
    )
    if growth > GROWTH_WARNING:
        say(
            f"  ! the server's RSS still grew by {growth / MB:.1f} MB/s at the end of the load: "
            "the peak depends on how long the load lasts"
        )
    return [
        Result(
            f"server RSS, {RUNS} runs logging",
            format_mb(peak_main),
            f"idle {format_mb(idle.peak_main)}",
            f"{peak_main / idle.peak_main:.1f}x idle",
            f"<= {format_mb(TARGET_BYTES)}",
            peak_main <= TARGET_BYTES,
        ),
        Result(
            f"server + health engine PSS, {RUNS} runs",
            format_mb(peak_pss),
            f"idle {format_mb(idle.peak_pss)}",
            f"{peak_pss / idle.peak_pss:.1f}x idle",
            f"<= {format_mb(TARGET_BYTES)}",
            peak_pss <= TARGET_BYTES,
        ),
    ]


if __name__ == "__main__":
    _client_main()
