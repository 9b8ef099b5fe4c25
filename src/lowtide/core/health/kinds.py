"""What a metric series is, worked out from the names people give it.

`train/loss`, `train_loss` and `loss` are training losses; `val_loss` and
`eval/loss` validation losses; `val/acc`, `accuracy` and `eval_accuracy` are
higher-is-better metrics; `wer` and `error` lower-is-better ones; `lr`,
`grad_norm`, `samples_per_sec` and `step_avg_ms` speak for themselves. A run
or project can override the guess per key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum

#: Keys of the SDK's system metrics start with this.
SYSTEM_PREFIX = "system/"


class SeriesKind(StrEnum):
    """The role of a series in a training run."""

    TRAIN_LOSS = "train_loss"
    VAL_LOSS = "val_loss"
    HIGHER_BETTER = "higher_better"  # accuracy, AUC, mAP, Dice, F1, BLEU ...
    LOWER_BETTER = "lower_better"  # error rates, perplexity ...
    LEARNING_RATE = "learning_rate"
    GRAD_NORM = "grad_norm"
    THROUGHPUT = "throughput"  # more per second is better
    STEP_TIME = "step_time"  # less time per step is better
    SYSTEM = "system"  # system/... figures from the SDK: CPU, memory, GPU
    OTHER = "other"

    @property
    def is_loss(self) -> bool:
        return self in (SeriesKind.TRAIN_LOSS, SeriesKind.VAL_LOSS)

    @property
    def is_eval_metric(self) -> bool:
        return self in (SeriesKind.HIGHER_BETTER, SeriesKind.LOWER_BETTER)


_TOKEN = re.compile(r"[a-z0-9]+")
_VAL_WORDS = frozenset(
    {"val", "valid", "validation", "eval", "evaluation", "test", "dev", "holdout"}
)
_HIGHER = frozenset(
    {
        "acc", "accuracy", "top1", "top5", "auc", "auroc", "roc", "map", "ap", "dice",
        "f1", "fscore", "bleu", "rouge", "precision", "recall", "iou", "miou", "r2",
        "score", "winrate", "win", "reward", "return", "ndcg", "mrr", "spearman", "pearson",
    }
)  # fmt: skip
_LOWER = frozenset(
    {"wer", "cer", "error", "err", "perplexity", "ppl", "mse", "mae", "rmse", "nll", "fid"}
)
_THROUGHPUT = frozenset(
    {"throughput", "samples_per_sec", "samples_per_second", "tokens_per_sec", "it_per_sec"}
)


def infer_kind(name: str) -> SeriesKind:
    """The most likely role of a series called `name`."""
    lowered = name.lower()
    if lowered.startswith(SYSTEM_PREFIX):
        return SeriesKind.SYSTEM
    tokens = _TOKEN.findall(lowered)
    words = set(tokens)
    joined = "_".join(tokens)
    if words & {"lr", "learning"} and ("lr" in words or "rate" in words):
        return SeriesKind.LEARNING_RATE
    if ("grad" in joined and "norm" in joined) or "gradnorm" in words:
        return SeriesKind.GRAD_NORM
    if any(t in joined for t in _THROUGHPUT) or (
        words & {"samples", "tokens", "images", "examples", "it", "steps"}
        and words & {"per", "s", "sec", "second", "ps"}
    ):
        return SeriesKind.THROUGHPUT
    if words & {"ms", "time", "duration", "latency"} and words & {"step", "iter", "batch", "avg"}:
        return SeriesKind.STEP_TIME
    is_val = bool(words & _VAL_WORDS)
    if words & _LOWER:
        return SeriesKind.LOWER_BETTER
    if "loss" in joined:
        return SeriesKind.VAL_LOSS if is_val else SeriesKind.TRAIN_LOSS
    if words & _HIGHER:
        return SeriesKind.HIGHER_BETTER
    return SeriesKind.OTHER


def parse_kind(value: str) -> SeriesKind:
    """A kind from an override (`"val_loss"`, `"higher_better"`, ...); ValueError if unknown."""
    return SeriesKind(value.strip().lower())


def parse_kinds(
    raw: Mapping[str, str], on_unknown: Callable[[str, str], None] | None = None
) -> dict[str, SeriesKind]:
    """Overrides by series name; an unknown kind is left out, and told to `on_unknown`
    with the series name and the kind as given."""
    found = {}
    for name, value in raw.items():
        try:
            found[name] = parse_kind(value)
        except ValueError:
            if on_unknown is not None:
                on_unknown(name, value)
    return found


#: Which kind of series speaks for a run, best first; held-out series go before all
#: training ones.
_HEADLINE_ORDER = (
    SeriesKind.HIGHER_BETTER,
    SeriesKind.VAL_LOSS,
    SeriesKind.LOWER_BETTER,
    SeriesKind.TRAIN_LOSS,
)


def headline_metric(
    names: Iterable[str], overrides: Mapping[str, SeriesKind] | None = None
) -> tuple[str, bool] | None:
    """The series that speaks for a run and whether higher is better; None if none fits.

    A held-out series (`val/acc`, `eval_loss`) goes before a training one of the
    same kind, so the best value reported is one that generalises.
    """
    overrides = overrides or {}
    ranked: list[tuple[int, int, str]] = []
    for name in names:
        kind = overrides.get(name) or infer_kind(name)
        if kind not in _HEADLINE_ORDER:
            continue
        held_out = bool(set(_TOKEN.findall(name.lower())) & _VAL_WORDS)
        ranked.append((0 if held_out else 1, _HEADLINE_ORDER.index(kind), name))
    if not ranked:
        return None
    _, _, best = min(ranked)
    kind = overrides.get(best) or infer_kind(best)
    return best, kind is SeriesKind.HIGHER_BETTER
