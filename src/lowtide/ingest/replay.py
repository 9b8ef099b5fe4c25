"""Replaying logged runs through the health engine, with the clock set to each point's time.

This is how the engine is scored: the same engine the server uses sees the
points in order, time passes between them as it did, and after the last point
the clock runs on for a while so that a stall can show.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lowtide.core.health import Action, HealthEngine, RunHealth
from lowtide.errors import ValidationError
from lowtide.ingest.sources import Source, find_sources

#: Seconds the clock runs on after a run's last point (`--observe-for`).
DEFAULT_OBSERVE_S = 600.0
#: A stall is looked for this long after the moment it becomes due.
_EPSILON_S = 1e-3
#: Seconds between two records of a format that keeps no clock (Lightning, Keras,
#: Hugging Face): one record a second, so that the run has a rhythm to judge.
CLOCKLESS_GAP_S = 1.0


#: Incidents opened during a replay, by identity, with what is reported of each.
_Opened = dict[int, tuple[object, dict[str, Any]]]


@dataclass(frozen=True)
class ReplayResult:
    """What the engine made of one run."""

    run: str
    incidents: list[dict[str, Any]]
    state: str
    eta_s: float | None
    n_points: int

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "incidents": self.incidents,
            "eta_s": self.eta_s,
            "state": self.state,
        }


def find_runs(paths: list[Path]) -> Iterator[Source]:
    """Each run under the given paths: TensorBoard, CSV (lowtide, Lightning, Keras), HF Trainer."""
    yield from find_sources(paths)


def replay_run(
    run: Source | Path, observe_for: float = DEFAULT_OBSERVE_S, planned_steps: int | None = None
) -> ReplayResult:
    """Feed one run (a source, or a log file) through a fresh engine and report its incidents,
    and its ETA at the last point when the planned steps are known (given, or in the log)."""
    source = run if isinstance(run, Source) else _source_of(run)
    path = source.path
    now = [0.0]
    engine = HealthEngine(clock=lambda: now[0])
    health = engine.run(str(path), planned_steps=planned_steps or source.info().planned_steps)
    opened: _Opened = {}
    last_time = math.nan
    for i, record in enumerate(source.records()):
        wall_time = record.wall_time if record.wall_time is not None else i * CLOCKLESS_GAP_S
        _advance(health, opened, wall_time)
        now[0] = wall_time
        for key, value in record.values.items():
            health.observe(key, record.step, wall_time, value)
        _collect(health, opened)
        last_time = wall_time
    eta_s = health.eta_s()
    if math.isfinite(last_time):
        end = last_time + observe_for
        _advance(health, opened, end)
        health.tick(end)
        _collect(health, opened)
    return ReplayResult(
        run=str(path),
        incidents=[summary for _, summary in opened.values()],
        state=health.state.value,
        eta_s=eta_s,
        n_points=health.n_points,
    )


def _source_of(path: Path) -> Source:
    found = find_sources([path])
    if len(found) != 1:
        raise ValidationError(f"{path} holds {len(found)} runs; replay needs exactly one")
    return found[0]


def _advance(health: RunHealth, opened: _Opened, until: float) -> None:
    """Let the clock reach `until`, stopping at every moment a stall or crash falls due."""
    due = health.next_due() + _EPSILON_S
    while due < until:
        health.tick(due)
        _collect(health, opened)
        following = health.next_due() + _EPSILON_S
        if following <= due:
            break
        due = following


def _collect(health: RunHealth, opened: _Opened) -> None:
    for event in health.take_events():
        incident = event.incident
        if event.action is Action.OPENED:
            # The incident is kept with its summary: while it lives, no other can take its id.
            opened[id(incident)] = (
                incident,
                {
                    "rule": incident.rule.value,
                    "severity": incident.severity.value,
                    "step": incident.opened_step,
                    "wall_time": incident.opened_at,
                    "onset_step": incident.onset_step,
                    "message": incident.message,
                },
            )
        elif event.action is Action.UPDATED and id(incident) in opened:
            opened[id(incident)][1]["severity"] = incident.severity.value
        elif event.action is Action.RESOLVED and id(incident) in opened:
            opened[id(incident)][1]["resolved_at"] = incident.resolved_at
