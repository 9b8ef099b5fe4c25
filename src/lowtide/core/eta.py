"""When a run will finish, and where its curves are heading by then.

`Pace` learns a run's seconds per step from its logged rows and tells pauses
(evaluations, checkpoints) apart from training, so a pause neither inflates
the pace nor goes missing from the ETA. `project` extrapolates a loss or a
metric to a future step: it fits a power law and an exponential, keeps the
one that predicts held-out points better, and falls back to the recent level
when neither can be trusted. `will_not_beat` says when even the optimistic
end of a projection loses to the project's best run.
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
CurveName = Literal["power_law", "exponential", "flat"]

# --- Pace -------------------------------------------------------------------

#: Recent normal gaps the pace is the median of: long enough to shrug off jitter,
#: short enough to follow a run that changes speed.
PACE_WINDOW = 64
#: Normal gaps between recomputations of the median, which keeps `observe` O(1) amortized.
PACE_RECOMPUTE_EVERY = 16
#: Gaps needed before the pace, and so an ETA, is known.
PACE_MIN_GAPS = 3
#: A gap this many times slower per step than the pace is a pause; step-time jitter
#: (data loading, logging) stays well under it, evaluations and checkpoints do not.
PAUSE_FACTOR = 4.0
#: This many long gaps in a row are a new, slower pace, not pauses.
SLOWDOWN_GAPS = 8

# --- Planned steps ----------------------------------------------------------

#: Config keys that name the planned number of steps, most specific first.
STEP_KEYS = (
    "total_steps",
    "max_steps",
    "num_steps",
    "num_training_steps",
    "train_steps",
    "steps",
    "iterations",
    "max_iters",
    "num_iterations",
)
#: Config keys for the planned number of epochs (`num_train_epochs` is Hugging Face's).
EPOCH_KEYS = ("epochs", "num_epochs", "max_epochs", "num_train_epochs")
#: Config keys for the number of steps in an epoch.
STEPS_PER_EPOCH_KEYS = ("steps_per_epoch", "iters_per_epoch")

# --- Projection -------------------------------------------------------------

#: Points a curve is fitted on at most: bin medians beyond it, so 100k points fit fast.
MAX_FIT_POINTS = 200
#: Finite points below which no curve is fitted.
MIN_FIT_POINTS = 10
#: Share of the (downsampled) points held out to choose between the curves.
HOLDOUT_FRACTION = 0.2
#: Held-out points at least, so the choice never rests on one point.
MIN_HOLDOUT_POINTS = 2
#: A curve that predicts the held-out points with more than this multiple of the flat
#: level's RMS error is unstable (both are mostly noise on a noisy curve, so not 1).
HOLDOUT_TOLERANCE = 1.5
#: Held-out error, in ranges of the values, that any curve may have: exact data is exact.
HOLDOUT_SLACK = 1e-6
#: F statistic of a curve against a constant, below which its trend may be noise
#: (about p < 1e-5 for 3 and 200 degrees of freedom; curve fits flatter themselves).
MIN_TREND_F = 10.0
#: Share of the points that make the recent level, and how few of them at least.
RECENT_FRACTION = 0.2
MIN_RECENT_POINTS = 3
#: Scales a median absolute deviation to a standard deviation for normal noise.
MAD_TO_SIGMA = 1.4826
#: Half-width of a two-sided 80% normal interval, in standard deviations.
BAND_Z = 1.2816
#: The 80% interval's quantiles, in percent, for sampled parameters.
BAND_PERCENTILES = (10.0, 90.0)
#: Parameter draws that make the band, and their fixed seed so a projection is repeatable.
BAND_DRAWS = 200
BAND_SEED = 20_240_601
#: Horizons between the last point and the target at which the band is widened, so it
#: never narrows as the target moves away.
BAND_GRID = 8
#: A projection further than this many observed ranges beyond the observed values is absurd.
ABSURD_RANGES = 1.0
#: Standard errors by which the rank correlation of values with time must be negative
#: before a falling curve is fitted at all (about 1 in 160 for noise).
MIN_FALL_Z = 2.5
#: Evaluations a fit may take before it counts as not converged: fits of the right family
#: take 5-30 from the starting guesses (99% within 60); one that wanders along its bounds
#: (the wrong family, a line, a staircase) would take hundreds and is cut off.
MAX_FIT_EVALUATIONS = 60
#: Bounds on the fits, in normalized units (steps over the last step, values over
#: their range): a decay rate above zero, an amplitude that is not negative, an
#: asymptote within a few ranges of the observed minimum.
MIN_DECAY = 1e-3
MAX_POWER = 4.0
MAX_EXP_RATE = 200.0
MAX_OFFSET = 10.0
ASYMPTOTE_BOUNDS = (-10.0, 1.5)
#: Where the fits may start their asymptote below the lowest point, in ranges of the
#: values (a slow power law's lies far below), and the power law its origin.
START_ASYMPTOTE_GAPS = (0.05, 0.2, 0.5, 1.0, 3.0)
START_OFFSETS = (0.001, 0.01, 0.1)


class Pace:
    """A run's seconds per step from its logged rows, with pauses set apart."""

    __slots__ = (
        "_anchor",
        "_gaps",
        "_n_gaps",
        "_pause_seconds",
        "_pending",
        "_since_recompute",
        "_slow_run",
        "_startup_seconds",
        "_total_seconds",
        "last_step",
        "pauses",
        "seconds_per_step",
    )

    def __init__(self) -> None:
        self._gaps: deque[float] = deque(maxlen=PACE_WINDOW)
        self._pending: list[tuple[int, float]] = []
        self._slow_run: list[tuple[float, float]] = []
        # Where the gap being measured started: lags the last row while a clock is too coarse.
        self._anchor: tuple[int, float] | None = None
        self._n_gaps = 0
        self._since_recompute = 0
        self._total_seconds = 0.0
        self._pause_seconds = 0.0
        self._startup_seconds = 0.0
        #: The latest step observed.
        self.last_step: int | None = None
        #: Pauses recognised so far.
        self.pauses = 0
        #: Median seconds per step of recent normal gaps; None until `PACE_MIN_GAPS` gaps.
        self.seconds_per_step: float | None = None

    @property
    def pause_share(self) -> float:
        """Share of the run's time (after start-up) spent in pauses."""
        elapsed = self._total_seconds - self._startup_seconds
        return self._pause_seconds / elapsed if elapsed > 0 else 0.0

    @property
    def pause_overhead(self) -> float:
        """Seconds paused per second of training: what pauses add to the time left."""
        busy = self._total_seconds - self._startup_seconds - self._pause_seconds
        return self._pause_seconds / busy if busy > 0 else 0.0

    def observe(self, step: int, wall_time: float) -> None:
        """A row logged at `step` and `wall_time` (seconds); rows of one step may repeat."""
        if not math.isfinite(wall_time):
            return
        if self._anchor is None:
            self._anchor, self.last_step = (step, wall_time), step
            return
        anchor_step, anchor_time = self._anchor
        steps, seconds = step - anchor_step, wall_time - anchor_time
        if steps < 0 or seconds < 0:
            # Resumed from a checkpoint, or the clock went back: start measuring afresh.
            self._anchor, self.last_step = (step, wall_time), step
            return
        if self.last_step is None or step > self.last_step:
            self.last_step = step
        if steps == 0 or seconds == 0:
            # Same step again (its evaluation time belongs to the next gap), or a clock too
            # coarse to see this gap: keep the anchor and measure a longer gap.
            return
        self._anchor = (step, wall_time)
        self._n_gaps += 1
        self._total_seconds += seconds
        if self.seconds_per_step is None:
            self._warm_up(steps, seconds)
        else:
            self._classify(steps, seconds, self.seconds_per_step)

    def eta_seconds(self, planned_steps: int) -> float | None:
        """Seconds until `planned_steps` at the current pace, pauses included; None if unknown."""
        if self.last_step is None or self.seconds_per_step is None or self._n_gaps < PACE_MIN_GAPS:
            return None
        remaining = planned_steps - self.last_step
        if remaining <= 0:
            return 0.0
        return remaining * self.seconds_per_step * (1.0 + self.pause_overhead)

    def _warm_up(self, steps: int, seconds: float) -> None:
        """Hold the first gaps until their median can tell start-up from training."""
        self._pending.append((steps, seconds))
        if len(self._pending) < PACE_MIN_GAPS:
            return
        pace = statistics.median(s / n for n, s in self._pending)
        for n, s in self._pending:
            if s / n > PAUSE_FACTOR * pace:
                # Compiling, loading data, a first evaluation: paid once, not every stretch.
                self._startup_seconds += s - n * pace
            else:
                self._gaps.append(s / n)
        self._pending.clear()
        self._recompute()

    def _classify(self, steps: int, seconds: float, pace: float) -> None:
        """Add a gap to the pace, or count its excess over the pace as a pause."""
        per_step = seconds / steps
        if per_step <= PAUSE_FACTOR * pace:
            self._slow_run.clear()
            self._gaps.append(per_step)
            self._since_recompute += 1
            if self._since_recompute >= PACE_RECOMPUTE_EVERY or len(self._gaps) < PACE_WINDOW:
                self._recompute()
            return
        excess = seconds - steps * pace
        self._pause_seconds += excess
        self.pauses += 1
        self._slow_run.append((per_step, excess))
        if len(self._slow_run) >= SLOWDOWN_GAPS:
            # Not pauses but a slower run (another machine, a longer sequence length).
            for slow, counted in self._slow_run:
                self._pause_seconds -= counted
                self.pauses -= 1
                self._gaps.append(slow)
            self._slow_run.clear()
            self._gaps = deque(list(self._gaps)[-SLOWDOWN_GAPS:], maxlen=PACE_WINDOW)
            self._recompute()

    def _recompute(self) -> None:
        """The pace from the window: O(window) every `PACE_RECOMPUTE_EVERY` gaps."""
        self.seconds_per_step = statistics.median(self._gaps)
        self._since_recompute = 0


def planned_steps_from_config(config: Mapping[str, Any]) -> int | None:
    """The planned number of steps in a run's config, at the top level or one level down."""
    found = _planned_steps_at(config)
    if found is not None:
        return found
    for value in config.values():
        if isinstance(value, Mapping):
            found = _planned_steps_at(value)
            if found is not None:
                return found
    # Flattened configs (MLflow params, W&B) spell one level down as "trainer.max_steps".
    nested: dict[str, dict[str, Any]] = {}
    for key, value in config.items():
        head, sep, tail = str(key).replace("/", ".").rpartition(".")
        if sep and "." not in head:
            nested.setdefault(head, {})[tail] = value
    for section in nested.values():
        found = _planned_steps_at(section)
        if found is not None:
            return found
    return None


def _planned_steps_at(config: Mapping[str, Any]) -> int | None:
    lowered = {str(k).lower(): v for k, v in config.items()}
    for key in STEP_KEYS:
        steps = _positive_int(lowered.get(key))
        if steps is not None:
            return steps
    epochs = _first_positive_int(lowered, EPOCH_KEYS)
    per_epoch = _first_positive_int(lowered, STEPS_PER_EPOCH_KEYS)
    if epochs is not None and per_epoch is not None:
        return epochs * per_epoch
    return None


def _first_positive_int(config: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        found = _positive_int(config.get(key))
        if found is not None:
            return found
    return None


def _positive_int(value: Any) -> int | None:
    """A positive whole number, also from 1000.0 or "1000" (MLflow params are strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            return None
        value = int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int | np.integer) and value > 0:
        return int(value)
    return None


# --- Projection -------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """Where a curve is heading at a step, with an ~80% band that contains `value`."""

    #: Projected value at the target step.
    value: float
    #: Lower and upper end of the band.
    low: float
    high: float
    #: The curve that made the projection.
    model: CurveName
    #: RMS residual of that curve on the points it was fitted to (for "flat", the
    #: recent noise), in the metric's units.
    fit_error: float


def _power_law(x: FloatArray, a: Any, b: Any, x0: Any, c: Any) -> FloatArray:
    result: FloatArray = a * (x + x0) ** (-b) + c
    return result


def _power_law_jac(x: FloatArray, a: float, b: float, x0: float, c: float) -> FloatArray:
    u = x + x0
    p = u ** (-b)
    return np.column_stack([p, -a * p * np.log(u), -a * b * p / u, np.ones_like(x)])


def _exponential(x: FloatArray, a: Any, b: Any, c: Any) -> FloatArray:
    result: FloatArray = a * np.exp(-b * x) + c
    return result


def _exponential_jac(x: FloatArray, a: float, b: float, c: float) -> FloatArray:
    e = np.exp(-b * x)
    return np.column_stack([e, -a * x * e, np.ones_like(x)])


@dataclass(frozen=True)
class _Curve:
    """A curve family with its bounds and a starting guess, in normalized units."""

    name: CurveName
    func: Callable[..., FloatArray]
    jac: Callable[..., FloatArray]
    lower: FloatArray
    upper: FloatArray
    #: Starting guesses; the last entry is how far below the lowest point the asymptote is.
    guesses: tuple[FloatArray, ...]
    #: What log(y - c) is a straight line in, given a guess: log(x + x0), or x.
    regressor: Callable[[FloatArray, FloatArray], FloatArray]

    def start(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """A starting point inside the bounds: for each guess, amplitude and rate from a
        straight-line fit of log(y - c) against the regressor; the guess that fits best."""
        best, best_error = self.guesses[0], math.inf
        for guess in self.guesses:
            p0 = guess.copy()
            p0[-1] = float(y.min()) - guess[-1]
            t, z = self.regressor(x, p0), np.log(y - p0[-1])
            spread = float(np.sum((t - t.mean()) ** 2))
            slope = float(np.sum((t - t.mean()) * (z - z.mean()))) / spread if spread > 0 else 0.0
            p0[0], p0[1] = math.exp(float(z.mean()) - slope * float(t.mean())), -slope
            p0 = np.clip(p0, self.lower + 1e-9, self.upper - 1e-9)
            error = float(np.sum((self.func(x, *p0) - y) ** 2))
            if error < best_error:
                best, best_error = p0, error
        return best


def _curves(min_offset: float) -> tuple[_Curve, ...]:
    low_c, high_c = ASYMPTOTE_BOUNDS
    return (
        _Curve(
            "power_law",
            _power_law,
            _power_law_jac,
            np.array([0.0, MIN_DECAY, min_offset, low_c]),
            np.array([np.inf, MAX_POWER, MAX_OFFSET, high_c]),
            tuple(
                np.array([1.0, 0.5, max(offset, 2 * min_offset), gap])
                for gap in START_ASYMPTOTE_GAPS
                for offset in START_OFFSETS
            ),
            lambda x, p: np.log(x + p[2]),
        ),
        _Curve(
            "exponential",
            _exponential,
            _exponential_jac,
            np.array([0.0, MIN_DECAY, low_c]),
            np.array([np.inf, MAX_EXP_RATE, high_c]),
            tuple(np.array([1.0, 3.0, gap]) for gap in START_ASYMPTOTE_GAPS),
            lambda x, p: x,
        ),
    )


def project(
    steps: npt.ArrayLike, values: npt.ArrayLike, target_step: int, lower_is_better: bool = True
) -> Projection | None:
    """Project a curve to `target_step`; None when it has no finite point.

    Non-finite points are ignored. The curves are fitted on at most `MAX_FIT_POINTS`
    bin medians, from the highest point on. A "flat" projection (the recent level, with
    a band from the recent noise) stands in when there are fewer than `MIN_FIT_POINTS`
    points, when they do not clearly fall, when no fit converges to finite values, when
    a fit predicts the held-out tail much worse than the flat level, when its trend may
    be noise, or when its value or band reaches past the plausible range.

    Warnings of the fits are silenced here (`warnings.catch_warnings`, which is not
    thread-safe on Python 3.11: call from one thread or expect filters to race).
    """
    x_all = np.asarray(steps, dtype=np.float64).ravel()
    y_all = np.asarray(values, dtype=np.float64).ravel()
    keep = np.isfinite(x_all) & np.isfinite(y_all)
    x_all, y_all = x_all[keep], y_all[keep]
    if x_all.size == 0:
        return None
    if x_all.size > 1 and bool((np.diff(x_all) < 0).any()):
        order = np.argsort(x_all, kind="stable")
        x_all, y_all = x_all[order], y_all[order]
    # SciPy takes ~16 MB when loaded: the health engine and a server that only ingests
    # load it with the first projection.
    from scipy.optimize import OptimizeWarning  # type: ignore[import-untyped]

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", OptimizeWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fitted = _project_fitted(x_all, y_all, float(target_step), lower_is_better)
    return fitted if fitted is not None else _flat(x_all, y_all, float(target_step))


def will_not_beat(projection: Projection, best_value: float, lower_is_better: bool) -> bool:
    """True when even the optimistic end of the band is worse than `best_value` (ties are not)."""
    if not math.isfinite(best_value):
        return False
    if lower_is_better:
        return projection.low > best_value
    return projection.high < best_value


def _flat(x: FloatArray, y: FloatArray, target: float) -> Projection:
    """The recent level, with a band from the recent noise that widens with the horizon."""
    recent = y[-max(MIN_RECENT_POINTS, int(RECENT_FRACTION * y.size)) :]
    level = float(np.median(recent))
    noise = MAD_TO_SIGMA * float(np.median(np.abs(recent - level)))
    half = BAND_Z * noise * math.sqrt(1.0 + _horizon(x, target))
    return Projection(level, level - half, level + half, "flat", noise)


def _horizon(x: FloatArray, target: float) -> float:
    """How far the target lies past the last point, in lengths of the observed span."""
    span = float(x[-1] - x[0])
    return max(0.0, target - float(x[-1])) / span if span > 0 else 0.0


def _bin_medians(x: FloatArray, y: FloatArray, n_bins: int) -> tuple[FloatArray, FloatArray]:
    """At most `n_bins` points: medians of equal bins of the sorted series, robust to spikes
    and exact on a smooth monotone curve. The oldest points that do not fill a bin go."""
    if x.size <= n_bins:
        return x, y
    width = x.size // n_bins
    start = x.size - width * n_bins
    middle = x[start:].reshape(n_bins, width)
    xs = (middle[:, (width - 1) // 2] + middle[:, width // 2]) / 2
    ys = np.median(y[start:].reshape(n_bins, width), axis=1)
    return xs, ys


def _project_fitted(
    x_all: FloatArray, y_all: FloatArray, target: float, lower_is_better: bool
) -> Projection | None:
    """A fitted projection, or None when the flat one should stand in."""
    if x_all.size < MIN_FIT_POINTS:
        return None
    xs, ys = _bin_medians(x_all, y_all, MAX_FIT_POINTS)
    # The sign flip turns a rising metric into a falling curve; the curves only fall, so
    # a warm-up (the points up to the highest one, when it is not the first) is left out.
    sign = 1.0 if lower_is_better else -1.0
    falling = sign * ys
    peak = int(np.argmax(falling))
    start = peak + 1 if peak > 0 else 0
    xs, falling = xs[start:], falling[start:]
    if xs.size < MIN_FIT_POINTS or not _falls(falling):
        return None
    origin = min(0.0, float(xs[0]))
    x_scale = float(xs[-1]) - origin
    y_min, y_range = float(falling.min()), float(falling.max() - falling.min())
    if x_scale <= 0 or y_range <= 0:
        return None
    # Steps over the last step and values over their range keep the fits well conditioned.
    x = (xs - origin) / x_scale
    y = (falling - y_min) / y_range
    x_target = (target - origin) / x_scale
    observed = float(y_all.max() - y_all.min())
    lowest = float(y_all.min()) - ABSURD_RANGES * observed
    highest = float(y_all.max()) + ABSURD_RANGES * observed

    def back(v: float) -> float:
        return sign * (v * y_range + y_min)

    # The power law's origin may sit anywhere up to one step before the first fitted point.
    for curve, popt, pcov in _candidates(x, y, _curves(1.0 / x_scale - float(x[0]))):
        residual = float(np.sqrt(np.mean((y - curve.func(x, *popt)) ** 2)))
        value, down, up = _band(curve, popt, pcov, residual, x, x_target)
        low, high = sorted((back(value - down), back(value + up)))
        result = Projection(back(value), low, high, curve.name, residual * y_range)
        # A band past the plausible range means the parameters are not pinned down.
        if math.isfinite(result.value) and lowest <= low and high <= highest:
            return result
    return None


def _falls(y: FloatArray) -> bool:
    """Whether the points fall at all: their rank correlation with time is clearly negative.

    A cheap test before the fits, which on noise would run to their limit and fail.
    """
    ranks = np.argsort(np.argsort(y, kind="stable"), kind="stable").astype(np.float64)
    order = np.arange(y.size, dtype=np.float64)
    rho = float(np.corrcoef(order, ranks)[0, 1])
    return rho < -MIN_FALL_Z / math.sqrt(y.size - 1)


def _candidates(
    x: FloatArray, y: FloatArray, curves: tuple[_Curve, ...]
) -> Iterator[tuple[_Curve, FloatArray, FloatArray]]:
    """Curves refitted on all points, best at predicting the held-out tail first, that
    neither fail there nor have a trend that may be noise."""
    n_hold = max(MIN_HOLDOUT_POINTS, round(HOLDOUT_FRACTION * x.size))
    x_fit, y_fit, x_hold, y_hold = x[:-n_hold], y[:-n_hold], x[-n_hold:], y[-n_hold:]
    recent = y_fit[-max(MIN_RECENT_POINTS, int(RECENT_FRACTION * y_fit.size)) :]
    flat_error = float(np.sqrt(np.mean((y_hold - np.median(recent)) ** 2)))
    scored: list[tuple[float, int, _Curve, FloatArray]] = []
    for rank, curve in enumerate(curves):
        fit = _fit(curve, x_fit, y_fit, curve.start(x_fit, y_fit))
        if fit is None:
            continue
        error = float(np.sqrt(np.mean((y_hold - curve.func(x_hold, *fit[0])) ** 2)))
        if math.isfinite(error) and error <= HOLDOUT_TOLERANCE * flat_error + HOLDOUT_SLACK:
            scored.append((error, rank, curve, fit[0]))
    for _, _, curve, p_start in sorted(scored, key=lambda s: (s[0], s[1])):
        fit = _fit(curve, x, y, p_start)
        if fit is not None and _trend_f(y, curve.func(x, *fit[0]), fit[0].size) >= MIN_TREND_F:
            yield curve, fit[0], fit[1]


def _trend_f(y: FloatArray, fitted: FloatArray, n_params: int) -> float:
    """F statistic of a fitted curve against a constant: how far its trend stands above noise."""
    flat_ss = float(np.sum((y - y.mean()) ** 2))
    curve_ss = float(np.sum((y - fitted) ** 2))
    dof = y.size - n_params
    if dof <= 0 or not curve_ss < flat_ss:
        return 0.0
    if curve_ss == 0:
        return math.inf
    return ((flat_ss - curve_ss) / (n_params - 1)) / (curve_ss / dof)


def _fit(
    curve: _Curve, x: FloatArray, y: FloatArray, p0: FloatArray
) -> tuple[FloatArray, FloatArray] | None:
    """Parameters and their covariance, or None when the fit fails or is not finite."""
    from scipy.optimize import curve_fit

    p0 = np.clip(p0, curve.lower + 1e-9, curve.upper - 1e-9)
    try:
        popt, pcov = curve_fit(
            curve.func,
            x,
            y,
            p0=p0,
            bounds=(curve.lower, curve.upper),
            jac=curve.jac,
            method="trf",
            max_nfev=MAX_FIT_EVALUATIONS,
        )
    except (RuntimeError, ValueError, np.linalg.LinAlgError):
        return None
    popt = np.asarray(popt, dtype=np.float64)
    pcov = np.asarray(pcov, dtype=np.float64)
    if not (np.isfinite(popt).all() and np.isfinite(pcov).all()):
        return None
    return popt, pcov


def _band(
    curve: _Curve,
    popt: FloatArray,
    pcov: FloatArray,
    residual: float,
    x: FloatArray,
    x_target: float,
) -> tuple[float, float, float]:
    """Value at the target, and the band's distances below and above it.

    Parameter uncertainty comes from draws of the covariance, widened to its widest
    between the last point and the target; the residual noise grows with the horizon.
    """
    value = float(curve.func(np.array([x_target]), *popt)[0])
    x_last = float(x[-1])
    grid = np.linspace(x_last, x_target, BAND_GRID) if x_target > x_last else np.array([x_target])
    rng = np.random.default_rng(BAND_SEED)
    draws = rng.multivariate_normal(
        popt, pcov, size=BAND_DRAWS, method="eigh", check_valid="ignore"
    )
    draws = np.clip(draws, curve.lower, curve.upper)
    samples = curve.func(grid[None, :], *(draws.T[:, :, None]))
    centre = curve.func(grid, *popt)
    samples = np.where(np.isfinite(samples), samples, centre[None, :])
    q_low, q_high = np.percentile(samples, BAND_PERCENTILES, axis=0)
    below = float(np.max(centre - q_low, initial=0.0))
    above = float(np.max(q_high - centre, initial=0.0))
    noise = BAND_Z * residual * math.sqrt(1.0 + _horizon(x, x_target))
    return value, float(math.hypot(below, noise)), float(math.hypot(above, noise))
