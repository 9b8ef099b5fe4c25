"""PyTorch Lightning: `Trainer(logger=LowtideLogger(project="mnist"))`."""

from __future__ import annotations

import inspect
from argparse import Namespace
from collections.abc import Mapping
from typing import Any

from lowtide.sdk.callbacks import LazyRun, numbers, require
from lowtide.sdk.run import Run

require("lightning", "lightning")

from lightning.pytorch.loggers.logger import Logger  # noqa: E402
from lightning.pytorch.utilities import rank_zero_only  # noqa: E402

#: Frames searched upwards for the Trainer that calls `log_hyperparams`.
_TRAINER_FRAMES = 8


class LowtideLogger(Logger):
    """Sends what the LightningModule logs (`self.log`) and its hyperparameters to lowtide.

    Args:
        run: log into this run instead of starting one (it is then not finished here).
        planned_steps: overrides the Trainer's estimate of its optimizer steps.
        **options: for the run lowtide starts: `project`, `name`, `tags`, `config`.
    """

    def __init__(self, run: Run | None = None, **options: Any) -> None:
        super().__init__()
        self._run = LazyRun(run, options)
        self._hparams: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return str(self._run._options.get("project", "default"))

    @property
    def version(self) -> str:
        return self._run.run.id if self._run.run is not None else "pending"

    @property
    def experiment(self) -> Run | None:
        """The lowtide run; None until the fit logs its hyperparameters or a metric (so
        that they and the planned steps go into the run when it starts)."""
        return self._run.run

    @rank_zero_only
    def log_hyperparams(self, params: Mapping[str, Any] | Namespace, *args: Any, **kw: Any) -> None:
        values = vars(params) if isinstance(params, Namespace) else dict(params)
        self._hparams.update(values)
        self._run.start(self._hparams, _planned_steps())

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        run = self._run.start(self._hparams, _planned_steps())
        values = {k: v for k, v in numbers(metrics).items() if k != "epoch"}
        if values:
            run.log(values, step=step)

    @rank_zero_only
    def finalize(self, status: str) -> None:
        # Lightning says "success", "failed" or "finished" (an interrupted fit is "failed").
        self._run.finish("failed" if status == "failed" else "finished")


def _planned_steps() -> int | None:
    """The calling Trainer's optimizer steps in all, when one is up the stack.

    Lightning hands a logger no Trainer, but calls `log_hyperparams` from a function
    whose local `trainer` knows `estimated_stepping_batches`.
    """
    frame = inspect.currentframe()
    try:
        for _ in range(_TRAINER_FRAMES):
            if frame is None:
                return None
            trainer = frame.f_locals.get("trainer")
            if trainer is not None and hasattr(trainer, "estimated_stepping_batches"):
                try:
                    steps = float(trainer.estimated_stepping_batches)
                except Exception:  # no dataloader yet, or an infinite one
                    return None
                return int(steps) if 0 < steps < float("inf") else None
            frame = frame.f_back
        return None
    finally:
        del frame
