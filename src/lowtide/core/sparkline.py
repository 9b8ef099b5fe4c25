"""A series as one line of block characters, for terminals."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BLOCKS = "▁▂▃▄▅▆▇█"
#: Drawn where the value is NaN or infinite.
NONFINITE_MARK = "!"


def sparkline(values: npt.NDArray[np.float64], width: int = 30) -> str:
    """`width` characters from low to high; each the mean of its slice, `!` if non-finite."""
    if values.size == 0:
        return ""
    slices = np.array_split(values, min(width, values.size))
    finite_all = values[np.isfinite(values)]
    if finite_all.size == 0:
        return NONFINITE_MARK * len(slices)
    lo, hi = float(finite_all.min()), float(finite_all.max())
    span = hi - lo
    out = []
    for part in slices:
        if not np.isfinite(part).all():
            out.append(NONFINITE_MARK)
            continue
        level = 0 if span == 0 else int((float(part.mean()) - lo) / span * (len(BLOCKS) - 1))
        out.append(BLOCKS[max(0, min(level, len(BLOCKS) - 1))])
    return "".join(out)
