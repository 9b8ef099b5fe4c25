"""The health engine: judges runs as their points arrive, and keeps their incidents.

Pure and streaming: `observe()` takes one point and updates the run's state in
amortized constant time; `tick(now)` lets time pass (stalls, crashes, runs
that look complete); `finish()` records how a run ended. Each returns the
incident events it caused: one open incident per (run, rule), updated rather
than repeated, and resolved when the run recovers.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lowtide.core.health import rules as r
from lowtide.core.health.cadence import Cadence
from lowtide.core.health.kinds import SeriesKind, headline_metric, infer_kind
from lowtide.core.health.monitors import (
    EvalMonitor,
    LossMonitor,
    Monitor,
    PaceMonitor,
    make_monitor,
)
from lowtide.core.health.outlook import Outlook, Target, Verdict
from lowtide.core.health.rules import DEFAULT_SEVERITY, RuleId, Severity
from lowtide.core.health.system import system_monitor

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
#: How `looks_complete` says the run reached its planned steps, the one sure sign.
PLANNED_REASON = "reached the planned"
#: The resolution of what was still open when the run ended: closed, never recovered.
RUN_ENDED = "the run has ended"


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
        targets: Mapping[str, Target] | None = None,
    ) -> None:
        self.run_id = run_id
        self.overrides = dict(overrides)
        self.planned_steps = planned_steps
        self.outlook = Outlook(planned_steps, dict(targets or {}))
        self.monitors: dict[str, Monitor] = {}
        self.cadence = Cadence()
        self.pace = PaceMonitor()
        self.open: dict[RuleId, Incident] = {}
        self.events: list[IncidentEvent] = []
        self.state = RunState.RUNNING
        self.warmup_done = True  # until a learning rate says it is still rising
        self.lr_zero = False
        self.grad_zero = False
        self.schedule_ended = False
        self.lr_cycling = False
        self.speed_logged = False
        self.train: LossMonitor | None = None
        self.last_step: int | None = None
        self.last_eval_time = math.nan
        self.last_heartbeat = math.nan
        self.beats = False
        self._complete: tuple[object, str] = (None, "")
        self.lags: deque[float] = deque(maxlen=r.LAG_WINDOW)
        self.lag = 0.0
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
            if kind is SeriesKind.SYSTEM:
                monitor = self.monitors[key] = system_monitor(key)
            else:
                monitor = self.monitors[key] = make_monitor(key, kind)
            if isinstance(monitor, LossMonitor) and self.train is None:
                self.train = monitor
            headline = headline_metric(self.monitors, self.overrides)
            if headline is not None:
                self.outlook.choose(*headline)
        self.n_points += 1
        if monitor.kind is SeriesKind.SYSTEM:
            # Sampled by the SDK whatever the training loop does: the process lives, which
            # says nothing of the run's progress, so the rhythm of its points is left alone.
            self.heartbeat(wall_time)
            if math.isfinite(value):
                monitor.observe(step, wall_time, value, self)
            return
        if self.state is not RunState.RUNNING:
            self._points_again(key, step, wall_time)
        if wall_time != self.cadence.last_time:  # a row's other keys add nothing to its rhythm
            self.cadence.point(wall_time)
            self.outlook.pace.observe(step, wall_time)
        if key == self.outlook.metric:
            verdict = self.outlook.observe(step, value)
            if verdict is not None:
                self._judge_outlook(verdict, key, wall_time)
        if self.last_step is None or step > self.last_step:
            self.last_step = step
            self.pace.point(step, wall_time, self)
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

    def _points_again(self, key: str, step: int, wall_time: float) -> None:
        """A point of a run that was stalled, or only guessed complete: it runs again."""
        done = self.open.get(RuleId.DONE)
        if self.state is RunState.FINISHED and done is not None and "reason" in done.evidence:
            # Only guessed complete: points again mean it was a long pause after all.
            self.state = RunState.RUNNING
            done.evidence["reopened"] = True
            self.clear(RuleId.DONE, None, step, wall_time, "points again: the run had not ended")
        if self.state is RunState.STALLED:
            silence = wall_time - self.cadence.last_time
            self.state = RunState.RUNNING
            self.clear(RuleId.STALL, key, step, wall_time, f"points again after {silence:.0f} s")

    def _judge_outlook(self, verdict: Verdict, key: str, wall_time: float) -> None:
        target = self.outlook.target
        assert target is not None
        p = verdict.projection
        if not verdict.loses:
            self.clear(RuleId.WILL_NOT_BEAT, key, verdict.step, wall_time, "it may beat it now")
            return
        self.fire(
            RuleId.WILL_NOT_BEAT, key, verdict.step, wall_time,
            f"{key} is heading for {p.value:.4g} (likely {p.low:.4g} to {p.high:.4g}) by step "
            f"{self.planned_steps}, short of {target.best:.4g} from {target.run_name}",
            {
                "projected": p.value, "low": p.low, "high": p.high, "model": p.model,
                "best": target.best, "best_run": target.run_name,
            },
        )  # fmt: skip

    def configure(
        self,
        overrides: Mapping[str, SeriesKind],
        planned_steps: int | None,
        targets: Mapping[str, Target] | None,
    ) -> None:
        """New settings: kinds apply to series not yet seen, the rest at once."""
        self.overrides = dict(overrides)
        self.planned_steps = planned_steps
        self.outlook.configure(planned_steps, dict(targets or {}))

    def eta_s(self) -> float | None:
        """Seconds until the planned steps at the run's pace; None when not known."""
        return self.outlook.eta_s()

    def heartbeat(self, wall_time: float) -> None:
        """The run's process says it lives (SDK heartbeats, system metrics)."""
        self.beats = True
        if not wall_time <= self.last_heartbeat:  # NaN until the first one
            self.last_heartbeat = wall_time

    def arrival(self, now: float, oldest: float) -> None:
        """A batch of this run reached the server at `now`; its oldest point is of `oldest`.

        How long points take to arrive is learned, so that a writer that flushes every
        two minutes (TensorBoard's) is not stalled between flushes. An arrival proves
        the process alive only for runs whose process beats at all.
        """
        if math.isfinite(oldest) and now >= oldest:
            self.lags.append(now - oldest)
            self.lag = max(self.lags)
        if self.beats:
            self.heartbeat(now)

    def silence_limit(self) -> float:
        """Seconds without points after which the run counts as stalled."""
        return self.cadence.silence_limit() + self.lag

    def page_limit(self) -> float:
        """Seconds without points after which a stall pages."""
        return self.cadence.page_limit() + self.lag

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
        if silence <= self.silence_limit():
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
            # Without heartbeats a silent run may simply have ended (a log file that
            # stopped growing): only a process that is known alive is worth waking for.
            if math.isfinite(self.last_heartbeat) and silence > self.page_limit():
                self.fire(
                    RuleId.STALL, None, self.last_step, now, message, evidence,
                    severity=Severity.PAGE,
                )  # fmt: skip
            return
        complete = self.looks_complete()
        if complete and silence <= self._done_limit(complete):
            return
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
                beating = math.isfinite(self.last_heartbeat)
                if beating and (stall is None or stall.severity is not Severity.PAGE):
                    due = min(due, last + self.page_limit())
            else:
                complete = self.looks_complete()
                limit = self._done_limit(complete) if complete else self.silence_limit()
                due = min(due, last + limit)
        return due

    def _done_limit(self, complete: str) -> float:
        """Seconds of silence after which a run that looks complete is called done.

        Reaching the planned steps settles it as soon as a stall would show; the
        other signs (a final evaluation, a round step, a spent schedule) also fit
        a long pause, so they wait as long as a stall would before it pages.
        """
        if complete.startswith(PLANNED_REASON):
            return self.silence_limit()
        return self.page_limit()

    def looks_complete(self) -> str:
        """Why the run looks finished although nobody said so; '' if it does not."""
        # Asked at every turn of the clock; only new points can change the answer.
        seen = (self.cadence.last_time, self.last_step, self.planned_steps)
        if self._complete[0] != seen:
            self._complete = (seen, self._looks_complete())
        return self._complete[1]

    def _looks_complete(self) -> str:
        step = self.last_step
        if self.planned_steps is not None and step is not None and step >= self.planned_steps - 1:
            return f"{PLANNED_REASON} {self.planned_steps} steps"
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
            self.clear(rule, None, self.last_step, now, RUN_ENDED)
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
        targets: Mapping[str, Target] | None = None,
    ) -> RunHealth:
        """The health of a run, created on first use."""
        health = self.runs.get(run_id)
        if health is None:
            health = self.runs[run_id] = RunHealth(run_id, overrides or {}, planned_steps, targets)
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
