"""A seeded server for the dashboard's tests, and one headless chromium for the session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    Response,
    sync_playwright,
)

from lowtide.config import Settings
from lowtide.notify import RetryPolicy
from lowtide.server.health_worker import HealthWorker
from lowtide.server.notifier import Notifier
from lowtide.store import Store, open_store
from tests.conftest import free_port, serve_receiver, start_server
from tests.opportunities.conftest import snapshots
from tests.server.dashboard.seed import (
    Seeded,
    log_run,
    seed_board,
    seed_channels,
    seed_dashboard,
    seed_projects,
    wait_delivered,
)

#: Debian's chromium, installed by `make test`; Playwright never downloads a browser here.
CHROMIUM = "/usr/bin/chromium"


@dataclass
class Dashboard:
    """A server with the seeded runs, the store behind it, and where the SDK spools."""

    url: str
    store: Store
    seeded: Seeded
    home: Path
    received: list[dict[str, Any]]  # messages your channel (a local webhook) was sent


#: A run name and a tag that would run script if a page put them in as HTML.
XSS_NAME = "<script>alert(1)</script>"
XSS_TAG = "<b>bold</b>"


@contextmanager
def serve_dashboard(tmp: Path, hostile: bool = True) -> Iterator[Dashboard]:
    """The real app with its health engine and notifier, seeded through the SDK and the
    API: runs (one diverged), projects with a lull, messages sent and failed, imported
    opportunities and a growth log; with `hostile`, a run, a project and an opportunity
    whose names are script."""
    settings = Settings(home=tmp / "home", database_url=f"sqlite:///{tmp / 'lowtide.db'}")
    store = open_store(settings.database_url)
    store.upgrade()
    notifier = Notifier(store, retry=RetryPolicy(max_attempts=2, first_delay_s=0.05), reload_s=0.1)
    health = HealthWorker(store, announce=notifier.announce, tick_s=0.1)
    seeded = Seeded()
    with serve_receiver() as receiver:
        server, thread, url = start_server(settings, store, health=health, notifier=notifier)
        try:
            seed_channels(url, receiver.url, f"json://127.0.0.1:{free_port()}/hook")
            seeded = seed_dashboard(url, tmp / "client")
            if hostile:
                xss = log_run(
                    url,
                    tmp / "client",
                    project="cifar10",
                    name=XSS_NAME,
                    steps=30,
                    metrics=lambda step, _: {"loss": 1.0 / (step + 1)},
                    tags=(XSS_TAG,),
                    config={"note": XSS_NAME},
                )
                seeded.runs[XSS_NAME] = xss.id
            seed_projects(url, seeded, hostile)
            seed_board(url, snapshots(), hostile)
            wait_delivered(url)
            yield Dashboard(url, store, seeded, tmp / "client", receiver.received)
        finally:
            seeded.close()
            server.should_exit = True
            thread.join(timeout=20)
            store.close()


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """The seeded server, for the whole session."""
    with serve_dashboard(tmp_path_factory.mktemp("dashboard")) as found:
        yield found


def launch_chromium() -> tuple[Playwright, Browser]:
    """Playwright driving Debian's chromium, headless; (playwright, browser) to stop later."""
    manager = sync_playwright().start()
    browser = manager.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
    )
    return manager, browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One chromium for every browser test."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    manager, found = launch_chromium()
    try:
        yield found
    finally:
        found.close()
        manager.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab; fails the test on a script error, a console error, a failed fetch or
    a dialog (the page itself may answer 400 or 404: tests of bad input want that)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            problems.append(f"console: {msg.text}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.status} from {response.url}")

    def on_dialog(dialog: Dialog) -> None:
        problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    tab.on("console", on_console)
    tab.on("response", on_response)
    tab.on("dialog", on_dialog)
    try:
        yield tab
    finally:
        context.close()
    assert not problems, problems
