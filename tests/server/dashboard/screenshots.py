"""`make screenshots`: a picture of each dashboard page, seeded with small real runs, in docs/.

Run as `python -m tests.server.dashboard.screenshots [FOLDER]`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.opportunities.conftest import SNAPSHOTS
from tests.server.dashboard.conftest import launch_chromium, serve_dashboard
from tests.server.dashboard.seed_plan import plan_for_pictures

#: The browser window the pictures are taken in (CSS pixels) and its pixel ratio.
VIEWPORT = {"width": 1280, "height": 860}
SCALE = 1
#: Milliseconds to wait for charts to be drawn, on the pages that draw them with uPlot.
DRAWN_MS = 15_000
CHARTED = frozenset({"run", "run-diverged", "compare"})
#: Pages cut at a height (CSS pixels): the board's first rows tell enough.
MAX_HEIGHT = {"opportunities": 1500}
#: A row to open on a page before its picture is taken (the board's detail of an offer).
OPENED = {"opportunities": 'tr[data-kind="freelance"] summary'}


def take(folder: Path) -> list[Path]:
    """Serve a seeded store, open each page in chromium, save a PNG of it; the files."""
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with (
        tempfile.TemporaryDirectory() as tmp_name,
        serve_dashboard(Path(tmp_name), hostile=False) as dashboard,
    ):
        manager, browser = launch_chromium()
        try:
            url, runs = dashboard.url, dashboard.seeded.runs
            plan_for_pictures(dashboard.store, SNAPSHOTS)
            pages = [
                ("now", "/"),
                ("runs", "/runs"),
                ("run", f"/runs/{runs['resnet18-cosine']}"),
                ("run-diverged", f"/runs/{runs['resnet18-lr1.0']}"),
                (
                    "compare",
                    f"/compare?run={runs['resnet18-baseline']}&run={runs['resnet18-cosine']}",
                ),
                ("projects", "/projects"),
                ("project", "/projects/cifar10"),
                ("forecast", "/forecast"),
                ("opportunities", "/opportunities"),
                ("growth", "/growth"),
                ("notifications", "/notifications"),
                ("plan", "/plan"),
            ]
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=SCALE)
            page = context.new_page()
            for name, path in pages:
                page.goto(url + path)
                if name in CHARTED:
                    page.wait_for_function(
                        "performance.getEntriesByName('lowtide:charts-drawn').length > 0",
                        timeout=DRAWN_MS,
                    )
                if name in OPENED:
                    page.locator(OPENED[name]).first.click()
                page.wait_for_timeout(300)
                target = folder / f"dashboard-{name}.png"
                if name in MAX_HEIGHT:
                    height = min(MAX_HEIGHT[name], page.evaluate("document.body.scrollHeight"))
                    clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}
                    page.screenshot(path=str(target), full_page=True, clip=clip)
                else:
                    page.screenshot(path=str(target), full_page=True)
                saved.append(target)
            context.close()
        finally:
            browser.close()
            manager.stop()
    return saved


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("docs")
    for path in take(folder):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
