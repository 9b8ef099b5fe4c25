"""The planner: 200 candidates x 52 weeks from `lowtide.planner.sample`, over SEEDS seeds.

lowtide's figure is `planner.solver.solve` (its formulation, pruning, stretch
rows and warm start), median wall time over the seeds, with the gap it proved.
The peer is the plain time-indexed model of the same plans on the same
HiGHS: per candidate a choose binary, a start binary and an active binary
per week, and its hours a week, tied together by generic big-M constraints
(M = the most free hours of any week), as one writes it first. Both run
under TIME_LIMIT_S each, so the whole benchmark stays under three minutes.

The greedy plan's value is shown as a share of the optimum when either
model proved one, else as a share of the best proven bound (a floor on the
share: the optimum lies between the best plan and the bound). The target is
the issue's: optimal within 0.1 % in 2 s median. The machine's load average
is printed with the figures, since the solver's times follow it.
"""

from __future__ import annotations

import math
import os
import statistics
import time

from benchmarks.harness import Result, say
from benchmarks.servers import Context

#: The issue's instance size and budget.
CANDIDATES = 200
WEEKS = 52
TARGET_S = 2.0
TARGET_GAP = 1e-3
#: Seeds of the sample problems; the median is over them.
SEEDS = (0, 1, 2, 3, 4)
#: Seconds either model may take on one instance: 5 seeds x 2 models x 15 s < 3 min.
TIME_LIMIT_S = 15.0


def run(_ctx: Context) -> list[Result]:
    from lowtide.core.planner import greedy_plan, violations
    from lowtide.planner.model_builder import solve_mip
    from lowtide.planner.sample import sample_problem
    from lowtide.planner.solver import solve

    say(
        f"planner: {CANDIDATES} candidates x {WEEKS} weeks, seeds {SEEDS}, "
        f"{TIME_LIMIT_S:g} s limit, gap {TARGET_GAP:.1%}, load {_load()}"
    )
    ours, plain, shares, gaps, plain_gaps = [], [], [], [], []
    for seed in SEEDS:
        candidates, problem = sample_problem(seed, CANDIDATES, WEEKS)
        t0 = time.perf_counter()
        greedy = greedy_plan(candidates, problem)
        t_greedy = time.perf_counter() - t0
        t0 = time.perf_counter()
        plan = solve(candidates, problem, time_limit_s=TIME_LIMIT_S, gap=TARGET_GAP)
        t_ours = time.perf_counter() - t0
        broken = violations(candidates, problem, plan)
        if broken:
            raise AssertionError(f"seed {seed}: the plan breaks rules: {broken[:3]}")
        t0 = time.perf_counter()
        peer_model = plain_model(candidates, problem)
        peer = solve_mip(peer_model, time_limit_s=TIME_LIMIT_S, gap=TARGET_GAP)
        t_plain = time.perf_counter() - t0
        gap = plan.gap if plan.gap is not None else math.inf
        ours_bound = plan.value * (1 + gap)  # HiGHS's gap is (bound - value) / value
        best = max(plan.value, peer.objective if peer.values is not None else 0.0)
        proven = gap <= TARGET_GAP or peer.gap <= TARGET_GAP
        bound = best if proven else min(ours_bound, peer.bound)
        share = greedy.value / bound if 0 < bound < math.inf else math.nan
        ours.append(t_ours)
        plain.append(t_plain)
        gaps.append(gap)
        plain_gaps.append(peer.gap)
        shares.append(share)
        say(
            f"  seed {seed}: lowtide {t_ours:.2f} s, {plan.method}, gap {gap:.2%}, "
            f"value {plan.value:.1f}; plain {t_plain:.2f} s, {peer.status}, gap {peer.gap:.2%}, "
            f"value {peer.objective:.1f}; greedy {greedy.value:.1f} in {t_greedy * 1e3:.0f} ms = "
            f"{share:.1%} of the {'optimum' if proven else f'bound {bound:.1f} (a floor)'}; "
            f"load {_load()}"
        )
    median, peer_median = statistics.median(ours), statistics.median(plain)
    gap_median, peer_gap_median = statistics.median(gaps), statistics.median(plain_gaps)
    known = [x for x in shares if not math.isnan(x)]
    share = statistics.median(known) if known else math.nan
    say(
        f"  median: lowtide {median:.2f} s, gap {gap_median:.2%} (worst {max(gaps):.2%}); "
        f"plain model {peer_median:.2f} s, gap {peer_gap_median:.2%}; greedy at {share:.1%} "
        f"of the optimum or bound (median); load {_load()}"
    )
    return [
        Result(
            f"planner {CANDIDATES}x{WEEKS}, median of {len(SEEDS)}",
            f"{median:.2f} s, gap {gap_median:.2%}",
            f"plain model {peer_median:.2f} s, gap {peer_gap_median:.2%}",
            f"{peer_median / median:.1f}x faster",
            f"<= {TARGET_S:g} s at {TARGET_GAP:.1%}",
            median <= TARGET_S and gap_median <= TARGET_GAP,
        ),
        Result(
            "planner greedy preview",
            f"{share:.1%} of the optimum or bound",
            "-",
            "-",
            "-",
            None,
        ),
    ]


def _load() -> str:
    """The 1, 5 and 15 minute load averages, as the figures' context."""
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def plain_model(candidates: list, problem: object):  # type: ignore[no-untyped-def, type-arg]
    """The plain time-indexed model: binaries per candidate and week, generic big-M."""
    from lowtide.core.planner.fit import base_room, feasible_starts, window
    from lowtide.core.planner.model import Fixed, PlanningProblem
    from lowtide.planner.model_builder import INF, MipBuilder

    assert isinstance(problem, PlanningProblem)
    room = base_room(problem)
    big = float(max(room.hours.max(), 1.0))
    m = MipBuilder()
    cap = [m.row(-INF, float(room.hours[k])) for k in range(problem.n)]
    slot = [m.row(-INF, float(room.slots[k])) for k in range(problem.n)]
    long_row = m.row(-INF, float(room.long_left))
    for c in candidates:
        win = window(c, problem)
        starts = set(feasible_starts(c, win))
        if c.value <= 0 or not starts:
            continue
        shape = c.shape
        low, high = (
            (shape.weekly_hours, shape.weekly_hours)
            if isinstance(shape, Fixed)
            else (shape.min_weekly, shape.max_weekly)
        )
        first = min(starts)
        y = m.col(0.0, 1.0, c.value, integer=True)
        if c.is_long:
            m.add(long_row, y, 1.0)
        pick = m.row(0.0, 0.0, {y: -1.0})  # sum of starts = y
        total = m.row(0.0, 0.0, {y: -shape.total_hours})  # sum of hours = total * y
        weeks_row = m.row(-INF, 0.0) if isinstance(shape, Fixed) else None
        prev = None
        active_sum: dict[int, float] = {}
        for k in range(first, win.last + 1):
            z = m.col(0.0, 1.0 if k in starts else 0.0, integer=True)
            a = m.col(0.0, 1.0, integer=True)
            x = m.col(0.0, high)
            m.add(pick, z, 1.0)
            m.row(-INF, 0.0, {a: 1.0, z: -1.0, **({prev: -1.0} if prev is not None else {})})
            m.row(-INF, 0.0, {x: 1.0, a: -big})  # x <= M a
            m.row(0.0, INF, {x: 1.0, a: -low})  # x >= low a
            m.add(total, x, 1.0)
            m.add(cap[k], x, 1.0)
            m.add(slot[k], a, 1.0)
            active_sum[a] = 1.0
            prev = a
        if weeks_row is not None and isinstance(shape, Fixed):
            # A fixed commitment runs exactly its weeks: sum of active = weeks * y.
            m.row_lower[weeks_row] = 0.0
            for a, v in active_sum.items():
                m.add(weeks_row, a, v)
            m.add(weeks_row, y, -float(shape.weeks))
    return m
