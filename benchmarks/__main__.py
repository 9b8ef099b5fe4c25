"""`python -m benchmarks [NAME ...]`: run the benchmarks (all by default), then the summary.

Exits 1 when a benchmark could not run; a missed target is reported in the
summary and fails the exit code only with `--strict`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import sys
import time
import traceback
from collections.abc import Callable
from importlib import metadata
from types import FrameType

from benchmarks import (
    dashboard,
    forecast,
    health,
    ingest,
    memory,
    mlflow_client,
    planner,
    read,
    sdk_overhead,
    tensorboard,
)
from benchmarks.harness import Result, say, table
from benchmarks.servers import NO_TELEMETRY, Context

BENCHMARKS: dict[str, Callable[[Context], list[Result]]] = {
    "ingest": ingest.run,
    "sdk": sdk_overhead.run,
    "read": read.run,
    "memory": memory.run,
    "mlflow-client": mlflow_client.run,
    "engine": health.run_engine,
    "alerts": health.run_alerts,
    "forecast": forecast.run,
    "planner": planner.run,
    "tensorboard": tensorboard.run,
    "dashboard": dashboard.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"one of {', '.join(BENCHMARKS)}; all by default"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    _stop_on_sigterm()
    os.environ.update(NO_TELEMETRY)  # before anything imports mlflow

    say(
        f"lowtide {_version('lowtide')} vs mlflow {_version('mlflow')}; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    results: list[Result] = []
    failed: list[str] = []
    started = time.perf_counter()
    try:
        with contextlib.ExitStack() as stack:
            ctx = Context(stack)
            for name in names:
                say()
                t0 = time.perf_counter()
                try:
                    results.extend(BENCHMARKS[name](ctx))
                except Exception:
                    failed.append(name)
                    say(f"{name}: could not run")
                    say(traceback.format_exc().rstrip())
                say(f"  ({name} took {time.perf_counter() - t0:.0f} s)")
            say()
            say("stopping the servers ...")
    except KeyboardInterrupt:
        say("\ninterrupted; the servers are stopped")
        return 130

    say()
    say(f"summary ({time.perf_counter() - started:.0f} s in all)")
    rows = [(r.benchmark, r.figure, r.peer, r.ratio, r.target, r.verdict) for r in results]
    rows += [(name, "-", "-", "-", "-", "ERROR") for name in failed]
    say(table(rows, ("benchmark", "lowtide", "peer", "ratio", "target", "result")))
    missed = [r for r in results if r.passed is False]
    if failed:
        return 1
    return 1 if args.strict and missed else 0


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so that the servers are stopped on the way out."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the cleanup
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


if __name__ == "__main__":
    sys.exit(main())
