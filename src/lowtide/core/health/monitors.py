"""One monitor per series kind: it keeps that series' state and applies its rules.

Monitors report to a `Judge` (the run's health), which turns verdicts into
incidents. Every update is amortized constant time: rolling windows are
small and bounded, and window statistics are recomputed every few points.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from lowtide.core.health import rules as r
from lowtide.core.health.kinds import SeriesKind
from lowtide.core.health.level import Level, RollingMedian, Streak, median
from lowtide.core.health.rules import RuleId, Severity

#: Points (or evaluations) a condition must stay false before its incident resolves.
RESOLVE_POINTS = 10
#: The noise of a rolling median of LEVEL_POINTS values, as a share of the values' noise.
LEVEL_NOISE_SHARE = 1.25 / math.sqrt(r.LEVEL_POINTS)
#: Scales a median absolute deviation to the standard deviation of normal noise.
MAD_TO_SIGMA = 1.4826
#: The 10th to 90th percentile of normal noise spans this many standard deviations.
SPREAD_SIGMAS = 2.563
#: A median of n normal values scatters by this many standard deviations over sqrt(n).
MEDIAN_ERROR = 1.2533
#: The key under which a run's implied speed (from the wall times of its points) is judged.
PACE_KEY = "seconds_per_step"
#: Share of a series' direction-defining evaluations needed to trust a trend over its name.
DIRECTION_MIN_EVALS = 4
#: A metric named higher-is-better that falls by this share early is treated as an error rate.
DIRECTION_FLIP_SHARE = 0.3


def wave_ratio(values: Sequence[float], span: int) -> float:
    """How far the mean of `span` consecutive values moves over the next `span` values,
    against how far scatter alone would move it: about 1 for scatter, more for slow waves.

    Every starting point is used, so the answer does not hang on where waves begin; both
    moves are differences, so a steady trend does not count. The moves of the means are
    measured by their median size, so that a spike and its recovery, a few of them, do
    not count either; the scatter by its variance, which the means of skewed losses obey.
    """
    x = np.asarray(values, dtype=float)
    sums = np.concatenate(([0.0], np.cumsum(x)))
    means = (sums[span:] - sums[:-span]) / span
    moves = means[span:] - means[:-span]
    spread = MAD_TO_SIGMA * float(np.median(np.abs(moves - np.median(moves))))
    scatter = float(np.var(np.diff(x)))
    return span * spread**2 / scatter if scatter > 0 else 0.0


class Judge(Protocol):
    """What monitors report to: the run's health."""

    warmup_done: bool
    lr_zero: bool
    grad_zero: bool
    schedule_ended: bool
    lr_cycling: bool
    speed_logged: bool
    train: LossMonitor | None

    def fire(
        self,
        rule: RuleId,
        key: str,
        step: int,
        wall_time: float,
        message: str,
        evidence: dict[str, Any],
        severity: Severity | None = None,
        onset: tuple[int, float] | None = None,
    ) -> None: ...

    def clear(self, rule: RuleId, key: str, step: int, wall_time: float, message: str) -> None: ...


class Monitor:
    """Base: a series of one kind under one key."""

    kind: SeriesKind = SeriesKind.OTHER

    def __init__(self, key: str) -> None:
        self.key = key
        self.n = 0

    def observe(self, step: int, wall_time: float, value: float, judge: Judge) -> None:
        self.n += 1


class LossMonitor(Monitor):
    """Training or validation loss: divergence, spikes that stay, no learning, oscillation."""

    kind = SeriesKind.TRAIN_LOSS

    def __init__(self, key: str, kind: SeriesKind = SeriesKind.TRAIN_LOSS) -> None:
        super().__init__(key)
        self.kind = kind
        self.level = Level()
        self._divergence = Streak(r.DIVERGENCE_PERSIST, RESOLVE_POINTS)
        self._no_learning = Streak(1, RESOLVE_POINTS)
        self._oscillation = Streak(r.OSCILLATION_WINDOWS, 2)
        self._spike: tuple[int, float, float, float] | None = None  # step, time, before, height
        self._spike_age = 0
        self._recent: deque[float] = deque(maxlen=r.OSCILLATION_WAVE_SPAN)
        self._unjudged = 0  # points since the last window was judged
        self._medians: deque[float] = deque(maxlen=r.OSCILLATION_WAVE_SPAN // r.OSCILLATION_WINDOW)
        self._best_median = math.inf
        self._learning_from = 0

    def observe(self, step: int, wall_time: float, value: float, judge: Judge) -> None:
        self.n += 1  # (Monitor.observe, inlined: this runs for every point)
        lv = self.level
        before = lv.level
        lv.push(value, step)
        if not judge.warmup_done:
            self._learning_from = lv.n
        if not lv.ready:
            return
        self._check_divergence(step, wall_time, judge)
        is_train = self.kind is SeriesKind.TRAIN_LOSS or judge.train is self
        if is_train:
            # Judged while diverging too: a level that swings without rising is oscillation.
            self._check_oscillation(step, wall_time, value, judge)
        if self._divergence.active:
            return  # a diverging loss explains every other symptom
        self._check_spike(step, wall_time, value, before, judge)
        if is_train:
            self._check_no_learning(step, wall_time, judge)

    def _check_divergence(self, step: int, wall_time: float, judge: Judge) -> None:
        lv = self.level
        progress = max(0.0, lv.initial - lv.best)
        margin = max(
            r.DIVERGENCE_Z * lv.noise,
            r.DIVERGENCE_PROGRESS_SHARE * progress,
            r.DIVERGENCE_REL * abs(lv.best),
        )
        start = max(abs(lv.initial), abs(lv.best))
        blown = start > 0 and lv.level > r.DIVERGENCE_BLOWUP * start
        hit = lv.level > lv.best + margin or blown
        verdict = self._divergence.update(hit, step, wall_time)
        if verdict == "fire" or (verdict == "hold" and blown):
            judge.fire(
                RuleId.DIVERGENCE,
                self.key,
                step,
                wall_time,
                f"{self.key} is rising: {lv.level:.4g} now, best {lv.best:.4g} "
                f"at step {lv.best_step}, started at {lv.initial:.4g}",
                {"level": lv.level, "best": lv.best, "best_step": lv.best_step,
                 "initial": lv.initial, "noise": lv.noise},
                onset=(lv.best_step, wall_time) if verdict == "fire" else None,
            )  # fmt: skip
        elif verdict == "clear":
            judge.clear(
                RuleId.DIVERGENCE, self.key, step, wall_time,
                f"{self.key} is back down to {lv.level:.4g}",
            )  # fmt: skip

    def _check_spike(
        self, step: int, wall_time: float, value: float, before: float, judge: Judge
    ) -> None:
        lv = self.level
        if self._spike is None:
            jump = value - before
            if math.isfinite(before) and lv.noise > 0 and jump > r.SPIKE_Z * max(lv.noise, 1e-12):
                self._spike = (step, wall_time, before, jump)
                self._spike_age = 0
            return
        self._spike_age += 1
        if self._spike_age < r.SPIKE_RECOVERY_POINTS:
            return
        spike_step, spike_time, prior, height = self._spike
        self._spike = None
        if lv.level - prior > 0.5 * height:
            judge.fire(
                RuleId.LOSS_SPIKE,
                self.key,
                step,
                wall_time,
                f"{self.key} jumped from {prior:.4g} at step {spike_step} and has not "
                f"recovered after {r.SPIKE_RECOVERY_POINTS} points ({lv.level:.4g} now)",
                {"before": prior, "level": lv.level, "spike_step": spike_step},
                onset=(spike_step, spike_time),
            )

    def _check_no_learning(self, step: int, wall_time: float, judge: Judge) -> None:
        lv = self.level
        if judge.lr_zero or judge.grad_zero:
            cause = "the learning rate is 0" if judge.lr_zero else "the gradient norm is 0"
            verdict = self._no_learning.update(True, step, wall_time)
            if verdict == "fire":
                judge.fire(
                    RuleId.NO_LEARNING,
                    self.key,
                    step,
                    wall_time,
                    f"{self.key} cannot improve: {cause}",
                    {"level": lv.level, "lr_zero": judge.lr_zero, "grad_zero": judge.grad_zero},
                    severity=Severity.PAGE,
                )
            return
        if lv.n - self._learning_from < r.NO_LEARNING_MIN_POINTS:
            return
        improvement = lv.initial - lv.best
        needed = min(
            max(
                r.NO_LEARNING_MIN_IMPROVEMENT * abs(lv.initial),
                r.NO_LEARNING_MIN_Z * lv.noise * LEVEL_NOISE_SHARE,
            ),
            r.NO_LEARNING_ENOUGH * abs(lv.initial),
        )
        verdict = self._no_learning.update(improvement < needed, step, wall_time)
        if verdict == "fire":
            judge.fire(
                RuleId.NO_LEARNING,
                self.key,
                step,
                wall_time,
                f"{self.key} has not improved in {lv.n} points: {lv.level:.4g} now, "
                f"{lv.initial:.4g} at the start",
                {"level": lv.level, "initial": lv.initial, "best": lv.best},
            )
        elif verdict == "clear":
            judge.clear(
                RuleId.NO_LEARNING, self.key, step, wall_time,
                f"{self.key} is learning again: {lv.level:.4g}",
            )  # fmt: skip

    def _check_oscillation(self, step: int, wall_time: float, value: float, judge: Judge) -> None:
        """Swings much larger than the progress, window after window.

        The swings must be more than the scatter of small batches: steady waves around a
        level no better than the start, slow waves under the scatter, or ground that was
        gained and lost again.
        """
        self._recent.append(value)
        self._unjudged += 1
        if self._unjudged < r.OSCILLATION_WINDOW:
            return
        self._unjudged = 0
        recent = list(self._recent)
        k = r.OSCILLATION_WINDOW
        ordered = sorted(recent[-k:])
        low, high, mid = ordered[k // 10], ordered[(9 * k) // 10], ordered[k // 2]
        amplitude = high - low
        initial, best = self.level.initial, self._best_median
        medians = self._medians  # of the windows the waves span, this one last
        before = list(medians)[-r.OSCILLATION_WINDOWS :]
        medians.append(mid)
        self._best_median = min(best, mid)
        # The median of a window of scatter alone wanders by this much.
        error = MEDIAN_ERROR * amplitude / SPREAD_SIGMAS / math.sqrt(k)
        swings = amplitude >= r.OSCILLATION_AMPLITUDE * abs(mid)
        # Progress is a new low: back down from a high window is only the swing.
        no_progress = bool(before) and min(before) - mid < r.OSCILLATION_PROGRESS * amplitude
        stuck = mid >= r.OSCILLATION_STUCK * initial if initial > 0 else False
        structured = amplitude >= r.OSCILLATION_STRUCTURE * max(self.level.noise, 1e-12)
        lost = math.isfinite(best) and mid - best >= r.OSCILLATION_LOST_Z * error
        rising = (
            self._divergence.active
            and len(before) == r.OSCILLATION_WINDOWS
            and mid - before[0] > r.OSCILLATION_RISE * amplitude
        )
        explained = judge.lr_cycling or rising
        hit = (
            swings
            and no_progress
            and not explained
            and ((stuck and structured) or lost or self._slow_waves(recent, amplitude))
        )
        verdict = self._oscillation.update(hit, step, wall_time)
        if verdict == "fire":
            judge.fire(
                RuleId.OSCILLATION,
                self.key,
                step,
                wall_time,
                f"{self.key} swings between {low:.4g} and {high:.4g} without converging "
                f"(level {mid:.4g}, best {best:.4g}, started at {initial:.4g})",
                {"low": low, "high": high, "level": mid, "best": best, "initial": initial},
                onset=self._oscillation.onset,
            )
        elif verdict == "clear":
            judge.clear(RuleId.OSCILLATION, self.key, step, wall_time, f"{self.key} has settled")

    def _slow_waves(self, recent: list[float], amplitude: float) -> bool:
        """Slow waves under the scatter, over a span in which the level has not fallen.

        Looked for last, as they cost the most; a falling start bends the means too.
        """
        span = list(self._medians)
        if len(recent) < r.OSCILLATION_WAVE_SPAN or len(span) < 2:
            return False
        half = len(span) // 2
        fallen = (sum(span[:half]) - sum(span[-half:])) / half
        if fallen >= r.OSCILLATION_PROGRESS * amplitude:
            return False
        return wave_ratio(recent, r.OSCILLATION_WAVE_POINTS) >= r.OSCILLATION_WAVES


class EvalMonitor(Monitor):
    """A validation loss or metric: overfitting against the training loss."""

    def __init__(self, key: str, kind: SeriesKind) -> None:
        super().__init__(key)
        self.kind = kind
        self.sign = -1.0 if kind is SeriesKind.HIGHER_BETTER else 1.0
        self._first: list[float] = []
        self._best = math.inf
        self._best_at: tuple[int, float] = (0, 0.0)
        self._train_at_best = math.nan
        self._worse: list[float] = []
        self._active = False
        self._evals = 0
        self._improved = False  # an evaluation has beaten an earlier one

    def observe(self, step: int, wall_time: float, value: float, judge: Judge) -> None:
        self.n += 1  # (Monitor.observe, inlined: this runs for every point)
        self._learn_direction(value)
        v = self.sign * value
        train = judge.train
        train_level = train.level.level if train is not None and train.level.ready else math.nan
        self._evals += 1
        if v < self._best:
            if math.isfinite(self._best):
                self._improved = True
            self._best = v
            self._best_at = (step, wall_time)
            self._train_at_best = train_level
            self._worse = []
            if self._active:
                self._active = False
                judge.clear(
                    RuleId.OVERFITTING, self.key, step, wall_time,
                    f"{self.key} improved again to {value:.4g}",
                )  # fmt: skip
            return
        if v <= self._best + r.OVERFIT_MARGIN * abs(self._best):
            self._worse = []
            return
        self._worse.append(v)
        if self._active or not self._improved or len(self._worse) < r.OVERFIT_EVALS:
            return
        rising = self._worse[-1] >= self._worse[0]
        train_falling = (
            math.isfinite(train_level)
            and math.isfinite(self._train_at_best)
            and train_level < self._train_at_best - r.OVERFIT_TRAIN_DROP * abs(self._train_at_best)
        )
        if rising and train_falling:
            self._active = True
            best_value = self.sign * self._best
            judge.fire(
                RuleId.OVERFITTING,
                self.key,
                step,
                wall_time,
                f"{self.key} has worsened for {len(self._worse)} evaluations since its best "
                f"({best_value:.4g} at step {self._best_at[0]}) while the training loss "
                f"fell from {self._train_at_best:.4g} to {train_level:.4g}",
                {"best": best_value, "best_step": self._best_at[0], "now": value,
                 "train_then": self._train_at_best, "train_now": train_level},
                onset=self._best_at,
            )  # fmt: skip

    def _learn_direction(self, value: float) -> None:
        # An "accuracy" that starts high and falls (word error rate) is an error rate.
        if self.n > DIRECTION_MIN_EVALS + 1 or self.kind is not SeriesKind.HIGHER_BETTER:
            return
        self._first.append(value)
        if len(self._first) == DIRECTION_MIN_EVALS:
            first, last = self._first[0], median(self._first[-2:])
            falling = all(b < a for a, b in zip(self._first, self._first[1:], strict=False))
            if falling or (first > 0 and (first - last) / abs(first) > DIRECTION_FLIP_SHARE):
                self.sign = 1.0
                self.kind = SeriesKind.LOWER_BETTER
                self._best = min(self._first)
                self._worse = []


class LearningRateMonitor(Monitor):
    """The learning rate: warm-up, cycles, schedule end, jumps, negatives and zeros."""

    kind = SeriesKind.LEARNING_RATE

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.peak = 0.0
        self.last = math.nan
        self._low = math.inf  # the lowest since the peak
        self._zeros = 0

    def observe(self, step: int, wall_time: float, value: float, judge: Judge) -> None:
        self.n += 1  # (Monitor.observe, inlined: this runs for every point)
        previous, self.last = self.last, value
        if value < 0:
            judge.fire(
                RuleId.LR_ANOMALY, self.key, step, wall_time,
                f"the learning rate is negative ({value:.4g})", {"lr": value},
            )  # fmt: skip
            return
        if not math.isfinite(previous):
            judge.warmup_done = False
        else:
            if value <= previous:
                judge.warmup_done = True
            if (
                judge.warmup_done
                and previous >= 0.01 * self.peak
                and previous > 0
                and value > r.LR_JUMP_FACTOR * previous
            ):
                judge.fire(
                    RuleId.LR_ANOMALY, self.key, step, wall_time,
                    f"the learning rate jumped from {previous:.4g} to {value:.4g}",
                    {"before": previous, "lr": value},
                )  # fmt: skip
            if value == 0 and previous >= r.LR_CUT_SHARE * self.peak and previous > 0:
                judge.fire(
                    RuleId.LR_ANOMALY, self.key, step, wall_time,
                    f"the learning rate fell to 0 from {previous:.4g}", {"before": previous},
                )  # fmt: skip
        if (
            self.peak > 0
            and self._low <= r.LR_CYCLE_LOW * self.peak
            and value > r.LR_CYCLE_RISE * self._low
            and value > previous
        ):
            judge.lr_cycling = True  # a cyclic schedule or a warm restart, not a warm-up
        if value >= self.peak:
            self.peak = self._low = value
        self._low = min(self._low, value)
        self._zeros = self._zeros + 1 if value == 0 else 0
        cut_or_never = self.peak == 0 or judge.warmup_done
        judge.lr_zero = self._zeros >= r.NO_LEARNING_ZERO_POINTS and cut_or_never
        judge.schedule_ended = self.peak > 0 and value <= r.SCHEDULE_END_SHARE * self.peak


class GradNormMonitor(Monitor):
    """The gradient norm: explosions against its usual level, and zeros (frozen weights)."""

    kind = SeriesKind.GRAD_NORM

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self._recent = RollingMedian(r.LEVEL_POINTS)
        self._baseline: list[float] = []
        self._usual = math.nan
        self._streak = Streak(r.EXPLODING_PERSIST, RESOLVE_POINTS)
        self._zeros = 0

    def observe(self, step: int, wall_time: float, value: float, judge: Judge) -> None:
        self.n += 1  # (Monitor.observe, inlined: this runs for every point)
        self._zeros = self._zeros + 1 if value == 0 else 0
        judge.grad_zero = self._zeros >= r.NO_LEARNING_ZERO_POINTS
        if value <= 0:
            return
        self._recent.push(value)
        if self.n <= r.LEVEL_POINTS:  # the first steps' norms are not yet typical
            return
        level = self._recent.median
        if not math.isfinite(self._usual):
            self._baseline.append(level)
            if len(self._baseline) >= r.EXPLODING_BASELINE_POINTS:
                self._usual = median(self._baseline)
            return
        verdict = self._streak.update(level > r.EXPLODING_FACTOR * self._usual, step, wall_time)
        if verdict == "fire":
            train = judge.train
            stalled = train is not None and train.level.level >= train.level.best
            note = "; the loss is not improving" if stalled else ""
            judge.fire(
                RuleId.EXPLODING_GRADIENT,
                self.key,
                step,
                wall_time,
                f"the gradient norm is {level / self._usual:.0f}x its usual level "
                f"({level:.4g}, usually {self._usual:.4g}){note}",
                {"level": level, "usual": self._usual},
                onset=self._streak.onset,
            )
        elif verdict == "clear":
            judge.clear(
                RuleId.EXPLODING_GRADIENT, self.key, step, wall_time,
                f"the gradient norm is back to {level:.4g}",
            )  # fmt: skip


class ThroughputMonitor(Monitor):
    """Throughput (or step time, inverted): a lasting drop against the usual speed."""

    #: A series the run logs (not one worked out from its wall times).
    logged = True
    #: Speed below this share of the usual one is a drop ...
    drop_share = r.THROUGHPUT_DROP_SHARE
    #: ... for this many points in a row, judged once this many have set the usual speed.
    persist = r.THROUGHPUT_PERSIST
    baseline_points = r.THROUGHPUT_BASELINE_POINTS

    def __init__(self, key: str, kind: SeriesKind) -> None:
        super().__init__(key)
        self.kind = kind
        self._recent = RollingMedian(r.LEVEL_POINTS)
        self._reference: deque[float] = deque(maxlen=4 * self.baseline_points)
        self._usual = math.nan
        self._streak = Streak(self.persist, RESOLVE_POINTS)

    def observe(self, step: int, wall_time: float, value: float, judge: Judge) -> None:
        self.n += 1  # (Monitor.observe, inlined: this runs for every point)
        if self.logged:
            judge.speed_logged = True
        if value <= 0:
            return
        speed = 1.0 / value if self.kind is SeriesKind.STEP_TIME else value
        self._recent.push(speed)
        level = self._recent.median
        if not self._streak.active and self._streak.hits == 0:
            self._reference.append(speed)
            if self.n % r.NOISE_REFRESH == 0 or self.n <= self.baseline_points:
                self._usual = median(list(self._reference))
        if self.n < self.baseline_points or not self._usual > 0:
            return
        hit = level < self.drop_share * self._usual
        verdict = self._streak.update(hit, step, wall_time)
        if verdict == "fire":
            judge.fire(
                RuleId.THROUGHPUT_DROP,
                self.key,
                step,
                wall_time,
                self._describe(level, dropped=True),
                self._evidence(level),
                onset=self._streak.onset,
            )
        elif verdict == "clear":
            judge.clear(
                RuleId.THROUGHPUT_DROP, self.key, step, wall_time,
                self._describe(level, dropped=False),
            )  # fmt: skip

    def _describe(self, level: float, dropped: bool) -> str:
        share = f"{level / self._usual:.0%} of its usual speed"
        return f"{self.key} dropped to {share}" if dropped else f"{self.key} is back to {share}"

    def _evidence(self, level: float) -> dict[str, Any]:
        return {"level": self._shown(level), "usual": self._shown(self._usual)}

    def _shown(self, speed: float) -> float:
        return 1.0 / speed if self.kind is SeriesKind.STEP_TIME else speed


class PaceMonitor(ThroughputMonitor):
    """Seconds per step from the wall times of the run's points, for runs that log no speed.

    Told of each new step; one at a later wall time makes a gap (steps logged at the same
    wall time are one row, so the next gap covers them). Once the run logs a throughput or
    step time, that series is judged instead.
    """

    logged = False
    drop_share = 1.0 / r.PACE_SLOWDOWN
    persist = r.PACE_PERSIST
    baseline_points = r.PACE_BASELINE_POINTS

    def __init__(self) -> None:
        super().__init__(PACE_KEY, SeriesKind.STEP_TIME)
        self._last_step: int | None = None
        self._last_time = math.nan

    def point(self, step: int, wall_time: float, judge: Judge) -> None:
        """The run reached a new step at `wall_time`."""
        if judge.speed_logged:
            return
        last_step, last_time = self._last_step, self._last_time
        if last_step is not None and (step <= last_step or not wall_time > last_time):
            return
        self._last_step, self._last_time = step, wall_time
        if last_step is not None:
            per_step = (wall_time - last_time) / (step - last_step)
            # `_usual` is a speed, in steps per second.
            if self.n >= self.baseline_points and not 0 < self._usual <= 1 / r.PACE_MIN_STEP_S:
                return
            self.observe(step, wall_time, per_step, judge)

    def _describe(self, level: float, dropped: bool) -> str:
        now, usual = self._shown(level), self._shown(self._usual)
        if not dropped:
            return f"steps are back to {now:.3g} s each (usually {usual:.3g} s)"
        return (
            f"steps take {now / usual:.1f}x their usual time ({now:.3g} s per step, usually "
            f"{usual:.3g} s), judged from the wall time of the points as no throughput is logged"
        )

    def _evidence(self, level: float) -> dict[str, Any]:
        return {
            "seconds_per_step": self._shown(level),
            "usual_seconds_per_step": self._shown(self._usual),
        }


def make_monitor(key: str, kind: SeriesKind) -> Monitor:
    """The monitor for a series of this kind."""
    if kind is SeriesKind.TRAIN_LOSS:
        return LossMonitor(key)
    if kind is SeriesKind.VAL_LOSS:
        return EvalMonitor(key, kind)
    if kind.is_eval_metric:
        return EvalMonitor(key, kind)
    if kind is SeriesKind.LEARNING_RATE:
        return LearningRateMonitor(key)
    if kind is SeriesKind.GRAD_NORM:
        return GradNormMonitor(key)
    if kind in (SeriesKind.THROUGHPUT, SeriesKind.STEP_TIME):
        return ThroughputMonitor(key, kind)
    return Monitor(key)
