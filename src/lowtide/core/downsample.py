"""Downsampling a series to a few points for a chart, keeping what matters.

`minmax` keeps, per bucket, the lowest and the highest point and the first
non-finite one, so spikes and NaNs survive any zoom level. `lttb` is
Largest-Triangle-Three-Buckets (Steinarsson 2013), which keeps the shape.
Both return indices into the input, sorted, so the caller picks steps, times
and values alike.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

Method = Literal["minmax", "lttb"]
IndexArray = npt.NDArray[np.intp]


def downsample(
    steps: npt.NDArray[np.int64], values: npt.NDArray[np.float64], n: int, method: Method
) -> IndexArray:
    """Indices of at most `n` points of the series that represent it."""
    size = int(values.shape[0])
    if n <= 0:
        raise ValueError("n must be positive")
    if size <= n:
        return np.arange(size, dtype=np.intp)
    if method == "lttb":
        return lttb(steps, values, n)
    return minmax(values, n)


def minmax(values: npt.NDArray[np.float64], n: int) -> IndexArray:
    """Per bucket: the index of the minimum, the maximum and the first non-finite value."""
    finite = np.isfinite(values)
    if not bool(finite.all()):
        return _minmax_nonfinite(values, finite, n)
    # All finite (the usual case): two passes over the values, no padded copies.
    size = int(values.shape[0])
    n_buckets = max(1, n // 2)
    width = -(-size // n_buckets)
    full = size // width
    body = values[: full * width].reshape(full, width)
    offsets = np.arange(full, dtype=np.intp) * width
    picks = [offsets + body.argmin(axis=1), offsets + body.argmax(axis=1)]
    if full * width < size:
        tail = values[full * width :]
        picks.append(full * width + np.array([tail.argmin(), tail.argmax()], dtype=np.intp))
    return np.unique(np.concatenate(picks))


def _minmax_nonfinite(
    values: npt.NDArray[np.float64], finite: npt.NDArray[np.bool_], n: int
) -> IndexArray:
    size = int(values.shape[0])
    # Room for a third pick per bucket, so never more than n.
    n_buckets = max(1, n // 3)
    width = -(-size // n_buckets)
    n_buckets = -(-size // width)
    padded = n_buckets * width
    low = np.full(padded, np.inf)
    high = np.full(padded, -np.inf)
    low[:size] = np.where(finite, values, np.inf)
    high[:size] = np.where(finite, values, -np.inf)
    bad = np.zeros(padded, dtype=bool)
    bad[:size] = ~finite
    offsets = np.arange(n_buckets, dtype=np.intp) * width
    picks = [
        offsets + low.reshape(n_buckets, width).argmin(axis=1),
        offsets + high.reshape(n_buckets, width).argmax(axis=1),
    ]
    bad_rows = bad.reshape(n_buckets, width)
    has_bad = bad_rows.any(axis=1)
    picks.append((offsets + bad_rows.argmax(axis=1))[has_bad])
    idx = np.unique(np.concatenate(picks))
    # A bucket of only non-finite values makes argmin pick its first slot, which is fine
    # (it is evidence); the padding past the end is never a real point.
    return idx[idx < size]


def lttb(steps: npt.NDArray[np.int64], values: npt.NDArray[np.float64], n: int) -> IndexArray:
    """Largest-Triangle-Three-Buckets; keeps first and last, and every non-finite bucket."""
    size = int(values.shape[0])
    if n < 3:
        return np.array([0, size - 1], dtype=np.intp)[:n]
    x = steps.astype(np.float64)
    y = np.where(np.isfinite(values), values, np.nan)
    edges = np.linspace(1, size - 1, n - 1).astype(np.intp)
    out = np.empty(n, dtype=np.intp)
    out[0] = 0
    a = 0
    for i in range(n - 2):
        lo, hi = int(edges[i]), int(edges[i + 1])
        if hi <= lo:
            hi = lo + 1
        nxt_lo, nxt_hi = hi, int(edges[i + 2]) if i + 2 < n - 1 else size
        if nxt_hi <= nxt_lo:
            nxt_hi = min(size, nxt_lo + 1)
        avg_x = float(np.mean(x[nxt_lo:nxt_hi]))
        tail = y[nxt_lo:nxt_hi]
        avg_y = float(np.nanmean(tail)) if np.isfinite(tail).any() else 0.0
        seg_y = y[lo:hi]
        nonfinite = ~np.isfinite(seg_y)
        if nonfinite.any():
            a = lo + int(np.argmax(nonfinite))
        else:
            ax, ay = x[a], y[a] if np.isfinite(y[a]) else 0.0
            area = np.abs((ax - avg_x) * (seg_y - ay) - (ax - x[lo:hi]) * (avg_y - ay))
            a = lo + int(np.argmax(area))
        out[i + 1] = a
    out[n - 1] = size - 1
    return np.unique(out)
