"""lowtide: know when your ML projects need you, and make the lows count.

run = lowtide.init(project="mnist", config={"lr": 1e-3})
run.log({"train/loss": 0.3}, step=10)
run.finish()
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from lowtide.sdk.run import Run, current_run, start_run

__version__ = "0.1.0"

_log = logging.getLogger(__name__)


def init(
    project: str = "default",
    name: str | None = None,
    config: Mapping[str, Any] | None = None,
    tags: list[str] | tuple[str, ...] = (),
    **kwargs: Any,
) -> Run:
    """Start a run and make it current; use it as a context manager or call `finish()`."""
    return start_run(project=project, name=name, config=config, tags=tags, **kwargs)


def log(metrics: Mapping[str, Any], step: int | None = None) -> None:
    """Log to the current run (see `init`)."""
    run = current_run()
    if run is None:
        _log.warning("lowtide.log() called before lowtide.init(); nothing logged")
        return
    run.log(metrics, step=step)


def finish(status: str = "finished") -> None:
    """Finish the current run."""
    run = current_run()
    if run is not None:
        run.finish(status)


__all__ = ["Run", "__version__", "finish", "init", "log"]
