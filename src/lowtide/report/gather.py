"""Reading a story from the store: runs, metric, best run, configurations, incidents, time."""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lowtide.core.downsample import downsample
from lowtide.core.health.engine import RUN_ENDED
from lowtide.core.health.kinds import SeriesKind, headline_metric, infer_kind, parse_kinds
from lowtide.core.records import IncidentRecord, RunRecord, Series
from lowtide.core.stages import Stage, StageStatus
from lowtide.errors import NotFoundError, ValidationError
from lowtide.report.story import (
    DIVERGED_RULES,
    MISSING,
    Curve,
    Hyperparameter,
    IncidentStory,
    Metric,
    RunStory,
    StageStory,
    Story,
    Subject,
)
from lowtide.store import Store

#: Most runs one draft compares (a project's newest); more make tables nobody reads.
MAX_RUNS = 12
#: Most metric keys drawn as figures, the deciding metric first.
MAX_CURVE_KEYS = 4
#: Points of each curve kept for a figure (LTTB keeps the shape and every NaN).
CURVE_POINTS = 2000
#: Severities of incidents worth a line in the story (informational ones are left out).
TOLD_SEVERITIES = frozenset({"page", "warn"})


def build_story(store: Store, subject: Subject, now: float | None = None) -> Story:
    """Read what the subject's runs and project hold; NotFoundError names what is missing."""
    now = time.time() if now is None else now
    records = _runs_of(store, subject)
    project_name = records[0].project
    project = store.plan(project_name).projects[0]
    runs_keys = {r.uid: [k.key for k in store.list_keys(r.uid)] for r in records}
    metric = _metric(store, subject, records, runs_keys)
    stories = []
    for r in records:
        has_metric = metric is not None and metric.key in runs_keys[r.uid]
        series = store.read_series(r.uid, metric.key) if metric and has_metric else None
        stories.append(_run_story(store, r, metric, series, now))
    best = _best_run(stories, metric)
    shared, differing = _compare_configs([r.config for r in stories])
    curves = _curves(store, stories, runs_keys, metric, best)
    today = dt.datetime.fromtimestamp(now, store.engineer_profile().tz).date()
    hours = _stage_hours(store, project.name)
    stages = tuple(_stage_story(s, hours, today) for s in project.stages)
    title = project.name if subject.run is None else store.find_run(subject.run).name
    return Story(
        title=title,
        subject="run" if subject.run is not None else "project",
        project=project.name,
        goal=project.goal,
        owner=project.owner,
        runs=tuple(stories),
        metric=metric,
        best=best,
        shared_config=shared,
        differing=differing,
        curves=curves,
        incidents=tuple(i for r in stories for i in r.incidents),
        stages=stages,
        stage_hours=sum(s.hours for s in stages),
        compute_hours=sum(r.hours for r in stories),
        made_at=now,
    )


def _runs_of(store: Store, subject: Subject) -> list[RunRecord]:
    """The subject's runs, oldest first, without repeats."""
    if subject.project is not None:
        names = {p.name for p in store.list_projects()}
        if subject.project not in names:
            raise NotFoundError(f"no project {subject.project!r}")
        if subject.runs:
            found = [store.find_run(ref) for ref in subject.runs]
            strangers = [r.name for r in found if r.project != subject.project]
            if strangers:
                raise ValidationError(
                    f"runs {', '.join(strangers)} are not in project {subject.project!r}",
                    field="runs",
                )
        else:
            found = store.list_runs(project=subject.project, limit=MAX_RUNS)
        if not found:
            raise NotFoundError(f"project {subject.project!r} has no runs to write up")
    else:
        assert subject.run is not None
        found = [store.find_run(subject.run), *(store.find_run(ref) for ref in subject.runs)]
    unique = list({r.uid: r for r in found}.values())
    if len(unique) > MAX_RUNS:
        raise ValidationError(
            f"{len(unique)} runs are too many for one article; compare at most {MAX_RUNS}",
            field="runs",
        )
    return sorted(unique, key=lambda r: (r.started_at, r.uid))


def _metric(
    store: Store, subject: Subject, records: Sequence[RunRecord], keys: Mapping[str, list[str]]
) -> Metric | None:
    """The named metric, or the headline one the runs share (held-out series first)."""
    everything = sorted({k for r in records for k in keys[r.uid]})
    if subject.metric is not None:
        if subject.metric not in everything:
            shown = ", ".join(everything) or "none"
            raise NotFoundError(f"no run logged metric {subject.metric!r}; keys: {shown}")
        higher = (
            subject.mode == "max"
            if subject.mode is not None
            else _higher_is_better(subject.metric, store, records)
        )
        return Metric(subject.metric, higher, chosen=True)
    shared = sorted(set.intersection(*(set(keys[r.uid]) for r in records)))
    kinds = _overrides(store, records)
    found = headline_metric(shared, kinds) or headline_metric(everything, kinds)
    if found is None:
        return None
    key, higher = found
    if subject.mode is not None:
        higher = subject.mode == "max"
    return Metric(key, higher, chosen=subject.mode is not None)


def _overrides(store: Store, records: Sequence[RunRecord]) -> dict[str, SeriesKind]:
    """Series kinds set on the runs or their project, over the names' guess."""
    found: dict[str, SeriesKind] = {}
    for r in records:
        for name, kind in parse_kinds(store.health_settings(r.uid).kinds).items():
            found.setdefault(name, kind)
    return found


def _higher_is_better(key: str, store: Store, records: Sequence[RunRecord]) -> bool:
    kind = _overrides(store, records).get(key) or infer_kind(key)
    return kind in (SeriesKind.HIGHER_BETTER, SeriesKind.THROUGHPUT)


def _run_story(
    store: Store,
    record: RunRecord,
    metric: Metric | None,
    series: Series | None,
    now: float,
) -> RunStory:
    incidents = [
        _incident_story(record, i)
        for i in sorted(store.list_incidents(run=record.uid), key=lambda i: (i.opened_at, i.id))
        if i.severity in TOLD_SEVERITIES
    ]
    best = best_step = final = final_step = None
    if series is not None and len(series):
        at = best_index(series.values, metric is not None and metric.higher_is_better)
        if at is not None:
            best, best_step = float(series.values[at]), int(series.steps[at])
        final, final_step = float(series.values[-1]), int(series.steps[-1])
    open_bad = any(not i.resolved and i.rule in DIVERGED_RULES for i in incidents)
    last_steps = [k.last_step for k in store.list_keys(record.uid)]
    ended = record.ended_at if record.ended_at is not None else record.last_seen_at
    return RunStory(
        uid=record.uid,
        name=record.name,
        status=record.status.value,
        started_at=record.started_at,
        ended_at=min(ended, now) if record.status.is_live else ended,
        config=_flatten(record.config),
        tags=record.tags,
        last_step=max(last_steps) if last_steps else None,
        best=best,
        best_step=best_step,
        final=final,
        final_step=final_step,
        diverged=open_bad or (final is not None and not math.isfinite(final)),
        incidents=tuple(incidents),
    )


def best_index(values: npt.NDArray[np.float64], higher: bool) -> int | None:
    """Index of the best finite value (the first of equals); None when there is none."""
    finite = np.flatnonzero(np.isfinite(values))
    if not finite.size:
        return None
    picked = values[finite]
    return int(finite[np.argmax(picked) if higher else np.argmin(picked)])


def _incident_story(run: RunRecord, incident: IncidentRecord) -> IncidentStory:
    step = incident.onset_step if incident.onset_step is not None else incident.opened_step
    recovered = incident.resolved_at is not None and incident.resolution != RUN_ENDED
    if recovered:
        outcome = f"resolved: {incident.resolution}" if incident.resolution else "resolved"
    elif run.status.is_final:
        outcome = f"never recovered; still open when the run ended ({run.status.value})"
    else:
        outcome = "still open; the run is still going"
    return IncidentStory(
        run=run.name,
        rule=incident.rule,
        severity=incident.severity,
        key=incident.key,
        step=step,
        message=incident.message,
        resolved=recovered,
        outcome=outcome,
    )


def _best_run(runs: Sequence[RunStory], metric: Metric | None) -> RunStory | None:
    """The run with the best value of the metric; runs that diverged only when all did."""
    if metric is None:
        return runs[0] if len(runs) == 1 else None
    scored = [r for r in runs if r.best is not None]
    healthy = [r for r in scored if not r.diverged] or scored
    if not healthy:
        return None
    sign = -1.0 if metric.higher_is_better else 1.0
    return min(healthy, key=lambda r: sign * (r.best or 0.0))


def _flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """A nested config as `a.b.c` keys with values as text."""
    flat: dict[str, str] = {}
    for name, value in config.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, path + "."))
        elif isinstance(value, str):
            flat[path] = value
        elif isinstance(value, float) and not math.isfinite(value):
            flat[path] = str(value)
        else:
            flat[path] = json.dumps(value, default=str)
    return flat


def _compare_configs(
    configs: Sequence[dict[str, str]],
) -> tuple[tuple[tuple[str, str], ...], tuple[Hyperparameter, ...]]:
    """Keys every run sets alike, and keys whose values differ (by key)."""
    keys = sorted({k for c in configs for k in c})
    shared: list[tuple[str, str]] = []
    differing: list[Hyperparameter] = []
    for key in keys:
        values = tuple(c.get(key, MISSING) for c in configs)
        if len(set(values)) == 1:
            shared.append((key, values[0]))
        else:
            differing.append(Hyperparameter(key, values))
    return tuple(shared), tuple(differing)


def _curve_keys(runs_keys: Mapping[str, list[str]], metric: Metric | None) -> list[str]:
    """Keys worth a figure: the deciding metric, then losses and evaluation metrics."""
    everything = sorted({k for keys in runs_keys.values() for k in keys})
    chosen = [metric.key] if metric is not None else []
    for key in everything:
        kind = infer_kind(key)
        if key not in chosen and (kind.is_loss or kind.is_eval_metric):
            chosen.append(key)
    if not chosen:
        chosen = [k for k in everything if infer_kind(k) is not SeriesKind.SYSTEM]
    return chosen[:MAX_CURVE_KEYS]


def _curves(
    store: Store,
    runs: Sequence[RunStory],
    runs_keys: Mapping[str, list[str]],
    metric: Metric | None,
    best: RunStory | None,
) -> tuple[tuple[str, tuple[Curve, ...]], ...]:
    found = []
    for key in _curve_keys(runs_keys, metric):
        curves = []
        for run in runs:
            if key not in runs_keys[run.uid]:
                continue
            s = store.read_series(run.uid, key)
            picked = s.take(downsample(s.steps, s.values, CURVE_POINTS, "lttb"))
            curves.append(
                Curve(
                    run=run.name,
                    steps=picked.steps,
                    values=picked.values,
                    best=best is not None and run.uid == best.uid,
                    diverged=run.diverged,
                )
            )
        # A key with no number at all (NaN from its first point) would be an empty chart.
        if any(bool(np.isfinite(c.values).any()) for c in curves):
            found.append((key, tuple(curves)))
    return tuple(found)


def _stage_hours(store: Store, project: str) -> dict[str, float]:
    """Hours recorded on each stage of the project, summed over the weeks."""
    hours: dict[str, float] = {}
    for h in store.hours_actuals():
        name, _, key = h.stage.partition("/")
        if name == project:
            hours[key] = hours.get(key, 0.0) + h.hours
    return hours


def _stage_story(stage: Stage, hours: Mapping[str, float], today: dt.date) -> StageStory:
    days = None
    if stage.started_on is not None:
        end = stage.ended_on or (today if stage.status is StageStatus.ACTIVE else None)
        if end is not None:
            days = (end - stage.started_on).days + 1
    estimate = stage.estimate
    p = stage.progress
    return StageStory(
        key=stage.key,
        kind=stage.kind.value,
        status=stage.status.value,
        started_on=stage.started_on,
        ended_on=stage.ended_on,
        days=days,
        estimate_days=estimate.likely if estimate is not None else None,
        hours=hours.get(stage.key, 0.0),
        progress=None if p is None else f"{p.done:,} of {p.total:,} ({p.fraction:.0%})",
    )
