"""Runs' outlooks from the store: planned steps, project bests, ETA and projected end.

The health engine keeps an outlook of each live run as points arrive; what
it needs from the store (planned steps, the project's best values) is read
here, and so is the on-demand outlook the API and the CLI show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lowtide.core.eta import Pace, planned_steps_from_config, project, will_not_beat
from lowtide.core.health.kinds import SeriesKind, headline_metric, parse_kinds
from lowtide.core.health.outlook import Target
from lowtide.core.records import HealthSettings, RunStatus, json_float
from lowtide.errors import NotFoundError
from lowtide.store import Store

#: Finished runs of a project searched for its best values (the newest ones).
BEST_OF_RUNS = 20
#: Points of the busiest series, the latest, that the pace for the ETA is learned from ...
PACE_POINTS = 20_000
#: ... read from at most this many steps back (a series may log several points a step).
PACE_STEPS = 200_000


def planned_steps(settings: HealthSettings) -> int | None:
    """Planned steps set for the run, or found in its config."""
    return settings.planned_steps or planned_steps_from_config(settings.config)


def overrides(settings: HealthSettings) -> dict[str, SeriesKind]:
    """The run's series kinds that override the names' guess (unknown ones ignored)."""
    return parse_kinds(settings.kinds)


def best_of(values: np.ndarray[Any, np.dtype[np.float64]], higher: bool) -> int | None:
    """Index of the best finite value; None when there is none."""
    finite = np.flatnonzero(np.isfinite(values))
    if not finite.size:
        return None
    picked = values[finite]
    return int(finite[np.argmax(picked) if higher else np.argmin(picked)])


def project_targets(store: Store, project: str, exclude: str | None = None) -> dict[str, Target]:
    """The best value of each headline metric among a project's finished runs."""
    targets: dict[str, Target] = {}
    for run in store.list_runs(project=project, status=RunStatus.FINISHED, limit=BEST_OF_RUNS):
        if run.uid == exclude:
            continue
        keys = [k.key for k in store.list_keys(run.uid)]
        headline = headline_metric(keys, overrides(store.health_settings(run.uid)))
        if headline is None:
            continue
        metric, higher = headline
        series = store.read_series(run.uid, metric)
        at = best_of(series.values, higher)
        if at is None:
            continue
        best = float(series.values[at])
        known = targets.get(metric)
        if known is None or (best > known.best if higher else best < known.best):
            targets[metric] = Target(metric, best, higher, run.name)
    return targets


@dataclass(frozen=True)
class RunOutlook:
    """What the API shows of a run's outlook."""

    planned_steps: int | None
    last_step: int | None
    seconds_per_step: float | None
    eta_s: float | None
    metric: str | None
    higher_is_better: bool
    projection: dict[str, Any] | None
    target: Target | None
    will_not_beat: bool

    def to_json(self) -> dict[str, Any]:
        target = self.target
        return {
            "planned_steps": self.planned_steps,
            "last_step": self.last_step,
            "seconds_per_step": self.seconds_per_step,
            "eta_s": self.eta_s,
            "metric": self.metric,
            "higher_is_better": self.higher_is_better,
            "projection": self.projection,
            "project_best": None
            if target is None
            else {"value": json_float(target.best), "run": target.run_name},
            "will_not_beat": self.will_not_beat,
        }


def run_outlook(store: Store, uid: str, *, projection: bool = True) -> RunOutlook:
    """A run's ETA (from the pace of its busiest series) and its headline's projected end.

    Without `projection`, only the pace and the ETA: what the forecast and the
    list of live jobs need, without reading the headline series and the
    project's finished runs for their best values.
    """
    run = store.get_run(uid)
    settings = store.health_settings(uid)
    planned = planned_steps(settings)
    keys = store.list_keys(uid)
    if not keys:
        raise NotFoundError(f"run {run.name} has logged nothing yet")
    busiest = max(keys, key=lambda k: k.n_points)
    pace = Pace()
    # The recent stretch tells the pace and the share of pauses as well as the whole run
    # would, and a million-point run answers as fast as a short one.
    start = max(0, busiest.last_step - PACE_STEPS) if busiest.n_points > PACE_POINTS else None
    series = store.read_series(uid, busiest.key, start=start)
    tail = slice(max(0, len(series) - PACE_POINTS), len(series))
    for step, wall_time in zip(
        series.steps[tail].tolist(), series.wall_times[tail].tolist(), strict=True
    ):
        pace.observe(step, wall_time)
    headline = headline_metric([k.key for k in keys], overrides(settings))
    metric, higher = headline if headline else (None, False)
    projected: dict[str, Any] | None = None
    target = None
    loses = False
    if projection and metric is not None and planned is not None:
        target = project_targets(store, run.project, exclude=uid).get(metric)
        values = store.read_series(uid, metric)
        fitted = project(values.steps, values.values, planned, lower_is_better=not higher)
        if fitted is not None:
            projected = {
                "step": planned,
                "value": json_float(fitted.value),
                "low": json_float(fitted.low),
                "high": json_float(fitted.high),
                "model": fitted.model,
            }
            if target is not None:
                loses = will_not_beat(fitted, target.best, not higher)
    eta = pace.eta_seconds(planned) if planned is not None else None
    if run.status.is_final:
        eta = None
    spp = pace.seconds_per_step
    return RunOutlook(
        planned_steps=planned,
        last_step=max(k.last_step for k in keys),
        seconds_per_step=spp if spp is not None and math.isfinite(spp) else None,
        eta_s=eta,
        metric=metric,
        higher_is_better=higher,
        projection=projected,
        target=target,
        will_not_beat=loses,
    )
