"""Seeded planning problems like a real year's: the benchmark's instances and a demo.

Free hours come in phases, as a project's stages do: busy stretches with a
few hours left, ordinary weeks, and lulls of 25-35 h. Candidates mix the
kinds and shapes of PRODUCT.md: courses and articles of flexible hours (some
with a closing date or cohort starts), tutoring of fixed hours for a term or
a year, talks with a CFP deadline, competitions between their start and end,
freelance as a retainer or a lump of hours. Values come from pay, learning
and reputation under equal weights, with noise, so that no one kind wins.
"""

from __future__ import annotations

import datetime as dt
import random

from lowtide.core.planner.model import (
    ActivityKind,
    Candidate,
    Fixed,
    Flexible,
    PlanningProblem,
)

#: The first Monday of the sample's weeks.
FIRST_MONDAY = dt.date(2027, 3, 1)
#: Share of each kind among the candidates.
KIND_SHARES = {
    ActivityKind.LEARNING: 0.30,
    ActivityKind.WRITING: 0.20,
    ActivityKind.TEACHING: 0.10,
    ActivityKind.TALK: 0.10,
    ActivityKind.COMPETITION: 0.10,
    ActivityKind.FREELANCE: 0.15,
    ActivityKind.OTHER: 0.05,
}
#: Free hours of a week in each phase of the workload (low, high).
PHASES = ((2.0, 8.0), (12.0, 20.0), (25.0, 35.0))
#: Term starts for tutoring (month, day): autumn, winter and spring terms.
TERM_STARTS = ((9, 6), (1, 10), (4, 18))
#: The sample user's limits.
REST_HOURS = 4.0
HABIT_HOURS = 2.5
MAX_CONCURRENT = 3


def sample_problem(
    seed: int, n_candidates: int = 200, n_weeks: int = 52
) -> tuple[list[Candidate], PlanningProblem]:
    """`n_candidates` candidates and `n_weeks` weeks of free hours, the same for a seed."""
    rng = random.Random(seed)
    weeks = tuple(FIRST_MONDAY + dt.timedelta(weeks=k) for k in range(n_weeks))
    free: list[float] = []
    while len(free) < n_weeks:
        low, high = rng.choice(PHASES)
        level = rng.uniform(low, high)
        free.extend(max(0.0, level + rng.uniform(-2, 2)) for _ in range(rng.randint(2, 8)))
    problem = PlanningProblem(
        weeks,
        tuple(round(h, 1) for h in free[:n_weeks]),
        rest_hours=REST_HOURS,
        max_concurrent=MAX_CONCURRENT,
        habit_hours=HABIT_HOURS,
    )
    kinds = list(KIND_SHARES)
    shares = list(KIND_SHARES.values())
    candidates = [
        _candidate(rng, i, rng.choices(kinds, shares)[0], weeks) for i in range(n_candidates)
    ]
    return candidates, problem


def _candidate(
    rng: random.Random, i: int, kind: ActivityKind, weeks: tuple[dt.date, ...]
) -> Candidate:
    first, end = weeks[0], weeks[-1] + dt.timedelta(days=6)
    span = (end - first).days

    def day(low: float, high: float) -> dt.date:
        return first + dt.timedelta(days=int(span * rng.uniform(low, high)))

    key = f"{kind.value}-{i:03d}"
    earliest: dt.date | None = None
    deadline: dt.date | None = None
    windows: tuple[tuple[dt.date, dt.date], ...] = ()
    shape: Fixed | Flexible
    if kind is ActivityKind.TEACHING:
        weekly = float(rng.choice((3, 4, 6, 8, 10)))
        length = rng.choice((8, 12, 26, 52) if weekly >= 6 else (6, 8, 10, 12))
        shape = Fixed(weekly, length)
        terms = [_term_start(first, m, d) for m, d in TERM_STARTS]
        windows = tuple((t, t + dt.timedelta(days=13)) for t in terms if t <= end)
        pay, learn, fame = 35 * weekly * length, 0.2, 0.3
        if rng.random() < 0.5:
            windows = ()  # private tutoring starts any week
    elif kind is ActivityKind.FREELANCE and rng.random() < 0.5:
        weekly = float(rng.choice((5, 8, 10, 15)))
        shape = Fixed(weekly, rng.randint(4, 16))
        earliest = day(0, 0.5) if rng.random() < 0.5 else None
        pay, learn, fame = 60 * shape.total_hours, 0.2, 0.1
    else:
        total, low, high, pay, learn, fame = _flexible_terms(rng, kind)
        shape = Flexible(total, low, high)
        if kind in (ActivityKind.TALK, ActivityKind.COMPETITION) or rng.random() < 0.3:
            deadline = day(0.15, 1.0)
        if kind is ActivityKind.COMPETITION:
            earliest = deadline - dt.timedelta(weeks=rng.randint(8, 16)) if deadline else None
        elif kind is ActivityKind.LEARNING and rng.random() < 0.2:
            cohort = day(0, 0.7)
            windows = ((cohort, cohort + dt.timedelta(days=6)),)
    value = (pay / 1000 + 4 * learn + 4 * fame) * rng.uniform(0.6, 1.4)
    return Candidate(
        key=key,
        title=f"{kind.value.capitalize()} {i}",
        kind=kind,
        value=round(value, 2),
        shape=shape,
        earliest_start=earliest,
        start_windows=windows,
        deadline=deadline,
    )


def _flexible_terms(
    rng: random.Random, kind: ActivityKind
) -> tuple[float, float, float, float, float, float]:
    """Total hours, least and most a week, pay, learning and reputation of flexible work."""
    if kind is ActivityKind.LEARNING:
        total = float(rng.randint(10, 60))
        return total, 2.0, float(rng.randint(5, 10)), 0.0, total / 40, 0.1
    if kind is ActivityKind.WRITING:
        total = float(rng.randint(8, 25))
        return total, 2.0, float(rng.randint(4, 10)), 500.0 * rng.random(), 0.3, 0.5
    if kind is ActivityKind.TALK:
        return float(rng.randint(10, 30)), 2.0, 6.0, 0.0, 0.3, 1.0
    if kind is ActivityKind.COMPETITION:
        total = float(rng.randint(30, 120))
        prize = 5000.0 if rng.random() < 0.1 else 0.0
        return total, 4.0, 15.0, prize, total / 60, 0.6
    if kind is ActivityKind.FREELANCE:
        total = float(rng.randint(20, 80))
        return total, 5.0, 20.0, 70 * total, 0.2, 0.1
    return float(rng.randint(5, 30)), 1.0, 6.0, 0.0, 0.2, 0.2


def _term_start(after: dt.date, month: int, day: int) -> dt.date:
    """The next date on `month`/`day` on or after `after`."""
    start = dt.date(after.year, month, day)
    return start if start >= after else dt.date(after.year + 1, month, day)
