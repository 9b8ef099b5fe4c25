"""The SDK's system metrics: proof that the process lives, and GPUs that idle meanwhile."""

from __future__ import annotations

import re

from lowtide.core.health import rules as r
from lowtide.core.health.kinds import SeriesKind
from lowtide.core.health.monitors import Judge, Monitor
from lowtide.core.health.rules import RuleId

#: `system/gpu0/utilization`: a GPU's busy percentage.
_GPU_UTILIZATION = re.compile(r"^system/gpu(\d+)/utilization$")


class GpuIdleMonitor(Monitor):
    """Warns when a GPU has stayed idle for `GPU_IDLE_S` while samples keep coming."""

    kind = SeriesKind.SYSTEM

    def __init__(self, key: str, gpu: str) -> None:
        super().__init__(key)
        self.gpu = gpu
        self.idle_since: tuple[int, float] | None = None

    def observe(self, step: int, wall_time: float, value: float, judge: Judge) -> None:
        super().observe(step, wall_time, value, judge)
        if value >= r.GPU_IDLE_PERCENT:
            if self.idle_since is not None:
                self.idle_since = None
                judge.clear(
                    RuleId.GPU_IDLE, self.key, step, wall_time,
                    f"GPU {self.gpu} is busy again ({value:.0f} %)",
                )  # fmt: skip
            return
        if self.idle_since is None:
            self.idle_since = (step, wall_time)
        idle_s = wall_time - self.idle_since[1]
        if idle_s >= r.GPU_IDLE_S:
            judge.fire(
                RuleId.GPU_IDLE, self.key, step, wall_time,
                f"GPU {self.gpu} has been idle for {idle_s / 60:.0f} min while the run's "
                f"process lives (step {step})",
                {"idle_s": idle_s, "utilization": value},
                onset=self.idle_since,
            )  # fmt: skip


def system_monitor(key: str) -> Monitor:
    """The monitor of a `system/...` series: GPU utilisation is judged, the rest kept."""
    found = _GPU_UTILIZATION.match(key)
    if found:
        return GpuIdleMonitor(key, found.group(1))
    monitor = Monitor(key)
    monitor.kind = SeriesKind.SYSTEM
    return monitor
