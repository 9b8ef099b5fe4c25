"""lowtide: know when your ML projects need you, and make the lows count.

run = lowtide.init(project="mnist", config={"lr": 1e-3})
run.log({"train/loss": 0.3}, step=10)
run.finish()
"""

from __future__ import annotations

import logging as _logging
from collections.abc import Mapping as _Mapping
from typing import Any as _Any

from lowtide.sdk import run as _run
from lowtide.sdk.run import Run

__version__ = "0.1.0"

_log = _logging.getLogger(__name__)


def init(
    project: str = "default",
    name: str | None = None,
    config: _Mapping[str, _Any] | None = None,
    tags: list[str] | tuple[str, ...] = (),
    planned_steps: int | None = None,
    **kwargs: _Any,
) -> Run:
    """Start a run and make it current; use it as a context manager or call `finish()`.

    `planned_steps` is the number of steps the run will take, for its ETA and to
    tell a finished run from a stalled one.
    """
    return _run.start_run(
        project=project, name=name, config=config, tags=tags, planned_steps=planned_steps, **kwargs
    )


def log(metrics: _Mapping[str, _Any], step: int | None = None) -> None:
    """Log to the current run (see `init`)."""
    run = _run.current_run()
    if run is None:
        _log.warning("lowtide.log() called before lowtide.init(); nothing logged")
        return
    run.log(metrics, step=step)


def finish(status: str = "finished") -> None:
    """Finish the current run."""
    run = _run.current_run()
    if run is not None:
        run.finish(status)


__all__ = ["Run", "__version__", "finish", "init", "log"]
