"""What each dashboard page shows, read from the store: plain values for the templates."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lowtide.core.downsample import downsample
from lowtide.core.health.kinds import headline_metric
from lowtide.core.records import IncidentRecord, KeySummary, RunRecord, RunStatus
from lowtide.errors import LowtideError
from lowtide.server.dashboard.filters import RunFilters
from lowtide.server.outlook import RunOutlook, overrides, run_outlook
from lowtide.store import Store

log = logging.getLogger(__name__)

#: Runs shown on the Runs page at most (the newest), and open incidents on the Now page.
RUNS_SHOWN = 200
INCIDENTS_SHOWN = 200
#: Last values shown per running job on the Now page.
VALUES_SHOWN = 4
#: Points of the small curve beside a running job.
SPARK_POINTS = 60
#: Width and height of that curve's SVG box.
SPARK_W, SPARK_H = 120.0, 28.0
#: Keys of the system metrics the SDK samples, charted after the run's own.
SYSTEM_PREFIX = "system/"


@dataclass(frozen=True)
class Health:
    """A run's health at a glance: a word and the CSS class of its badge."""

    label: str
    tone: str  # one of: bad, warn, ok, idle, done


def health_of(run: RunRecord, open_incidents: Iterable[IncidentRecord]) -> Health:
    """The worst open incident decides; a live run without one is healthy."""
    severities = {i.severity for i in open_incidents}
    if run.status.is_live:
        if "page" in severities:
            return Health("needs you", "bad")
        if "warn" in severities or run.status is RunStatus.STALLED:
            return Health("stalled" if run.status is RunStatus.STALLED else "warning", "warn")
        return Health("healthy", "ok")
    if run.status is RunStatus.FINISHED:
        return Health("finished", "done")
    return Health(run.status.value, "bad")


@dataclass(frozen=True)
class LiveJob:
    """A running job on the Now page."""

    run: RunRecord
    health: Health
    incidents: list[IncidentRecord]
    values: list[KeySummary]
    outlook: RunOutlook | None
    spark: str  # an SVG polyline's points, empty when there is nothing to draw
    spark_key: str | None

    @property
    def progress(self) -> float | None:
        """Share of the planned steps done, 0..1."""
        o = self.outlook
        if o is None or not o.planned_steps or o.last_step is None:
            return None
        return max(0.0, min(1.0, o.last_step / o.planned_steps))


@dataclass(frozen=True)
class NowView:
    pages: list[IncidentRecord]
    warnings: list[IncidentRecord]
    jobs: list[LiveJob]


@dataclass(frozen=True)
class RunRow:
    """One line of the Runs page."""

    run: RunRecord
    health: Health
    last_step: int | None
    headline: KeySummary | None


@dataclass(frozen=True)
class RunsView:
    rows: list[RunRow]
    projects: list[str]
    tags: list[str]
    statuses: list[str] = field(default_factory=lambda: [s.value for s in RunStatus])
    truncated: bool = False


def now_view(store: Store) -> NowView:
    """Open pages and warnings, and every live job with its health, values and ETA."""
    found = store.list_incidents(open_only=True, limit=INCIDENTS_SHOWN)
    by_run: dict[str, list[IncidentRecord]] = {}
    for incident in found:
        by_run.setdefault(incident.run_id, []).append(incident)
    live = store.list_runs(status=RunStatus.RUNNING, limit=RUNS_SHOWN) + store.list_runs(
        status=RunStatus.STALLED, limit=RUNS_SHOWN
    )
    live.sort(key=lambda r: r.started_at, reverse=True)
    jobs = [_live_job(store, run, by_run.get(run.uid, [])) for run in live]
    rank = {"bad": 0, "warn": 1, "ok": 2}
    jobs.sort(key=lambda j: rank.get(j.health.tone, 3))
    return NowView(
        pages=[i for i in found if i.severity == "page"],
        warnings=[i for i in found if i.severity == "warn"],
        jobs=jobs,
    )


def _live_job(store: Store, run: RunRecord, incidents: list[IncidentRecord]) -> LiveJob:
    keys = store.list_keys(run.uid)
    headline = headline_key(store, run.uid, keys)
    ordered = sorted(keys, key=lambda k: (k.key != headline, k.key))
    outlook: RunOutlook | None = None
    if keys:
        try:
            outlook = run_outlook(store, run.uid, projection=False)
        except LowtideError as exc:
            log.debug("no outlook for run %s: %s", run.uid, exc)
    spark = ""
    if headline is not None:
        series = store.read_series(run.uid, headline)
        picked = series.take(downsample(series.steps, series.values, SPARK_POINTS, "lttb"))
        spark = spark_points(picked.steps.astype(np.float64), picked.values)
    return LiveJob(
        run=run,
        health=health_of(run, incidents),
        incidents=incidents,
        values=ordered[:VALUES_SHOWN],
        outlook=outlook,
        spark=spark,
        spark_key=headline,
    )


def headline_key(store: Store, uid: str, keys: list[KeySummary]) -> str | None:
    """The key that speaks for the run (its headline metric), else its first key."""
    found = headline_metric([k.key for k in keys], overrides(store.health_settings(uid)))
    if found is not None:
        return found[0]
    return keys[0].key if keys else None


def chart_order(keys: Iterable[str], headline: str | None) -> list[str]:
    """The run page's charts: the headline first, then the metrics, the system ones last."""
    return sorted(keys, key=lambda k: (k != headline, k.startswith(SYSTEM_PREFIX), k))


def spark_points(
    xs: np.ndarray[Any, np.dtype[np.float64]], ys: np.ndarray[Any, np.dtype[np.float64]]
) -> str:
    """The `points` of an SVG polyline drawing ys against xs in a SPARK_W x SPARK_H box."""
    keep = np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    if xs.size < 2:
        return ""
    x0, x1 = float(xs.min()), float(xs.max())
    y0, y1 = float(ys.min()), float(ys.max())
    sx = SPARK_W / (x1 - x0) if x1 > x0 else 0.0
    sy = (SPARK_H - 2) / (y1 - y0) if y1 > y0 else 0.0
    return " ".join(
        f"{(x - x0) * sx:.1f},{SPARK_H - 1 - (y - y0) * sy:.1f}"
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
    )


def runs_view(store: Store, filters: RunFilters) -> RunsView:
    """The runs that pass the filters, newest first, with their health and headline value."""
    projects = [p.name for p in store.list_projects()]
    everything = store.list_runs(limit=RUNS_SHOWN)
    tags = sorted({t for r in everything for t in r.tags})
    if filters.errors:
        return RunsView(rows=[], projects=projects, tags=tags)
    found = store.list_runs(
        project=filters.project, status=filters.status, tag=filters.tag, limit=RUNS_SHOWN + 1
    )
    open_by_run: dict[str, list[IncidentRecord]] = {}
    for incident in store.list_incidents(open_only=True, limit=INCIDENTS_SHOWN):
        open_by_run.setdefault(incident.run_id, []).append(incident)
    rows = []
    for run in found[:RUNS_SHOWN]:
        keys = store.list_keys(run.uid)
        headline = headline_key(store, run.uid, keys)
        rows.append(
            RunRow(
                run=run,
                health=health_of(run, open_by_run.get(run.uid, [])),
                last_step=max((k.last_step for k in keys), default=None),
                headline=next((k for k in keys if k.key == headline), None),
            )
        )
    return RunsView(rows=rows, projects=projects, tags=tags, truncated=len(found) > RUNS_SHOWN)


def flat_config(config: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """A nested config as `a.b.c = value` lines, sorted by key."""
    lines: list[tuple[str, str]] = []
    for name, value in config.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping) and value:
            lines.extend(flat_config(value, path + "."))
        else:
            lines.append((path, _config_value(value)))
    return sorted(lines)


def _config_value(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)
