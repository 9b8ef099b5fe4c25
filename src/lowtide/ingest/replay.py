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

from lowtide.core.health import Action, HealthEngine, Incident, RunHealth
from lowtide.errors import ValidationError
from lowtide.ingest.csv_log import is_metric_csv, read_rows

#: Seconds the clock runs on after a run's last point (`--observe-for`).
DEFAULT_OBSERVE_S = 600.0
#: A stall is looked for this long after the moment it becomes due.
_EPSILON_S = 1e-3


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


def find_runs(paths: list[Path]) -> Iterator[Path]:
    """Each run under the given paths: a CSV file, or each CSV file or subfolder of a folder."""
    for path in paths:
        if not path.exists():
            raise ValidationError(f"{path} does not exist")
        if path.is_file():
            if not is_metric_csv(path):
                raise ValidationError(f"{path} is not a CSV log with 'step,wall_time' columns")
            yield path
            continue
        for child in sorted(path.iterdir()):
            if child.is_file() and is_metric_csv(child):
                yield child
            elif child.is_dir():
                yield from (c for c in sorted(child.iterdir()) if is_metric_csv(c))


def replay_run(path: Path, observe_for: float = DEFAULT_OBSERVE_S) -> ReplayResult:
    """Feed one run through a fresh engine and report its incidents."""
    now = [0.0]
    engine = HealthEngine(clock=lambda: now[0])
    health = engine.run(str(path))
    opened = _Opened()
    last_time = math.nan
    for row in read_rows(path):
        _advance(health, opened, row.wall_time)
        now[0] = row.wall_time
        for key, value in row.values.items():
            health.observe(key, row.step, row.wall_time, value)
        _collect(health, opened)
        last_time = row.wall_time
    if math.isfinite(last_time):
        end = last_time + observe_for
        _advance(health, opened, end)
        health.tick(end)
        _collect(health, opened)
    return ReplayResult(
        run=str(path),
        incidents=list(opened.found.values()),
        state=health.state.value,
        eta_s=None,
        n_points=health.n_points,
    )


class _Opened:
    """Incidents opened so far, by incident; the incidents are held, so that no id is reused."""

    def __init__(self) -> None:
        self.found: dict[int, dict[str, Any]] = {}
        self.held: list[Incident] = []


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
    found = opened.found
    for event in health.take_events():
        incident = event.incident
        if event.action is Action.OPENED:
            # A resolved incident that nothing held could be freed and its id() reused.
            opened.held.append(incident)
            found[id(incident)] = {
                "rule": incident.rule.value,
                "severity": incident.severity.value,
                "step": incident.opened_step,
                "wall_time": incident.opened_at,
                "onset_step": incident.onset_step,
                "message": incident.message,
            }
        elif event.action is Action.UPDATED and id(incident) in found:
            found[id(incident)]["severity"] = incident.severity.value
        elif event.action is Action.RESOLVED and id(incident) in found:
            found[id(incident)]["resolved_at"] = incident.resolved_at
