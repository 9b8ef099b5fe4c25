"""Judging training runs as their points arrive: kinds, rules, monitors and the engine."""

from lowtide.core.health.engine import (
    Action,
    HealthEngine,
    Incident,
    IncidentEvent,
    RunHealth,
    RunState,
)
from lowtide.core.health.kinds import SeriesKind, infer_kind
from lowtide.core.health.rules import RuleId, Severity

__all__ = [
    "Action",
    "HealthEngine",
    "Incident",
    "IncidentEvent",
    "RuleId",
    "RunHealth",
    "RunState",
    "SeriesKind",
    "Severity",
    "infer_kind",
]
