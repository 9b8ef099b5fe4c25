"""Taking in what SDK processes spooled on this machine while the server was down."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from lowtide.config import Settings
from lowtide.sdk.spool import DrainResult, Spool
from lowtide.server.health_worker import HealthWorker
from lowtide.server.ops import apply_op
from lowtide.store import Store

log = logging.getLogger(__name__)


class SpoolImporter:
    """Drains the local spool into the store now and then, in a background thread."""

    def __init__(
        self,
        directory: Path,
        store: Store,
        settings: Settings,
        health: HealthWorker | None = None,
    ) -> None:
        self.spool = Spool(directory, max_bytes=0)
        self._store = store
        self._settings = settings
        self._health = health
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def drain_once(self) -> DrainResult:
        """Import every spooled operation now."""
        result = self.spool.drain(
            lambda op: apply_op(self._store, self._settings, op, self._health)
        )
        if result.sent or result.rejected:
            log.info(
                "imported %d spooled operations (%d set aside) from %s",
                result.sent,
                result.rejected,
                self.spool.directory,
            )
        return result

    def start(self, every_s: float) -> None:
        self._thread = threading.Thread(
            target=self._loop, args=(every_s,), name="lowtide-spool-import", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self, every_s: float) -> None:
        while True:
            try:
                self.drain_once()
            except Exception:
                log.exception("importing the spool failed; trying again later")
            if every_s <= 0 or self._stop.wait(every_s):
                return
