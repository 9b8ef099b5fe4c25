"""The evaluation corpus: real PyTorch training runs with known faults, and hard healthy ones.

Every metric value comes from a real training loop on the CPU (forward, backward,
optimizer step) on data made here from fixed seeds. Only the clock is virtual: each
step costs a fixed time with seeded jitter, and evaluations, checkpoints and injected
slowdowns add their pauses to it, so the corpus is the same on every machine speed.
A fault is injected at a known step; `manifest.csv` names it and where it begins.

    python -m evaluation.generate_corpus            # everything, ~2 minutes on 2 cores
    python -m evaluation.generate_corpus --only NAME [NAME ...]
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import copy
import csv
import functools
import importlib
import io
import math
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor, nn

OUT = Path(__file__).parent / "corpus"
MANIFEST_COLUMNS = (
    "run",
    "label",
    "fault",
    "onset_step",
    "onset_wall_time",
    "model",
    "description",
)
#: 2026-01-01T00:00:00Z, where every run's virtual clock starts.
T0 = 1767225600.0
#: One thread per run: tiny models run faster so, and the numbers do not depend on the pool.
THREADS_PER_RUN = 1
#: Logged points in the running median that finds where a slow divergence starts.
SMOOTHING_POINTS = 21


# --------------------------------------------------------------------------- data


@dataclass
class Task:
    """A data set: tensors for training and validation, and the kind of loss it takes."""

    kind: str  # "classify", "regress" or "lm"
    train_x: Tensor
    train_y: Tensor
    val_x: Tensor
    val_y: Tensor
    classes: int = 0
    vocab: int = 0
    seq_len: int = 0
    #: Fresh samples every step instead of epochs over a fixed set (parity).
    online: Callable[[torch.Generator, int], tuple[Tensor, Tensor]] | None = None

    @property
    def in_dim(self) -> int:
        return int(self.train_x.shape[-1])

    def loss(self, out: Tensor, y: Tensor) -> Tensor:
        if self.kind == "regress":
            return F.mse_loss(out, y)
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))


class Sampler:
    """Batches in shuffled epochs (or random windows of a text), from a seeded generator."""

    def __init__(self, task: Task, gen: torch.Generator) -> None:
        self.task, self.gen = task, gen
        self.order = torch.empty(0, dtype=torch.long)
        self.pos = 0

    def next(self, batch: int) -> tuple[Tensor, Tensor]:
        task = self.task
        if task.online is not None:
            return task.online(self.gen, batch)
        if task.kind == "lm":
            starts = torch.randint(
                len(task.train_x) - task.seq_len - 1, (batch,), generator=self.gen
            )
            idx = starts[:, None] + torch.arange(task.seq_len + 1)
            window = task.train_x[idx]
            return window[:, :-1], window[:, 1:]
        if self.pos + batch > len(self.order):
            self.order = torch.randperm(len(task.train_x), generator=self.gen)
            self.pos = 0
        idx = self.order[self.pos : self.pos + batch]
        self.pos += batch
        return task.train_x[idx], task.train_y[idx]


def blobs(
    seed: int,
    n_train: int = 8192,
    n_val: int = 1024,
    dim: int = 32,
    classes: int = 8,
    noise: float = 2.0,
    label_noise: float = 0.0,
) -> Task:
    """Gaussian-mixture classification: two clusters per class, overlapping at `noise`."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0.0, 1.0, (classes * 2, dim)) * 0.55

    def draw(n: int, flip: float) -> tuple[Tensor, Tensor]:
        comp = rng.integers(0, classes * 2, n)
        x = centers[comp] + rng.normal(0.0, noise, (n, dim)) * 0.5
        y = comp % classes
        flipped = rng.random(n) < flip
        y[flipped] = rng.integers(0, classes, int(flipped.sum()))
        return torch.tensor(x, dtype=torch.float32), torch.tensor(y)

    tx, ty = draw(n_train, label_noise)
    vx, vy = draw(n_val, 0.0)
    return Task("classify", tx, ty, vx, vy, classes=classes)


def teacher_regression(
    seed: int, n_train: int = 8192, n_val: int = 1024, dim: int = 16, noise: float = 0.1
) -> Task:
    """Regression on the outputs of a random two-layer tanh network, plus noise."""
    rng = np.random.default_rng(seed)
    w1 = rng.normal(0, 1 / math.sqrt(dim), (dim, 32))
    w2 = rng.normal(0, 1 / math.sqrt(32), (32, 2))

    def draw(n: int) -> tuple[Tensor, Tensor]:
        x = rng.normal(0, 1, (n, dim))
        y = np.tanh(x @ w1 * 2.0) @ w2
        y = y / 0.75 + rng.normal(0, noise, y.shape)
        return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)

    tx, ty = draw(n_train)
    vx, vy = draw(n_val)
    return Task("regress", tx, ty, vx, vy)


def shapes(seed: int, n_train: int = 6000, n_val: int = 600, label_noise: float = 0.0) -> Task:
    """16x16 grey images of six shapes at random places, sizes and brightness, with noise."""
    rng = np.random.default_rng(seed)
    classes = 6
    yy, xx = np.mgrid[0:16, 0:16].astype(np.float32)

    def draw(n: int, flip: float) -> tuple[Tensor, Tensor]:
        y = rng.integers(0, classes, n)
        images = np.empty((n, 1, 16, 16), dtype=np.float32)
        for i, label in enumerate(y):
            cy, cx = rng.uniform(5, 11, 2)
            r = rng.uniform(2.5, 5.0)
            dy, dx = yy - cy, xx - cx
            if label == 0:  # disc
                mask = dy**2 + dx**2 <= r**2
            elif label == 1:  # square
                mask = (np.abs(dy) <= r * 0.8) & (np.abs(dx) <= r * 0.8)
            elif label == 2:  # plus
                mask = ((np.abs(dy) <= 0.8) & (np.abs(dx) <= r)) | (
                    (np.abs(dx) <= 0.8) & (np.abs(dy) <= r)
                )
            elif label == 3:  # triangle
                mask = (dy <= r * 0.7) & (dy >= -r) & (np.abs(dx) <= (dy + r) * 0.55)
            elif label == 4:  # ring
                mask = np.abs(np.sqrt(dy**2 + dx**2) - r) <= 0.8
            else:  # diagonal bar
                mask = (np.abs(dy - dx) <= 1.0) & (np.abs(dy + dx) <= r * 1.4)
            slope = rng.normal(0, 0.03, 2)
            background = slope[0] * dy + slope[1] * dx
            images[i, 0] = mask * rng.uniform(0.5, 1.0) + background
        images += rng.normal(0, 0.35, images.shape).astype(np.float32)
        flipped = rng.random(n) < flip
        y[flipped] = rng.integers(0, classes, int(flipped.sum()))
        return torch.tensor(images), torch.tensor(y)

    tx, ty = draw(n_train, label_noise)
    vx, vy = draw(n_val, 0.0)
    return Task("classify", tx, ty, vx, vy, classes=classes)


NOUNS = (
    *("river", "cat", "model", "garden", "engine", "teacher", "window", "market", "lantern"),
    *("harbor", "student", "painter", "kettle", "signal", "forest", "ladder", "village"),
    *("compiler", "mirror", "farmer", "robot", "letter", "bridge", "storm"),
)
VERBS = (
    *("sees", "follows", "builds", "paints", "carries", "finds", "answers", "watches"),
    *("breaks", "mends", "counts", "opens", "remembers", "trains", "writes", "lifts"),
)
ADJECTIVES = (
    *("small", "quiet", "red", "old", "bright", "patient", "heavy", "green", "clever"),
    *("tired", "careful"),
)
ADVERBS = ("slowly", "today", "again", "gladly", "twice", "quietly", "at dawn", "before noon")


@functools.cache
def zen_lines() -> tuple[str, ...]:
    """The Zen of Python in lower case (importing `this` prints it, so stdout is caught)."""
    with contextlib.redirect_stdout(io.StringIO()):
        zen = codecs.decode(importlib.import_module("this").s, "rot13").lower()
    return tuple(line for line in zen.splitlines() if line and not line.startswith("the zen"))


@functools.cache
def vocab() -> tuple[str, ...]:
    """Every character the text can hold, in a fixed order."""
    words = " ".join((*NOUNS, *VERBS, *ADJECTIVES, *ADVERBS, "the", "when", "a"))
    return tuple(sorted(set(words) | set("".join(zen_lines())) | set(".,\n")))


def text(seed: int, n_sentences: int) -> str:
    """Sentences from a small grammar, with the Zen of Python woven in, all made locally."""
    lines = zen_lines()
    rng = np.random.default_rng(seed)

    def phrase() -> str:
        adj = f"{rng.choice(ADJECTIVES)} " if rng.random() < 0.5 else ""
        return f"the {adj}{rng.choice(NOUNS)}"

    sentences = []
    for _ in range(n_sentences):
        roll = rng.random()
        if roll < 0.15:
            sentences.append(str(rng.choice(lines)))
        elif roll < 0.55:
            sentences.append(f"{phrase()} {rng.choice(VERBS)} {phrase()}.")
        elif roll < 0.8:
            sentences.append(f"{phrase()} {rng.choice(VERBS)} {phrase()} {rng.choice(ADVERBS)}.")
        else:
            sentences.append(
                f"when {phrase()} {rng.choice(VERBS)}, {phrase()} {rng.choice(VERBS)} {phrase()}."
            )
    return "\n".join(sentences) + "\n"


def char_lm(seed: int, n_sentences: int = 12000, seq_len: int = 32) -> Task:
    """Next-character prediction on generated text; the last tenth is held out."""
    chars = text(seed, n_sentences)
    lookup = {c: i for i, c in enumerate(vocab())}
    ids = torch.tensor([lookup[c] for c in chars])
    cut = len(ids) * 9 // 10
    train, held = ids[:cut], ids[cut:]
    n_windows = min(48, (len(held) - 1) // seq_len)
    windows = held[: n_windows * seq_len + 1]
    vx = windows[:-1].reshape(n_windows, seq_len)
    vy = windows[1:].reshape(n_windows, seq_len)
    return Task("lm", train, train, vx, vy, vocab=len(vocab()), seq_len=seq_len)


def sparse_parity(seed: int, bits: int = 24, k: int = 3) -> Task:
    """The parity of `k` hidden bits out of `bits`: a long plateau before the drop."""
    rng = np.random.default_rng(seed)
    secret = torch.tensor(rng.choice(bits, k, replace=False))

    def draw(gen: torch.Generator, n: int) -> tuple[Tensor, Tensor]:
        x = torch.randint(0, 2, (n, bits), generator=gen).float() * 2 - 1
        y = (x[:, secret].prod(dim=1) > 0).long()
        return x, y

    vx, vy = draw(torch.Generator().manual_seed(seed + 99), 1024)
    return Task("classify", vx, vy, vx, vy, classes=2, online=draw)


# --------------------------------------------------------------------------- models


def mlp(
    in_dim: int, hidden: Sequence[int], out: int, act: type[nn.Module] = nn.ReLU, init: float = 1.0
) -> nn.Module:
    """A plain MLP; `init` scales every weight after the default initialisation."""
    layers: list[nn.Module] = []
    width = in_dim
    for h in hidden:
        layers += [nn.Linear(width, h), act()]
        width = h
    layers.append(nn.Linear(width, out))
    model = nn.Sequential(*layers)
    if init != 1.0:
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(init)
    return model


class SmallCNN(nn.Module):
    """Two conv blocks and two linear layers for 16x16 images."""

    def __init__(self, classes: int, width: int = 16) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, width * 2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Linear(width * 32, 64), nn.ReLU(), nn.Linear(64, classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


class CharGRU(nn.Module):
    """Embedding, one GRU layer, linear read-out."""

    def __init__(self, vocab: int, emb: int = 24, hidden: int = 96) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.GRU(emb, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.rnn(self.emb(x))[0])


class TinyTransformer(nn.Module):
    """A two-block causal pre-norm transformer over characters."""

    def __init__(self, vocab: int, seq_len: int, d: int = 48, layers: int = 2) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.randn(seq_len, d) * 0.02)
        block = nn.TransformerEncoderLayer(d, 4, 4 * d, 0.0, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(seq_len))

    def forward(self, x: Tensor) -> Tensor:
        t = x.shape[1]
        h = self.tok(x) + self.pos[:t]
        h = self.blocks(h, mask=self.mask[:t, :t], is_causal=True)
        return self.head(self.norm(h))


# --------------------------------------------------------------------------- schedules

Schedule = Callable[[int], float]


def constant(lr: float) -> Schedule:
    return lambda step: lr


def warmup_cosine(lr: float, warmup: int, total: int, floor: float = 0.0) -> Schedule:
    def at(step: int) -> float:
        if step < warmup:
            return lr * (step + 1) / warmup
        done = min(1.0, (step - warmup) / max(1, total - warmup))
        return floor + (lr - floor) * 0.5 * (1 + math.cos(math.pi * done))

    return at


def warmup_linear(lr: float, warmup: int, total: int, end: float = 0.0) -> Schedule:
    """Linear warm-up then linear decay to `end` at `total`; past `total` it keeps going."""

    def at(step: int) -> float:
        if step < warmup:
            return lr * (step + 1) / warmup
        return lr + (end - lr) * (step - warmup) / max(1, total - warmup)

    return at


def step_decay(lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    return lambda step: lr * gamma ** sum(step >= m for m in milestones)


def triangular(low: float, high: float, half_cycle: int) -> Schedule:
    def at(step: int) -> float:
        phase = (step % (2 * half_cycle)) / half_cycle
        return low + (high - low) * (phase if phase <= 1 else 2 - phase)

    return at


def warm_restarts(lr: float, period: int, floor: float = 0.0) -> Schedule:
    def at(step: int) -> float:
        done = (step % period) / period
        return floor + (lr - floor) * 0.5 * (1 + math.cos(math.pi * done))

    return at


def warmup_stable_decay(lr: float, warmup: int, decay_from: int, total: int) -> Schedule:
    def at(step: int) -> float:
        if step < warmup:
            return lr * (step + 1) / warmup
        if step < decay_from:
            return lr
        return lr * max(0.0, 1 - (step - decay_from) / max(1, total - decay_from))

    return at


def times_from(base: Schedule, step: int, factor: float) -> Schedule:
    """`base`, multiplied by `factor` from `step` on (a bumped or zeroed learning rate)."""
    return lambda s: base(s) * (factor if s >= step else 1.0)


def times_between(base: Schedule, start: int, stop: int, factor: float) -> Schedule:
    return lambda s: base(s) * (factor if start <= s < stop else 1.0)


# --------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class Names:
    """The metric columns one run logs; None leaves a metric out."""

    loss: str = "train/loss"
    val_loss: str | None = "eval/loss"
    acc: str | None = "eval_accuracy"
    lr: str | None = "learning_rate"
    grad_norm: str | None = "grad_norm"
    speed: str | None = "samples_per_sec"  # or step_time_ms, step_avg_ms, throughput

    def columns(self) -> list[str]:
        keys = (self.loss, self.val_loss, self.acc, self.lr, self.grad_norm, self.speed)
        return [k for k in keys if k is not None]


WANDB = Names()
LIGHTNING = Names("train_loss", "val_loss", "val/acc", "lr", "grad_norm", "step_time_ms")
SCRIPT = Names("loss", "val_loss", "val/acc", "lr", "grad_norm", "step_avg_ms")


@dataclass(frozen=True)
class Timing:
    """The virtual clock of a run, in seconds."""

    step_s: float
    jitter: float = 0.05  # sigma of the log-normal noise on each step
    first_step_s: float = 20.0  # start-up, compilation, data-loader warm-up
    eval_s: float = 5.0
    ckpt_every: int = 0
    ckpt_s: float = 0.0
    hiccup_p: float = 0.002  # rare slow steps (garbage collection, I/O)


BatchHook = Callable[[int, Tensor, Tensor, torch.Generator], tuple[Tensor, Tensor]]
LossHook = Callable[[int, Tensor, Tensor, Task], Tensor]


@dataclass(frozen=True)
class Spec:
    """One run: the task, model, optimizer, schedule and logging, and the fault if any."""

    name: str
    model_desc: str
    description: str
    task: Callable[[], Task]
    model: Callable[[Task], nn.Module]
    lr: Schedule
    steps: int
    timing: Timing
    label: str = "healthy"
    fault: str = ""
    #: A step, or how to find it in the log: "val_min" (overfitting), "last_row" (stall),
    #: "first_nonfinite" (NaN), "smoothed_min" (a slow divergence: where the climb begins).
    onset: int | str = ""
    optimizer: str = "adam"  # sgd, momentum, adam, adamw
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch: int | Callable[[int], int] = 32
    clip: float = 0.0
    log_every: int = 1
    eval_every: int = 100
    mean_loss: bool = False  # log the mean over the logging interval, not the last loss
    names: Names = WANDB
    seed: int = 0
    stop_at: int | None = None  # the step after which the loop hangs
    slow: Callable[[int], float] | None = None  # seconds added to a step (an injected sleep)
    work: Callable[[int], float] | None = None  # relative cost of a step
    batch_hook: BatchHook | None = None
    model_hook: Callable[[int, nn.Module], None] | None = None
    loss_hook: LossHook | None = None
    stale_optimizer: bool = False  # the optimizer holds a copy of the parameters


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple[int, float, dict[str, float]]] = field(default_factory=list)
    onset_step: int | None = None
    onset_time: float | None = None


class Clock:
    """Virtual seconds: a step's cost with seeded jitter, plus the pauses a run takes."""

    def __init__(self, timing: Timing, seed: int) -> None:
        self.timing = timing
        self.rng = np.random.default_rng(seed)
        self.now = T0

    def step(self, step: int, work: float, extra: float) -> float:
        t = self.timing
        seconds = t.first_step_s if step == 0 else t.step_s * work
        seconds *= math.exp(self.rng.normal(0.0, t.jitter))
        if step > 0 and self.rng.random() < t.hiccup_p:
            seconds += t.step_s * self.rng.uniform(2.0, 6.0)
        seconds += extra
        self.now += seconds
        return seconds

    def pause(self, seconds: float) -> None:
        self.now += seconds * math.exp(self.rng.normal(0.0, 0.08))


def make_optimizer(spec: Spec, params: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
    lr = spec.lr(0)
    if spec.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=spec.weight_decay)
    if spec.optimizer == "momentum":
        return torch.optim.SGD(
            params, lr=lr, momentum=spec.momentum, weight_decay=spec.weight_decay
        )
    if spec.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=spec.weight_decay)
    if spec.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=spec.weight_decay)
    raise ValueError(f"unknown optimizer {spec.optimizer!r}")


def evaluate(model: nn.Module, task: Task) -> tuple[float, float | None]:
    model.eval()
    with torch.no_grad():
        out = model(task.val_x)
        loss = float(task.loss(out, task.val_y))
        acc = None
        if task.kind == "classify":
            acc = float((out.argmax(dim=-1) == task.val_y).float().mean())
    model.train()
    return loss, acc


def train(spec: Spec) -> Result:
    """Run the training loop of `spec` and return its logged rows and the fault's onset."""
    torch.manual_seed(spec.seed)
    task = spec.task()
    model = spec.model(task)
    params = copy.deepcopy(model).parameters() if spec.stale_optimizer else model.parameters()
    opt = make_optimizer(spec, params)
    gen = torch.Generator().manual_seed(spec.seed + 1)
    sampler = Sampler(task, gen)
    clock = Clock(spec.timing, spec.seed + 2)
    names = spec.names
    result = Result(columns=names.columns())
    losses: list[float] = []
    timed: list[tuple[float, int]] = []  # (seconds, samples) of the steps since the last row
    first_s = total_s = 0.0
    for step in range(spec.steps if spec.stop_at is None else spec.stop_at + 1):
        lr = spec.lr(step)
        for group in opt.param_groups:
            group["lr"] = lr
        if spec.model_hook is not None:
            spec.model_hook(step, model)
        batch = spec.batch(step) if callable(spec.batch) else spec.batch
        x, y = sampler.next(batch)
        if spec.batch_hook is not None:
            x, y = spec.batch_hook(step, x, y, gen)
        out = model(x)
        if spec.loss_hook is not None:
            loss = spec.loss_hook(step, out, y, task)
        else:
            loss = task.loss(out, y)
        model.zero_grad(set_to_none=True)
        opt.zero_grad(set_to_none=True)
        if loss.requires_grad:
            loss.backward()
        grads = [p for p in model.parameters() if p.grad is not None]
        grad_norm = float(nn.utils.clip_grad_norm_(grads, spec.clip or math.inf)) if grads else 0.0
        opt.step()
        losses.append(float(loss.detach()))
        slow = spec.slow(step) if spec.slow is not None else 0.0
        work = spec.work(step) if spec.work is not None else 1.0
        spent = clock.step(step, work, slow)
        if step == 0:
            first_s = spent  # start-up: throughput figures leave it out
        else:
            timed.append((spent, batch))
        total_s += spent

        row: dict[str, float] = {}
        if step % spec.log_every == 0 or step == spec.steps - 1:
            row[names.loss] = float(np.mean(losses)) if spec.mean_loss else losses[-1]
            if names.lr is not None:
                row[names.lr] = lr
            if names.grad_norm is not None:
                row[names.grad_norm] = grad_norm
            if names.speed is not None and timed:
                row[names.speed] = _speed(names.speed, timed, total_s - first_s, step)
            losses, timed = [], []
        if (step > 0 and step % spec.eval_every == 0) or step == spec.steps - 1:
            clock.pause(spec.timing.eval_s)
            val_loss, acc = evaluate(model, task)
            if names.val_loss is not None:
                row[names.val_loss] = val_loss
            if names.acc is not None and acc is not None:
                row[names.acc] = acc
        if row:
            result.rows.append((step, clock.now, row))
        t = spec.timing
        if t.ckpt_every and step > 0 and step % t.ckpt_every == 0 and step != spec.steps - 1:
            clock.pause(t.ckpt_s)
    _set_onset(spec, result)
    return result


def _speed(name: str, timed: list[tuple[float, int]], since_start_s: float, step: int) -> float:
    """Throughput as the run's script would print it, from the steps since the last row."""
    if name == "step_avg_ms":  # running mean since step 1, as modded-nanogpt prints it
        return 1000 * since_start_s / step
    if name == "step_time_ms":
        return 1000 * sum(s for s, _ in timed) / len(timed)
    return sum(n for _, n in timed) / sum(s for s, _ in timed)


def _set_onset(spec: Spec, result: Result) -> None:
    if spec.label == "healthy":
        return
    loss_key = spec.names.loss
    if spec.onset == "last_row":
        step, wall, _ = result.rows[-1]
    elif spec.onset == "first_nonfinite":
        step, wall, _ = next(r for r in result.rows if not math.isfinite(r[2].get(loss_key, 0.0)))
    elif spec.onset == "smoothed_min":
        rows = [r for r in result.rows if loss_key in r[2]]
        values = [r[2][loss_key] for r in rows]
        half = SMOOTHING_POINTS // 2
        smooth = [np.median(values[max(0, i - half) : i + half + 1]) for i in range(len(values))]
        step, wall, _ = rows[int(np.argmin(smooth))]
    elif spec.onset == "val_min":
        val_key = spec.names.val_loss
        evals = [r for r in result.rows if val_key in r[2]]
        step, wall, _ = min(evals, key=lambda r: r[2][val_key])
    elif isinstance(spec.onset, int):
        step, wall, _ = next(r for r in result.rows if r[0] >= spec.onset)
        if step != spec.onset:
            raise ValueError(f"{spec.name}: onset step {spec.onset} is not a logged step")
    else:
        raise ValueError(f"{spec.name}: bad onset {spec.onset!r}")
    result.onset_step, result.onset_time = step, wall


def _cell(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.6g}"


def write_run(spec: Spec, result: Result, out: Path) -> int:
    """Write the run's CSV; returns its size in bytes."""
    path = out / f"{spec.name}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["step", "wall_time", *result.columns])
        for step, wall, values in result.rows:
            cells = [_cell(values[c]) if c in values else "" for c in result.columns]
            writer.writerow([step, f"{wall:.3f}", *cells])
    return path.stat().st_size


# --------------------------------------------------------------------------- faults and hooks


def shuffled_labels(make: Callable[[], Task], seed: int) -> Callable[[], Task]:
    """The bug of shuffling inputs and labels separately: labels carry no information."""

    def build() -> Task:
        task = make()
        perm = torch.randperm(len(task.train_y), generator=torch.Generator().manual_seed(seed))
        task.train_y = task.train_y[perm]
        return task

    return build


def scaled_inputs_at(steps: Iterable[int], factor: float) -> BatchHook:
    """A bad batch (wrong normalisation) at each of `steps`; every other batch is fine."""
    bad = set(steps)
    return lambda step, x, y, gen: (x * factor, y) if step in bad else (x, y)


def random_labels_at(steps: Iterable[int], classes: int) -> BatchHook:
    bad = set(steps)

    def hook(step: int, x: Tensor, y: Tensor, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        if step in bad:
            y = torch.randint(0, classes, y.shape, generator=gen)
        return x, y

    return hook


def noisy_labels_from(start: int, fraction: float, classes: int) -> BatchHook:
    """From `start` on, a share of every batch carries random labels (a broken data shard)."""

    def hook(step: int, x: Tensor, y: Tensor, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        if step >= start:
            flip = torch.rand(y.shape, generator=gen) < fraction
            y = torch.where(flip, torch.randint(0, classes, y.shape, generator=gen), y)
        return x, y

    return hook


def nan_feature_at(step_: int) -> BatchHook:
    """A corrupt record with a missing value read as NaN, in the batch of `step_`."""

    def hook(step: int, x: Tensor, y: Tensor, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        if step == step_:
            x = x.clone()
            x[3, 5] = math.nan
        return x, y

    return hook


def inf_pixels_at(step_: int) -> BatchHook:
    """An image decoded with a zero scale: its pixels are +inf."""

    def hook(step: int, x: Tensor, y: Tensor, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        if step == step_:
            x = x.clone()
            x[0] = math.inf
        return x, y

    return hook


def padding_targets_from(start: int) -> BatchHook:
    """From `start` on, the data loader yields only padding targets: the mean loss is 0/0."""
    return lambda step, x, y, gen: (x, torch.full_like(y, -100)) if step >= start else (x, y)


def corrupt_text(start: int, fraction: float, vocab: int, stop: int | None = None) -> BatchHook:
    """From `start` (to `stop`), a share of characters is replaced at random (a broken decoder)."""

    def hook(step: int, x: Tensor, y: Tensor, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        if step < start or (stop is not None and step >= stop):
            return x, y
        both = torch.cat([x[:, :1], y], dim=1)
        noise = torch.randint(0, vocab, both.shape, generator=gen)
        both = torch.where(torch.rand(both.shape, generator=gen) < fraction, noise, both)
        return both[:, :-1], both[:, 1:]

    return hook


def inflate_weights_from(start: int, rate: float) -> Callable[[int, nn.Module], None]:
    """Decoupled weight decay with its sign flipped from `start`: weights grow every step."""

    def hook(step: int, model: nn.Module) -> None:
        if step >= start:
            with torch.no_grad():
                for name, p in model.named_parameters():
                    if name.endswith("weight"):
                        p.mul_(rate)

    return hook


def scale_weights_at(
    step_: int, layers: Sequence[int], factor: float
) -> Callable[[int, nn.Module], None]:
    """Layers of an MLP multiplied by `factor` at `step_` (a bad checkpoint merge)."""

    def hook(step: int, model: nn.Module) -> None:
        if step == step_:
            with torch.no_grad():
                for i in layers:
                    model[i].weight.mul_(factor)  # type: ignore[index]

    return hook


def zero_temperature_from(start: int) -> LossHook:
    """From `start` on the logits are divided by a temperature whose schedule reached 0."""

    def loss(step: int, out: Tensor, y: Tensor, task: Task) -> Tensor:
        temperature = 0.0 if step >= start else 1.0
        return task.loss(out / temperature, y)

    return loss


def slow_from(start: int, seconds: float) -> Callable[[int], float]:
    """A sleep of `seconds` in every step from `start` on (virtual, added to the clock)."""
    return lambda step: seconds if step >= start else 0.0


# --------------------------------------------------------------------------- the corpus


def _mlp(
    *hidden: int, act: type[nn.Module] = nn.ReLU, init: float = 1.0
) -> Callable[[Task], nn.Module]:
    return lambda t: mlp(t.in_dim, hidden, t.classes or int(t.train_y.shape[-1]), act, init)


def _cnn(width: int = 16) -> Callable[[Task], nn.Module]:
    return lambda t: SmallCNN(t.classes, width)


def _gru(hidden: int = 96) -> Callable[[Task], nn.Module]:
    return lambda t: CharGRU(t.vocab, 24, hidden)


def _transformer(d: int = 48) -> Callable[[Task], nn.Module]:
    return lambda t: TinyTransformer(t.vocab, t.seq_len, d)


# Virtual step costs, as the same models would take on a busy accelerator with real data.
MLP_CLOCK = Timing(step_s=0.04, jitter=0.08, first_step_s=8.0, eval_s=1.5)
CNN_CLOCK = Timing(
    step_s=0.16, jitter=0.05, first_step_s=25.0, eval_s=6.0, ckpt_every=500, ckpt_s=20
)
LM_CLOCK = Timing(
    step_s=0.45, jitter=0.04, first_step_s=40.0, eval_s=12.0, ckpt_every=500, ckpt_s=45
)
REG_CLOCK = Timing(step_s=0.02, jitter=0.1, first_step_s=3.0, eval_s=0.8)

NO_SPEED = replace(WANDB, speed=None)
MLP_DESC = "MLP {} on 8-class Gaussian mixture (32-d)"
REG_DESC = "MLP {} regression on a random tanh teacher (16-d)"
CNN_DESC = "small CNN on 16x16 synthetic shapes (6 classes)"
GRU_DESC = "char-level GRU LM (96 hidden) on generated text"
TFM_DESC = "char-level 2-block transformer LM (d=48) on generated text"


def faulty_runs() -> list[Spec]:
    """Runs with one fault each, injected at a known step."""
    div, nf, nl, of, osc = "divergence", "nonfinite", "no_learning", "overfitting", "oscillation"
    thr, stall, expl = "throughput_drop", "stall", "exploding_gradient"
    return [
        # divergence -----------------------------------------------------------------
        Spec(
            "blobs-mlp-tanh-sgd-01",
            MLP_DESC.format("128x128 tanh"),
            "SGD momentum 0.9 at lr 1.0, far too high from the first step: the loss climbs "
            "from 2.1 to about 9 and stays there.",
            task=lambda: blobs(11),
            model=_mlp(128, 128, act=nn.Tanh),
            lr=constant(1.0),
            optimizer="momentum",
            steps=800,
            batch=64,
            timing=MLP_CLOCK,
            eval_every=100,
            label="faulty",
            fault=div,
            onset=0,
            seed=11,
            names=LIGHTNING,
        ),
        Spec(
            "regression-mlp-momentum-02",
            REG_DESC.format("64x64 tanh"),
            "SGD with momentum 0.99 at lr 0.1, too high from the start: the loss creeps up "
            "from 0.5 to over a million in 1200 steps, without ever becoming NaN.",
            task=lambda: teacher_regression(12),
            model=_mlp(64, 64, act=nn.Tanh),
            lr=constant(0.1),
            optimizer="momentum",
            momentum=0.99,
            steps=1200,
            batch=128,
            timing=REG_CLOCK,
            log_every=2,
            eval_every=100,
            label="faulty",
            fault=div,
            onset=0,
            seed=12,
            names=replace(SCRIPT, acc=None),
        ),
        Spec(
            "charlm-gru-sgd-03",
            GRU_DESC,
            "SGD momentum with clipping at lr 0.3; at step 350 a config reload multiplies the "
            "lr by 30: the loss shoots from 0.6 to 15-20.",
            task=lambda: char_lm(13),
            model=_gru(),
            lr=times_from(constant(0.3), 350, 30),
            optimizer="momentum",
            clip=1.0,
            steps=800,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            label="faulty",
            fault=div,
            onset=350,
            seed=13,
            names=WANDB,
        ),
        Spec(
            "charlm-transformer-04",
            TFM_DESC,
            "AdamW with warm-up and cosine decay; at step 400 the lr is multiplied by 100 "
            "(2e-3 peak, 0.13 after): the loss jumps from 1.2 to ~5 and stays near 2.8.",
            task=lambda: char_lm(14),
            model=_transformer(),
            lr=times_from(warmup_cosine(2e-3, 50, 900), 400, 100),
            optimizer="adamw",
            steps=900,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            label="faulty",
            fault=div,
            onset=400,
            seed=14,
            names=replace(LIGHTNING, speed="step_avg_ms"),
        ),
        Spec(
            "shapes-cnn-momentum-05",
            CNN_DESC,
            "SGD momentum at lr 0.01; at step 500 the lr is raised 30x: the loss spikes to ~30 "
            "and the network collapses to chance (ln 6), never to recover.",
            task=lambda: shapes(15),
            model=_cnn(),
            lr=times_from(constant(0.01), 500, 30),
            optimizer="momentum",
            steps=900,
            batch=32,
            timing=CNN_CLOCK,
            eval_every=100,
            label="faulty",
            fault=div,
            onset=500,
            seed=15,
            names=WANDB,
        ),
        Spec(
            "charlm-gru-momentum-37",
            GRU_DESC,
            "SGD momentum 0.9 at lr 2.0 (clipped at 1), a little too high: the loss falls to "
            "~0.9, then climbs to ~1.8 and bounces there (lr 0.3 reaches 0.5). Onset: the "
            "lowest point of the loss's running median, where the climb begins.",
            task=lambda: char_lm(47),
            model=_gru(),
            lr=constant(2.0),
            optimizer="momentum",
            clip=1.0,
            steps=700,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            label="faulty",
            fault=div,
            onset="smoothed_min",
            seed=47,
            names=SCRIPT,
        ),
        # nonfinite ------------------------------------------------------------------
        Spec(
            "blobs-mlp-adam-06",
            MLP_DESC.format("128x128"),
            "A temperature schedule reaches 0 at step 420 and the logits are divided by it: "
            "the loss is NaN from 420 on.",
            task=lambda: blobs(16),
            model=_mlp(128, 128),
            lr=constant(1e-3),
            steps=900,
            batch=32,
            timing=MLP_CLOCK,
            eval_every=100,
            loss_hook=zero_temperature_from(420),
            label="faulty",
            fault=nf,
            onset="first_nonfinite",
            seed=16,
            names=SCRIPT,
        ),
        Spec(
            "regression-mlp-adam-07",
            REG_DESC.format("64x64"),
            "One corrupt record with a NaN feature in the batch of step 613: the weights "
            "become NaN and the loss stays NaN.",
            task=lambda: teacher_regression(17),
            model=_mlp(64, 64),
            lr=constant(1e-3),
            steps=1000,
            batch=32,
            timing=REG_CLOCK,
            eval_every=100,
            batch_hook=nan_feature_at(613),
            label="faulty",
            fault=nf,
            onset="first_nonfinite",
            seed=17,
            names=replace(WANDB, acc=None),
        ),
        Spec(
            "shapes-cnn-momentum-08",
            CNN_DESC,
            "An image decoded with a zero scale (all pixels +inf) in the batch of step 350: "
            "NaN from there on.",
            task=lambda: shapes(18),
            model=_cnn(),
            lr=constant(0.02),
            optimizer="momentum",
            steps=700,
            batch=32,
            timing=CNN_CLOCK,
            eval_every=100,
            batch_hook=inf_pixels_at(350),
            label="faulty",
            fault=nf,
            onset="first_nonfinite",
            seed=18,
            names=LIGHTNING,
        ),
        Spec(
            "charlm-gru-adam-09",
            GRU_DESC,
            "From step 522 the loader yields only padding targets; the masked mean loss is "
            "0/0 = NaN every step (and the gradient is zero).",
            task=lambda: char_lm(19),
            model=_gru(),
            lr=constant(3e-3),
            steps=800,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            batch_hook=padding_targets_from(522),
            label="faulty",
            fault=nf,
            onset="first_nonfinite",
            seed=19,
            names=WANDB,
        ),
        # no_learning ----------------------------------------------------------------
        Spec(
            "blobs-mlp-adam-10",
            MLP_DESC.format("128x128"),
            "Learning rate 0 from the start (a typo in the config): the loss stays at its "
            "initial level, ln 8.",
            task=lambda: blobs(20),
            model=_mlp(128, 128),
            lr=constant(0.0),
            steps=800,
            batch=64,
            timing=MLP_CLOCK,
            eval_every=100,
            label="faulty",
            fault=nl,
            onset=0,
            seed=20,
            names=WANDB,
        ),
        Spec(
            "shapes-cnn-momentum-11",
            CNN_DESC,
            "The optimizer was built over a copy of the model's parameters: gradients are "
            "computed (grad_norm looks normal) but the model never changes.",
            task=lambda: shapes(21),
            model=_cnn(),
            lr=constant(0.02),
            optimizer="momentum",
            steps=700,
            batch=32,
            timing=CNN_CLOCK,
            eval_every=100,
            stale_optimizer=True,
            label="faulty",
            fault=nl,
            onset=0,
            seed=21,
            names=LIGHTNING,
        ),
        Spec(
            "blobs-mlp-adam-12",
            MLP_DESC.format("64x64"),
            "Inputs and labels shuffled separately: the labels carry no information, so the "
            "loss stays at chance (ln 8) and validation accuracy at 1/8.",
            task=shuffled_labels(lambda: blobs(22, n_train=16384), 22),
            model=_mlp(64, 64),
            lr=constant(1e-3),
            steps=1200,
            batch=64,
            timing=MLP_CLOCK,
            log_every=2,
            eval_every=100,
            label="faulty",
            fault=nl,
            onset=0,
            seed=22,
            names=SCRIPT,
        ),
        Spec(
            "regression-mlp-adam-13",
            REG_DESC.format("64x64"),
            "Step-decay scheduler with gamma 0 instead of 0.1: the lr becomes 0 at step 200 "
            "while the loss was still falling fast.",
            task=lambda: teacher_regression(23),
            model=_mlp(64, 64),
            lr=step_decay(3e-4, [200], 0.0),
            steps=1000,
            batch=32,
            timing=REG_CLOCK,
            eval_every=100,
            label="faulty",
            fault=nl,
            onset=200,
            seed=23,
            names=replace(LIGHTNING, acc=None),
        ),
        Spec(
            "shapes-cnn-adam-14",
            CNN_DESC,
            "Labels shuffled independently of the images: nothing to learn, the loss stays at "
            "chance (ln 6) while the model slowly memorises a little.",
            task=shuffled_labels(lambda: shapes(24), 24),
            model=_cnn(),
            lr=constant(1e-3),
            steps=700,
            batch=32,
            timing=CNN_CLOCK,
            eval_every=100,
            label="faulty",
            fault=nl,
            onset=0,
            seed=24,
            names=WANDB,
        ),
        # overfitting ----------------------------------------------------------------
        Spec(
            "blobs-mlp-adam-15",
            MLP_DESC.format("512x512"),
            "128 training samples with 20% wrong labels and a wide MLP: validation loss "
            "bottoms out early, then rises for the rest of the run.",
            task=lambda: blobs(25, n_train=128, label_noise=0.2),
            model=_mlp(512, 512),
            lr=constant(2e-4),
            steps=800,
            batch=32,
            timing=MLP_CLOCK,
            eval_every=20,
            label="faulty",
            fault=of,
            onset="val_min",
            seed=25,
            names=LIGHTNING,
        ),
        Spec(
            "regression-mlp-adam-16",
            REG_DESC.format("256x256"),
            "64 noisy training points and a wide MLP that interpolates them: validation MSE "
            "reaches its minimum, then climbs and settles higher.",
            task=lambda: teacher_regression(26, n_train=64, noise=0.7),
            model=_mlp(256, 256),
            lr=constant(3e-4),
            steps=800,
            batch=16,
            timing=REG_CLOCK,
            eval_every=20,
            label="faulty",
            fault=of,
            onset="val_min",
            seed=26,
            names=replace(WANDB, acc=None),
        ),
        Spec(
            "shapes-cnn-adam-17",
            CNN_DESC + ", width 24",
            "150 training images with 15% wrong labels: training loss falls to ~0 while "
            "validation loss turns up after its minimum.",
            task=lambda: shapes(27, n_train=150, label_noise=0.15),
            model=_cnn(24),
            lr=constant(3e-4),
            steps=700,
            batch=32,
            timing=CNN_CLOCK,
            eval_every=20,
            label="faulty",
            fault=of,
            onset="val_min",
            seed=27,
            names=SCRIPT,
        ),
        Spec(
            "charlm-gru-adam-18",
            "char-level GRU LM (192 hidden) on 200 generated sentences",
            "A big GRU on a tiny text: validation loss reaches its minimum, then rises "
            "steadily as the model memorises the training text.",
            task=lambda: char_lm(28, n_sentences=200),
            model=_gru(192),
            lr=constant(3e-3),
            steps=1000,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=25,
            label="faulty",
            fault=of,
            onset="val_min",
            seed=28,
            names=WANDB,
        ),
        # oscillation ----------------------------------------------------------------
        Spec(
            "regression-mlp-momentum-19",
            REG_DESC.format("64x64 tanh"),
            "SGD momentum 0.9 at lr 1.0 with clipping at 1: every update overshoots, the loss "
            "bounces between ~0.8 and ~3 (spikes to 9) for the whole run; lr 0.05 reaches 0.03.",
            task=lambda: teacher_regression(29),
            model=_mlp(64, 64, act=nn.Tanh),
            lr=constant(1.0),
            optimizer="momentum",
            clip=1.0,
            steps=900,
            batch=256,
            timing=REG_CLOCK,
            eval_every=100,
            label="faulty",
            fault=osc,
            onset=0,
            seed=29,
            names=replace(SCRIPT, acc=None),
        ),
        Spec(
            "shapes-cnn-momentum-20",
            CNN_DESC,
            "SGD momentum 0.9 at lr 0.2 (clipped at 5): the loss swings between 0.6 and 1.6 "
            "and never settles (at lr 0.02 it reaches ~0.4 and keeps falling).",
            task=lambda: shapes(30),
            model=_cnn(),
            lr=constant(0.2),
            optimizer="momentum",
            clip=5.0,
            steps=800,
            batch=64,
            timing=CNN_CLOCK,
            eval_every=100,
            label="faulty",
            fault=osc,
            onset=0,
            seed=30,
            names=WANDB,
        ),
        Spec(
            "blobs-mlp-tanh-momentum-21",
            MLP_DESC.format("128x128 tanh"),
            "SGD with momentum 0.99 at lr 0.1: the heavy ball overshoots and the loss bounces "
            "between 0.6 and 1.1 in slow waves without converging (lr 0.01: 0.57, falling).",
            task=lambda: blobs(31, n_train=16384),
            model=_mlp(128, 128, act=nn.Tanh),
            lr=constant(0.1),
            optimizer="momentum",
            momentum=0.99,
            steps=1000,
            batch=256,
            timing=MLP_CLOCK,
            eval_every=100,
            label="faulty",
            fault=osc,
            onset=0,
            seed=31,
            names=LIGHTNING,
        ),
        Spec(
            "regression-mlp-momentum-22",
            REG_DESC.format("64x64 tanh"),
            "Linear warm-up to a peak lr of 1.2 (SGD momentum, clipped): fine while the lr is "
            "small; from step 250, where the lr passes 1.0, the loss bounces between 1 and 5 "
            "(spikes to 10).",
            task=lambda: teacher_regression(32),
            model=_mlp(64, 64, act=nn.Tanh),
            lr=warmup_linear(1.2, 300, 300, 1.2),
            optimizer="momentum",
            clip=1.0,
            steps=1000,
            batch=256,
            timing=REG_CLOCK,
            eval_every=100,
            label="faulty",
            fault=osc,
            onset=250,
            seed=32,
            names=replace(WANDB, acc=None),
        ),
        # throughput_drop ------------------------------------------------------------
        Spec(
            "blobs-mlp-adam-23",
            MLP_DESC.format("128x128"),
            "From step 930 every step takes 3x as long (data loading fell back to a single "
            "worker); samples_per_sec drops to a third.",
            task=lambda: blobs(33),
            model=_mlp(128, 128),
            lr=warmup_cosine(1e-3, 100, 1500),
            steps=1500,
            batch=64,
            timing=MLP_CLOCK,
            log_every=2,
            eval_every=100,
            slow=slow_from(930, 0.08),
            label="faulty",
            fault=thr,
            onset=930,
            seed=33,
            names=WANDB,
        ),
        Spec(
            "shapes-cnn-momentum-24",
            CNN_DESC,
            "From step 640 a per-step synchronisation costs 0.24 s: step time x2.5.",
            task=lambda: shapes(34),
            model=_cnn(),
            lr=warmup_cosine(0.05, 50, 1000, 1e-3),
            optimizer="momentum",
            weight_decay=5e-4,
            steps=1000,
            batch=32,
            timing=CNN_CLOCK,
            log_every=2,
            eval_every=100,
            slow=slow_from(640, 0.24),
            label="faulty",
            fault=thr,
            onset=640,
            seed=34,
            names=LIGHTNING,
        ),
        Spec(
            "charlm-gru-adam-25",
            GRU_DESC,
            "From step 420 each step is 4x slower (another job on the device); the script "
            "prints the running mean step time, which reacts slowly.",
            task=lambda: char_lm(35),
            model=_gru(),
            lr=warmup_cosine(3e-3, 50, 800),
            steps=800,
            batch=16,
            timing=LM_CLOCK,
            log_every=4,
            eval_every=100,
            slow=slow_from(420, 1.35),
            label="faulty",
            fault=thr,
            onset=420,
            seed=35,
            names=SCRIPT,
        ),
        Spec(
            "charlm-transformer-26",
            TFM_DESC,
            "Steps take twice as long from step 532 (thermal throttling); no throughput metric "
            "is logged, only the wall time shows it.",
            task=lambda: char_lm(36),
            model=_transformer(),
            lr=warmup_cosine(2e-3, 50, 900),
            optimizer="adamw",
            weight_decay=0.01,
            steps=900,
            batch=16,
            timing=LM_CLOCK,
            log_every=4,
            eval_every=100,
            slow=slow_from(532, 0.45),
            label="faulty",
            fault=thr,
            onset=532,
            seed=36,
            names=NO_SPEED,
        ),
        # stall ----------------------------------------------------------------------
        Spec(
            "blobs-mlp-adam-27",
            MLP_DESC.format("128x128"),
            "Hangs after step 1377 of 2000 (a data-loader worker deadlock), after several "
            "evaluation pauses.",
            task=lambda: blobs(37),
            model=_mlp(128, 128),
            lr=warmup_cosine(1e-3, 100, 2000),
            steps=2000,
            batch=64,
            timing=replace(MLP_CLOCK, eval_s=4.0),
            log_every=3,
            eval_every=200,
            stop_at=1379,
            label="faulty",
            fault=stall,
            onset="last_row",
            seed=37,
            names=WANDB,
        ),
        Spec(
            "shapes-cnn-momentum-28",
            CNN_DESC,
            "Hangs at step 713 of 1000 (collective operation waiting on a dead peer).",
            task=lambda: shapes(38),
            model=_cnn(),
            lr=warmup_cosine(0.05, 50, 1000, 1e-3),
            optimizer="momentum",
            steps=1000,
            batch=32,
            timing=CNN_CLOCK,
            eval_every=100,
            stop_at=713,
            label="faulty",
            fault=stall,
            onset="last_row",
            seed=38,
            names=LIGHTNING,
        ),
        Spec(
            "charlm-gru-adam-29",
            GRU_DESC,
            "Hangs after step 1045 of 1500 (logged every 5 steps), after two checkpoint pauses "
            "of ~45 s.",
            task=lambda: char_lm(39),
            model=_gru(),
            lr=warmup_cosine(3e-3, 50, 1500),
            steps=1500,
            batch=16,
            timing=LM_CLOCK,
            log_every=5,
            eval_every=250,
            stop_at=1047,
            label="faulty",
            fault=stall,
            onset="last_row",
            seed=39,
            names=SCRIPT,
        ),
        Spec(
            "regression-mlp-adam-30",
            REG_DESC.format("64x64"),
            "Hangs at step 421 of 800, twenty steps after an evaluation.",
            task=lambda: teacher_regression(40),
            model=_mlp(64, 64),
            lr=constant(1e-3),
            steps=800,
            batch=32,
            timing=REG_CLOCK,
            eval_every=100,
            stop_at=421,
            label="faulty",
            fault=stall,
            onset="last_row",
            seed=40,
            names=replace(WANDB, acc=None),
        ),
        # exploding_gradient ---------------------------------------------------------
        Spec(
            "blobs-mlp-sgd-31",
            MLP_DESC.format("128x128"),
            "At step 517 a bad checkpoint merge scales the first two layers by 12: the "
            "gradient norm jumps 500x, the loss follows and the network ends at chance.",
            task=lambda: blobs(41),
            model=_mlp(128, 128),
            lr=constant(0.05),
            optimizer="momentum",
            steps=900,
            batch=64,
            timing=MLP_CLOCK,
            eval_every=100,
            model_hook=scale_weights_at(517, [0, 2], 12.0),
            label="faulty",
            fault=expl,
            onset=517,
            seed=41,
            names=LIGHTNING,
        ),
        Spec(
            "regression-mlp-adam-32",
            REG_DESC.format("64x64x64"),
            "From step 400 a weight-decay step with its sign flipped makes the weights grow "
            "0.5% a step: the gradient norm climbs six orders of magnitude, the loss after it.",
            task=lambda: teacher_regression(42),
            model=_mlp(64, 64, 64),
            lr=constant(1e-3),
            steps=1000,
            batch=32,
            timing=REG_CLOCK,
            eval_every=100,
            model_hook=inflate_weights_from(400, 1.005),
            label="faulty",
            fault=expl,
            onset=400,
            seed=42,
            names=replace(WANDB, acc=None),
        ),
        # loss_spike (persistent) ----------------------------------------------------
        Spec(
            "blobs-mlp-adam-33",
            MLP_DESC.format("128x128"),
            "From step 734 a broken data shard gives half of every batch random labels: the "
            "loss jumps and stays at a higher floor.",
            task=lambda: blobs(43),
            model=_mlp(128, 128),
            lr=constant(1e-3),
            steps=1200,
            batch=64,
            timing=MLP_CLOCK,
            log_every=2,
            eval_every=100,
            batch_hook=noisy_labels_from(734, 0.5, 8),
            label="faulty",
            fault="loss_spike",
            onset=734,
            seed=43,
            names=WANDB,
        ),
        Spec(
            "charlm-gru-adam-34",
            GRU_DESC,
            "From step 466 a broken decoder replaces 30% of the characters at random: the "
            "training loss jumps from 0.6 to ~3 and stays above 2.5.",
            task=lambda: char_lm(44),
            model=_gru(),
            lr=constant(3e-3),
            steps=800,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            batch_hook=corrupt_text(466, 0.3, len(vocab())),
            label="faulty",
            fault="loss_spike",
            onset=466,
            seed=44,
            names=LIGHTNING,
        ),
        # lr_anomaly -----------------------------------------------------------------
        Spec(
            "shapes-cnn-adam-35",
            CNN_DESC,
            "At step 400 the lr jumps 100x (3e-5 to 3e-3: a warm-up restarted in the wrong "
            "units) and stays there; the loss, barely moving until then, starts to fall.",
            task=lambda: shapes(45),
            model=_cnn(),
            lr=times_from(constant(3e-5), 400, 100),
            steps=800,
            batch=32,
            timing=CNN_CLOCK,
            eval_every=100,
            label="faulty",
            fault="lr_anomaly",
            onset=400,
            seed=45,
            names=WANDB,
        ),
        Spec(
            "charlm-transformer-36",
            TFM_DESC,
            "Linear decay planned for 600 steps but the run is 900: past step 600 the lr goes "
            "negative and the model climbs the loss.",
            task=lambda: char_lm(46),
            model=_transformer(),
            lr=warmup_linear(2e-3, 50, 600),
            optimizer="adamw",
            steps=900,
            batch=16,
            timing=LM_CLOCK,
            eval_every=100,
            label="faulty",
            fault="lr_anomaly",
            onset=601,
            seed=46,
            names=SCRIPT,
        ),
    ]


def _pretrained(
    make: Callable[[Task], nn.Module], steps: int, seed: int
) -> Callable[[Task], nn.Module]:
    """`make`, trained first for `steps` on the same kind of data (a checkpoint to fine-tune)."""

    def build(task: Task) -> nn.Module:
        model = make(task)
        opt = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9)
        sampler = Sampler(task, torch.Generator().manual_seed(seed))
        for _ in range(steps):
            x, y = sampler.next(32)
            opt.zero_grad()
            task.loss(model(x), y).backward()
            opt.step()
        return model

    return build


def healthy_runs() -> list[Spec]:
    """Healthy runs, many of them hard on purpose: schedules, noise, spikes, plateaus, pauses."""
    no_acc = replace(WANDB, acc=None)
    return [
        # schedules: warm-up then cosine or linear decay -----------------------------
        Spec(
            "blobs-mlp-adamw-40",
            MLP_DESC.format("128x128"),
            "Warm-up (100 steps) then cosine decay, AdamW.",
            task=lambda: blobs(50, n_train=16384),
            model=_mlp(128, 128),
            lr=warmup_cosine(2e-3, 100, 1500),
            optimizer="adamw",
            weight_decay=0.05,
            steps=1500,
            batch=64,
            timing=MLP_CLOCK,
            log_every=2,
            eval_every=100,
            seed=50,
            names=WANDB,
        ),
        Spec(
            "shapes-cnn-momentum-41",
            CNN_DESC,
            "Warm-up then cosine decay, SGD momentum, checkpoint every 500 steps.",
            task=lambda: shapes(51),
            model=_cnn(),
            lr=warmup_cosine(0.05, 50, 1200, 1e-3),
            optimizer="momentum",
            weight_decay=5e-4,
            steps=1200,
            batch=32,
            timing=CNN_CLOCK,
            log_every=2,
            eval_every=100,
            seed=51,
            names=LIGHTNING,
        ),
        Spec(
            "charlm-transformer-42",
            TFM_DESC,
            "Warm-up then cosine decay, AdamW.",
            task=lambda: char_lm(52),
            model=_transformer(),
            lr=warmup_cosine(2e-3, 50, 1000),
            optimizer="adamw",
            weight_decay=0.01,
            steps=1000,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            seed=52,
            names=SCRIPT,
        ),
        Spec(
            "regression-mlp-adam-43",
            REG_DESC.format("64x64"),
            "Warm-up then cosine decay, Adam, 2000 steps logged every 4.",
            task=lambda: teacher_regression(53, n_train=16384),
            model=_mlp(64, 64),
            lr=warmup_cosine(2e-3, 100, 2000),
            steps=2000,
            batch=64,
            timing=REG_CLOCK,
            log_every=4,
            eval_every=200,
            seed=53,
            names=replace(no_acc, speed="throughput"),
        ),
        Spec(
            "charlm-gru-adam-44",
            GRU_DESC,
            "Warm-up then linear decay to 0.",
            task=lambda: char_lm(54),
            model=_gru(),
            lr=warmup_linear(3e-3, 50, 800),
            steps=800,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            seed=54,
            names=WANDB,
        ),
        Spec(
            "blobs-mlp-adamw-45",
            MLP_DESC.format("256x128"),
            "Warm-up then linear decay, AdamW with weight decay.",
            task=lambda: blobs(55, n_train=16384),
            model=_mlp(256, 128),
            lr=warmup_linear(1e-3, 200, 1200),
            optimizer="adamw",
            weight_decay=0.05,
            steps=1200,
            batch=64,
            timing=MLP_CLOCK,
            eval_every=100,
            seed=55,
            names=LIGHTNING,
        ),
        # cyclic learning rates ------------------------------------------------------
        Spec(
            "blobs-mlp-momentum-46",
            MLP_DESC.format("128x128"),
            "Triangular cyclic lr between 0.005 and 0.1 (half cycle 150 steps), SGD momentum: "
            "the loss rises a little at every peak of the lr.",
            task=lambda: blobs(56, n_train=16384),
            model=_mlp(128, 128),
            lr=triangular(0.005, 0.1, 150),
            optimizer="momentum",
            steps=1800,
            batch=64,
            timing=MLP_CLOCK,
            log_every=3,
            eval_every=150,
            seed=56,
            names=SCRIPT,
        ),
        Spec(
            "shapes-cnn-momentum-47",
            CNN_DESC,
            "Triangular cyclic lr between 0.002 and 0.08 (half cycle 100 steps).",
            task=lambda: shapes(57),
            model=_cnn(),
            lr=triangular(0.002, 0.08, 100),
            optimizer="momentum",
            steps=1000,
            batch=32,
            timing=CNN_CLOCK,
            eval_every=100,
            seed=57,
            names=WANDB,
        ),
        Spec(
            "blobs-mlp-momentum-48",
            MLP_DESC.format("128x128"),
            "Cosine with warm restarts every 400 steps: the lr jumps back up 3 times.",
            task=lambda: blobs(58, n_train=16384),
            model=_mlp(128, 128),
            lr=warm_restarts(0.1, 400, 1e-3),
            optimizer="momentum",
            weight_decay=1e-3,
            steps=1600,
            batch=64,
            timing=MLP_CLOCK,
            log_every=2,
            eval_every=100,
            seed=58,
            names=WANDB,
        ),
        # noisy small batches --------------------------------------------------------
        Spec(
            "blobs-mlp-sgd-49",
            MLP_DESC.format("64x64"),
            "Batch size 2, plain SGD: a very noisy loss that falls slowly.",
            task=lambda: blobs(59),
            model=_mlp(64, 64),
            lr=constant(0.01),
            optimizer="sgd",
            steps=3000,
            batch=2,
            timing=replace(MLP_CLOCK, step_s=0.012),
            log_every=5,
            eval_every=250,
            seed=59,
            names=LIGHTNING,
        ),
        Spec(
            "regression-mlp-adam-50",
            REG_DESC.format("64x64"),
            "Batch size 4, Adam: noisy loss.",
            task=lambda: teacher_regression(60),
            model=_mlp(64, 64),
            lr=constant(5e-4),
            steps=2000,
            batch=4,
            timing=REG_CLOCK,
            log_every=4,
            eval_every=200,
            seed=60,
            names=replace(SCRIPT, acc=None),
        ),
        Spec(
            "shapes-cnn-momentum-51",
            CNN_DESC,
            "Batch size 3, SGD momentum: noisy loss.",
            task=lambda: shapes(61),
            model=_cnn(),
            lr=constant(0.005),
            optimizer="momentum",
            steps=1500,
            batch=3,
            timing=replace(CNN_CLOCK, step_s=0.05),
            log_every=3,
            eval_every=150,
            seed=61,
            names=WANDB,
        ),
        # spikes that recover --------------------------------------------------------
        Spec(
            "blobs-mlp-adam-52",
            MLP_DESC.format("128x128"),
            "One badly normalised batch (inputs x25) at step 600: a one-step loss spike, "
            "then back to normal.",
            task=lambda: blobs(62, n_train=16384),
            model=_mlp(128, 128),
            lr=constant(1e-3),
            steps=1200,
            batch=64,
            timing=MLP_CLOCK,
            eval_every=100,
            batch_hook=scaled_inputs_at([600], 25.0),
            seed=62,
            names=WANDB,
        ),
        Spec(
            "shapes-cnn-momentum-53",
            CNN_DESC,
            "The lr is bumped 10x for two steps at 450 (a scheduler glitch) and the loss spikes; "
            "it recovers within a few dozen steps.",
            task=lambda: shapes(63),
            model=_cnn(),
            lr=times_between(constant(0.02), 450, 452, 10),
            optimizer="momentum",
            steps=1000,
            batch=32,
            timing=CNN_CLOCK,
            eval_every=100,
            seed=63,
            names=LIGHTNING,
        ),
        Spec(
            "charlm-gru-adam-54",
            GRU_DESC,
            "Three garbled batches (half the characters random) at steps 400-402: a spike, "
            "then back on track.",
            task=lambda: char_lm(64),
            model=_gru(),
            lr=constant(3e-3),
            steps=800,
            batch=16,
            timing=LM_CLOCK,
            eval_every=100,
            batch_hook=corrupt_text(400, 0.5, len(vocab()), 403),
            seed=64,
            names=SCRIPT,
        ),
        Spec(
            "blobs-mlp-adam-55",
            MLP_DESC.format("128x128"),
            "A batch with random labels every ~300 steps (a dirty shard visited once per "
            "epoch): small recurring spikes.",
            task=lambda: blobs(65, n_train=16384),
            model=_mlp(128, 128),
            lr=constant(1e-3),
            steps=1500,
            batch=64,
            timing=MLP_CLOCK,
            log_every=1,
            eval_every=100,
            batch_hook=random_labels_at(range(256, 1500, 256), 8),
            seed=65,
            names=SCRIPT,
        ),
        # plateaus that break --------------------------------------------------------
        Spec(
            "parity-mlp-sgd-56",
            "MLP 256 on sparse parity (3 of 20 bits), fresh samples",
            "Loss sits at ln 2 for ~1200 steps, then drops to near 0 (the parity is found).",
            task=lambda: sparse_parity(66, bits=20),
            model=_mlp(256),
            lr=constant(0.05),
            optimizer="sgd",
            steps=2500,
            batch=32,
            timing=MLP_CLOCK,
            log_every=2,
            eval_every=100,
            seed=66,
            names=WANDB,
        ),
        Spec(
            "parity-mlp-sgd-57",
            "MLP 512 on sparse parity (3 of 24 bits), fresh samples",
            "A flat loss (ln 2) for ~850 steps before the drop.",
            task=lambda: sparse_parity(67, bits=24),
            model=_mlp(512),
            lr=constant(0.1),
            optimizer="sgd",
            steps=2000,
            batch=32,
            timing=MLP_CLOCK,
            log_every=2,
            eval_every=100,
            seed=67,
            names=LIGHTNING,
        ),
        Spec(
            "regression-mlp-momentum-58",
            REG_DESC.format("4x64 tanh (weights x0.2 at init)"),
            "Poor (too small) initialisation: the loss is flat for ~380 steps, then falls in "
            "stages.",
            task=lambda: teacher_regression(68),
            model=_mlp(64, 64, 64, 64, act=nn.Tanh, init=0.2),
            lr=constant(0.05),
            optimizer="momentum",
            steps=1500,
            batch=64,
            timing=REG_CLOCK,
            log_every=2,
            eval_every=100,
            seed=68,
            names=no_acc,
        ),
        # converges early and stays flat ---------------------------------------------
        Spec(
            "regression-linear-adam-59",
            "linear regression on a random tanh teacher (16-d)",
            "A linear model reaches its floor within ~100 steps and stays flat for 1400.",
            task=lambda: teacher_regression(69),
            model=_mlp(),
            lr=constant(1e-2),
            steps=1500,
            batch=64,
            timing=REG_CLOCK,
            log_every=2,
            eval_every=100,
            seed=69,
            names=replace(LIGHTNING, acc=None),
        ),
        Spec(
            "blobs-mlp-adam-60",
            "MLP 64 on 8-class Gaussian mixture, well separated",
            "An easy task: the loss is below 0.05 by step 350 and creeps towards 0 after.",
            task=lambda: blobs(70, noise=0.8),
            model=_mlp(64),
            lr=constant(1e-3),
            weight_decay=1e-3,
            steps=1500,
            batch=64,
            timing=MLP_CLOCK,
            log_every=2,
            eval_every=100,
            seed=70,
            names=WANDB,
        ),
        Spec(
            "shapes-cnn-momentum-61",
            CNN_DESC,
            "Fine-tuning a trained checkpoint at a small lr: starts low, improves only slightly.",
            task=lambda: shapes(71),
            model=_pretrained(_cnn(), 600, 71),
            lr=constant(2e-3),
            optimizer="momentum",
            steps=800,
            batch=32,
            timing=CNN_CLOCK,
            eval_every=100,
            seed=71,
            names=SCRIPT,
        ),
        # step decay -----------------------------------------------------------------
        Spec(
            "shapes-cnn-momentum-62",
            CNN_DESC,
            "Step decay: lr 0.05, x0.1 at steps 600 and 900; the loss flattens before each drop.",
            task=lambda: shapes(72),
            model=_cnn(),
            lr=step_decay(0.05, [600, 900]),
            optimizer="momentum",
            weight_decay=5e-4,
            steps=1200,
            batch=32,
            timing=CNN_CLOCK,
            log_every=2,
            eval_every=100,
            seed=72,
            names=WANDB,
        ),
        Spec(
            "blobs-mlp-momentum-63",
            MLP_DESC.format("128x128"),
            "Step decay: SGD momentum lr 0.05, x0.1 at step 800 and 1300.",
            task=lambda: blobs(73, n_train=16384),
            model=_mlp(128, 128),
            lr=step_decay(0.05, [800, 1300]),
            optimizer="momentum",
            steps=1600,
            batch=64,
            timing=MLP_CLOCK,
            log_every=2,
            eval_every=100,
            seed=73,
            names=LIGHTNING,
        ),
        Spec(
            "charlm-gru-momentum-64",
            GRU_DESC,
            "Step decay, SGD momentum lr 0.3 (clipped), x0.1 at step 500.",
            task=lambda: char_lm(74),
            model=_gru(),
            lr=step_decay(0.3, [500]),
            optimizer="momentum",
            clip=1.0,
            steps=800,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            seed=74,
            names=WANDB,
        ),
        Spec(
            "charlm-transformer-65",
            TFM_DESC,
            "Warm-up, stable, then decay (WSD): a slow middle, then a quick drop in the "
            "decay phase.",
            task=lambda: char_lm(75),
            model=_transformer(),
            lr=warmup_stable_decay(2e-3, 50, 700, 1000),
            optimizer="adamw",
            steps=1000,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            seed=75,
            names=LIGHTNING,
        ),
        # pauses and timing ----------------------------------------------------------
        Spec(
            "charlm-transformer-66",
            TFM_DESC,
            "Long checkpoint pauses (~2 min every 200 steps) and 30 s evaluations.",
            task=lambda: char_lm(76),
            model=_transformer(),
            lr=warmup_cosine(2e-3, 50, 1000),
            optimizer="adamw",
            steps=1000,
            batch=16,
            timing=replace(LM_CLOCK, eval_s=30.0, ckpt_every=200, ckpt_s=120.0),
            log_every=2,
            eval_every=100,
            seed=76,
            names=WANDB,
        ),
        Spec(
            "blobs-mlp-adam-67",
            MLP_DESC.format("128x128"),
            "Evaluations every 50 steps that take 20 s, 500 times a training step.",
            task=lambda: blobs(77, n_train=16384),
            model=_mlp(128, 128),
            lr=warmup_cosine(1e-3, 50, 1000),
            steps=1000,
            batch=64,
            timing=replace(MLP_CLOCK, eval_s=20.0),
            eval_every=50,
            seed=77,
            names=SCRIPT,
        ),
        Spec(
            "shapes-cnn-momentum-68",
            CNN_DESC,
            "Batch size ramp 16, 32, 64 at steps 300 and 600: each step takes longer but "
            "samples per second stay level.",
            task=lambda: shapes(78),
            model=_cnn(),
            lr=warmup_cosine(0.05, 50, 1000, 1e-3),
            optimizer="momentum",
            batch=lambda s: 16 if s < 300 else 32 if s < 600 else 64,
            work=lambda s: 0.55 if s < 300 else 1.0 if s < 600 else 1.9,
            steps=1000,
            timing=CNN_CLOCK,
            log_every=2,
            eval_every=100,
            seed=78,
            names=WANDB,
        ),
        Spec(
            "shapes-cnn-momentum-69",
            CNN_DESC,
            "Frequent slow steps (a flaky data loader, 3% of steps 2-6x slower) around a "
            "steady mean.",
            task=lambda: shapes(79),
            model=_cnn(),
            lr=warmup_cosine(0.05, 50, 1000, 1e-3),
            optimizer="momentum",
            steps=1000,
            batch=32,
            timing=replace(CNN_CLOCK, hiccup_p=0.03, jitter=0.12),
            eval_every=100,
            seed=79,
            names=LIGHTNING,
        ),
        # other long or sparse logging -----------------------------------------------
        Spec(
            "regression-mlp-adam-70",
            REG_DESC.format("128x128"),
            "3000 steps logged every 10, evaluated every 500, noise-free targets: the loss "
            "falls to ~1e-3.",
            task=lambda: teacher_regression(80, n_train=16384, noise=0.0),
            model=_mlp(128, 128),
            lr=warmup_cosine(1e-3, 100, 3000),
            steps=3000,
            batch=64,
            timing=REG_CLOCK,
            log_every=10,
            eval_every=500,
            seed=80,
            names=no_acc,
        ),
        Spec(
            "blobs-mlp-adamw-71",
            MLP_DESC.format("128x128"),
            "Constant lr AdamW with weight decay, the loss logged as the mean of every 4 steps.",
            task=lambda: blobs(81, n_train=16384),
            model=_mlp(128, 128),
            lr=constant(5e-4),
            optimizer="adamw",
            weight_decay=0.1,
            steps=2000,
            batch=64,
            timing=MLP_CLOCK,
            log_every=4,
            mean_loss=True,
            eval_every=200,
            seed=81,
            names=WANDB,
        ),
        Spec(
            "charlm-gru-adam-72",
            GRU_DESC,
            "1500 steps, the loss logged as the mean of every 10, clipping at 0.25 (the "
            "gradient norm is often above it).",
            task=lambda: char_lm(82),
            model=_gru(),
            lr=warmup_cosine(3e-3, 50, 1500),
            clip=0.25,
            steps=1500,
            batch=16,
            timing=LM_CLOCK,
            log_every=10,
            mean_loss=True,
            eval_every=250,
            seed=82,
            names=SCRIPT,
        ),
        Spec(
            "charlm-transformer-73",
            TFM_DESC,
            "Cosine decay without warm-up at a high-ish lr: a fast early drop with a bump.",
            task=lambda: char_lm(83),
            model=_transformer(),
            lr=warmup_cosine(4e-3, 1, 800),
            optimizer="adamw",
            steps=800,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            seed=83,
            names=replace(WANDB, speed="step_time_ms"),
        ),
        # healthy twins of faulty set-ups --------------------------------------------
        Spec(
            "regression-mlp-momentum-74",
            REG_DESC.format("64x64 tanh"),
            "The oscillating set-up at a sane lr (0.05): smooth convergence.",
            task=lambda: teacher_regression(84),
            model=_mlp(64, 64, act=nn.Tanh),
            lr=constant(0.05),
            optimizer="momentum",
            clip=1.0,
            steps=900,
            batch=256,
            timing=REG_CLOCK,
            eval_every=100,
            seed=84,
            names=replace(SCRIPT, acc=None),
        ),
        Spec(
            "shapes-cnn-momentum-75",
            CNN_DESC,
            "The oscillating CNN set-up at lr 0.02.",
            task=lambda: shapes(85),
            model=_cnn(),
            lr=constant(0.02),
            optimizer="momentum",
            clip=5.0,
            steps=800,
            batch=64,
            timing=CNN_CLOCK,
            eval_every=100,
            seed=85,
            names=WANDB,
        ),
        Spec(
            "blobs-mlp-tanh-momentum-76",
            MLP_DESC.format("128x128 tanh"),
            "SGD momentum 0.9 at lr 0.01, large batches: the twin of the heavy-ball "
            "oscillation run.",
            task=lambda: blobs(86, n_train=16384),
            model=_mlp(128, 128, act=nn.Tanh),
            lr=constant(0.01),
            optimizer="momentum",
            steps=1000,
            batch=256,
            timing=MLP_CLOCK,
            eval_every=100,
            seed=86,
            names=LIGHTNING,
        ),
        Spec(
            "charlm-gru-momentum-77",
            GRU_DESC,
            "SGD momentum lr 0.3 with clipping, constant: the divergence set-up without the "
            "lr jump.",
            task=lambda: char_lm(87),
            model=_gru(),
            lr=constant(0.3),
            optimizer="momentum",
            clip=1.0,
            steps=800,
            batch=16,
            timing=LM_CLOCK,
            log_every=2,
            eval_every=100,
            seed=87,
            names=LIGHTNING,
        ),
        # slow progress, noisy validation -------------------------------------------
        Spec(
            "regression-mlp-sgd-78",
            REG_DESC.format("64x64"),
            "Plain SGD with an inverse square-root decay, 2500 steps: slow, steady progress.",
            task=lambda: teacher_regression(88, n_train=16384),
            model=_mlp(64, 64),
            lr=lambda s: 0.05 / math.sqrt(1 + s / 50),
            optimizer="sgd",
            steps=2500,
            batch=32,
            timing=REG_CLOCK,
            log_every=5,
            eval_every=250,
            seed=88,
            names=no_acc,
        ),
        Spec(
            "blobs-mlp-adamw-79",
            MLP_DESC.format("128x128") + ", 128 validation samples",
            "A small validation set: the validation loss jitters from one evaluation to the "
            "next while the trend is down.",
            task=lambda: blobs(89, n_train=16384, n_val=128),
            model=_mlp(128, 128),
            lr=warmup_cosine(1e-3, 100, 1500),
            optimizer="adamw",
            weight_decay=0.05,
            steps=1500,
            batch=64,
            timing=MLP_CLOCK,
            log_every=2,
            eval_every=50,
            seed=89,
            names=LIGHTNING,
        ),
    ]


def all_runs() -> list[Spec]:
    return faulty_runs() + healthy_runs()


def _generate(name: str, out: Path) -> tuple[dict[str, str], int, float]:
    """Train one run by name (specs hold lambdas, so workers rebuild them), write its CSV."""
    torch.set_num_threads(THREADS_PER_RUN)
    spec = next(s for s in all_runs() if s.name == name)
    started = time.perf_counter()
    result = train(spec)
    size = write_run(spec, result, out)
    row = {
        "run": spec.name,
        "label": spec.label,
        "fault": spec.fault,
        "onset_step": "" if result.onset_step is None else str(result.onset_step),
        "onset_wall_time": "" if result.onset_time is None else f"{result.onset_time:.3f}",
        "model": spec.model_desc,
        "description": spec.description,
    }
    return row, size, time.perf_counter() - started


def write_manifest(rows: list[dict[str, str]], out: Path) -> None:
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="regenerate only these runs")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder")
    parser.add_argument("--jobs", type=int, default=2, help="runs trained in parallel")
    args = parser.parse_args(argv)

    specs = all_runs()
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate run names")
    wanted = args.only or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        raise SystemExit(f"unknown runs: {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)
    previous: dict[str, dict[str, str]] = {}
    manifest = args.out / "manifest.csv"
    if args.only and manifest.exists():
        with manifest.open(newline="", encoding="utf-8") as handle:
            previous = {row["run"]: row for row in csv.DictReader(handle)}
    elif not args.only:
        for stale in args.out.glob("*.csv"):
            stale.unlink()

    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with context.Pool(max(1, args.jobs)) as pool:
        jobs = {name: pool.apply_async(_generate, (name, args.out)) for name in wanted}
        for name, job in jobs.items():
            row, size, seconds = job.get()
            previous[name] = row
            onset = f"{row['fault']}@{row['onset_step']}" if row["fault"] else "healthy"
            print(f"{name:<32}{onset:<28}{size / 1024:7.0f} KiB {seconds:6.1f} s", flush=True)
    write_manifest([previous[n] for n in names if n in previous], args.out)
    total = sum(p.stat().st_size for p in args.out.glob("*.csv"))
    elapsed = time.perf_counter() - started
    print(f"{len(wanted)} runs in {elapsed:.0f} s; corpus {total / 1e6:.2f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
