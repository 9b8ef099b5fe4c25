"""Each health rule on small constructed series, with the hard negatives that must stay silent."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import pytest

from lowtide.core.health import Action, HealthEngine, IncidentEvent, RunState
from lowtide.core.health.kinds import SeriesKind, infer_kind, parse_kinds
from lowtide.core.health.monitors import wave_ratio
from lowtide.core.health.rules import OSCILLATION_WAVES

Point = tuple[str, float]


class Feed:
    """A run fed row by row, one second apart, collecting what the engine opens."""

    def __init__(self, gap: float = 1.0) -> None:
        self.now = 0.0
        self.engine = HealthEngine(clock=lambda: self.now)
        self.health = self.engine.run("r")
        self.gap = gap
        self.events: list[IncidentEvent] = []

    def rows(self, rows: Iterable[tuple[int, dict[str, float]]]) -> Feed:
        for step, values in rows:
            self.now = step * self.gap
            for key, value in values.items():
                self.events += self.engine.observe("r", key, step, self.now, value)
        return self

    def tick(self, at: float) -> Feed:
        self.now = at
        self.events += self.engine.tick(at)
        return self

    def opened(self) -> dict[str, IncidentEvent]:
        return {e.incident.rule.value: e for e in self.events if e.action is Action.OPENED}

    def alarms(self) -> set[str]:
        return {r for r, e in self.opened().items() if e.incident.severity.value != "info"}


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def decaying(n: int, noise: float = 0.02, seed: int = 0, start: float = 2.3) -> np.ndarray:
    steps = np.arange(n)
    clean = 0.2 + (start - 0.2) * np.exp(-steps / (n / 6))
    return clean * (1 + rng(seed).normal(0, noise, n))


def series_rows(key: str, values: np.ndarray, **others: Callable[[int], float]) -> list:
    return [
        (i, {key: float(v), **{k: f(i) for k, f in others.items()}}) for i, v in enumerate(values)
    ]


# -- kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("loss", SeriesKind.TRAIN_LOSS),
        ("train/loss", SeriesKind.TRAIN_LOSS),
        ("train_loss", SeriesKind.TRAIN_LOSS),
        ("val_loss", SeriesKind.VAL_LOSS),
        ("eval/loss", SeriesKind.VAL_LOSS),
        ("val/acc", SeriesKind.HIGHER_BETTER),
        ("accuracy", SeriesKind.HIGHER_BETTER),
        ("eval_accuracy", SeriesKind.HIGHER_BETTER),
        ("val/wer", SeriesKind.LOWER_BETTER),
        ("lr", SeriesKind.LEARNING_RATE),
        ("learning_rate", SeriesKind.LEARNING_RATE),
        ("grad_norm", SeriesKind.GRAD_NORM),
        ("samples_per_sec", SeriesKind.THROUGHPUT),
        ("step_avg_ms", SeriesKind.STEP_TIME),
        ("epoch", SeriesKind.OTHER),
    ],
)
def test_kinds_from_names(name: str, kind: SeriesKind) -> None:
    assert infer_kind(name) is kind


def test_kind_override_per_run() -> None:
    engine = HealthEngine(clock=lambda: 0.0)
    engine.run("r", overrides={"score": SeriesKind.TRAIN_LOSS})
    engine.observe("r", "score", 0, 0.0, 1.0)
    assert engine.runs["r"].monitors["score"].kind is SeriesKind.TRAIN_LOSS


# -- nonfinite ----------------------------------------------------------------------------


def test_nonfinite_pages_at_once() -> None:
    values = decaying(100)
    values[60:] = math.nan
    feed = Feed().rows(series_rows("train/loss", values))
    event = feed.opened()["nonfinite"]
    assert event.incident.severity.value == "page"
    assert event.incident.step == 60
    assert "nan" in event.message


def test_infinite_gradient_norm_is_not_nonfinite() -> None:
    rows = series_rows("loss", decaying(100), grad_norm=lambda i: math.inf if i == 50 else 1.0)
    assert "nonfinite" not in Feed().rows(rows).opened()


# -- divergence ----------------------------------------------------------------------------


def test_divergence_pages_after_it_persists() -> None:
    values = decaying(400)
    values[200:] = values[199] * np.exp(np.arange(200) / 20)
    feed = Feed().rows(series_rows("loss", values))
    incident = feed.opened()["divergence"].incident
    assert incident.severity.value == "page"
    assert 200 <= (incident.opened_step or 0) <= 240


def test_divergence_from_the_start() -> None:
    values = 2.3 * np.exp(np.arange(100) / 15) * (1 + rng().normal(0, 0.02, 100))
    assert "divergence" in Feed().rows(series_rows("loss", values)).opened()


def test_spike_that_recovers_stays_silent() -> None:
    values = decaying(600)
    values[300:303] *= 12
    assert Feed().rows(series_rows("loss", values)).alarms() == set()


def test_spike_that_stays_warns() -> None:
    values = decaying(600, noise=0.005)
    values[300:] = values[300:] + 0.6
    opened = Feed().rows(series_rows("loss", values)).opened()
    assert "loss_spike" in opened
    assert opened["loss_spike"].incident.onset_step == 300


def test_noisy_small_batches_stay_silent() -> None:
    values = decaying(1500, noise=0.35, seed=3)
    assert Feed().rows(series_rows("loss", values)).alarms() == set()


def test_cyclic_learning_rate_stays_silent() -> None:
    n = 1200
    steps = np.arange(n)
    lr = 0.01 + 0.09 * np.abs(((steps / 100) % 2) - 1)
    loss = decaying(n) * (1 + 0.15 * lr / 0.1)
    rows = [(i, {"loss": float(loss[i]), "lr": float(lr[i])}) for i in range(n)]
    assert Feed().rows(rows).alarms() == set()


def test_warmup_then_decay_stays_silent() -> None:
    n = 1000
    lr = [min(1.0, i / 100) * 0.5 * (1 + math.cos(math.pi * i / n)) * 3e-4 for i in range(n)]
    loss = decaying(n)
    loss[:100] = loss[0]  # flat during warm-up
    rows = [(i, {"train/loss": float(loss[i]), "lr": lr[i]}) for i in range(n)]
    feed = Feed().rows(rows)
    assert feed.alarms() == set()
    assert not feed.health.lr_cycling  # a warm-up from 0 is not a restart


def test_long_plateau_that_breaks_stays_silent() -> None:
    n = 600
    plateau = np.full(120, 0.693) * (1 + rng().normal(0, 0.003, 120))
    rest = 0.693 * np.exp(-np.arange(n - 120) / 60) + 0.01
    values = np.concatenate([plateau, rest])
    assert Feed().rows(series_rows("loss", values)).alarms() == set()


def test_loss_that_converges_flat_stays_silent() -> None:
    values = np.concatenate([decaying(100), np.full(900, 0.2)]) * (1 + rng().normal(0, 0.001, 1000))
    assert Feed().rows(series_rows("loss", values)).alarms() == set()


# -- no learning ---------------------------------------------------------------------------


def test_flat_loss_is_no_learning() -> None:
    values = 2.302 * (1 + rng().normal(0, 0.01, 400))
    opened = Feed().rows(series_rows("loss", values)).opened()
    assert opened["no_learning"].incident.severity.value == "warn"


def test_zero_learning_rate_pages_no_learning() -> None:
    rows = series_rows("loss", 2.3 * (1 + rng().normal(0, 0.01, 60)), lr=lambda i: 0.0)
    incident = Feed().rows(rows).opened()["no_learning"].incident
    assert incident.severity.value == "page"
    assert "learning rate is 0" in incident.message


def test_frozen_weights_page_no_learning() -> None:
    rows = series_rows("loss", 2.3 * np.ones(60), grad_norm=lambda i: 0.0)
    incident = Feed().rows(rows).opened()["no_learning"].incident
    assert "gradient norm is 0" in incident.message


# -- overfitting ----------------------------------------------------------------------------


def overfit_rows(turns_up: bool) -> list:
    rows = []
    train = decaying(1000, noise=0.01)
    for i in range(1000):
        values = {"train/loss": float(train[i])}
        if i % 50 == 49:
            e = i / 1000
            values["val_loss"] = 1.0 - 0.6 * e + (1.5 * max(0.0, e - 0.4) ** 2 if turns_up else 0)
        rows.append((i, values))
    return rows


def test_overfitting_is_a_trend_with_onset_at_the_best_evaluation() -> None:
    incident = Feed().rows(overfit_rows(turns_up=True)).opened()["overfitting"].incident
    assert incident.severity.value == "warn"
    assert 400 <= (incident.onset_step or 0) <= 700


def test_validation_that_keeps_improving_is_silent() -> None:
    assert Feed().rows(overfit_rows(turns_up=False)).alarms() == set()


def test_error_rate_named_accuracy_falling_is_not_overfitting() -> None:
    rows = [(i, {"loss": float(v)}) for i, v in enumerate(decaying(500))]
    for i in range(10):
        rows[i * 50 + 49][1]["eval_accuracy"] = 1.0 - 0.09 * i  # a word error rate
    assert Feed().rows(rows).alarms() == set()


# -- oscillation -----------------------------------------------------------------------------


def test_oscillation_without_convergence() -> None:
    n = 600
    steps = np.arange(n)
    values = 2.0 + 1.2 * np.sin(steps / 3.0) + rng().normal(0, 0.05, n)
    values[:20] = 2.3
    assert "oscillation" in Feed().rows(series_rows("loss", values)).opened()


def scattered(level: np.ndarray, spread: float, seed: int) -> np.ndarray:
    """A loss at `level` with the multiplicative scatter of small batches."""
    return level * np.exp(rng(seed).normal(0, spread, len(level)))


def test_heavy_ball_waves_that_lose_ground_are_oscillation() -> None:
    # Falls to 0.9, then swings in slow waves and drifts back up instead of converging.
    steps = np.arange(900)
    start = 2.1 * np.exp(-steps / 60) + 0.9 * (1 - np.exp(-steps / 60))
    level = np.where(steps < 150, start, 0.9 + 0.25 * np.minimum(1, (steps - 150) / 300))
    values = scattered(level * (1 + 0.2 * np.sin(2 * np.pi * steps / 70)), 0.2, seed=1)
    incident = Feed().rows(series_rows("loss", values)).opened()["oscillation"].incident
    assert incident.severity.value == "warn"
    assert incident.evidence["level"] > incident.evidence["best"]


def test_loss_bouncing_above_its_start_with_spikes_is_oscillation() -> None:
    steps = np.arange(900)
    values = scattered(np.where(steps < 40, 0.5, 1.6), 0.45, seed=2)
    values[rng(3).integers(40, 900, 15)] *= 4
    assert "oscillation" in Feed().rows(series_rows("loss", values)).opened()


def test_oscillation_is_told_even_after_the_loss_diverged() -> None:
    # Fine while the learning rate warms up; past step 250 it is too high: the loss climbs
    # (divergence) and then bounces around a level that no longer rises (oscillation).
    steps = np.arange(900)
    level = np.where(
        steps < 250,
        0.9 * np.exp(-steps / 50) + 0.05,
        0.05 + 2.5 * np.minimum(1, (steps - 250) / 100),
    )
    values = level * np.exp(rng(4).normal(0, np.where(steps < 250, 0.05, 0.4)))
    opened = Feed().rows(series_rows("loss", values, lr=lambda i: 1.2 * min(1, (i + 1) / 300)))
    opened_rules = opened.opened()
    assert "divergence" in opened_rules
    assert (
        opened_rules["oscillation"].incident.opened_step
        > opened_rules["divergence"].incident.opened_step
    )


def test_wave_ratio_tells_slow_waves_from_scatter_trends_and_spikes() -> None:
    steps = np.arange(240)
    scatter = rng(10).normal(0, 1, 240)
    spiked = scatter.copy()
    spiked[100:104] += 20
    for quiet in (scatter, scatter - 0.05 * steps, spiked):
        assert wave_ratio(list(quiet), 20) < 0.75 * OSCILLATION_WAVES
    waves = scatter + np.sin(2 * np.pi * steps / 40)
    assert wave_ratio(list(waves), 20) > 1.5 * OSCILLATION_WAVES


def test_noisy_plateau_of_small_batches_is_not_oscillation() -> None:
    level = np.maximum(decaying(900, noise=0.0), 0.4)
    values = scattered(level, 0.5, seed=5)
    assert Feed().rows(series_rows("loss", values)).alarms() == set()


def test_spike_on_a_noisy_plateau_that_recovers_is_not_oscillation() -> None:
    values = scattered(np.maximum(decaying(900, noise=0.0), 0.5), 0.3, seed=7)
    values[500:503] *= 15
    assert Feed().rows(series_rows("loss", values)).alarms() == set()


def test_swings_that_follow_a_cyclic_learning_rate_are_not_oscillation() -> None:
    def lr(i: int) -> float:  # cosine with warm restarts every 300 steps
        return 0.02 + 0.08 * 0.5 * (1 + math.cos(math.pi * (i % 300) / 300))

    base = np.maximum(decaying(1200, noise=0.0), 0.5)
    gentle = scattered(base * (1 + np.array([lr(i) / 0.1 for i in range(1200)])), 0.3, seed=8)
    assert Feed().rows(series_rows("loss", gentle, lr=lr)).alarms() == set()
    # The loss jumps at every restart: without the learning rate to explain it, that is
    # oscillation; with it, the restarts are the schedule's doing.
    steep = scattered(base * (1 + 3 * np.array([lr(i) / 0.1 for i in range(1200)])), 0.3, seed=9)
    assert "oscillation" in Feed().rows(series_rows("loss", steep)).opened()
    feed = Feed().rows(series_rows("loss", steep, lr=lr))
    assert feed.health.lr_cycling
    assert "oscillation" not in feed.opened()


# -- gradients, throughput, learning rate -----------------------------------------------------


def test_exploding_gradient_warns() -> None:
    rows = series_rows(
        "loss", decaying(500), grad_norm=lambda i: 1.0 + 0.1 * math.sin(i) + (80 if i > 300 else 0)
    )
    incident = Feed().rows(rows).opened()["exploding_gradient"].incident
    assert incident.severity.value == "warn"
    assert 300 <= (incident.opened_step or 0) <= 320


def test_throughput_drop_and_step_time_rise() -> None:
    drop = series_rows(
        "loss", decaying(300), samples_per_sec=lambda i: 1000.0 if i < 200 else 300.0
    )
    assert "throughput_drop" in Feed().rows(drop).opened()
    slower = series_rows("loss", decaying(300), step_avg_ms=lambda i: 100.0 if i < 200 else 350.0)
    assert "throughput_drop" in Feed().rows(slower).opened()
    steady = series_rows(
        "loss", decaying(300), samples_per_sec=lambda i: 1000.0 * (1 + 0.1 * math.sin(i))
    )
    assert "throughput_drop" not in Feed().rows(steady).opened()


def timed_rows(seconds_per_step: Callable[[int], float], n: int = 700) -> Feed:
    """A run that logs only its loss (no throughput), its steps taking the given time."""
    feed, t = Feed(), 0.0
    for step, value in enumerate(decaying(n)):
        t += seconds_per_step(step)
        feed.now = t
        feed.events += feed.engine.observe("r", "loss", step, t, float(value))
        feed.events += feed.engine.observe("r", "lr", step, t, 1e-3)
    return feed


def test_steps_that_take_longer_without_a_logged_speed_are_a_throughput_drop() -> None:
    feed = timed_rows(lambda step: 1.0 if step < 300 or step >= 500 else 3.0)
    incident = feed.opened()["throughput_drop"].incident
    assert 300 <= (incident.opened_step or 0) <= 320
    assert incident.evidence["seconds_per_step"] == pytest.approx(3.0)
    assert incident.evidence["usual_seconds_per_step"] == pytest.approx(1.0)
    assert any(
        e.action is Action.RESOLVED and e.incident.rule.value == "throughput_drop"
        for e in feed.events
    )


def test_recurring_evaluation_and_checkpoint_pauses_are_not_a_throughput_drop() -> None:
    def seconds(step: int) -> float:
        return 1.0 + (30.0 if step % 50 == 49 else 0.0) + (120.0 if step % 200 == 199 else 0.0)

    assert "throughput_drop" not in timed_rows(seconds).opened()


def test_a_logged_speed_is_judged_instead_of_the_wall_time() -> None:
    # A batch-size ramp: steps take twice as long, the samples per second stay level.
    feed, t = Feed(), 0.0
    for step, value in enumerate(decaying(600)):
        t += 1.0 if step < 300 else 2.0
        feed.now = t
        for key, v in (("loss", float(value)), ("samples_per_sec", 64.0)):
            feed.events += feed.engine.observe("r", key, step, t, v)
    assert "throughput_drop" not in feed.opened()


def test_learning_rate_jump_and_negative() -> None:
    rows = series_rows(
        "loss", decaying(300), lr=lambda i: 1e-3 * (0.99**i) * (100 if i > 200 else 1)
    )
    assert "lr_anomaly" in Feed().rows(rows).opened()
    negative = series_rows("loss", decaying(50), lr=lambda i: -1e-3)
    assert "lr_anomaly" in Feed().rows(negative).opened()


# -- stall, crash, completion -------------------------------------------------------------------


def test_stall_warns_within_three_intervals_then_pages_then_resolves() -> None:
    feed = Feed(gap=2.0).rows(series_rows("loss", decaying(137)))
    last = 136 * 2.0
    feed.tick(last + 5.0)
    assert "stall" not in feed.opened()
    feed.tick(last + 6.5)
    stall = feed.opened()["stall"].incident
    assert stall.severity.value == "warn"
    assert feed.health.state is RunState.STALLED
    # The process still beats: it hangs, so the stall wakes someone.
    for t in range(int(last) + 10, int(last) + 400, 30):
        feed.engine.heartbeat("r", float(t))
        feed.tick(float(t))
    assert stall.severity.value == "page"
    feed.rows([(137, {"loss": 0.2})])
    assert any(e.action is Action.RESOLVED for e in feed.events)
    assert feed.health.state is RunState.RUNNING


def test_recurring_evaluation_pauses_are_learned() -> None:
    feed = Feed()
    t = 0.0
    for step in range(600):
        t += 1.0 + (20.0 if step % 100 == 99 else 0.0)
        feed.now = t
        feed.events += feed.engine.observe("r", "loss", step, t, 1.0 / (step + 1))
        feed.events += feed.engine.tick(t - 0.001)
    alarms = [e for e in feed.events if e.incident.rule.value == "stall"]
    # The first two pauses are news; once they recur they are expected.
    assert len([e for e in alarms if e.action is Action.OPENED]) <= 2


def test_run_that_ends_with_an_evaluation_looks_done() -> None:
    rows = overfit_rows(turns_up=False)[:950]
    feed = Feed().rows(rows)
    feed.tick(2000)
    assert "done" in feed.opened()
    assert "stall" not in feed.opened()


def test_heartbeats_tell_a_crash() -> None:
    feed = Feed().rows(series_rows("loss", decaying(50)))
    feed.engine.heartbeat("r", 49.0)
    feed.tick(100.0)
    feed.tick(145.0)
    assert feed.opened()["crashed"].incident.severity.value == "page"
    assert feed.health.state is RunState.CRASHED


def test_finish_reports_done_or_failure() -> None:
    feed = Feed().rows(series_rows("loss", decaying(50)))
    events = feed.engine.finish("r", "finished")
    assert [(e.incident.rule.value, e.incident.severity.value) for e in events] == [
        ("done", "info")
    ]
    other = Feed().rows(series_rows("loss", decaying(50)))
    failed = other.engine.finish("r", "failed", "CUDA out of memory")
    assert failed[0].incident.rule.value == "crashed"
    assert "CUDA out of memory" in failed[0].message


def test_one_open_incident_per_rule_is_updated_not_repeated() -> None:
    values = decaying(400)
    values[100:] = values[99] * np.exp(np.arange(300) / 10)
    feed = Feed().rows(series_rows("loss", values))
    opened = [e for e in feed.events if e.action is Action.OPENED]
    assert [e.incident.rule.value for e in opened].count("divergence") == 1
    assert feed.opened()["divergence"].incident.count > 1


def test_guessed_end_waits_like_a_page_would_and_reopens_on_new_points() -> None:
    # Stops at step 999, a round budget, with nothing planned: it may be a long pause.
    feed = Feed().rows(series_rows("loss", decaying(1000)))
    limit = feed.health.cadence.silence_limit()
    feed.tick(999 + limit + 1)
    assert "done" not in feed.opened()
    assert "stall" not in feed.opened()
    feed.tick(999 + feed.health.cadence.page_limit() + 1)
    done = feed.opened()["done"]
    assert "round budget" in done.message
    assert feed.health.state is RunState.FINISHED
    feed.events.clear()
    feed.rows([(1000 + i, {"loss": 0.1}) for i in range(5)])
    [resolved] = [e for e in feed.events if e.action is Action.RESOLVED]
    assert resolved.incident.rule.value == "done"
    assert resolved.incident.evidence["reopened"] is True
    assert feed.health.state is RunState.RUNNING


def test_reaching_the_planned_steps_is_done_as_soon_as_it_is_quiet() -> None:
    feed = Feed()
    feed.health.configure({}, 300, None)
    feed.rows(series_rows("loss", decaying(300)))
    feed.tick(299 + feed.health.cadence.silence_limit() + 1)
    assert "planned 300 steps" in feed.opened()["done"].message


def test_a_declared_end_is_not_reopened() -> None:
    feed = Feed().rows(series_rows("loss", decaying(100)))
    feed.engine.finish("r", "finished")
    feed.events.clear()
    feed.rows([(100, {"loss": 0.5})])
    assert not [e for e in feed.events if e.incident.rule.value == "done"]
    assert feed.health.state is RunState.FINISHED


def test_stall_without_heartbeats_stays_a_warning() -> None:
    # A log file that stops growing: the run may have ended or hung, nobody can tell.
    feed = Feed(gap=2.0).rows(series_rows("loss", decaying(137)))
    feed.tick(136 * 2.0 + 3600)
    stall = feed.opened()["stall"].incident
    assert stall.severity.value == "warn"
    assert "crashed" not in feed.opened()


def test_idle_gpu_while_the_process_lives_warns_then_clears() -> None:
    feed = Feed(gap=15.0)
    feed.rows([(s, {"loss": 1.0 / (s + 1), "system/gpu0/utilization": 90.0}) for s in range(20)])
    for i in range(50):
        feed.now = 19 * 15.0 + 15.0 * (i + 1)
        feed.events += feed.engine.observe("r", "system/gpu0/utilization", 19, feed.now, 1.0)
    gpu = feed.opened()["gpu_idle"].incident
    assert gpu.severity.value == "warn"
    assert "GPU 0" in gpu.message
    feed.events += feed.engine.observe("r", "system/gpu0/utilization", 19, feed.now + 15, 80.0)
    assert any(
        e.action is Action.RESOLVED and e.incident.rule.value == "gpu_idle" for e in feed.events
    )


def test_system_metrics_do_not_hide_a_hung_loop() -> None:
    # The loop hangs at step 99 while the SDK's sampler keeps reporting: that is a stall,
    # and since the process is alive, it pages.
    feed = Feed(gap=1.0).rows(series_rows("loss", decaying(100)))
    for t in range(100, 1000, 15):
        feed.now = float(t)
        feed.events += feed.engine.observe("r", "system/cpu_percent", 99, feed.now, 100.0)
        feed.events += feed.engine.tick(feed.now)
    stall = feed.opened()["stall"].incident
    assert stall.severity.value == "page"
    assert "crashed" not in feed.opened()


def test_a_writer_that_flushes_every_two_minutes_is_not_stalled_between_flushes() -> None:
    feed = Feed()
    health = feed.health
    for flush in range(1, 6):
        start = (flush - 1) * 120
        for t in range(start, start + 120):
            feed.now = float(t)
            step = t + 7  # not a round step at the end: that could be a finished run
            feed.events += feed.engine.observe("r", "loss", step, float(t), 1.0 / (t + 1))
        health.arrival(float(start + 120), float(start))
        for later in range(start + 121, start + 240, 5):
            feed.tick(float(later))
    assert "stall" not in feed.opened()
    feed.tick(600 + 120 + health.silence_limit() + 10)
    assert "stall" in feed.opened()


def test_arrivals_prove_life_only_for_runs_that_beat() -> None:
    watched = Feed().rows(series_rows("loss", decaying(100)))
    watched.health.arrival(100.0, 0.0)
    watched.tick(100 + 3600)
    assert "crashed" not in watched.opened()
    assert watched.opened()["stall"].incident.severity.value == "warn"
    sdk = Feed().rows(series_rows("loss", decaying(100)))
    sdk.engine.heartbeat("r", 1.0)
    sdk.health.arrival(100.0, 99.0)
    sdk.tick(100 + 200)
    assert "crashed" in sdk.opened()


@pytest.mark.parametrize("size", [1, 2, 9, 64])
def test_rolling_median_matches_the_median_of_its_window(size: int) -> None:
    from lowtide.core.health.level import RollingMedian, median

    rng = np.random.default_rng(size)
    # Rounded, so that equal values come and go too; infinities have a place in the order.
    values = np.round(rng.normal(size=500), 1).tolist() + [math.inf, -math.inf, 0.0] * 3
    rolling = RollingMedian(size)
    assert math.isnan(rolling.median)
    for i, v in enumerate(values):
        rolling.push(v)
        got, want = rolling.median, median(values[max(0, i + 1 - size) : i + 1])
        assert got == want or (math.isnan(got) and math.isnan(want))  # (inf + -inf) / 2
        assert rolling.last == v


def test_a_tight_logging_loop_has_no_pace_to_judge() -> None:
    # Microsecond steps jitter with every collection and busy core: that is not the job.
    feed = Feed()
    t = 0.0
    for step in range(400):
        t += 2e-5 * (3.0 if 200 <= step < 260 else 1.0)
        feed.now = t
        feed.events += feed.engine.observe("r", "loss", step, t, 1.0 / (step + 1))
    assert "throughput_drop" not in feed.opened()


def test_kind_overrides_parse_and_unknown_ones_are_told() -> None:
    unknown: list[tuple[str, str]] = []
    kinds = parse_kinds(
        {"score": " Higher_Better ", "val/err": "val_loss", "x": "bigger"},
        lambda name, raw: unknown.append((name, raw)),
    )
    assert kinds == {"score": SeriesKind.HIGHER_BETTER, "val/err": SeriesKind.VAL_LOSS}
    assert unknown == [("x", "bigger")]
    assert parse_kinds({"x": "bigger"}) == {}
