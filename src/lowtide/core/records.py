"""Values that cross the store's boundary: runs, keys, series, events."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt


class RunStatus(StrEnum):
    """Where a run stands. `stalled`: no points for longer than its rhythm allows;
    `crashed`: its process ended without finishing it."""

    RUNNING = "running"
    STALLED = "stalled"
    FINISHED = "finished"
    FAILED = "failed"
    CRASHED = "crashed"

    @property
    def is_final(self) -> bool:
        return self in (RunStatus.FINISHED, RunStatus.FAILED, RunStatus.CRASHED)

    @property
    def is_live(self) -> bool:
        """Still expected to log (a stalled run may resume)."""
        return self in (RunStatus.RUNNING, RunStatus.STALLED)


@dataclass(frozen=True)
class RunSpec:
    """What a client says when it creates a run; `uid` may come from the client."""

    project: str
    name: str | None = None
    uid: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    started_at: float | None = None
    planned_steps: int | None = None


@dataclass(frozen=True)
class RunRecord:
    """A stored run."""

    uid: str
    name: str
    project: str
    config: dict[str, Any]
    tags: tuple[str, ...]
    status: RunStatus
    started_at: float
    ended_at: float | None
    last_seen_at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.uid,
            "name": self.name,
            "project": self.project,
            "config": self.config,
            "tags": list(self.tags),
            "status": self.status.value,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "last_seen_at": self.last_seen_at,
        }


@dataclass(frozen=True)
class KeySummary:
    """One metric key of a run with its last point."""

    key: str
    n_points: int
    last_step: int
    last_wall_time: float
    last_value: float

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "n_points": self.n_points,
            "last_step": self.last_step,
            "last_wall_time": self.last_wall_time,
            "last_value": json_float(self.last_value),
        }


@dataclass(frozen=True)
class Series:
    """Points of one key of one run, sorted by step (ties keep their logging order)."""

    key: str
    steps: npt.NDArray[np.int64]
    wall_times: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    def take(self, idx: npt.NDArray[np.intp]) -> Series:
        return Series(self.key, self.steps[idx], self.wall_times[idx], self.values[idx])


@dataclass(frozen=True)
class RunEvent:
    """Something that happened to a run: created, finished, an incident, ..."""

    at: float
    kind: str
    message: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "kind": self.kind, "message": self.message, "data": self.data}


@dataclass(frozen=True)
class IncidentRecord:
    """A stored health incident of a run."""

    id: int
    run_id: str
    run_name: str
    project: str
    rule: str
    severity: str
    key: str | None
    onset_step: int | None
    opened_step: int | None
    last_step: int | None
    opened_at: float
    updated_at: float
    resolved_at: float | None
    message: str
    resolution: str | None
    evidence: dict[str, Any]
    count: int
    acknowledged_at: float | None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "run_id": self.run_id,
            "run_name": self.run_name,
            "project": self.project,
            "rule": self.rule,
            "severity": self.severity,
            "key": self.key,
            "onset_step": self.onset_step,
            "opened_step": self.opened_step,
            "last_step": self.last_step,
            "opened_at": self.opened_at,
            "updated_at": self.updated_at,
            "resolved_at": self.resolved_at,
            "message": self.message,
            "resolution": self.resolution,
            "evidence": self.evidence,
            "count": self.count,
            "acknowledged_at": self.acknowledged_at,
            "open": self.is_open,
        }


@dataclass(frozen=True)
class Mute:
    """Notifications silenced for a project or run, one rule or all, until a time."""

    id: int
    project: str | None
    run_id: str | None
    rule: str | None
    until: float | None

    def covers(self, project: str, run_id: str, rule: str, now: float) -> bool:
        return (
            (self.until is None or now < self.until)
            and (self.project is None or self.project == project)
            and (self.run_id is None or self.run_id == run_id)
            and (self.rule is None or self.rule == rule)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "project": self.project,
            "run_id": self.run_id,
            "rule": self.rule,
            "until": self.until,
        }


@dataclass(frozen=True)
class HealthSettings:
    """What the health engine needs to know about a run beyond its points."""

    planned_steps: int | None
    kinds: dict[str, str]
    config: dict[str, Any]


@dataclass(frozen=True)
class DeliveryRecord:
    """What became of one message on one channel (the channel's secrets masked)."""

    id: int
    at: float
    scope: str
    channel: str
    title: str
    status: str
    attempts: int
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "scope": self.scope,
            "channel": self.channel,
            "title": self.title,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
        }


def json_float(x: float) -> float | str:
    """A float for JSON: non-finite values become "NaN", "Infinity" or "-Infinity"."""
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def json_float_array(
    values: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64] | list[float | str]:
    """The values for a JSON writer that takes numpy arrays: the array itself when every
    value is finite (JSON has no NaN), else `json_floats`."""
    if bool(np.isfinite(values).all()):
        return np.ascontiguousarray(values)
    return json_floats(values)


def json_floats(values: npt.NDArray[np.float64]) -> list[float | str]:
    """Like `json_float` for a whole array, fast when most values are finite."""
    out: list[float | str] = values.tolist()
    for i in np.flatnonzero(~np.isfinite(values)).tolist():
        out[i] = json_float(out[i])  # type: ignore[arg-type]
    return out
