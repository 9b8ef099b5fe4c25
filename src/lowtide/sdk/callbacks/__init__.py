"""One-line integrations with training frameworks; each imports its framework lazily.

    from lowtide.sdk.callbacks.lightning import LowtideLogger        # PyTorch Lightning
    from lowtide.sdk.callbacks.keras import LowtideCallback          # Keras 3
    from lowtide.sdk.callbacks.transformers import LowtideCallback   # Hugging Face Trainer

Each logs metrics, hyperparameters and the planned total steps (for the ETA).
Without its framework, importing it raises an ImportError naming the extra to
install.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from lowtide.sdk.run import Run


def require(module: str, extra: str) -> None:
    """Raise ImportError naming the extra to install when `module` cannot be imported."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"this lowtide integration needs {module}; install it with "
            f"`pip install 'lowtide[{extra}]'`"
        ) from exc


def numbers(values: Mapping[str, Any]) -> dict[str, float]:
    """The entries a framework hands over that are numbers (tensors and arrays of one value
    included); the rest (strings, lists) is not a metric."""
    out: dict[str, float] = {}
    for key, value in values.items():
        item = getattr(value, "item", None)
        if callable(item) and getattr(value, "ndim", 0) == 0:
            try:
                value = item()
            except (TypeError, ValueError, RuntimeError):
                continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        out[str(key)] = float(value)
    return out


def flat_config(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Hyperparameters as a run's config: plain values kept, other objects as text."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flat_config(value, f"{name}."))
        elif value is None or isinstance(value, bool | int | str):
            out[name] = value
        elif isinstance(value, float):
            out[name] = value if math.isfinite(value) else str(value)
        elif isinstance(value, list | tuple) and all(
            isinstance(v, bool | int | float | str) for v in value
        ):
            out[name] = list(value)
        else:
            out[name] = str(value)
    return out


class LazyRun:
    """A run created on first use, so that a framework's hyperparameters and planned
    steps can go into it; or a run the caller made already."""

    def __init__(self, run: Run | None, options: Mapping[str, Any]) -> None:
        self.run = run
        self.owned = run is None
        self._options = dict(options)

    def start(self, config: Mapping[str, Any], planned_steps: int | None) -> Run:
        if self.run is None:
            merged = {**flat_config(config), **dict(self._options.pop("config", None) or {})}
            planned = self._options.pop("planned_steps", None) or planned_steps
            self.run = Run(config=merged, planned_steps=planned, **self._options)
        return self.run

    def finish(self, status: str = "finished", message: str = "") -> None:
        """Finish the run if this integration made it (a run passed in is the caller's)."""
        if self.run is not None and self.owned:
            self.run.finish(status, message)
