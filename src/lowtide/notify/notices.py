"""What can be handed to the notifier: incident events with their run, run summaries, messages.

These are plain values that cross from the ingest path to the notifier's
thread; the health engine keeps mutating its `Incident` objects, so
`snapshot()` copies an event before it leaves the caller's thread.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from lowtide.core.health import Action, Incident, IncidentEvent, Severity


@dataclass(frozen=True)
class RunInfo:
    """The run a notice is about, as people know it."""

    run_id: str
    name: str | None = None
    project: str | None = None

    @property
    def label(self) -> str:
        """The run's name (or id) and its project: `bert-base (nlp)`."""
        name = self.name or self.run_id
        return f"{name} ({self.project})" if self.project else name


@dataclass(frozen=True)
class EventNotice:
    """An incident event, with the run it belongs to and recent values of its series.

    `recent` holds the last values of the incident's key, oldest first; when
    given, the message draws them as a sparkline.
    """

    event: IncidentEvent
    run: RunInfo
    recent: tuple[float, ...] = ()


@dataclass(frozen=True)
class RunSummary:
    """How a run ended: the end-of-run message is drawn from it."""

    run: RunInfo
    status: str
    started_at: float
    ended_at: float
    last_step: int | None = None
    metric: str | None = None
    best: float | None = None
    best_step: int | None = None
    final: Mapping[str, float] = field(default_factory=dict)
    incidents: tuple[Incident, ...] = ()


@dataclass(frozen=True)
class Message:
    """A message written by the caller; `severity` decides how it is routed."""

    title: str
    body: str
    severity: Severity = Severity.INFO
    run: RunInfo | None = None


#: Everything `Dispatcher.submit()` and `Policy.decide()` accept.
Notice = EventNotice | RunSummary | Message


def snapshot(event: IncidentEvent) -> IncidentEvent:
    """A copy of the event whose incident the health engine can no longer change."""
    incident = dataclasses.replace(event.incident, evidence=dict(event.incident.evidence))
    return IncidentEvent(event.action, incident, event.message)


def is_urgent(notice: Notice) -> bool:
    """Whether the notice is a page: it wakes the engineer and is never dropped for room."""
    if isinstance(notice, EventNotice):
        return (
            notice.event.incident.severity is Severity.PAGE
            and notice.event.action is not Action.RESOLVED
        )
    if isinstance(notice, Message):
        return notice.severity is Severity.PAGE
    return False
