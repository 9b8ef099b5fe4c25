"""A run's logging rhythm: the usual gap between points and its recurring pauses."""

from __future__ import annotations

import math
from collections import deque

from lowtide.core.health import rules as r
from lowtide.core.health.level import median

#: Gaps kept to learn the usual one.
GAP_WINDOW = 64
#: Pauses kept to learn the recurring ones.
PAUSE_WINDOW = 8


class Cadence:
    """Learns when the next point is due, from the wall times of the points themselves."""

    __slots__ = ("_gaps", "_n", "_pauses", "first_time", "last_time", "usual_gap")

    def __init__(self) -> None:
        self._gaps: deque[float] = deque(maxlen=GAP_WINDOW)
        self._pauses: deque[float] = deque(maxlen=PAUSE_WINDOW)
        self._n = 0
        self.usual_gap = math.nan
        self.first_time = math.nan
        self.last_time = math.nan

    def point(self, wall_time: float) -> None:
        """A point logged at `wall_time` (points of one row share it)."""
        if math.isnan(self.last_time):
            self.first_time = self.last_time = wall_time
            return
        gap = wall_time - self.last_time
        if gap <= 0:
            return
        self.last_time = wall_time
        self._n += 1
        if math.isfinite(self.usual_gap) and gap > r.PAUSE_GAPS * self.usual_gap:
            self._pauses.append(gap)
            return
        self._gaps.append(gap)
        if self._n % r.NOISE_REFRESH == 0 or self._n <= r.NOISE_REFRESH:
            self.usual_gap = median(list(self._gaps))

    @property
    def known(self) -> bool:
        """At least a few gaps have been seen."""
        return len(self._gaps) >= 3

    def recurring_pause(self) -> float:
        """The longest recent pause, if pauses recur (evaluations, checkpoints); else 0."""
        if len(self._pauses) < r.RECURRING_PAUSES:
            return 0.0
        return max(self._pauses)

    def silence_limit(self) -> float:
        """Seconds of silence after which the run counts as stalled."""
        return max(
            r.STALL_GAPS * self.usual_gap,
            r.STALL_PAUSE_FACTOR * self.recurring_pause(),
            r.STALL_MIN_SILENCE_S,
        )

    def page_limit(self) -> float:
        """Seconds of silence after which a stall pages."""
        limit = self.silence_limit()
        return max(r.STALL_PAGE_FACTOR * limit, limit + r.STALL_PAGE_MIN_S)
