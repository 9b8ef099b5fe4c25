"""A series as one line of block characters, for terminals."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BLOCKS = "▁▂▃▄▅▆▇█"
#: Drawn where the value is NaN or infinite.
NONFINITE_MARK = "!"


def sparkline(values: npt.NDArray[np.float64], width: int = 30) -> str:
    """`width` characters from low to high, each the mean of its slice; `!` if non-finite."""
    if values.size == 0:
        return ""
    slices = np.array_split(values, min(width, values.size))
    means = [float(part.mean()) if np.isfinite(part).all() else None for part in slices]
    finite = [m for m in means if m is not None]
    if not finite:
        return NONFINITE_MARK * len(slices)
    lo, hi = min(finite), max(finite)
    span = hi - lo
    top = len(BLOCKS) - 1
    return "".join(
        NONFINITE_MARK if m is None else BLOCKS[0 if span == 0 else round((m - lo) / span * top)]
        for m in means
    )
