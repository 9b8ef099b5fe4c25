"""Streaming level, noise and best value of one series, in amortized constant time."""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import deque

from lowtide.core.health.rules import INITIAL_POINTS, LEVEL_POINTS, NOISE_REFRESH, NOISE_WINDOW

#: Scales a median absolute deviation to a standard deviation for normal noise; the extra
#: 1/sqrt(2) undoes the doubling of variance in first differences.
_MAD_TO_SIGMA = 1.4826 / math.sqrt(2.0)
#: Points before the level may count as the best one.
_BEST_FROM = min(LEVEL_POINTS, 3)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])


class RollingMedian:
    """The median of the last `size` values pushed, kept sorted as they come and go.

    A push is a binary search and a short list move, instead of a sort of the
    window for every point. Values must not be NaN (it has no place in an order).
    """

    __slots__ = ("_sorted", "_window")

    def __init__(self, size: int) -> None:
        self._window: deque[float] = deque(maxlen=size)
        self._sorted: list[float] = []

    def push(self, value: float) -> None:
        window, ordered = self._window, self._sorted
        if len(window) == window.maxlen:
            del ordered[bisect_left(ordered, window[0])]
        window.append(value)
        insort(ordered, value)

    @property
    def median(self) -> float:
        """The window's median (the mean of the middle two for an even count); NaN if empty."""
        ordered = self._sorted
        size = len(ordered)
        if not size:
            return math.nan
        mid = size // 2
        return ordered[mid] if size % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])

    @property
    def last(self) -> float:
        return self._window[-1]

    def __len__(self) -> int:
        return len(self._window)


class Level:
    """Where a series stands now (a short rolling median), how noisy it is, and its best.

    Lower is better; callers negate higher-is-better series. Non-finite values
    are not pushed here.
    """

    __slots__ = (
        "_diffs",
        "_first",
        "_recent",
        "best",
        "best_step",
        "initial",
        "level",
        "n",
        "noise",
    )

    def __init__(self) -> None:
        self.n = 0
        self._recent = RollingMedian(LEVEL_POINTS)
        self._diffs: deque[float] = deque(maxlen=NOISE_WINDOW)
        self._first: list[float] = []
        self.level = math.nan
        self.initial = math.nan
        self.noise = 0.0
        self.best = math.inf
        self.best_step = 0

    def push(self, value: float, step: int) -> None:
        n = self.n = self.n + 1
        recent = self._recent
        if n > 1:
            self._diffs.append(value - recent.last)
        recent.push(value)
        level = self.level = recent.median
        if n <= INITIAL_POINTS:
            self._first.append(value)
            self.initial = median(self._first)
        if n % NOISE_REFRESH == 0 or n <= NOISE_REFRESH:
            diffs = list(self._diffs)
            if len(diffs) >= 2:
                center = median(diffs)
                self.noise = _MAD_TO_SIGMA * median([abs(d - center) for d in diffs])
        if level < self.best and n >= _BEST_FROM:
            self.best = level
            self.best_step = step

    @property
    def ready(self) -> bool:
        """Enough points for the level to mean something."""
        return self.n >= LEVEL_POINTS


class Streak:
    """Counts a condition's consecutive hits and misses: fire after `fire`, clear after `clear`."""

    __slots__ = ("_clear", "_fire", "active", "hits", "misses", "onset")

    def __init__(self, fire: int, clear: int) -> None:
        self._fire = fire
        self._clear = clear
        self.hits = 0
        self.misses = 0
        self.active = False
        self.onset: tuple[int, float] | None = None

    def update(self, hit: bool, step: int, wall_time: float) -> str | None:
        """'fire' when the condition has held long enough, 'clear' when it has gone."""
        if hit:
            if self.hits == 0:
                self.onset = (step, wall_time)
            self.hits += 1
            self.misses = 0
            if not self.active and self.hits >= self._fire:
                self.active = True
                return "fire"
            return "hold" if self.active else None
        self.hits = 0
        if self.active:
            self.misses += 1
            if self.misses >= self._clear:
                self.active = False
                self.misses = 0
                return "clear"
        return None
