"""The forecast from what the store holds, recomputed on every call.

Nothing is cached: a forecast of 20 projects over a year takes well under the
time of the request that asks for it, so a stage that changes or a run whose
ETA moves shows in the very next forecast. ETAs of active stages come from
their runs (training: the latest end among its live runs) or from their
progress rate (annotation, collection); the caller hands over how to get a
run's ETA, since that lives with the server's health engine.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping

from lowtide.core.forecast import (
    DEFAULT_LULL_HOURS,
    DEFAULT_SAMPLES,
    DEFAULT_WEEKS,
    Forecast,
    learn_profiles,
)
from lowtide.core.forecast import forecast as run_forecast
from lowtide.core.profile import local_midnight, week_start
from lowtide.core.stages import Plan, ProgressSample, StageStatus, progress_eta
from lowtide.errors import LowtideError
from lowtide.store import Store

log = logging.getLogger(__name__)

#: Seconds until a run ends at its pace, or None when unknown or not running.
RunEta = Callable[[str], float | None]


def stage_etas(
    plan: Plan,
    now: float,
    run_eta: RunEta,
    progress: Mapping[str, list[ProgressSample]],
) -> dict[str, float]:
    """Unix times at which active stages are expected to end, by "project/stage"."""
    etas: dict[str, float] = {}
    for project in plan.projects:
        for stage in project.stages:
            if stage.status is not StageStatus.ACTIVE:
                continue
            ref = f"{project.name}/{stage.key}"
            seconds: float | None = None
            if stage.kind.has_runs and stage.runs:
                found = [s for s in (_safe(run_eta, uid) for uid in stage.runs) if s is not None]
                seconds = max(found) if found else None
            elif stage.kind.has_progress and ref in progress:
                seconds = progress_eta(progress[ref], now)
            if seconds is not None:
                etas[ref] = now + seconds
    return etas


def build_forecast(
    store: Store,
    now: float,
    run_eta: RunEta,
    *,
    weeks: int = DEFAULT_WEEKS,
    samples: int = DEFAULT_SAMPLES,
    lull_hours: float = DEFAULT_LULL_HOURS,
) -> tuple[Forecast, dict[str, float]]:
    """The forecast of every project in the store, and the stage ETAs it used."""
    plan = store.plan()
    profile = store.engineer_profile()
    origin = week_start(dt.datetime.fromtimestamp(now, profile.tz).date())
    start = local_midnight(origin, profile.tz)
    busy = store.busy_between(start, start + weeks * 7 * 86400.0)
    etas = stage_etas(plan, now, run_eta, store.progress_history())
    result = run_forecast(
        plan,
        profile,
        now,
        weeks=weeks,
        samples=samples,
        etas=etas,
        busy=busy,
        profiles=learn_profiles(store.hours_actuals()),
        lull_hours=lull_hours,
    )
    return result, etas


def _safe(run_eta: RunEta, uid: str) -> float | None:
    """A run's ETA; a run not logged yet (or gone) has none."""
    try:
        return run_eta(uid)
    except LowtideError as exc:
        log.debug("no ETA for run %s: %s", uid, exc)
        return None
