"""The health rules: stable ids, severities, and every threshold as a named constant.

Severities: `page` wakes the engineer, `warn` goes to the dashboard and the
digest, `info` is for the record. Only non-finite values page at once;
everything else must persist, and spikes get time to recover.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How loudly a finding calls for the engineer."""

    PAGE = "page"
    WARN = "warn"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warn": 1, "page": 2}[self.value]


class RuleId(StrEnum):
    """Stable ids of the rules; notifications, mutes and replays name them."""

    NONFINITE = "nonfinite"
    DIVERGENCE = "divergence"
    NO_LEARNING = "no_learning"
    OVERFITTING = "overfitting"
    OSCILLATION = "oscillation"
    LOSS_SPIKE = "loss_spike"
    EXPLODING_GRADIENT = "exploding_gradient"
    STALL = "stall"
    THROUGHPUT_DROP = "throughput_drop"
    LR_ANOMALY = "lr_anomaly"
    CRASHED = "crashed"
    DONE = "done"
    WILL_NOT_BEAT = "will_not_beat"
    GPU_IDLE = "gpu_idle"


#: The usual severity of each rule; some escalate with stronger evidence.
DEFAULT_SEVERITY: dict[RuleId, Severity] = {
    RuleId.NONFINITE: Severity.PAGE,
    RuleId.DIVERGENCE: Severity.PAGE,
    RuleId.NO_LEARNING: Severity.WARN,
    RuleId.OVERFITTING: Severity.WARN,
    RuleId.OSCILLATION: Severity.WARN,
    RuleId.LOSS_SPIKE: Severity.WARN,
    RuleId.EXPLODING_GRADIENT: Severity.WARN,
    RuleId.STALL: Severity.WARN,
    RuleId.THROUGHPUT_DROP: Severity.WARN,
    RuleId.LR_ANOMALY: Severity.WARN,
    RuleId.CRASHED: Severity.PAGE,
    RuleId.DONE: Severity.INFO,
    RuleId.WILL_NOT_BEAT: Severity.INFO,
    RuleId.GPU_IDLE: Severity.WARN,
}

# -- smoothing and noise ---------------------------------------------------------
#: Points in the short rolling median that stands for "the current level"; a spike
#: of fewer than half this many points cannot move it.
LEVEL_POINTS = 9
#: Points kept to estimate the series' own noise (robust: median absolute deviation).
NOISE_WINDOW = 64
#: The noise estimate is refreshed every this many points (amortized constant time).
NOISE_REFRESH = 16
#: Points whose median is the series' starting level.
INITIAL_POINTS = 5

# -- divergence --------------------------------------------------------------------
#: The level must rise above its best by this many noise units ...
DIVERGENCE_Z = 6.0
#: ... and by this share of the progress made so far (initial level minus best) ...
DIVERGENCE_PROGRESS_SHARE = 0.5
#: ... and by this share of the best level itself, so tiny wobbles near 0 don't count ...
DIVERGENCE_REL = 0.3
#: ... for this many points in a row.
DIVERGENCE_PERSIST = 6
#: A level this many times its start (or best, if higher) diverges without more proof.
DIVERGENCE_BLOWUP = 10.0

# -- loss spike that does not recover ---------------------------------------------
#: A jump of the level this many noise units above the level before it ...
SPIKE_Z = 8.0
#: ... that is still there after this many points is reported; quicker recoveries are silent.
SPIKE_RECOVERY_POINTS = 30

# -- no learning -------------------------------------------------------------------
#: Points (after warm-up) before a flat loss may count as not learning.
NO_LEARNING_MIN_POINTS = 150
#: The best level must have improved on the start by at least this share ...
NO_LEARNING_MIN_IMPROVEMENT = 0.03
#: ... or by this many noise units, whichever is larger.
NO_LEARNING_MIN_Z = 3.0
#: An improvement of this share of the start is learning, however noisy the loss.
NO_LEARNING_ENOUGH = 0.2
#: Consecutive points at a learning rate of exactly 0 (or a zero gradient) that prove it.
NO_LEARNING_ZERO_POINTS = 10

# -- overfitting --------------------------------------------------------------------
#: Evaluations in a row that are worse than the best one ...
OVERFIT_EVALS = 4
#: ... by at least this share of the best validation value ...
OVERFIT_MARGIN = 0.02
#: ... while the training loss has fallen by at least this share since the best evaluation.
OVERFIT_TRAIN_DROP = 0.05

# -- oscillation -------------------------------------------------------------------
#: Points per window in which the swings are judged.
OSCILLATION_WINDOW = 40
#: Swings (10th to 90th percentile) at least this share of the level ...
OSCILLATION_AMPLITUDE = 0.3
#: ... with the window's median no lower than the lowest of the last OSCILLATION_WINDOWS
#: by this share of its swings (a new low is progress; back down from a high window is
#: only the swing) ...
OSCILLATION_PROGRESS = 0.25
#: ... and either the level no lower than this share of where the run started ...
OSCILLATION_STUCK = 0.6
#: ... swinging by at least this many times the step-to-step noise: steady waves, not the
#: scatter of small batches ...
OSCILLATION_STRUCTURE = 5.0
#: ... or slow waves under the scatter: the mean of this many points ...
OSCILLATION_WAVE_POINTS = 20
#: ... moving over the next as many, throughout the last this many points (where the
#: level has not fallen by OSCILLATION_PROGRESS of the swings from their first half to
#: their second) ...
OSCILLATION_WAVE_SPAN = 240
#: ... with this many times the variance that scatter alone would give it ...
OSCILLATION_WAVES = 4.0
#: ... or the window's median this many standard errors above the best window's: the run
#: has lost ground it had gained, which the scatter of small batches does not explain ...
OSCILLATION_LOST_Z = 5.0
#: ... in this many windows in a row, unless the learning rate cycles (LR_CYCLE_RISE).
OSCILLATION_WINDOWS = 3
#: While the loss diverges, swings count only if the level has not risen by more than this
#: share of the swings over those windows: a steadily rising level is divergence alone.
OSCILLATION_RISE = 0.25

# -- exploding gradient ---------------------------------------------------------------
#: The gradient norm's level this many times its usual level (after warm-up) ...
EXPLODING_FACTOR = 10.0
#: ... for this many points in a row.
EXPLODING_PERSIST = 8
#: Points of gradient norm that set its usual level.
EXPLODING_BASELINE_POINTS = 30

# -- throughput ----------------------------------------------------------------------
#: Throughput below this share of its usual level (or step time above its inverse) ...
THROUGHPUT_DROP_SHARE = 0.6
#: ... for this many points in a row.
THROUGHPUT_PERSIST = 8
#: Points that set the usual level before any drop can be judged.
THROUGHPUT_BASELINE_POINTS = 20
#: Without a logged throughput or step time, the seconds per step come from the wall times
#: of the points: a slowdown is steps taking this many times their usual time (pauses for
#: evaluations and checkpoints are single long gaps, which the rolling median ignores) ...
PACE_SLOWDOWN = 1.6
#: ... in this many consecutive gaps between logged steps ...
PACE_PERSIST = 8
#: ... once this many gaps have set the usual time per step.
PACE_BASELINE_POINTS = 20
#: Steps faster than this are a logging loop's, not training's: their wall-time jitter
#: (a collection, a busy core) says nothing of the job, so their pace is not judged.
PACE_MIN_STEP_S = 0.01

# -- learning rate ---------------------------------------------------------------------
#: A jump up by this factor in one logged step, once past warm-up, is an anomaly.
LR_JUMP_FACTOR = 10.0
#: A learning rate falling to 0 from at least this share of its peak in one step.
LR_CUT_SHARE = 0.1
#: A learning rate that fell to this share of its peak ...
LR_CYCLE_LOW = 0.5
#: ... and then rose to this many times its low is a cyclic schedule or a warm restart:
#: the loss swings with it, so they are not oscillation.
LR_CYCLE_RISE = 2.0

# -- stall, crash and completion ---------------------------------------------------
#: Silence longer than this many usual logging gaps is a stall ...
STALL_GAPS = 3.0
#: ... or this many times a recurring pause (evaluation, checkpoint), when longer ...
STALL_PAUSE_FACTOR = 1.5
#: ... and never shorter than this many seconds (delivery takes a moment).
STALL_MIN_SILENCE_S = 2.0
#: A stall warns first; it pages once the silence is this many times its limit ...
STALL_PAGE_FACTOR = 3.0
#: ... and at least this many seconds past it, so a long checkpoint never wakes anyone.
STALL_PAGE_MIN_S = 300.0
#: A gap this many times the usual one is a pause, not a logging interval.
PAUSE_GAPS = 2.5
#: Pauses seen at least this often count as recurring.
RECURRING_PAUSES = 2
#: Recent deliveries whose lag (arrival less the oldest point's time) widens the silence a
#: stall needs: a writer that buffers for minutes is not stalled between flushes.
LAG_WINDOW = 16
#: Seconds without points or heartbeats after which a run that used to send
#: heartbeats has crashed (the SDK beats every 30 s when it has nothing else to send).
CRASH_SILENCE_S = 90.0
#: A learning rate below this share of its peak means the schedule has run out.
SCHEDULE_END_SHARE = 0.05
#: Steps that budgets are usually rounded to (a run that stops at 1,000 is likely done).
ROUND_STEPS = 50

# -- system ----------------------------------------------------------------------------
#: A GPU busy below this percentage counts as idle ...
GPU_IDLE_PERCENT = 5.0
#: ... and warns once it has been idle for this many seconds while the process lives
#: (data loading stalls, a hung collective, a job that never reached the GPU).
GPU_IDLE_S = 600.0

# -- outlook -------------------------------------------------------------------------
#: The final value is first projected once this share of the planned steps is done:
#: earlier, curve fits have too little to go on ...
OUTLOOK_FIRST_SHARE = 0.3
#: ... and then again after each further share like this.
OUTLOOK_EVERY_SHARE = 0.1
#: Points of the headline series kept for the projection; past this, every other one
#: is dropped, so memory stays bounded and the whole run is still covered.
OUTLOOK_POINTS = 2048


@dataclass(frozen=True)
class Finding:
    """A rule's verdict about a run: firing, with its evidence."""

    rule: RuleId
    severity: Severity
    key: str | None
    step: int | None
    wall_time: float
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
