"""Seeded planning problems like a real year's: the benchmark's instances and a demo.

Every parameter comes from lowtide's own defaults, so that the sample is the
problem the product hands the planner, not a puzzle made hard or easy:

- **Free hours** are those of lowtide's own forecast (`core.forecast`, at
  P80 as `PlanningProblem.from_forecast` takes them) for a full-time engineer
  (`EngineerProfile()`, 40 h a week) going through a year of projects. Each
  project has the seven stages of `StageKind` in order, each waiting for the
  one before, with the default durations (`DEFAULT_ESTIMATE`, 7/14/28 days)
  and hours (`DEFAULT_PROFILES`: wrangling 30-36 h a week, training 3-8 h,
  the deployed model 4-8 h of upkeep after it). The first is under way at a
  random stage; the next are planned every `PROJECT_WEEKS` (the seven default
  stages take about 16 weeks). So busy stretches keep 0-8 h free, the lulls of
  unattended stages 20-35 h, and far weeks, where overruns pile up at P80,
  little: the year the planner is really given.
- **The user's limits** are the defaults of `core.planner.model`: a 4 h rest
  buffer, 3 activities a week, 1 long commitment, no daily habit.
- **Candidates** are a board filtered to `n_candidates`, in the shares of
  `KIND_MIX`, each with the shape its source gives: a paper for a call for
  papers (`PAPER_SHAPE`, 80 h at 4-20 h a week, due by the call's deadline),
  a talk (`DEFAULT_SHAPES`, 20 h at 2-8, due by the call for talks), an
  article (10-20 h at 3-12), a course (`DEFAULT_SHAPES`' 30 h at 2-8, the
  user's own list giving 15-45 h; some start with a cohort), a Kaggle
  competition (60 h at 3-15, entered in its start window, done by its end,
  about three months later), a gig (40 h at 5-20, the user's list giving
  20-60 h), tutoring (10 h a week for 26 or 52 weeks, half of it from a
  term's start) and other things (10 h at 1-5). Deadlines and start dates
  spread over the year, as calls and competitions do.
- **Values** are `weighted_value` under equal weights: the kind's
  `DEFAULT_VALUES` scores (`PAPER_VALUE` for a paper), each moved by up to
  `SCORE_EDIT` points, as a source or the user sets them. A value is worth,
  not size: a longer opportunity is not worth more for its hours.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from lowtide.core.forecast import DEFAULT_SAMPLES, forecast
from lowtide.core.opportunities import (
    DEFAULT_SHAPES,
    DEFAULT_VALUES,
    MAX_SCORE,
    PAPER_SHAPE,
    OpportunityKind,
    TimeShape,
    ValueScores,
)
from lowtide.core.planner.model import (
    DEFAULT_MAX_CONCURRENT,
    DEFAULT_MAX_LONG,
    DEFAULT_REST_HOURS,
    ActivityKind,
    Candidate,
    Fixed,
    Flexible,
    PlanningProblem,
)
from lowtide.core.profile import EngineerProfile, local_midnight
from lowtide.core.stages import Plan, Project, Stage, StageKind, StageStatus
from lowtide.opportunities.ai_deadlines import PAPER_VALUE

#: The first Monday of the sample's weeks.
FIRST_MONDAY = dt.date(2027, 3, 1)
#: A project's stages, in their usual order.
STAGE_ORDER = tuple(StageKind)
#: Weeks from one project's planned start to the next's: the default stage estimates
#: (7/14/28 days, 16.3 days on average) over seven stages make about 16 weeks.
PROJECT_WEEKS = (13, 19)
#: Monte Carlo samples of the forecast: lowtide's default.
FORECAST_SAMPLES = DEFAULT_SAMPLES
#: Share of each sort of candidate on the filtered board: calls for papers and talks
#: from the conference importers, articles from writing programmes, competitions from
#: Kaggle, and the user's own courses, gigs and tutoring offers. An assumption (no
#: data on real boards): the imported lists are long, the user's own list short.
KIND_MIX = {
    "paper": 0.15,
    "talk": 0.20,
    "article": 0.20,
    "course": 0.20,
    "competition": 0.10,
    "gig": 0.08,
    "tutoring": 0.04,
    "other": 0.03,
}
#: Most points a source or the user moves a kind's default score, on each axis (an
#: assumption: edits of a point or two, so that no two candidates tie).
SCORE_EDIT = 2.0
#: Articles take 10-20 h (a writing programme's ~12 h default, longer pieces too).
ARTICLE_HOURS = (10, 20)
#: Courses of the user's own list: 15-45 h around the 30 h default.
COURSE_HOURS = (15, 45)
#: Share of courses that start with a cohort (one week to join).
COHORT_SHARE = 0.2
#: Gigs of the user's own list: 20-60 h around the 40 h default.
GIG_HOURS = (20, 60)
#: A Kaggle competition runs about three months; entries close a week before its end.
COMPETITION_WEEKS = (8, 16)
#: Tutoring runs a term or a school year, at the default 10 h a week.
TUTORING_WEEKS = (26, 52)
#: Share of tutoring offers tied to a term's start (the rest are private, any week).
TERM_SHARE = 0.5
#: Term starts for tutoring (month, day): autumn, winter and spring terms.
TERM_STARTS = ((9, 6), (1, 10), (4, 18))
#: Days of a term start window.
TERM_WINDOW_DAYS = 13
#: Days to join a cohort.
COHORT_WINDOW_DAYS = 6


def sample_problem(
    seed: int, n_candidates: int = 200, n_weeks: int = 52
) -> tuple[list[Candidate], PlanningProblem]:
    """`n_candidates` candidates and `n_weeks` weeks of free hours, the same for a seed."""
    rng = random.Random(seed)
    weeks = tuple(FIRST_MONDAY + dt.timedelta(weeks=k) for k in range(n_weeks))
    problem = PlanningProblem(
        weeks,
        free_hours(rng, seed, n_weeks),
        rest_hours=DEFAULT_REST_HOURS,
        max_concurrent=DEFAULT_MAX_CONCURRENT,
        max_long=DEFAULT_MAX_LONG,
    )
    sorts = list(KIND_MIX)
    shares = list(KIND_MIX.values())
    candidates = [
        _candidate(rng, i, rng.choices(sorts, shares)[0], weeks) for i in range(n_candidates)
    ]
    return candidates, problem


def free_hours(rng: random.Random, seed: int, n_weeks: int) -> tuple[float, ...]:
    """Free hours a week at P80 of lowtide's forecast of a year of projects, one after another.

    The first project is under way at a random stage (the ones before it done); the
    next ones are planned to start every `PROJECT_WEEKS` weeks after it.
    """
    under_way = rng.randrange(len(STAGE_ORDER))
    projects = [_project(0, under_way=under_way)]
    start = FIRST_MONDAY + dt.timedelta(weeks=rng.randint(*PROJECT_WEEKS) * (7 - under_way) // 7)
    while start < FIRST_MONDAY + dt.timedelta(weeks=n_weeks):
        projects.append(_project(len(projects), planned_start=start))
        start += dt.timedelta(weeks=rng.randint(*PROJECT_WEEKS))
    profile = EngineerProfile()
    now = local_midnight(FIRST_MONDAY, profile.tz)
    plan = Plan(tuple(projects))
    weeks = forecast(plan, profile, now, weeks=n_weeks, samples=FORECAST_SAMPLES, seed=seed).weeks
    return tuple(round(max(0.0, w.free_p80), 1) for w in weeks)


def _project(k: int, *, under_way: int = 0, planned_start: dt.date | None = None) -> Project:
    """The seven stages in order, each waiting for the one before."""
    stages = []
    for j, kind in enumerate(STAGE_ORDER):
        status = StageStatus.PLANNED
        if planned_start is None:
            status = StageStatus.DONE if j < under_way else status
            status = StageStatus.ACTIVE if j == under_way else status
        stages.append(
            Stage(
                kind.value,
                kind,
                status=status,
                after=(STAGE_ORDER[j - 1].value,) if j else (),
                planned_start=planned_start if j == 0 else None,
                started_on=FIRST_MONDAY if status is StageStatus.ACTIVE else None,
            )
        )
    return Project(f"project-{k}", tuple(stages))


def _candidate(rng: random.Random, i: int, sort: str, weeks: tuple[dt.date, ...]) -> Candidate:
    first, end = weeks[0], weeks[-1] + dt.timedelta(days=6)
    span = (end - first).days

    def day(low: float = 0.0, high: float = 1.0) -> dt.date:
        return first + dt.timedelta(days=int(span * rng.uniform(low, high)))

    earliest: dt.date | None = None
    deadline: dt.date | None = None
    windows: tuple[tuple[dt.date, dt.date], ...] = ()
    kind, shape, scores = _SORTS[sort](rng)
    if sort in ("paper", "talk"):
        deadline = day()  # calls close all year round
    elif sort == "competition":
        deadline = day()
        opens = deadline - dt.timedelta(weeks=rng.randint(*COMPETITION_WEEKS))
        windows = ((opens, deadline - dt.timedelta(weeks=1)),)
    elif sort == "course" and rng.random() < COHORT_SHARE:
        cohort = day(0.0, 0.8)
        windows = ((cohort, cohort + dt.timedelta(days=COHORT_WINDOW_DAYS)),)
    elif sort == "tutoring" and rng.random() < TERM_SHARE:
        terms = (_next_date(first, m, d) for m, d in TERM_STARTS)
        windows = tuple(
            (t, t + dt.timedelta(days=TERM_WINDOW_DAYS)) for t in sorted(terms) if t <= end
        )
    value = sum(_edit(rng, s) for s in (scores.income, scores.learning, scores.reputation))
    return Candidate(
        key=f"{sort}-{i:03d}",
        title=f"{sort.capitalize()} {i}",
        kind=kind,
        value=round(value, 1),
        shape=shape,
        earliest_start=earliest,
        start_windows=windows,
        deadline=deadline,
    )


def _edit(rng: random.Random, score: float) -> float:
    return min(MAX_SCORE, max(0.0, score + rng.uniform(-SCORE_EDIT, SCORE_EDIT)))


def _flexible(shape: TimeShape, total: float | None = None) -> Flexible:
    return Flexible(total or shape.total_hours, shape.min_weekly, shape.max_weekly)


def _default(kind: OpportunityKind) -> tuple[ActivityKind, Flexible, ValueScores]:
    return kind, _flexible(DEFAULT_SHAPES[kind]), DEFAULT_VALUES[kind]


def _ranged(
    kind: OpportunityKind, hours: tuple[int, int]
) -> Callable[[random.Random], tuple[ActivityKind, Fixed | Flexible, ValueScores]]:
    def make(rng: random.Random) -> tuple[ActivityKind, Fixed | Flexible, ValueScores]:
        shape = _flexible(DEFAULT_SHAPES[kind], float(rng.randint(*hours)))
        return kind, shape, DEFAULT_VALUES[kind]

    return make


def _tutoring(rng: random.Random) -> tuple[ActivityKind, Fixed | Flexible, ValueScores]:
    kind = OpportunityKind.TEACHING
    shape = DEFAULT_SHAPES[kind]
    weekly = shape.max_weekly
    return ActivityKind.TEACHING, Fixed(weekly, rng.choice(TUTORING_WEEKS)), DEFAULT_VALUES[kind]


#: How each sort of candidate is made: its kind, shape and default scores.
_SORTS: dict[str, Callable[[random.Random], tuple[ActivityKind, Fixed | Flexible, ValueScores]]] = {
    "paper": lambda _: (ActivityKind.TALK, _flexible(PAPER_SHAPE), PAPER_VALUE),
    "talk": lambda _: _default(OpportunityKind.TALK),
    "article": _ranged(OpportunityKind.WRITING, ARTICLE_HOURS),
    "course": _ranged(OpportunityKind.LEARNING, COURSE_HOURS),
    "competition": lambda _: _default(OpportunityKind.COMPETITION),
    "gig": _ranged(OpportunityKind.FREELANCE, GIG_HOURS),
    "tutoring": _tutoring,
    "other": lambda _: _default(OpportunityKind.OTHER),
}


def _next_date(after: dt.date, month: int, day: int) -> dt.date:
    """The next date on `month`/`day` on or after `after`."""
    start = dt.date(after.year, month, day)
    return start if start >= after else dt.date(after.year + 1, month, day)
