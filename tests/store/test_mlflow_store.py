"""What the MLflow API keeps in the store: experiments, params, key/value tags, deletion."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from lowtide.core.batch import Batch, SeriesPoints
from lowtide.core.records import RunSpec, RunStatus
from lowtide.errors import ConflictError, NotFoundError, ValidationError
from lowtide.store import Store
from lowtide.store.mlflow import RunChanges
from lowtide.store.mlflow_models import ModelChanges


def test_default_experiment_is_zero_and_made_once(store: Store) -> None:
    assert store.find_experiment("Default") is None
    default = store.get_experiment(0)
    assert (default.id, default.name) == (0, "Default")
    assert store.get_experiment(0) == default
    run = store.create_run(RunSpec(project="Default"))
    [details] = store.run_details(uids=[run.uid])
    assert details.experiment_id == 0
    assert [d.run.uid for d in store.run_details(experiment_ids=[0])] == [run.uid]


def test_experiments_are_projects(store: Store) -> None:
    made = store.create_experiment("vision")
    assert store.get_experiment(made.id) == made
    assert store.find_experiment("vision") == made
    with pytest.raises(ConflictError, match="already exists"):
        store.create_experiment("vision")
    with pytest.raises(NotFoundError):
        store.get_experiment(made.id + 100)
    run = store.create_run(RunSpec(project="vision"))
    assert [d.run.uid for d in store.run_details(experiment_ids=[made.id])] == [run.uid]
    assert [e.name for e in store.list_experiments()] == ["vision"]


def test_params_are_config_and_never_change(store: Store) -> None:
    run = store.create_run(RunSpec(project="p", config={"epochs": 3, "model": "resnet"}))
    store.change_run(run.uid, RunChanges(params={"lr": "0.01", "epochs": "3"}))
    [d] = store.run_details(uids=[run.uid])
    assert d.run.config == {"epochs": 3, "model": "resnet", "lr": "0.01"}
    assert d.params == {"epochs": "3", "model": "resnet", "lr": "0.01"}
    with pytest.raises(ValidationError, match="Changing param values is not allowed"):
        store.change_run(run.uid, RunChanges(params={"lr": "0.02", "new": "x"}))
    [d] = store.run_details(uids=[run.uid])
    assert "new" not in d.params
    assert d.params["lr"] == "0.01"


def test_tags_set_replace_and_delete(store: Store) -> None:
    run = store.create_run(RunSpec(project="p", tags=("baseline",)))
    store.change_run(run.uid, RunChanges(tags={"a": "1", "b": "2"}))
    store.change_run(run.uid, RunChanges(tags={"a": "3"}))
    [d] = store.run_details(uids=[run.uid])
    assert d.tags == {"a": "3", "b": "2"}
    assert d.run.tags == ("baseline",)
    store.change_run(run.uid, RunChanges(delete_tag="b"))
    with pytest.raises(NotFoundError):
        store.change_run(run.uid, RunChanges(delete_tag="b"))
    assert store.run_details(uids=[run.uid])[0].tags == {"a": "3"}
    with pytest.raises(NotFoundError):
        store.change_run("f" * 32, RunChanges(tags={"a": "1"}))


def test_deleted_runs_refuse_writes_until_restored(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    store.change_run(run.uid, RunChanges(deleted=True))
    assert store.run_details(uids=[run.uid])[0].deleted
    with pytest.raises(ValidationError, match="must be in the 'active' state"):
        store.change_run(run.uid, RunChanges(tags={"a": "1"}))
    store.change_run(run.uid, RunChanges(deleted=False))
    store.change_run(run.uid, RunChanges(tags={"a": "1"}))
    assert not store.run_details(uids=[run.uid])[0].deleted
    kinds = [e.kind for e in store.list_events(run.uid)]
    assert kinds == ["created", "deleted", "restored"]


def test_rename_and_reopen(store: Store) -> None:
    run = store.create_run(RunSpec(project="p", name="first"))
    store.finish_run(run.uid, RunStatus.FINISHED)
    store.change_run(run.uid, RunChanges(name="second", reopen=True))
    [d] = store.run_details(uids=[run.uid])
    assert d.run.name == "second"
    assert d.run.status is RunStatus.RUNNING
    assert d.run.ended_at is None


def test_details_carry_each_keys_last_point(store: Store) -> None:
    run = store.create_run(RunSpec(project="p"))
    now = time.time()
    store.log_batch(
        run.uid,
        Batch(
            None,
            (
                SeriesPoints(
                    "loss",
                    np.array([0, 1, 2]),
                    np.array([now, now + 1, now + 2]),
                    np.array([1.0, 0.5, math.nan]),
                ),
                SeriesPoints("acc", np.array([5]), np.array([now]), np.array([0.9])),
            ),
        ),
    )
    [d] = store.run_details(uids=[run.uid])
    latest = {k.key: (k.last_step, k.last_value) for k in d.latest}
    assert latest["acc"] == (5, 0.9)
    assert latest["loss"][0] == 2
    assert math.isnan(latest["loss"][1])


def test_logged_models(store: Store) -> None:
    exp = store.create_experiment("models")
    run = store.create_run(RunSpec(project="models"))
    model = store.create_logged_model(
        exp.id, name="net", source_run=run.uid, params={"lr": "0.1"}, tags={"a": "1"}
    )
    assert model.id.startswith("m-")
    assert (model.status, model.source_run, model.experiment_id) == ("pending", run.uid, exp.id)
    store.change_logged_model(
        model.id, ModelChanges(status="ready", params={"k": "v"}, tags={"b": "2"})
    )
    store.change_logged_model(model.id, ModelChanges(delete_tag="a"))
    got = store.get_logged_model(model.id)
    assert (got.status, got.params, got.tags) == ("ready", {"lr": "0.1", "k": "v"}, {"b": "2"})
    other = store.create_logged_model(0, name="loose")
    assert other.experiment_id == 0
    assert other.source_run is None
    assert [m.id for m in store.search_logged_models([exp.id, 0])] == [other.id, model.id]
    with pytest.raises(NotFoundError):
        store.change_logged_model(model.id, ModelChanges(delete_tag="a"))
    with pytest.raises(NotFoundError):
        store.create_logged_model(exp.id, name="x", source_run="f" * 32)
    store.change_logged_model(model.id, None)
    with pytest.raises(NotFoundError):
        store.get_logged_model(model.id)


def test_a_run_name_keeps_to_the_limit(store: Store) -> None:
    run = store.create_run(RunSpec(project="p", name="short"))
    with pytest.raises(ValidationError, match="limit is 200"):
        store.change_run(run.uid, RunChanges(name="n" * 201))
    assert store.get_run(run.uid).name == "short"
