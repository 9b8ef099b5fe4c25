"""`make screenshots`: a picture of each dashboard page, seeded with small real runs, in docs/.

Run as `python -m tests.server.dashboard.screenshots [FOLDER]`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from lowtide.config import Settings
from lowtide.server.health_worker import HealthWorker
from lowtide.store import open_store
from tests.conftest import start_server
from tests.server.dashboard.conftest import launch_chromium
from tests.server.dashboard.seed import seed_dashboard

#: The browser window the pictures are taken in (CSS pixels) and its pixel ratio.
VIEWPORT = {"width": 1280, "height": 860}
SCALE = 1
#: Milliseconds to wait for charts to be drawn.
DRAWN_MS = 15_000


def take(folder: Path) -> list[Path]:
    """Serve a seeded store, open each page in chromium, save a PNG of it; the files."""
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        settings = Settings(home=tmp / "home", database_url=f"sqlite:///{tmp / 'lowtide.db'}")
        store = open_store(settings.database_url)
        store.upgrade()
        server, thread, url = start_server(settings, store, health=HealthWorker(store))
        seeded = None
        manager, browser = launch_chromium()
        try:
            seeded = seed_dashboard(url, tmp / "client")
            runs = seeded.runs
            pages = [
                ("now", "/"),
                ("runs", "/runs"),
                ("run", f"/runs/{runs['resnet18-cosine']}"),
                ("run-diverged", f"/runs/{runs['resnet18-lr1.0']}"),
                (
                    "compare",
                    f"/compare?run={runs['resnet18-baseline']}&run={runs['resnet18-cosine']}",
                ),
            ]
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=SCALE)
            page = context.new_page()
            for name, path in pages:
                page.goto(url + path)
                if name.startswith(("run", "compare")) and name != "runs":
                    page.wait_for_function(
                        "performance.getEntriesByName('lowtide:charts-drawn').length > 0",
                        timeout=DRAWN_MS,
                    )
                page.wait_for_timeout(300)
                target = folder / f"dashboard-{name}.png"
                page.screenshot(path=str(target), full_page=True)
                saved.append(target)
            context.close()
        finally:
            browser.close()
            manager.stop()
            if seeded is not None:
                seeded.close()
            server.should_exit = True
            thread.join(timeout=20)
            store.close()
    return saved


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("docs")
    for path in take(folder):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
