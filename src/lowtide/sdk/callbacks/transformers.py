"""Hugging Face Transformers: `Trainer(..., callbacks=[LowtideCallback(project="nlp")])`."""

from __future__ import annotations

from typing import Any

from lowtide.sdk.callbacks import LazyRun, numbers, require
from lowtide.sdk.run import Run

require("transformers", "transformers")

from transformers import TrainerCallback  # noqa: E402

#: Keys of the Trainer's log that are bookkeeping, not metrics.
_NOT_METRICS = frozenset({"epoch", "total_flos", "step"})


class LowtideCallback(TrainerCallback):
    """Logs what the Trainer logs (loss, learning rate, grad norm, eval metrics), its
    arguments and the model's config, and `max_steps` as planned steps; main process only.

    Args:
        run: log into this run instead of starting one (it is then not finished here).
        **options: for the run lowtide starts: `project`, `name`, `tags`, `config`.
    """

    def __init__(self, run: Run | None = None, **options: Any) -> None:
        self._run = LazyRun(run, options)

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        config: dict[str, Any] = {"args": args.to_dict()}
        model = kwargs.get("model")
        model_config = getattr(model, "config", None)
        if model_config is not None and hasattr(model_config, "to_dict"):
            config["model"] = model_config.to_dict()
        planned = int(state.max_steps) if state.max_steps and state.max_steps > 0 else None
        self._run.start(config, planned)

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        if not state.is_world_process_zero or not logs or self._run.run is None:
            return
        values = {k: v for k, v in numbers(logs).items() if k not in _NOT_METRICS}
        if "epoch" in logs:
            values["epoch"] = float(logs["epoch"])
        if values:
            self._run.run.log(values, step=int(state.global_step))

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self._run.finish()
