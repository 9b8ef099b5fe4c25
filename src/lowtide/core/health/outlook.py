"""Where a run is heading: its ETA, and whether it can still beat the project's best.

`Outlook` rides along with a run's health. Every row feeds the run's pace
(seconds per step, pauses set apart), so the ETA to the planned steps is
always at hand. When the project's best value of the run's headline metric is
known, the curve is projected to the planned end at a few checkpoints
(`OUTLOOK_FIRST_SHARE`, then every `OUTLOOK_EVERY_SHARE`), and the run hears
when even the optimistic end of the band loses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lowtide.core.eta import Pace, Projection, project, will_not_beat
from lowtide.core.health import rules as r


@dataclass(frozen=True)
class Target:
    """The project's best value of a metric, and the run that made it."""

    metric: str
    best: float
    higher_is_better: bool
    run_name: str


@dataclass(frozen=True)
class Verdict:
    """What a checkpoint projected: the final value, and whether it loses to the best."""

    step: int
    projection: Projection
    loses: bool


class Outlook:
    """A run's pace and projected end; `observe` is amortized O(1) per point."""

    def __init__(self, planned_steps: int | None, targets: dict[str, Target] | None) -> None:
        self.pace = Pace()
        self.metric: str | None = None
        self.higher_is_better = False
        self._steps: list[int] = []
        self._values: list[float] = []
        self._stride = 1
        self._seen = 0
        self.configure(planned_steps, targets or {})

    @property
    def target(self) -> Target | None:
        """The project's best of the headline metric, when known."""
        return self.targets.get(self.metric) if self.metric is not None else None

    def configure(self, planned_steps: int | None, targets: dict[str, Target]) -> None:
        """New planned steps or project bests, from here on."""
        self.planned_steps, self.targets = planned_steps, targets
        self._next_check = math.inf
        if planned_steps:
            self._next_check = max(
                math.ceil(r.OUTLOOK_FIRST_SHARE * planned_steps), (self.pace.last_step or 0) + 1
            )

    def choose(self, metric: str, higher_is_better: bool) -> None:
        """Follow `metric`, the run's headline series."""
        self.higher_is_better = higher_is_better
        if metric != self.metric:
            self.metric = metric
            self._steps, self._values, self._stride, self._seen = [], [], 1, 0

    def observe(self, step: int, value: float) -> Verdict | None:
        """A point of the headline series (the pace is fed by the caller, once a row);
        a verdict when a checkpoint is due."""
        self._seen += 1
        if self._seen % self._stride == 0 and math.isfinite(value):
            self._steps.append(step)
            self._values.append(value)
            if len(self._steps) > r.OUTLOOK_POINTS:
                del self._steps[::2], self._values[::2]
                self._stride *= 2
        target = self.target
        if step < self._next_check or self.planned_steps is None or target is None:
            return None
        every = max(1, math.ceil(r.OUTLOOK_EVERY_SHARE * self.planned_steps))
        self._next_check = step + every
        projection = self.projection()
        if projection is None:
            return None
        loses = will_not_beat(projection, target.best, not self.higher_is_better)
        return Verdict(step, projection, loses)

    def projection(self) -> Projection | None:
        """The headline series projected to the planned end; None when it cannot be."""
        if self.planned_steps is None or not self._steps:
            return None
        return project(
            np.array(self._steps),
            np.array(self._values),
            self.planned_steps,
            lower_is_better=not self.higher_is_better,
        )

    def eta_s(self) -> float | None:
        """Seconds until the planned steps at the current pace; None when not known."""
        if self.planned_steps is None:
            return None
        return self.pace.eta_seconds(self.planned_steps)
