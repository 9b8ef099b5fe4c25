"""The draft's figures: one PNG of curves per metric, drawn with matplotlib's Agg canvas.

matplotlib is imported when a figure is drawn, never with the package: the
SDK and the server's start stay light. Figures are drawn on their own
`Figure` objects (no pyplot, no global state) and returned as bytes; the
writer decides where they go.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from lowtide.core.health.kinds import infer_kind
from lowtide.report.story import Curve, Story

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Size of a figure in inches, and its resolution: 1200 x 660 pixels.
FIGURE_SIZE = (8.0, 4.4)
FIGURE_DPI = 150
#: Line widths of the best run and of the others.
BEST_WIDTH, OTHER_WIDTH = 2.6, 1.3
#: Share of the value range added above and below the healthy curves.
Y_PADDING = 0.06
#: A positive loss spanning more than this ratio is drawn on a log scale.
LOG_SCALE_RATIO = 50.0
#: Values further than this many ranges off the chart are clipped before drawing, so a
#: curve that exploded to 1e30 leaves the chart at its edge instead of overflowing.
CLIP_RANGES = 10.0
#: Longest part of a figure's file name taken from its metric key.
SLUG_LENGTH = 40
#: Colors of the runs, in order (matplotlib's tab10, readable in print).
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip

# matplotlib shares its font and text caches between figures: draw one at a time.
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class FigureImage:
    """One drawn figure: its file name in the draft's figures folder, caption and PNG."""

    name: str
    key: str
    caption: str
    png: bytes


def draw_figures(story: Story) -> list[FigureImage]:
    """A figure of each of the story's curve keys, the deciding metric first."""
    images = []
    for n, (key, curves) in enumerate(story.curves, 1):
        metric = story.metric if story.metric is not None and story.metric.key == key else None
        best_point = None
        if metric is not None and story.best is not None and story.best.best is not None:
            best_point = (story.best.best_step or 0, story.best.best, story.best.name)
        png = _draw(key, curves, best_point)
        images.append(
            FigureImage(
                name=f"{n:02d}-{slug(key)}.png",
                key=key,
                caption=_caption(key, curves, metric is not None),
                png=png,
            )
        )
    return images


def slug(text: str) -> str:
    """A file-name-safe version of a metric key: `val/loss` becomes `val-loss`."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:SLUG_LENGTH].strip("-") or "metric"


def _caption(key: str, curves: Sequence[Curve], deciding: bool) -> str:
    runs = len(curves)
    text = f"{key} by step, {runs} run{'s' if runs != 1 else ''}"
    best = next((c.run for c in curves if c.best), None)
    if best is not None and runs > 1:
        text += f"; the best run, {best}, drawn thick"
    if deciding and best is not None:
        text += ", its best value starred"
    gone = [c.run for c in curves if c.diverged]
    if gone:
        text += f"; {', '.join(gone)} diverged (marked with a cross)"
    return text + "."


def _draw(key: str, curves: Sequence[Curve], best_point: tuple[int, float, str] | None) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _DRAWING:
        fig = Figure(figsize=FIGURE_SIZE, dpi=FIGURE_DPI, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        low, high, log = _y_range(key, curves)
        span = high - low
        for i, curve in enumerate(curves):
            color = PALETTE[i % len(PALETTE)]
            values = _clipped(curve.values, low - CLIP_RANGES * span, high + CLIP_RANGES * span)
            if log:
                values = np.where(values > 0, values, np.nan)
            note = " (best)" if curve.best else " (diverged)" if curve.diverged else ""
            ax.plot(
                curve.steps,
                values,
                color=color,
                linewidth=BEST_WIDTH if curve.best else OTHER_WIDTH,
                zorder=3 if curve.best else 2,
                label=curve.run + note,
            )
            if curve.diverged:
                _mark_divergence(ax, curve, color, low, high)
        if best_point is not None:
            step, value, run = best_point
            ax.plot(
                [step], [value], marker="*", markersize=15, color="#111827", zorder=4,
                linestyle="none", label=f"best: {value:.4g} ({run}, step {step})",
            )  # fmt: skip
        if log:
            ax.set_yscale("log")
        ax.set_ylim(low, high)
        ax.set_xlabel("step")
        ax.set_ylabel(key)
        ax.set_title(key, loc="left", fontweight="bold", pad=14)
        ax.grid(True, alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="best", fontsize="small", frameon=False)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=FIGURE_DPI, facecolor="white")
    return out.getvalue()


def _y_range(key: str, curves: Sequence[Curve]) -> tuple[float, float, bool]:
    """The values shown: those of the runs that stayed healthy (all runs when none did),
    padded; and whether to draw them on a log scale."""
    healthy = [c.values for c in curves if not c.diverged] or [c.values for c in curves]
    values = np.concatenate(healthy) if healthy else np.array([], dtype=np.float64)
    values = values[np.isfinite(values)]
    if not values.size:
        return 0.0, 1.0, False
    low, high = float(values.min()), float(values.max())
    if infer_kind(key).is_loss and low > 0 and high / low > LOG_SCALE_RATIO:
        pad = (math.log10(high) - math.log10(low)) * Y_PADDING
        return low / 10**pad, high * 10**pad, True
    pad = (high - low) * Y_PADDING or abs(high) * Y_PADDING or 1.0
    return low - pad, high + pad, False


def _clipped(values: npt.NDArray[np.float64], low: float, high: float) -> npt.NDArray[np.float64]:
    """Non-finite values become gaps; huge ones are pulled in to just off the chart."""
    finite = np.isfinite(values)
    return np.where(finite, np.clip(np.where(finite, values, 0.0), low, high), np.nan)


def _mark_divergence(ax: Axes, curve: Curve, color: str, low: float, high: float) -> None:
    """A cross where the run's values leave the chart or stop being numbers, and a note of
    the first value off the chart and the first step that is not a number."""
    values = curve.values
    finite = np.isfinite(values)
    off = ~finite | (values > high) | (values < low)
    if not bool(off.any()):
        return
    at = int(np.argmax(off))
    step, value = int(curve.steps[at]), float(values[at])
    y = low if math.isfinite(value) and value < low else high
    ax.plot(
        [step], [y], marker="X", markersize=11, color=color, zorder=5,
        linestyle="none", clip_on=False,
    )  # fmt: skip
    notes = []
    if math.isfinite(value):
        notes.append(f"{value:.3g} at step {step}")
    if not bool(finite.all()):
        first = int(np.argmax(~finite))
        bad = float(values[first])
        word = "NaN" if math.isnan(bad) else "infinite"
        notes.append(f"{word} from step {int(curve.steps[first])}")
    ax.annotate(
        f"{curve.run}: {', then '.join(notes)}",
        xy=(step, y),
        xytext=(8, -14 if y == high else 8),
        textcoords="offset points",
        color=color,
        fontsize="small",
        annotation_clip=False,
    )
