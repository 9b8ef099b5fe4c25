"""The workload forecast: 20 projects x 7 stages x 52 weeks with 2,000 samples.

lowtide's figure is `core.forecast.forecast` on that plan, best of ROUNDS
(wall clock; CPU time is shown beside it, since this machine's cores may be
shared). The peer is the same Monte Carlo written the obvious way: a Python
loop over samples that schedules the stages and adds each stage's hours day by
day. It is timed on PEER_SAMPLES samples and scaled to 2,000 (its cost is
linear in the samples), so the ratio says what vectorising bought; the target
is the issue's 200 ms.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from benchmarks.harness import Result, format_ms, say
from benchmarks.servers import Context

#: The issue's plan and budget.
PROJECTS = 20
WEEKS = 52
SAMPLES = 2000
TARGET_S = 0.200
#: Timed rounds of lowtide's forecast; the best counts, after one warm-up.
ROUNDS = 7
#: Samples the naive peer is timed on before scaling to SAMPLES.
PEER_SAMPLES = 100
#: The clock of the benchmark: a Wednesday noon, UTC.
NOW = dt.datetime(2027, 3, 3, 12, tzinfo=dt.UTC).timestamp()


def run(_ctx: Context) -> list[Result]:
    from lowtide.core.forecast import forecast
    from lowtide.core.profile import EngineerProfile

    plan = _plan()
    profile = EngineerProfile()
    n_stages = sum(len(p.stages) for p in plan.projects)
    say(f"forecast: {PROJECTS} projects, {n_stages} stages, {WEEKS} weeks, {SAMPLES:,} samples")
    forecast(plan, profile, NOW, weeks=WEEKS, samples=SAMPLES)
    walls, cpus = [], []
    for _ in range(ROUNDS):
        w0, c0 = time.perf_counter(), time.process_time()
        result = forecast(plan, profile, NOW, weeks=WEEKS, samples=SAMPLES)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    best, cpu = min(walls), min(cpus)
    say(
        f"  best {format_ms(best)} wall, {format_ms(cpu)} CPU over {ROUNDS} rounds; "
        f"{len(result.lulls)} lulls"
    )
    t0 = time.perf_counter()
    _naive(plan, PEER_SAMPLES)
    peer = (time.perf_counter() - t0) * SAMPLES / PEER_SAMPLES
    say(f"  naive per-sample loop: {format_ms(peer)} for {SAMPLES:,} samples (scaled)")
    return [
        Result(
            f"forecast {PROJECTS}x7 stages, {WEEKS} weeks, {SAMPLES:,} samples",
            f"{format_ms(best)} ({format_ms(cpu)} CPU)",
            f"naive loop {format_ms(peer)}",
            f"{peer / best:.0f}x faster",
            f"<= {format_ms(TARGET_S)}",
            best <= TARGET_S,
        )
    ]


def _plan() -> object:
    from lowtide.core.stages import DurationEstimate, Plan, Project, Stage, StageKind, StageStatus

    rng = random.Random(5)
    kinds = list(StageKind)
    projects = []
    for p in range(PROJECTS):
        stages = []
        for j, kind in enumerate(kinds):
            low = rng.uniform(3, 15)
            likely = low * rng.uniform(1.2, 2)
            status = StageStatus.ACTIVE if j == p % len(kinds) else StageStatus.PLANNED
            if j < p % len(kinds):
                status = StageStatus.DONE
            stages.append(
                Stage(
                    kind.value,
                    kind,
                    status,
                    estimate=DurationEstimate(low, likely, likely * rng.uniform(1.5, 3)),
                    after=(kinds[j - 1].value,) if j else (),
                )
            )
        projects.append(Project(f"project-{p}", tuple(stages)))
    return Plan(tuple(projects))


def _naive(plan: object, samples: int) -> list[list[float]]:
    """The peer: one sample at a time, one day at a time, in plain Python."""
    from lowtide.core.stages import DEFAULT_ESTIMATE, DEFAULT_PROFILES, Plan, StageStatus

    assert isinstance(plan, Plan)
    rng = random.Random(0)
    horizon = WEEKS * 7
    today = 2.0  # Wednesday of the first week
    out = []
    for _ in range(samples):
        days = [0.0] * horizon
        for project in plan.projects:
            ends: dict[str, float] = {}
            for s in project.stages:
                e = s.estimate or DEFAULT_ESTIMATE
                duration = rng.triangular(e.optimistic, e.pessimistic, e.likely)
                hours = DEFAULT_PROFILES[s.kind].hours
                rate = rng.uniform(hours.low, hours.high) / 7
                if s.status is StageStatus.DONE:
                    ends[s.key] = today
                    continue
                start = max([today, *(ends[d] for d in s.after)])
                end = start + duration
                ends[s.key] = end
                day = int(start)
                while day < min(end, horizon):
                    days[day] += rate * (min(end, day + 1) - max(start, day))
                    day += 1
        out.append([sum(days[k * 7 : k * 7 + 7]) for k in range(WEEKS)])
    return out
