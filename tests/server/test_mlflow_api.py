"""The real `mlflow` client, unchanged, against a lowtide server: what it logs reads back."""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.server.test_health_api import incidents, wait_for

#: A fixed clock for logged points, so that every timestamp can be checked.
T0_MS = 1_795_840_316_276


@pytest.fixture
def mlflow(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The mlflow module, with no telemetry, no active run and no active experiment."""
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    # set_experiment() leaves the experiment in the environment for the next test.
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    module = pytest.importorskip("mlflow")
    import mlflow.tracking.fluent as fluent

    monkeypatch.setattr(fluent, "_active_experiment_id", None)
    try:
        yield module
    finally:
        while module.active_run() is not None:
            module.end_run()


def use(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    return server.url


def history(client: Any, run_id: str, key: str) -> list[tuple[int, Any, int]]:
    return [
        (m.step, "NaN" if math.isnan(m.value) else m.value, m.timestamp)
        for m in client.get_metric_history(run_id, key)
    ]


def test_training_script_reads_back_exactly(
    live_server: LiveServer, mlflow: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = use(live_server, monkeypatch)
    losses = [1.0, 0.5, math.nan, 0.25, math.inf, -math.inf, 0.125]
    mlflow.set_experiment("mlflow-compat")
    with mlflow.start_run(run_name="tiny-train") as active:
        run_id = active.info.run_id
        mlflow.log_params({"lr": 0.01, "batch_size": 32})
        mlflow.log_param("optimizer", "adam")
        mlflow.set_tags({"stage": "train", "team": "vision"})
        for step, loss in enumerate(losses):
            mlflow.log_metric("loss", loss, step=step, timestamp=T0_MS + step)
        mlflow.log_metrics({"acc": 0.91, "val_loss": 0.3}, step=7, timestamp=T0_MS + 70)
        for step, norm in enumerate([2.0, math.inf, math.nan, -math.inf, 1.5]):
            mlflow.log_metrics({"grad_norm": norm}, step=step, timestamp=T0_MS + 100 + step)
        notes = tmp_path / "notes.txt"
        notes.write_text("hello from the run\n")
        mlflow.log_artifact(str(notes))
        mlflow.log_dict({"layers": [64, 32], "dropout": 0.1}, "config/model.json")

    assert len(run_id) == 32
    assert int(run_id, 16) >= 0

    # lowtide's own API sees a run of the project, its config and every point.
    run = httpx.get(f"{url}/api/v1/runs/{run_id}").json()
    assert run["project"] == "mlflow-compat"
    assert run["name"] == "tiny-train"
    assert run["status"] == "finished"
    assert run["config"] == {"lr": "0.01", "batch_size": "32", "optimizer": "adam"}
    series = httpx.get(f"{url}/api/v1/runs/{run_id}/series", params={"key": "loss"}).json()
    assert series["steps"] == list(range(len(losses)))
    assert series["values"] == [1.0, 0.5, "NaN", 0.25, "Infinity", "-Infinity", 0.125]
    assert series["wall_times"] == [(T0_MS + s) / 1000 for s in range(len(losses))]

    # The MLflow client reads the same back.
    client = mlflow.MlflowClient()
    got = client.get_run(run_id)
    assert got.info.status == "FINISHED"
    assert got.info.run_name == "tiny-train"
    assert got.info.lifecycle_stage == "active"
    assert got.info.artifact_uri == f"mlflow-artifacts:/{got.info.experiment_id}/{run_id}/artifacts"
    assert got.info.end_time >= got.info.start_time
    assert got.data.params == {"lr": "0.01", "batch_size": "32", "optimizer": "adam"}
    assert {k: v for k, v in got.data.tags.items() if not k.startswith("mlflow.")} == {
        "stage": "train",
        "team": "vision",
    }
    assert got.data.tags["mlflow.runName"] == "tiny-train"
    assert got.data.metrics == {"loss": 0.125, "acc": 0.91, "val_loss": 0.3, "grad_norm": 1.5}
    assert history(client, run_id, "loss") == [
        (s, "NaN" if math.isnan(v) else v, T0_MS + s) for s, v in enumerate(losses)
    ]
    assert history(client, run_id, "acc") == [(7, 0.91, T0_MS + 70)]
    assert history(client, run_id, "grad_norm") == [
        (0, 2.0, T0_MS + 100),
        (1, math.inf, T0_MS + 101),
        (2, "NaN", T0_MS + 102),
        (3, -math.inf, T0_MS + 103),
        (4, 1.5, T0_MS + 104),
    ]
    norms = httpx.get(f"{url}/api/v1/runs/{run_id}/series", params={"key": "grad_norm"}).json()
    assert norms["values"] == [2.0, "Infinity", "NaN", "-Infinity", 1.5]
    assert history(client, run_id, "no-such-key") == []
    exp = client.get_experiment_by_name("mlflow-compat")
    assert exp.artifact_location == f"mlflow-artifacts:/{exp.experiment_id}"

    # Artifacts went through the proxy into lowtide's data folder, and come back whole.
    listed = {(f.path, f.is_dir) for f in client.list_artifacts(run_id)}
    assert listed == {("notes.txt", False), ("config", True)}
    assert [f.path for f in client.list_artifacts(run_id, "config")] == ["config/model.json"]
    stored = live_server.settings.home / "artifacts" / exp.experiment_id / run_id / "artifacts"
    assert (stored / "notes.txt").read_text() == "hello from the run\n"
    local = Path(client.download_artifacts(run_id, "", str(tmp_path / "down")))
    assert (local / "notes.txt").read_text() == "hello from the run\n"
    assert json.loads((local / "config" / "model.json").read_text()) == {
        "layers": [64, 32],
        "dropout": 0.1,
    }


def test_metric_history_pages_through_many_points(
    live_server: LiveServer, mlflow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past 25,000 points the client asks page by page; every point comes back, in order."""
    use(live_server, monkeypatch)
    from mlflow.entities import Metric

    client = mlflow.MlflowClient()
    exp_id = client.create_experiment("long")
    run_id = client.create_run(exp_id).info.run_id
    n = 25_000 + 1_234
    values = [math.nan if s == 30_000 else 1.0 / (s + 1) for s in range(n)]
    for start in range(0, n, 5_000):
        client.log_batch(
            run_id,
            metrics=[
                Metric("loss", values[s], T0_MS + s, s) for s in range(start, min(n, start + 5_000))
            ],
        )
    got = client.get_metric_history(run_id, "loss")
    assert [m.step for m in got] == list(range(n))
    assert [m.timestamp for m in got] == [T0_MS + s for s in range(n)]
    assert [m.value for m in got] == values
    raw = httpx.get(
        f"{live_server.url}/api/2.0/mlflow/metrics/get-history",
        params={"run_id": run_id, "metric_key": "loss", "max_results": 25_000},
    ).json()
    assert len(raw["metrics"]) == 25_000
    assert raw["next_page_token"]


def test_search_runs_filters_orders_and_pages(
    live_server: LiveServer, mlflow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(live_server, monkeypatch)
    client = mlflow.MlflowClient()
    exp_id = client.create_experiment("sweep")
    ids = {}
    for i, (opt, acc, team, status) in enumerate(
        [("adam", 0.91, "a", "FINISHED"), ("sgd", 0.72, "b", "FAILED"), ("adam", 0.85, "a", None)]
    ):
        run = client.create_run(exp_id, start_time=T0_MS + i * 1000, run_name=f"run-{i}")
        client.log_param(run.info.run_id, "optimizer", opt)
        client.log_metric(run.info.run_id, "acc", acc, timestamp=T0_MS, step=1)
        client.set_tag(run.info.run_id, "team", team)
        if status:
            client.set_terminated(run.info.run_id, status)
        ids[i] = run.info.run_id

    def found(filter_string: str = "", **kwargs: Any) -> list[str]:
        runs = client.search_runs([exp_id], filter_string, **kwargs)
        return [r.info.run_id for r in runs]

    assert found() == [ids[2], ids[1], ids[0]]  # newest first
    assert found("params.optimizer = 'adam'") == [ids[2], ids[0]]
    assert found("tags.team = 'b'") == [ids[1]]
    assert found("metrics.acc > 0.8 AND params.optimizer = 'adam'") == [ids[2], ids[0]]
    assert found("metrics.acc >= 0.91") == [ids[0]]
    assert found("attributes.status = 'FAILED'") == [ids[1]]
    assert found("attributes.status = 'RUNNING'") == [ids[2]]
    assert found("attributes.run_name LIKE 'run-%' and tags.team != 'a'") == [ids[1]]
    assert found(f"attributes.run_id IN ('{ids[0]}', '{ids[1]}')") == [ids[1], ids[0]]
    assert found(order_by=["metrics.acc DESC"]) == [ids[0], ids[2], ids[1]]
    assert found(order_by=["attributes.start_time ASC"]) == [ids[0], ids[1], ids[2]]
    first = client.search_runs([exp_id], "", max_results=2, order_by=["metrics.acc"])
    assert [r.info.run_id for r in first] == [ids[1], ids[2]]
    rest = client.search_runs(
        [exp_id], "", max_results=2, order_by=["metrics.acc"], page_token=first.token
    )
    assert [r.info.run_id for r in rest] == [ids[0]]
    assert rest.token is None
    with pytest.raises(mlflow.exceptions.MlflowException) as bad:
        client.search_runs([exp_id], "metrics.acc > 'high'")
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"

    if importlib.util.find_spec("pandas") is not None:
        frame = mlflow.search_runs([exp_id], filter_string="params.optimizer = 'adam'")
        assert sorted(frame["run_id"]) == sorted([ids[0], ids[2]])
        assert sorted(frame["metrics.acc"]) == [0.85, 0.91]

    client.delete_run(ids[1])
    assert found() == [ids[2], ids[0]]
    deleted = client.search_runs([exp_id], "", run_view_type=mlflow.entities.ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [ids[1]]
    assert client.get_run(ids[1]).info.lifecycle_stage == "deleted"
    client.restore_run(ids[1])
    assert found() == [ids[2], ids[1], ids[0]]


def test_nan_through_mlflow_opens_the_nonfinite_incident(
    health_server: LiveServer, mlflow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(health_server, monkeypatch)
    mlflow.set_experiment("health-via-mlflow")
    with mlflow.start_run(run_name="nan-at-40") as active:
        for step in range(60):
            loss = 1.0 / (step + 1) if step < 40 else math.nan
            mlflow.log_metrics({"train/loss": loss}, step=step)
    found = wait_for(lambda: [i for i in incidents(health_server.url) if i["rule"] == "nonfinite"])
    [page] = found
    assert page["severity"] == "page"
    assert page["opened_step"] == 40
    assert page["run_id"] == active.info.run_id
    # Ending the run through runs/update told the engine: the incident closes with it.
    closed = wait_for(
        lambda: [
            i
            for i in incidents(health_server.url, run=active.info.run_id)
            if i["rule"] == "nonfinite" and not i["open"]
        ]
    )
    assert closed[0]["resolution"] == "the run has ended"


def test_default_experiment_and_resumed_runs(
    live_server: LiveServer, mlflow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use(live_server, monkeypatch)
    with mlflow.start_run() as first:
        mlflow.log_metric("x", 1.0, step=0)
    assert first.info.experiment_id == "0"
    client = mlflow.MlflowClient()
    assert client.get_experiment("0").name == "Default"
    assert httpx.get(f"{url}/api/v1/runs/{first.info.run_id}").json()["project"] == "Default"
    with mlflow.start_run(run_id=first.info.run_id):
        assert client.get_run(first.info.run_id).info.status == "RUNNING"
        mlflow.log_metric("x", 2.0, step=1)
    again = client.get_run(first.info.run_id)
    assert again.info.status == "FINISHED"
    assert [m.value for m in client.get_metric_history(first.info.run_id, "x")] == [1.0, 2.0]
    with pytest.raises(mlflow.exceptions.MlflowException), mlflow.start_run():
        raise mlflow.exceptions.MlflowException("boom")
    crashed = client.search_runs(["0"], "attributes.status = 'FAILED'")
    assert len(crashed) == 1


def test_errors_speak_mlflow(
    live_server: LiveServer, mlflow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = use(live_server, monkeypatch)
    api = f"{url}/api/2.0/mlflow"
    client = mlflow.MlflowClient()
    assert client.get_experiment_by_name("nothing-here") is None
    answer = httpx.get(f"{api}/experiments/get-by-name", params={"experiment_name": "nope"})
    assert answer.status_code == 404
    assert answer.json() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "Could not find experiment with name 'nope'",
    }
    exp_id = client.create_experiment("taken")
    with pytest.raises(mlflow.exceptions.MlflowException) as dup:
        client.create_experiment("taken")
    assert dup.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert httpx.post(f"{api}/experiments/create", json={"name": "taken"}).status_code == 409
    missing = httpx.get(f"{api}/runs/get", params={"run_id": "0" * 32})
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"

    run_id = client.create_run(exp_id).info.run_id
    client.log_param(run_id, "lr", "0.1")
    client.log_param(run_id, "lr", "0.1")  # the same value again is fine
    with pytest.raises(mlflow.exceptions.MlflowException) as changed:
        client.log_param(run_id, "lr", "0.2")
    assert changed.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "Changing param values is not allowed" in changed.value.message
    assert client.get_run(run_id).data.params == {"lr": "0.1"}

    for unknown in ("registered-models/search", "runs/no-such-thing", "experiments"):
        for method in ("GET", "POST"):
            answer = httpx.request(method, f"{api}/{unknown}", json={})
            assert answer.status_code == 404
            assert answer.json()["error_code"] == "ENDPOINT_NOT_FOUND"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {
                "metrics": [
                    {"key": "m", "value": 1.0, "timestamp": T0_MS, "step": i} for i in range(1001)
                ]
            },
            "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. "
            "Please split up metrics across multiple requests and try again.",
        ),
        (
            {"params": [{"key": f"p{i}", "value": "v"} for i in range(101)]},
            "A batch logging request can contain at most 100 params. Got 101 params. "
            "Please split up params across multiple requests and try again.",
        ),
        (
            {"tags": [{"key": f"t{i}", "value": "v"} for i in range(101)]},
            "A batch logging request can contain at most 100 tags. Got 101 tags. "
            "Please split up tags across multiple requests and try again.",
        ),
        (
            {
                "metrics": [
                    {"key": "m", "value": 1.0, "timestamp": T0_MS, "step": i} for i in range(950)
                ],
                "params": [{"key": f"p{i}", "value": "v"} for i in range(51)],
            },
            "A batch logging request can contain at most 1000 metrics, params, and tags. "
            "Got 1001 metrics, params, and tags. Please split up metrics, params, and tags "
            "across multiple requests and try again.",
        ),
        (
            {"params": [{"key": "p", "value": "v" * 999_000}, {"key": "q", "value": "v" * 2_000}]},
            "Batched logging API requests must be at most 1000000 bytes, got a request of size",
        ),
    ],
)
def test_log_batch_over_mlflow_limits(
    live_server: LiveServer, mlflow: Any, monkeypatch: pytest.MonkeyPatch, body: Any, message: str
) -> None:
    url = use(live_server, monkeypatch)
    client = mlflow.MlflowClient()
    run_id = client.create_run(client.create_experiment("limits")).info.run_id
    answer = httpx.post(f"{url}/api/2.0/mlflow/runs/log-batch", json={"run_id": run_id, **body})
    assert answer.status_code == 400
    assert answer.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert answer.json()["message"].startswith(message)
    got = client.get_run(run_id)
    assert got.data.metrics == {}
    assert got.data.params == {}


def test_artifact_paths_cannot_leave_the_artifact_folder(live_server: LiveServer) -> None:
    api = f"{live_server.url}/api/2.0/mlflow-artifacts/artifacts"
    for path in ("1/run/%2E%2E/%2E%2E/%2E%2E/escape.txt", "%2E%2E/escape.txt", "a/..%5Cescape"):
        answer = httpx.put(f"{api}/{path}", content=b"nope")
        assert answer.status_code == 400, path
        assert answer.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path"}
        assert httpx.get(f"{api}/{path}").status_code == 400
    for path in ("..", "../..", "/etc", "1/../../x"):
        answer = httpx.get(api, params={"path": path})
        assert answer.status_code == 400, path
    assert not list(live_server.settings.home.parent.glob("**/escape*"))

    assert httpx.put(f"{api}/1/r/artifacts/a.bin", content=b"\x00\x01").status_code == 200
    assert httpx.get(f"{api}/1/r/artifacts/a.bin").content == b"\x00\x01"
    assert httpx.get(api, params={"path": "1/r/artifacts"}).json() == {
        "files": [{"path": "a.bin", "is_dir": False, "file_size": 2}]
    }
    assert httpx.get(api, params={"path": "1/r/artifacts/a.bin"}).json() == {}
    missing = httpx.get(f"{api}/1/r/artifacts/none.bin")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert httpx.delete(f"{api}/1/r/artifacts/a.bin").status_code == 200
    assert httpx.get(api, params={"path": "1/r/artifacts"}).json() == {}


def test_wire_details(
    live_server: LiveServer, mlflow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both run id fields, int64 as numbers, non-finite values as strings."""
    url = use(live_server, monkeypatch)
    api = f"{url}/api/2.0/mlflow"
    exp_id = httpx.post(f"{api}/experiments/create", json={"name": "wire"}).json()["experiment_id"]
    created = httpx.post(
        f"{api}/runs/create", json={"experiment_id": exp_id, "start_time": str(T0_MS)}
    ).json()["run"]
    run_id = created["info"]["run_id"]
    assert created["info"]["run_uuid"] == run_id
    assert created["info"]["start_time"] == T0_MS
    for value, step in (("NaN", "0"), ("Infinity", 1), ("-Infinity", 2), (2.5, 3)):
        answer = httpx.post(
            f"{api}/runs/log-metric",
            json={"run_uuid": run_id, "key": "v", "value": value, "timestamp": T0_MS, "step": step},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {}
    got = httpx.get(f"{api}/metrics/get-history", params={"run_id": run_id, "metric_key": "v"})
    assert got.json() == {
        "metrics": [
            {"key": "v", "value": v, "timestamp": T0_MS, "step": s}
            for s, v in enumerate(["NaN", "Infinity", "-Infinity", 2.5])
        ]
    }
    bad = httpx.post(
        f"{api}/runs/log-metric",
        json={"run_id": run_id, "key": "v", "value": "high", "timestamp": T0_MS},
    )
    assert bad.status_code == 400
    assert bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    nameless = httpx.post(
        f"{api}/runs/log-metric", json={"run_id": run_id, "key": "../x", "value": 1, "timestamp": 1}
    )
    assert nameless.status_code == 400
    update = httpx.post(
        f"{api}/runs/update", json={"run_id": run_id, "status": "KILLED", "end_time": T0_MS + 5}
    ).json()
    assert update["run_info"]["status"] == "KILLED"
    assert update["run_info"]["end_time"] == T0_MS + 5
    assert httpx.get(f"{url}/api/v1/runs/{run_id}").json()["status"] == "crashed"
    tag = httpx.post(f"{api}/runs/set-tag", json={"run_id": run_id, "key": "k", "value": "v"})
    assert tag.status_code == 200
    assert httpx.post(f"{api}/runs/delete-tag", json={"run_id": run_id, "key": "k"}).json() == {}
    gone = httpx.post(f"{api}/runs/delete-tag", json={"run_id": run_id, "key": "k"})
    assert gone.status_code == 404


def test_search_experiments(
    live_server: LiveServer, mlflow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(live_server, monkeypatch)
    client = mlflow.MlflowClient()
    for name in ("alpha", "beta", "alpine"):
        client.create_experiment(name)
    found = client.search_experiments(filter_string="name LIKE 'al%'", order_by=["name"])
    assert [e.name for e in found] == ["alpha", "alpine"]
    newest_first = client.search_experiments()
    assert [e.name for e in newest_first] == ["alpine", "beta", "alpha"]
    page = client.search_experiments(max_results=2, order_by=["name DESC"])
    assert [e.name for e in page] == ["beta", "alpine"]
    rest = client.search_experiments(max_results=2, order_by=["name DESC"], page_token=page.token)
    assert [e.name for e in rest] == ["alpha"]
    assert list(client.search_experiments(view_type=mlflow.entities.ViewType.DELETED_ONLY)) == []


class TinyFlavor:
    """A model flavor that saves a list of weights, enough for `Model.log`."""

    __name__ = "tiny_flavor"

    @staticmethod
    def save_model(path: str, mlflow_model: Any, weights: list[float]) -> None:
        Path(path).mkdir(parents=True)
        (Path(path) / "weights.json").write_text(json.dumps(weights))
        mlflow_model.add_flavor("tiny_flavor", data="weights.json")
        mlflow_model.save(str(Path(path) / "MLmodel"))


def test_models_are_logged_and_loaded_back(
    live_server: LiveServer, mlflow: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use(live_server, monkeypatch)
    pytest.importorskip("pandas")
    from mlflow.models import Model

    mlflow.set_experiment("models")
    with mlflow.start_run() as run:
        mlflow.log_param("lr", "0.1")
        info = Model.log(
            artifact_path=None,
            name="model",
            flavor=TinyFlavor(),
            weights=[0.5, -1.0],
            tags={"stage": "candidate"},
        )
    client = mlflow.MlflowClient()
    model = client.get_logged_model(info.model_id)
    assert model.status == mlflow.entities.LoggedModelStatus.READY
    assert model.source_run_id == run.info.run_id
    assert model.params == {"lr": "0.1"}
    assert model.tags["stage"] == "candidate"
    exp_id = run.info.experiment_id
    assert model.artifact_location == f"mlflow-artifacts:/{exp_id}/models/{info.model_id}/artifacts"

    for uri in (f"models:/{info.model_id}", f"runs:/{run.info.run_id}/model"):
        local = Path(mlflow.artifacts.download_artifacts(uri, dst_path=str(tmp_path / uri[:4])))
        assert json.loads((local / "weights.json").read_text()) == [0.5, -1.0]
        assert "tiny_flavor" in (local / "MLmodel").read_text()
    listed = [f.path for f in client.list_artifacts(run.info.run_id, "model")]
    assert "model/weights.json" in listed
    found = client.search_logged_models([exp_id], filter_string="name = 'model'")
    assert [m.model_id for m in found] == [info.model_id]
    assert list(client.search_logged_models([exp_id], filter_string="name = 'other'")) == []

    client.set_logged_model_tags(info.model_id, {"reviewed": "yes"})
    client.delete_logged_model_tag(info.model_id, "stage")
    tags = client.get_logged_model(info.model_id).tags
    assert tags.get("reviewed") == "yes"
    assert "stage" not in tags
    client.delete_logged_model(info.model_id)
    with pytest.raises(mlflow.exceptions.MlflowException) as gone:
        client.get_logged_model(info.model_id)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"
