"""The draft's figures are real PNGs that show every run's curve; matplotlib stays lazy."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lowtide.report import Subject, build_story
from lowtide.report.figures import FIGURE_DPI, FIGURE_SIZE, PALETTE, draw_figures, slug
from tests.report.conftest import Trained
from tests.report.sweep import PROJECT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Pixels of a run's color a figure must have for its curve to be seen (a line across
#: the chart is thousands).
MIN_CURVE_PIXELS = 400


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def pixels_near(image: npt.NDArray[np.float32], color: str, tolerance: float = 0.12) -> int:
    """How many pixels are close to a `#rrggbb` color."""
    rgb = np.array([int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    distance = np.abs(image[..., :3] - rgb).max(axis=-1)
    return int((distance < tolerance).sum())


def test_each_figure_is_a_png_showing_every_run(trained: Trained, tmp_path: Path) -> None:
    from matplotlib.image import imread

    story = build_story(trained.store, Subject(project=PROJECT))
    images = draw_figures(story)
    assert [(i.name, i.key) for i in images] == [
        ("01-val-loss.png", "val/loss"),
        ("02-train-loss.png", "train/loss"),
    ]
    for image in images:
        assert png_size(image.png) == (
            round(FIGURE_SIZE[0] * FIGURE_DPI),
            round(FIGURE_SIZE[1] * FIGURE_DPI),
        )
        path = tmp_path / image.name
        path.write_bytes(image.png)
        pixels = imread(path)
        assert float(pixels[..., :3].std()) > 0.05, "a blank figure"
        slow, best, diverged = PALETTE[:3]
        assert pixels_near(pixels, slow) > MIN_CURVE_PIXELS
        assert pixels_near(pixels, best) > 2 * MIN_CURVE_PIXELS  # drawn thick
        assert pixels_near(pixels, diverged) > 0  # the cross where it left the chart
        assert "diverged" in image.caption
        assert "sgd-lr0.03" in image.caption


def test_slugs_are_safe_file_names() -> None:
    assert slug("val/loss") == "val-loss"
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("Top-1 Accuracy (%)") == "top-1-accuracy"
    assert slug("///") == "metric"
    assert len(slug("x" * 500)) <= 40


def test_matplotlib_is_imported_only_to_draw() -> None:
    code = (
        "import sys, lowtide, lowtide.report, lowtide.server, lowtide.cli\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
