"""The workload forecast: committed hours week by week, free hours, and the lulls.

Monte Carlo over the stages of every project at once. Each sample draws every
stage's duration from its three-point estimate (a triangular distribution,
sampled by its inverse CDF, which costs a fraction of numpy's beta draws for
beta-PERT) and its hours a week
from its effort range, then schedules the stages in dependency order: a stage
starts when the stages it waits for have ended (and not before its planned
start or today). An active stage with an ETA (a training stage from its runs,
an annotation or collection stage from its progress rate) ends at that ETA,
in every sample, so what follows it starts then. The hours of every sample
are laid on a day grid with a difference array and summed by week; P50 and
P80 are taken across samples. The same seed gives the same draws whatever
the dates, so moving one stage moves the others only through the schedule.

Pure: the clock (`now`), ETAs, busy time and recorded hours come in as values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lowtide.core.profile import Busy, EngineerProfile, daily_capacity, local_midnight, week_start
from lowtide.core.stages import (
    DEFAULT_ESTIMATE,
    DEFAULT_PROFILES,
    EffortProfile,
    HoursActual,
    HoursRange,
    Plan,
    StageKind,
    StageStatus,
    stage_order,
)

FloatArray = npt.NDArray[np.float64]

#: Weeks forecast when the caller does not say.
DEFAULT_WEEKS = 26
#: Monte Carlo samples: P80 of a week's hours is stable to well under an hour with this many.
DEFAULT_SAMPLES = 2000
#: A week is part of a lull when at least this many hours are free in it (at P80 of the
#: committed hours): half a working week, enough for a course, an article or a talk.
DEFAULT_LULL_HOURS = 20.0
#: An active stage already past its sampled duration still takes at least this share
#: of that duration from today: overrun work does not vanish.
OVERRUN_MIN_FRACTION = 0.25
#: Weeks of recorded hours the moving average that adjusts a kind's profile looks at.
LEARN_WINDOW_WEEKS = 6
#: Recorded weeks of a kind needed before they adjust its profile.
LEARN_MIN_WEEKS = 2
#: Quantiles the forecast reports.
P50, P80 = 0.5, 0.8


@dataclass(frozen=True)
class Week:
    """One week of the forecast; hours from today on in the first week."""

    start: dt.date
    capacity: float
    committed_p50: float
    committed_p80: float

    @property
    def free_p50(self) -> float:
        return self.capacity - self.committed_p50

    @property
    def free_p80(self) -> float:
        return self.capacity - self.committed_p80

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "capacity": round(self.capacity, 2),
            "committed_p50": round(self.committed_p50, 2),
            "committed_p80": round(self.committed_p80, 2),
            "free_p50": round(self.free_p50, 2),
            "free_p80": round(self.free_p80, 2),
        }


@dataclass(frozen=True)
class Lull:
    """A run of weeks whose free hours reach the threshold."""

    first_week: int
    weeks: int
    start: dt.date
    free_hours: float

    @property
    def end(self) -> dt.date:
        """The last day of the lull (a Sunday)."""
        return self.start + dt.timedelta(days=7 * self.weeks - 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "first_week": self.first_week,
            "weeks": self.weeks,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "free_hours": round(self.free_hours, 1),
        }


@dataclass(frozen=True)
class StageWindow:
    """When a stage is forecast to run, as dates at P50 and P80."""

    project: str
    key: str
    kind: StageKind
    status: StageStatus
    start_p50: dt.date
    end_p50: dt.date
    end_p80: dt.date

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stage": self.key,
            "kind": self.kind.value,
            "status": self.status.value,
            "start_p50": self.start_p50.isoformat(),
            "end_p50": self.end_p50.isoformat(),
            "end_p80": self.end_p80.isoformat(),
        }


@dataclass(frozen=True)
class Forecast:
    """Weeks, lulls and stage windows; `committed` holds every sample's weekly hours."""

    origin: dt.date
    weeks: tuple[Week, ...]
    lulls: tuple[Lull, ...]
    stages: tuple[StageWindow, ...]
    lull_hours: float
    samples: int
    committed: FloatArray

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin.isoformat(),
            "samples": self.samples,
            "lull_hours": self.lull_hours,
            "weeks": [w.to_json() for w in self.weeks],
            "lulls": [lull.to_json() for lull in self.lulls],
            "stages": [s.to_json() for s in self.stages],
        }


def learn_profiles(
    actuals: Sequence[HoursActual],
    defaults: Mapping[StageKind, EffortProfile] = DEFAULT_PROFILES,
) -> dict[StageKind, EffortProfile]:
    """Each kind's effort profile, its hours moved to the moving average of recorded weeks.

    The range keeps its width and is centred on the mean hours a week of the last
    `LEARN_WINDOW_WEEKS` recorded weeks of the kind (a stage's week counts once),
    once there are `LEARN_MIN_WEEKS` of them.
    """
    learned = dict(defaults)
    by_kind: dict[StageKind, dict[tuple[str, dt.date], float]] = {}
    for a in actuals:
        weeks = by_kind.setdefault(a.kind, {})
        weeks[(a.stage, a.week)] = weeks.get((a.stage, a.week), 0.0) + a.hours
    for kind, weeks in by_kind.items():
        recent_weeks = sorted({w for _, w in weeks})[-LEARN_WINDOW_WEEKS:]
        values = [h for (_, w), h in weeks.items() if w in recent_weeks]
        if len(recent_weeks) < LEARN_MIN_WEEKS:
            continue
        mean = float(np.mean(values))
        base = defaults[kind]
        half = (base.hours.high - base.hours.low) / 2
        hours = HoursRange(max(0.0, mean - half), max(0.0, mean - half) + 2 * half)
        learned[kind] = EffortProfile(base.share, hours, base.involvement, base.after)
    return learned


def forecast(
    plan: Plan,
    profile: EngineerProfile,
    now: float,
    *,
    weeks: int = DEFAULT_WEEKS,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    etas: Mapping[str, float] | None = None,
    busy: Sequence[Busy] = (),
    profiles: Mapping[StageKind, EffortProfile] = DEFAULT_PROFILES,
    lull_hours: float = DEFAULT_LULL_HOURS,
) -> Forecast:
    """Committed and free hours for `weeks` weeks from the week of `now` (Unix seconds).

    `etas` maps "project/stage" to the Unix time an active stage is expected to end.
    """
    if weeks <= 0 or samples <= 0:
        raise ValueError("weeks and samples must be positive")
    etas = etas or {}
    tz = profile.tz
    today = dt.datetime.fromtimestamp(now, tz).date()
    origin = week_start(today)
    origin_s = local_midnight(origin, tz)
    horizon = weeks * 7
    t_today = float((today - origin).days)

    def day_of(d: dt.date) -> float:
        return float((d - origin).days)

    def day_at(unix_s: float) -> float:
        return (unix_s - origin_s) / 86400.0

    stages = [(p, s) for p in plan.projects for s in stage_order(p.stages)]
    n = len(stages)
    index = {(p.name, s.key): i for i, (p, s) in enumerate(stages)}
    rng = np.random.default_rng(seed)

    # Every draw is made up front, for every stage, so that the same seed gives the
    # same durations and hours whatever the dates and statuses.
    est = np.array(
        [
            [e.optimistic, e.likely, e.pessimistic]
            for e in ((s.estimate or DEFAULT_ESTIMATE) for _, s in stages)
        ],
        dtype=float,
    ).reshape(n, 3)
    duration = triangular(est[:, 0], est[:, 1], est[:, 2], rng.random((samples, n)))

    ranges = [s.hours or profiles[s.kind].hours for _, s in stages]
    h_lo = np.array([r.low for r in ranges])
    h_hi = np.array([r.high for r in ranges])
    rate = h_lo + (h_hi - h_lo) * rng.random((samples, n))
    after = [profiles[s.kind].after for _, s in stages]
    a_lo = np.array([a.low if a else 0.0 for a in after])
    a_hi = np.array([a.high if a else 0.0 for a in after])
    after_rate = a_lo + (a_hi - a_lo) * rng.random((samples, n))

    start = np.empty((samples, n))
    end = np.empty((samples, n))
    has_after = np.zeros(n, dtype=bool)
    for i, (p, s) in enumerate(stages):
        ref = f"{p.name}/{s.key}"
        if s.status is StageStatus.DONE:
            start[:, i] = end[:, i] = t_today
            continue
        if s.status is StageStatus.ACTIVE:
            start[:, i] = t_today
            if ref in etas:
                end[:, i] = max(t_today, day_at(etas[ref]))
            else:
                began = day_of(s.started_on) if s.started_on else t_today
                d = duration[:, i]
                end[:, i] = np.maximum(began + d, t_today + OVERRUN_MIN_FRACTION * d)
        else:
            earliest = max(t_today, day_of(s.planned_start) if s.planned_start else t_today)
            begin = np.full(samples, earliest)
            for dep in s.after:
                np.maximum(begin, end[:, index[(p.name, dep)]], out=begin)
            start[:, i] = begin
            end[:, i] = begin + duration[:, i]
        has_after[i] = after[i] is not None

    width = horizon + 2
    pieces = [_spread(start, end, rate, t_today, horizon, width)]
    if has_after.any():
        tail_end = np.full((samples, int(has_after.sum())), float(horizon))
        pieces.append(
            _spread(end[:, has_after], tail_end, after_rate[:, has_after], t_today, horizon, width)
        )
    idx = np.concatenate([p[0] for p in pieces])
    weights = np.concatenate([p[1] for p in pieces])
    daily = np.bincount(idx, weights=weights, minlength=samples * width).reshape(samples, width)
    per_day = np.cumsum(daily, axis=1)[:, :horizon]
    committed = per_day.reshape(samples, weeks, 7).sum(axis=2) / 7.0
    np.clip(committed, 0.0, None, out=committed)  # cumsum round-off never goes below zero
    p50, p80 = np.quantile(np.ascontiguousarray(committed.T), [P50, P80], axis=1)

    cap_days = daily_capacity(profile, origin, horizon, busy)
    cap_days[: int(t_today)] = 0.0  # the days of this week already gone
    capacity = cap_days.reshape(weeks, 7).sum(axis=1)
    week_list = tuple(
        Week(
            start=origin + dt.timedelta(days=7 * k),
            capacity=float(capacity[k]),
            committed_p50=float(p50[k]),
            committed_p80=float(max(p80[k], p50[k])),
        )
        for k in range(weeks)
    )
    return Forecast(
        origin=origin,
        weeks=week_list,
        lulls=tuple(find_lulls(week_list, lull_hours)),
        stages=tuple(_windows(stages, start, end, origin)),
        lull_hours=lull_hours,
        samples=samples,
        committed=committed,
    )


def triangular(low: FloatArray, mode: FloatArray, high: FloatArray, u: FloatArray) -> FloatArray:
    """Triangular draws from uniform draws `u` (samples x stages), by the inverse CDF."""
    width = high - low
    safe = np.where(width > 0, width, 1.0)
    split = (mode - low) / safe
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1 - u) * width * (high - mode))
    return np.where(u < split, left, right)


def find_lulls(weeks: Sequence[Week], threshold: float) -> list[Lull]:
    """Runs of consecutive weeks whose free hours at P80 reach `threshold`."""
    lulls: list[Lull] = []
    first: int | None = None
    for k, w in enumerate([*weeks, None]):
        free = w is not None and w.free_p80 >= threshold and w.capacity > 0
        if free and first is None:
            first = k
        elif not free and first is not None:
            run = weeks[first:k]
            lulls.append(Lull(first, k - first, run[0].start, sum(x.free_p80 for x in run)))
            first = None
    return lulls


def _spread(
    start: FloatArray,
    end: FloatArray,
    rate: FloatArray,
    t_today: float,
    horizon: int,
    width: int,
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Point updates of a difference array (a row of `width` days per sample) that add
    `rate` over [start, end) days, from today to the horizon.

    A day partly covered gets its share: with s = floor(start), e = floor(end), the
    amounts are rate*(1 - frac(start)) on day s, rate on the days between, rate*frac(end)
    on day e, which four point updates give (and they cancel out when start == end).
    """
    a = np.clip(start, t_today, horizon)
    b = np.clip(end, t_today, horizon)
    np.maximum(a, b, out=b)
    s = np.floor(a)
    e = np.floor(b)
    fs = a - s
    fe = b - e
    row = (np.arange(start.shape[0], dtype=np.int64) * width)[:, None]
    m = a.size
    idx = np.empty(4 * m, dtype=np.int64)
    weights = np.empty(4 * m)
    si = idx[:m].reshape(a.shape)
    np.add(s.astype(np.int64), row, out=si)
    np.add(si, 1, out=idx[m : 2 * m].reshape(a.shape))
    ei = idx[2 * m : 3 * m].reshape(a.shape)
    np.add(e.astype(np.int64), row, out=ei)
    np.add(ei, 1, out=idx[3 * m :].reshape(a.shape))
    np.multiply(rate, 1 - fs, out=weights[:m].reshape(a.shape))
    np.multiply(rate, fs, out=weights[m : 2 * m].reshape(a.shape))
    np.multiply(rate, fe - 1, out=weights[2 * m : 3 * m].reshape(a.shape))
    np.multiply(rate, -fe, out=weights[3 * m :].reshape(a.shape))
    return idx, weights


def _windows(
    stages: Sequence[tuple[Any, Any]], start: FloatArray, end: FloatArray, origin: dt.date
) -> list[StageWindow]:
    if not stages:
        return []
    s50 = np.quantile(np.ascontiguousarray(start.T), P50, axis=1)
    e50, e80 = np.quantile(np.ascontiguousarray(end.T), [P50, P80], axis=1)

    def date_of(days: float) -> dt.date:
        return origin + dt.timedelta(days=int(np.floor(days)))

    return [
        StageWindow(
            project=p.name,
            key=s.key,
            kind=s.kind,
            status=s.status,
            start_p50=date_of(float(s50[i])),
            end_p50=date_of(float(e50[i])),
            end_p80=date_of(float(e80[i])),
        )
        for i, (p, s) in enumerate(stages)
    ]
