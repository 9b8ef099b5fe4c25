"""The opportunity snapshots, on disk and served over HTTP on loopback like their raw URLs."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

#: Where the shared folder of public data may be: named by LOWTIDE_SHARED_DIR, beside
#: this checkout, or at the workplace's fixed place (a clone elsewhere, as CI makes).
SHARED_CANDIDATES = (
    *([Path(os.environ["LOWTIDE_SHARED_DIR"])] if os.environ.get("LOWTIDE_SHARED_DIR") else []),
    Path(__file__).resolve().parents[3] / "shared",
    Path("/work/shared"),
)
#: The real data files of the four public sources (see their README for origins).
SNAPSHOTS = next(
    (p / "data" / "opportunities" for p in SHARED_CANDIDATES if (p / "data").is_dir()),
    SHARED_CANDIDATES[0] / "data" / "opportunities",
)


def snapshots() -> Path:
    """The snapshots' folder; without it the calling test is skipped, saying where it looked."""
    if not SNAPSHOTS.is_dir():
        pytest.skip(f"no public data snapshots at {SNAPSHOTS} (set LOWTIDE_SHARED_DIR)")
    return SNAPSHOTS


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """A folder served over HTTP on 127.0.0.1, as the sources' raw files are; its base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="snapshot-http")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def snapshot_server() -> Iterator[str]:
    """The snapshot folder over HTTP on loopback."""
    with serving(SNAPSHOTS) as url:
        yield url


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass
