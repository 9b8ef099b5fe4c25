"""The story of the real learning-rate sweep: best run, numbers, configurations, incidents."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lowtide.errors import NotFoundError, ValidationError
from lowtide.report import Subject, build_story
from tests.report.conftest import Trained
from tests.report.sweep import DIVERGING, GOAL, PROJECT, RATES, STEPS


def expected_best(trained: Trained, key: str) -> dict[str, tuple[float, int] | None]:
    """Each run's lowest finite value of `key` and its step, read from the store."""
    found: dict[str, tuple[float, int] | None] = {}
    for name, uid in trained.sweep.ids.items():
        series = trained.store.read_series(uid, key)
        finite = np.flatnonzero(np.isfinite(series.values))
        if not finite.size:
            found[name] = None
            continue
        at = int(finite[np.argmin(series.values[finite])])
        found[name] = (float(series.values[at]), int(series.steps[at]))
    return found


def test_the_best_run_and_its_numbers_come_from_the_store(trained: Trained) -> None:
    story = build_story(trained.store, Subject(project=PROJECT))
    assert story.metric is not None
    assert (story.metric.key, story.metric.higher_is_better) == ("val/loss", False)
    bests = expected_best(trained, "val/loss")
    healthy = {n: b for n, b in bests.items() if n != DIVERGING and b is not None}
    winner = min(healthy, key=lambda n: healthy[n][0])
    assert winner == "sgd-lr0.03"  # the middle learning rate, as one would expect
    assert story.best is not None
    assert story.best.name == winner
    assert story.best.uid == trained.sweep.ids[winner]
    for run in story.runs:
        series = trained.store.read_series(run.uid, "val/loss")
        expected = bests[run.name]
        assert (run.best, run.best_step) == (expected if expected else (None, None))
        assert run.final_step == int(series.steps[-1])
        assert run.final is not None
        assert run.final == float(series.values[-1]) or math.isnan(run.final)
        assert run.last_step == STEPS - 1
        assert run.config["lr"] == str(RATES[run.name])


def test_the_diverged_run_and_its_incident_are_in_the_story(trained: Trained) -> None:
    story = build_story(trained.store, Subject(project=PROJECT))
    by_name = {r.name: r for r in story.runs}
    assert by_name[DIVERGING].diverged
    assert not by_name["sgd-lr0.03"].diverged
    stored = trained.store.list_incidents(run=trained.sweep.diverged)
    told = [i for i in story.incidents if i.run == DIVERGING]
    assert {i.rule for i in told} <= {i.rule for i in stored}
    # On a busy machine a pause may open a stall warning too; the divergence is what matters.
    diverged = [i for i in told if i.rule in ("nonfinite", "divergence")]
    assert diverged, f"the diverged run's incident is missing from {told}"
    assert not diverged[0].resolved
    assert "never recovered" in diverged[0].outcome
    fixes = {run.name: changes for run, changes in story.fixes}
    assert [(h.key, h.values) for h in fixes[DIVERGING]] == [("lr", ("3.0", "0.03"))]


def test_configurations_split_into_shared_and_differing(trained: Trained) -> None:
    story = build_story(trained.store, Subject(project=PROJECT))
    assert [r.name for r in story.runs] == list(RATES)  # oldest first
    assert [(h.key, h.values) for h in story.differing] == [("lr", ("0.003", "0.03", "3.0"))]
    assert dict(story.shared_config) == {
        "batch_size": "32",
        "model.activation": "relu",
        "model.hidden": "32",
        "optimizer": "sgd",
        "steps": "300",
    }


def test_stages_goal_and_time(trained: Trained) -> None:
    story = build_story(trained.store, Subject(project=PROJECT))
    assert story.goal == GOAL
    assert [s.key for s in story.stages] == ["frame", "collect", "label", "train"]
    assert [s.key for s in story.problem_stages] == ["frame"]
    assert [s.key for s in story.data_stages] == ["collect", "label"]
    by_key = {s.key: s for s in story.stages}
    assert by_key["frame"].days == 4
    assert by_key["frame"].hours == 12.0
    assert by_key["label"].progress == "512 of 512 (100%)"
    assert story.stage_hours == 15.5
    runs = [trained.store.get_run(uid) for uid in trained.sweep.ids.values()]
    compute = sum((r.ended_at or r.last_seen_at) - r.started_at for r in runs) / 3600
    assert story.compute_hours == pytest.approx(compute)


def test_curves_show_the_deciding_metric_first(trained: Trained) -> None:
    story = build_story(trained.store, Subject(project=PROJECT))
    assert [key for key, _ in story.curves] == ["val/loss", "train/loss"]
    train = dict(story.curves)["train/loss"]
    assert [c.run for c in train] == list(RATES)
    assert [c.best for c in train] == [False, True, False]
    assert len(train[0].steps) == STEPS


def test_a_run_with_others_to_compare(trained: Trained) -> None:
    ids = trained.sweep.ids
    alone = build_story(trained.store, Subject(run="sgd-lr0.003"))
    assert alone.subject == "run"
    assert [r.name for r in alone.runs] == ["sgd-lr0.003"]
    assert alone.differing == ()
    assert alone.best is not None
    assert alone.best.name == "sgd-lr0.003"
    story = build_story(trained.store, Subject(run=ids["sgd-lr0.003"][:8], runs=("sgd-lr3",)))
    assert [r.name for r in story.runs] == ["sgd-lr0.003", "sgd-lr3"]
    assert story.best is not None
    assert story.best.name == "sgd-lr0.003"


def test_the_author_chooses_the_metric_and_its_direction(trained: Trained) -> None:
    story = build_story(trained.store, Subject(project=PROJECT, metric="train/loss"))
    assert story.metric is not None
    assert (story.metric.key, story.metric.higher_is_better, story.metric.chosen) == (
        "train/loss",
        False,
        True,
    )
    worst = build_story(trained.store, Subject(project=PROJECT, metric="val/loss", mode="max"))
    assert worst.best is not None
    assert worst.best.name == "sgd-lr0.003"


def test_bad_subjects_say_what_is_wrong(trained: Trained) -> None:
    with pytest.raises(NotFoundError, match="no project 'nope'"):
        build_story(trained.store, Subject(project="nope"))
    with pytest.raises(NotFoundError, match="no run with id or name 'nope'"):
        build_story(trained.store, Subject(run="nope"))
    with pytest.raises(NotFoundError, match="no run logged metric 'acc'; keys: train/loss"):
        build_story(trained.store, Subject(project=PROJECT, metric="acc"))
    with pytest.raises(ValidationError, match="one run or one project"):
        Subject(run="a", project="b")
    with pytest.raises(ValidationError, match="min or max"):
        Subject(run="a", mode="up")  # type: ignore[arg-type]
