"""Scoring the health engine: recall per fault, false alarms on healthy runs, detection delay.

Every run goes through `lowtide.ingest.replay.replay_run`, the code path of
`lowtide replay`. Faulty runs come from our own corpus (`corpus/manifest.csv`,
made by `generate_corpus.py`); healthy ones from the same corpus and from the
real MLPerf and modded-nanogpt logs in `../shared/corpora/real-runs`.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowtide.ingest.replay import DEFAULT_OBSERVE_S, replay_run

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
REAL_RUNS = HERE.parent.parent / "shared" / "corpora" / "real-runs"

#: Recall targets per fault class (the issue's acceptance).
TARGETS = {
    "nonfinite": 1.0,
    "divergence": 0.95,
    "no_learning": 0.95,
    "stall": 0.95,
    "overfitting": 0.85,
    "oscillation": 0.85,
    "throughput_drop": 0.85,
}
#: At most this many false pages per 100 healthy runs.
MAX_FALSE_PAGES_PER_100 = 1.0


@dataclass
class Score:
    """Counts for one fault class."""

    runs: int = 0
    found: int = 0
    delays_steps: list[float] = field(default_factory=list)
    delays_intervals: list[float] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


@dataclass
class Healthy:
    """Alarms raised on runs that are healthy."""

    runs: int = 0
    pages: int = 0
    warnings: int = 0
    by_rule: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)


def _interval(path: Path) -> float:
    """The run's median logging gap, to express delays in its own intervals."""
    times: list[float] = []
    with path.open() as handle:
        reader = csv.reader(handle)
        next(reader)
        for cells in reader:
            if cells:
                times.append(float(cells[1]))
    gaps = [b - a for a, b in itertools.pairwise(times) if b > a]
    return statistics.median(gaps) if gaps else 1.0


def score_faulty(row: dict[str, str], result: Any, scores: dict[str, Score]) -> None:
    fault = row["fault"]
    score = scores[fault]
    score.runs += 1
    onset_step = int(float(row["onset_step"]))
    onset_time = float(row["onset_wall_time"])
    hits = [
        i
        for i in result.incidents
        if i["rule"] == fault and (i["step"] is None or i["step"] >= onset_step or fault == "stall")
    ]
    if not hits:
        got = ", ".join(f"{i['rule']}@{i['step']}" for i in result.incidents) or "nothing"
        score.missed.append(f"{row['run']} (found: {got})")
        return
    first = min(hits, key=lambda i: i["wall_time"])
    score.found += 1
    if first["step"] is not None:
        score.delays_steps.append(max(0, first["step"] - onset_step))
    interval = _interval(CORPUS / f"{row['run']}.csv")
    score.delays_intervals.append(max(0.0, first["wall_time"] - onset_time) / interval)


def score_healthy(name: str, result: Any, healthy: Healthy) -> None:
    healthy.runs += 1
    for incident in result.incidents:
        severity = incident["severity"]
        if severity == "info":
            continue
        healthy.by_rule[f"{incident['rule']}:{severity}"] += 1
        if severity == "page":
            healthy.pages += 1
            if len(healthy.examples) < 12:
                healthy.examples.append(f"{name}: {incident['rule']} — {incident['message']}")
        else:
            healthy.warnings += 1


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--observe-for", type=float, default=DEFAULT_OBSERVE_S)
    parser.add_argument("--real", type=Path, default=REAL_RUNS, help="real-runs corpus folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and alarms")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    scores: dict[str, Score] = defaultdict(Score)
    own_healthy, real_healthy = Healthy(), Healthy()
    n_points = 0
    manifest = CORPUS / "manifest.csv"
    if manifest.exists():
        with manifest.open() as handle:
            for row in csv.DictReader(handle):
                result = replay_run(CORPUS / f"{row['run']}.csv", args.observe_for)
                n_points += result.n_points
                if row["label"] == "healthy":
                    score_healthy(row["run"], result, own_healthy)
                else:
                    score_faulty(row, result, scores)
    index = args.real / "index.csv"
    if index.exists():
        with index.open() as handle:
            for row in csv.DictReader(handle):
                # Aborted or failed MLPerf runs are not known to be healthy.
                if row["status"] not in ("success",):
                    continue
                result = replay_run(args.real / "runs" / f"{row['run_id']}.csv", args.observe_for)
                n_points += result.n_points
                score_healthy(row["run_id"], result, real_healthy)
    elapsed = time.perf_counter() - started

    ok = True
    print(f"{'fault':<20}{'runs':>6}{'recall':>9}{'target':>8}{'delay p50':>11}"
          f"{'p90':>7}{'  (steps; stall: intervals)'}")  # fmt: skip
    for fault in sorted(set(scores) | set(TARGETS)):
        s = scores.get(fault, Score())
        recall = s.found / s.runs if s.runs else float("nan")
        target = TARGETS.get(fault)
        delays = s.delays_intervals if fault == "stall" else s.delays_steps
        passed = target is None or (s.runs > 0 and recall >= target)
        if fault == "nonfinite" and s.delays_steps and max(s.delays_steps) > 0:
            passed = False
        if fault == "stall" and s.delays_intervals and pct(s.delays_intervals, 0.5) > 3:
            passed = False
        ok &= passed
        print(
            f"{fault:<20}{s.runs:>6}{recall:>9.0%}"
            f"{(f'{target:.0%}' if target else '-'):>8}{pct(delays, 0.5):>11.1f}"
            f"{pct(delays, 0.9):>7.1f}  {'ok' if passed else 'MISS'}"
        )
    for label, h in (("own healthy", own_healthy), ("real healthy", real_healthy)):
        if not h.runs:
            continue
        pages = 100 * h.pages / h.runs
        warns = 100 * h.warnings / h.runs
        passed = pages <= MAX_FALSE_PAGES_PER_100
        ok &= passed
        print(
            f"{label:<20}{h.runs:>6} runs: {pages:.2f} false pages and {warns:.2f} warnings "
            f"per 100 runs (target ≤ {MAX_FALSE_PAGES_PER_100:g})  {'ok' if passed else 'MISS'}"
        )
    print(f"replayed {n_points:,} points in {elapsed:.1f} s ({n_points / elapsed:,.0f} points/s)")
    if args.verbose:
        for fault, s in sorted(scores.items()):
            for miss in s.missed:
                print(f"missed {fault}: {miss}")
        for label, h in (("own", own_healthy), ("real", real_healthy)):
            print(f"{label} healthy alarms by rule: {dict(h.by_rule)}")
            for example in h.examples:
                print(f"  false page: {example}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
