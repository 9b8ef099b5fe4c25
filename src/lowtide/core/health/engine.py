"""The health engine: judges runs as their points arrive, and keeps their incidents.

Pure and streaming: `observe()` takes one point and updates the run's state in
amortized constant time; `tick(now)` lets time pass (stalls, crashes, runs
that look complete); `finish()` records how a run ended. Each returns the
incident events it caused: one open incident per (run, rule), updated rather
than repeated, and resolved when the run recovers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lowtide.core.health import rules as r
from lowtide.core.health.cadence import Cadence
from lowtide.core.health.kinds import SeriesKind, infer_kind
from lowtide.core.health.monitors import EvalMonitor, LossMonitor, Monitor, make_monitor
from lowtide.core.health.rules import DEFAULT_SEVERITY, RuleId, Severity

#: Series kinds whose non-finite values are evidence of a broken run (gradient norms and
#: throughput are not: mixed precision skips steps with infinite gradients on purpose).
NONFINITE_KINDS = frozenset(
    {
        SeriesKind.TRAIN_LOSS,
        SeriesKind.VAL_LOSS,
        SeriesKind.HIGHER_BETTER,
        SeriesKind.LOWER_BETTER,
        SeriesKind.LEARNING_RATE,
    }
)


class RunState(StrEnum):
    """Where a judged run stands."""

    RUNNING = "running"
    STALLED = "stalled"
    FINISHED = "finished"
    FAILED = "failed"
    CRASHED = "crashed"


class Action(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"
    RESOLVED = "resolved"


@dataclass
class Incident:
    """An open (or resolved) incident: one per run and rule."""

    run_id: str
    rule: RuleId
    severity: Severity
    key: str | None
    step: int | None
    wall_time: float
    opened_at: float
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    onset_step: int | None = None
    opened_step: int | None = None
    count: int = 1
    resolved_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "rule": self.rule.value,
            "severity": self.severity.value,
            "key": self.key,
            "step": self.step,
            "wall_time": self.wall_time,
            "opened_at": self.opened_at,
            "onset_step": self.onset_step,
            "opened_step": self.opened_step,
            "message": self.message,
            "evidence": self.evidence,
            "count": self.count,
            "resolved_at": self.resolved_at,
        }


@dataclass(frozen=True)
class IncidentEvent:
    """Something happened to an incident: it opened, grew, or resolved."""

    action: Action
    incident: Incident
    message: str


class RunHealth:
    """One run's monitors, rhythm and incidents."""

    def __init__(
        self,
        run_id: str,
        overrides: Mapping[str, SeriesKind],
        planned_steps: int | None,
    ) -> None:
        self.run_id = run_id
        self.overrides = dict(overrides)
        self.planned_steps = planned_steps
        self.monitors: dict[str, Monitor] = {}
        self.cadence = Cadence()
        self.open: dict[RuleId, Incident] = {}
        self.events: list[IncidentEvent] = []
        self.state = RunState.RUNNING
        self.warmup_done = True  # until a learning rate says it is still rising
        self.lr_zero = False
        self.grad_zero = False
        self.schedule_ended = False
        self.train: LossMonitor | None = None
        self.last_step: int | None = None
        self.last_eval_time = math.nan
        self.last_heartbeat = math.nan
        self.clock_now = math.nan
        self.n_points = 0
        self._nonfinite_keys: set[str] = set()

    # -- the Judge protocol ------------------------------------------------------------

    def fire(
        self,
        rule: RuleId,
        key: str | None,
        step: int | None,
        wall_time: float,
        message: str,
        evidence: dict[str, Any],
        severity: Severity | None = None,
        onset: tuple[int, float] | None = None,
    ) -> None:
        severity = severity or DEFAULT_SEVERITY[rule]
        incident = self.open.get(rule)
        if incident is None:
            incident = Incident(
                run_id=self.run_id,
                rule=rule,
                severity=severity,
                key=key,
                step=step,
                wall_time=wall_time,
                opened_at=wall_time,
                message=message,
                evidence=evidence,
                onset_step=onset[0] if onset else step,
                opened_step=step,
            )
            self.open[rule] = incident
            self.events.append(IncidentEvent(Action.OPENED, incident, message))
            return
        incident.count += 1
        incident.step, incident.wall_time, incident.message = step, wall_time, message
        incident.evidence = evidence
        if severity.rank > incident.severity.rank:
            incident.severity = severity
            self.events.append(IncidentEvent(Action.UPDATED, incident, message))

    def clear(
        self, rule: RuleId, key: str | None, step: int | None, wall_time: float, message: str
    ) -> None:
        incident = self.open.pop(rule, None)
        if incident is None:
            return
        incident.resolved_at = wall_time
        self.events.append(IncidentEvent(Action.RESOLVED, incident, message))

    # -- points and time -----------------------------------------------------------

    def observe(self, key: str, step: int, wall_time: float, value: float) -> None:
        monitor = self.monitors.get(key)
        if monitor is None:
            kind = self.overrides.get(key) or infer_kind(key)
            monitor = self.monitors[key] = make_monitor(key, kind)
            if isinstance(monitor, LossMonitor) and self.train is None:
                self.train = monitor
        self.n_points += 1
        if self.state is RunState.STALLED:
            silence = wall_time - self.cadence.last_time
            self.state = RunState.RUNNING
            self.clear(RuleId.STALL, key, step, wall_time, f"points again after {silence:.0f} s")
        if wall_time != self.cadence.last_time:  # a row's other keys add nothing to its rhythm
            self.cadence.point(wall_time)
        if self.last_step is None or step > self.last_step:
            self.last_step = step
        if isinstance(monitor, EvalMonitor):
            self.last_eval_time = wall_time
        if not math.isfinite(value):
            if monitor.kind in NONFINITE_KINDS and key not in self._nonfinite_keys:
                self._nonfinite_keys.add(key)
                self.fire(
                    RuleId.NONFINITE, key, step, wall_time,
                    f"{key} is {value} at step {step}", {"value": str(value)},
                )  # fmt: skip
            return
        monitor.observe(step, wall_time, value, self)

    def heartbeat(self, wall_time: float) -> None:
        self.last_heartbeat = wall_time

    def tick(self, now: float) -> None:
        self.clock_now = now
        if self.state in (RunState.FINISHED, RunState.FAILED, RunState.CRASHED):
            return
        last_point = self.cadence.last_time
        if math.isfinite(self.last_heartbeat):
            alive = max(self.last_heartbeat, last_point if math.isfinite(last_point) else 0.0)
            if now - alive > r.CRASH_SILENCE_S:
                self._crash(now, f"no word from the run's process for {now - alive:.0f} s")
                return
        if not self.cadence.known:
            return
        silence = now - last_point
        if silence <= self.cadence.silence_limit():
            return
        gap = self.cadence.usual_gap
        evidence = {
            "silence_s": silence,
            "usual_gap_s": gap,
            "recurring_pause_s": self.cadence.recurring_pause(),
        }
        message = (
            f"no points for {silence:.0f} s (usually one every {gap:.3g} s); "
            f"last step {self.last_step}"
        )
        if self.state is RunState.STALLED:
            if silence > self.cadence.page_limit():
                self.fire(
                    RuleId.STALL, None, self.last_step, now, message, evidence,
                    severity=Severity.PAGE,
                )  # fmt: skip
            return
        complete = self.looks_complete()
        if complete:
            self.state = RunState.FINISHED
            self.fire(
                RuleId.DONE, None, self.last_step, now,
                f"the run looks complete ({complete}); no points for {silence:.0f} s",
                {"reason": complete},
            )  # fmt: skip
            return
        self.state = RunState.STALLED
        self.fire(
            RuleId.STALL, None, self.last_step, now, message, evidence,
            onset=(self.last_step or 0, last_point),
        )  # fmt: skip

    def next_due(self) -> float:
        """The next moment at which time alone could change this run's health."""
        if self.state in (RunState.FINISHED, RunState.FAILED, RunState.CRASHED):
            return math.inf
        due = math.inf
        last = self.cadence.last_time
        if math.isfinite(self.last_heartbeat):
            due = max(self.last_heartbeat, last if math.isfinite(last) else 0.0)
            due += r.CRASH_SILENCE_S
        if self.cadence.known:
            if self.state is RunState.STALLED:
                stall = self.open.get(RuleId.STALL)
                if stall is None or stall.severity is not Severity.PAGE:
                    due = min(due, last + self.cadence.page_limit())
            else:
                due = min(due, last + self.cadence.silence_limit())
        return due

    def looks_complete(self) -> str:
        """Why the run looks finished although nobody said so; '' if it does not."""
        step = self.last_step
        if self.planned_steps is not None and step is not None and step >= self.planned_steps - 1:
            return f"reached the planned {self.planned_steps} steps"
        if self.schedule_ended:
            return "the learning-rate schedule has run out"
        last = self.cadence.last_time
        gap = self.cadence.usual_gap
        if math.isfinite(self.last_eval_time) and last - self.last_eval_time <= max(
            r.STALL_GAPS * gap, 0.02 * (last - self.cadence.first_time)
        ):
            return "it ended with an evaluation"
        if (
            step is not None
            and step >= 2 * r.ROUND_STEPS
            and (step % r.ROUND_STEPS == 0 or (step + 1) % r.ROUND_STEPS == 0)
        ):
            return f"it stopped at step {step}, a round budget"
        return ""

    def finish(self, status: str, now: float, message: str = "") -> None:
        # What was open is history now: the run will not recover or worsen any more.
        for rule in list(self.open):
            self.clear(rule, None, self.last_step, now, "the run has ended")
        if status == "finished":
            self.state = RunState.FINISHED
            self.fire(RuleId.DONE, None, self.last_step, now, message or "the run finished", {})
        elif status == "failed":
            self.state = RunState.FAILED
            self.fire(
                RuleId.CRASHED, None, self.last_step, now,
                f"the run failed: {message}" if message else "the run failed", {},
            )  # fmt: skip
        else:
            self._crash(now, message or "the run crashed")

    def _crash(self, now: float, message: str) -> None:
        self.state = RunState.CRASHED
        self.clear(RuleId.STALL, None, self.last_step, now, "the run's process has ended")
        self.fire(RuleId.CRASHED, None, self.last_step, now, message, {})

    def take_events(self) -> list[IncidentEvent]:
        events, self.events = self.events, []
        return events


class HealthEngine:
    """Judges many runs; the server feeds it every batch, `lowtide replay` every file."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.runs: dict[str, RunHealth] = {}

    def run(
        self,
        run_id: str,
        overrides: Mapping[str, SeriesKind] | None = None,
        planned_steps: int | None = None,
    ) -> RunHealth:
        """The health of a run, created on first use."""
        health = self.runs.get(run_id)
        if health is None:
            health = self.runs[run_id] = RunHealth(run_id, overrides or {}, planned_steps)
        return health

    def observe(
        self, run_id: str, key: str, step: int, wall_time: float, value: float
    ) -> list[IncidentEvent]:
        """Judge one point."""
        health = self.run(run_id)
        health.observe(key, step, wall_time, value)
        return health.take_events()

    def heartbeat(self, run_id: str, wall_time: float) -> None:
        """The run's process is alive (SDK heartbeats); needed to tell a crash from a stall."""
        self.run(run_id).heartbeat(wall_time)

    def tick(self, now: float | None = None) -> list[IncidentEvent]:
        """Let time pass for every run: stalls, crashes, runs that look complete."""
        now = self.clock() if now is None else now
        out: list[IncidentEvent] = []
        for health in self.runs.values():
            health.tick(now)
            out.extend(health.take_events())
        return out

    def finish(self, run_id: str, status: str, message: str = "") -> list[IncidentEvent]:
        """The run ended: `finished`, `failed` or `crashed`."""
        health = self.run(run_id)
        health.finish(status, self.clock(), message)
        return health.take_events()
