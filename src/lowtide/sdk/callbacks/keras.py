"""Keras 3: `model.fit(..., callbacks=[LowtideCallback(project="mnist")])`."""

from __future__ import annotations

from typing import Any

from lowtide.sdk.callbacks import LazyRun, numbers, require
from lowtide.sdk.run import Run

require("keras", "keras")

import keras  # noqa: E402


class LowtideCallback(keras.callbacks.Callback):  # type: ignore[misc]
    """Logs the batch and epoch metrics of `fit` (validation ones at each epoch's end),
    the fit's parameters and the optimizer's settings, and epochs times steps as planned steps.

    Args:
        run: log into this run instead of starting one (it is then not finished here).
        every: log batch metrics every this many batches (epoch metrics always).
        **options: for the run lowtide starts: `project`, `name`, `tags`, `config`.
    """

    def __init__(self, run: Run | None = None, every: int = 1, **options: Any) -> None:
        super().__init__()
        self._run = LazyRun(run, options)
        self._every = max(1, int(every))
        self._step = 0
        self._failed = False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        params = dict(self.params or {})
        epochs, steps = params.get("epochs"), params.get("steps")
        planned = int(epochs * steps) if epochs and steps else None
        config: dict[str, Any] = {"epochs": epochs, "steps_per_epoch": steps}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            config["optimizer"] = {
                "name": type(optimizer).__name__,
                **{
                    k: v
                    for k, v in optimizer.get_config().items()
                    if isinstance(v, int | float | str | bool)
                },
            }
        self._run.start(config, planned)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._step += 1
        if logs and self._step % self._every == 0 and self._run.run is not None:
            self._run.run.log(numbers(logs), step=self._step)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._run.run is None:
            return
        # The training figures of the epoch are the last batch's running means, logged
        # already at this step; the validation ones are new.
        held_out = {k: v for k, v in numbers(logs or {}).items() if k.startswith("val_")}
        self._run.run.log({**held_out, "epoch": float(epoch + 1)}, step=self._step)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._run.finish()
