"""The HTTP API over real HTTP on loopback: the happy path and every kind of bad input."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url + "/api/v1", timeout=30) as c:
        yield c


def new_run(client: httpx.Client, **body: Any) -> str:
    answer = client.post("/runs", json={"project": "api", **body})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def post_batch(client: httpx.Client, run_id: str, body: Any) -> httpx.Response:
    return client.post(f"/runs/{run_id}/batches", json=body)


def series(client: httpx.Client, run_id: str, key: str, **params: Any) -> dict[str, Any]:
    answer = client.get(f"/runs/{run_id}/series", params={"key": key, **params})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_run_lifecycle(client: httpx.Client) -> None:
    run_id = new_run(client, name="baseline", config={"lr": 0.01}, tags=["a"])
    got = client.get(f"/runs/{run_id}").json()
    assert got["name"] == "baseline"
    assert got["status"] == "running"
    assert got["config"] == {"lr": 0.01}
    assert client.post(f"/runs/{run_id}/heartbeat").status_code == 204
    done = client.post(f"/runs/{run_id}/finish", json={"status": "failed", "message": "OOM"})
    assert done.json()["status"] == "failed"
    listed = client.get("/runs", params={"project": "api", "status": "failed"}).json()["runs"]
    assert [r["id"] for r in listed] == [run_id]
    events = client.get(f"/runs/{run_id}/events").json()["events"]
    assert [e["kind"] for e in events] == ["created", "failed"]
    assert client.get("/projects").json()["projects"][0]["name"] == "api"


def test_create_with_client_id_twice_returns_the_same_run(client: httpx.Client) -> None:
    first = client.post("/runs", json={"id": "run42", "project": "p"}).json()
    again = client.post("/runs", json={"id": "run42", "project": "p"}).json()
    assert first == again
    clash = client.post("/runs", json={"id": "run42", "project": "q"})
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "conflict"


def test_batch_and_series_round_trip(client: httpx.Client) -> None:
    run_id = new_run(client)
    steps = list(range(100))
    body = {
        "batch_id": "b1",
        "metrics": {
            "train/loss": {"steps": steps, "values": [1 / (s + 1) for s in steps]},
            "lr": {"steps": [0, 50], "values": [0.1, 0.01], "wall_times": [5.0, 6.0]},
        },
    }
    answer = post_batch(client, run_id, body)
    assert answer.json() == {"stored": 102, "duplicate": False}
    assert post_batch(client, run_id, body).json() == {"stored": 0, "duplicate": True}
    got = series(client, run_id, "train/loss")
    assert got["steps"] == steps
    assert got["values"] == [1 / (s + 1) for s in steps]
    assert got["n_total"] == 100
    assert series(client, run_id, "lr")["wall_times"] == [5.0, 6.0]
    window = series(client, run_id, "train/loss", start=10, end=12)
    assert window["steps"] == [10, 11, 12]
    keys = client.get(f"/runs/{run_id}/keys").json()["keys"]
    assert [(k["key"], k["n_points"], k["last_value"]) for k in keys] == [
        ("lr", 2, 0.01),
        ("train/loss", 100, 0.01),
    ]


def test_downsampled_series_keeps_extremes(client: httpx.Client) -> None:
    run_id = new_run(client)
    n = 20_000
    values: list[Any] = [math.sin(i / 500) for i in range(n)]
    values[12_345] = 99.0
    values[777] = "NaN"
    post_batch(client, run_id, {"metrics": {"loss": {"steps": list(range(n)), "values": values}}})
    for method in ("minmax", "lttb"):
        got = series(client, run_id, "loss", points=200, method=method)
        assert got["downsampled"] is True
        assert got["n_total"] == n
        assert len(got["steps"]) <= 200
        assert 99.0 in got["values"]
        assert "NaN" in got["values"]


def test_nonfinite_values_as_strings_and_bare_numbers(client: httpx.Client) -> None:
    run_id = new_run(client)
    as_strings = {
        "metrics": {"a": {"steps": [1, 2, 3], "values": ["NaN", "Infinity", "-Infinity"]}}
    }
    assert post_batch(client, run_id, as_strings).status_code == 200
    # Python's json writes bare NaN and Infinity; a client that sends them is heard too.
    bare = json.dumps(
        {"metrics": {"b": {"steps": [1, 2, 3], "values": [math.nan, math.inf, -math.inf]}}}
    )
    answer = client.post(
        f"/runs/{run_id}/batches", content=bare, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    for key in ("a", "b"):
        assert series(client, run_id, key)["values"] == ["NaN", "Infinity", "-Infinity"]
    last = {k["key"]: k["last_value"] for k in client.get(f"/runs/{run_id}/keys").json()["keys"]}
    assert last == {"a": "-Infinity", "b": "-Infinity"}


def test_unicode_keys(client: httpx.Client) -> None:
    run_id = new_run(client)
    body = {
        "metrics": {
            "損失/验证": {"steps": [1], "values": [0.5]},
            "ü": {"steps": [1], "values": [1]},
        }
    }
    assert post_batch(client, run_id, body).status_code == 200
    assert series(client, run_id, "損失/验证")["values"] == [0.5]


BAD_BATCHES = [
    ({"metrics": {"a": {"steps": ["x"], "values": [1]}}}, 422, "metrics.a.steps[0]"),
    ({"metrics": {"a": {"steps": [1], "values": [[1]]}}}, 422, "metrics.a.values[0]"),
    ({"metrics": {"a": {"steps": [1, 2], "values": [1]}}}, 422, "metrics.a.values"),
    ({"metrics": {"k" * 251: {"steps": [1], "values": [1]}}}, 422, "metrics." + "k" * 251),
    ({"metrics": "loss"}, 422, "metrics"),
    ({"nope": 1}, 422, "body"),
    ([1, 2], 422, "body"),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD_BATCHES)
def test_bad_batches_are_refused_whole(
    client: httpx.Client, body: Any, status: int, field: str
) -> None:
    run_id = new_run(client)
    # A good key first: nothing of a refused batch may be kept.
    if isinstance(body, dict) and isinstance(body.get("metrics"), dict):
        body = {"metrics": {"good": {"steps": [1], "values": [1.0]}, **body["metrics"]}}
    answer = post_batch(client, run_id, body)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["field"] == field
    assert error["message"]
    assert client.get(f"/runs/{run_id}/keys").json()["keys"] == []


def test_malformed_json_is_400(client: httpx.Client) -> None:
    run_id = new_run(client)
    for raw in (b"{not json", b"", b"\xff\xfe"):
        answer = client.post(
            f"/runs/{run_id}/batches", content=raw, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "malformed_json"
    answer = client.post("/runs", content=b"{oops", headers={"content-type": "application/json"})
    assert answer.status_code == 400


def test_wrong_types_in_run_creation_are_422_with_field(client: httpx.Client) -> None:
    answer = client.post("/runs", json={"project": 5, "tags": "x"})
    assert answer.status_code == 422
    body = answer.json()
    fields = {e["field"] for e in body["errors"]}
    assert {"body.project", "body.tags"} <= fields
    assert client.post("/runs", json={"id": "bad id!"}).status_code == 422
    answer = client.post("/runs", json={"project": "p"})
    run_id = answer.json()["id"]
    bad = client.post(f"/runs/{run_id}/finish", json={"status": "exploded"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "body.status"


def test_unknown_run_is_404(client: httpx.Client) -> None:
    for answer in (
        client.get("/runs/nothere"),
        post_batch(client, "nothere", {"metrics": {"a": {"steps": [1], "values": [1]}}}),
        client.post("/runs/nothere/heartbeat"),
        client.post("/runs/nothere/finish", json={}),
        client.get("/runs/nothere/keys"),
        client.get("/runs/nothere/series", params={"key": "a"}),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "not_found"


def test_unknown_key_and_route_are_json_404(client: httpx.Client) -> None:
    run_id = new_run(client)
    assert client.get(f"/runs/{run_id}/series", params={"key": "x"}).status_code == 404
    answer = client.get("/no/such/route")
    assert answer.status_code == 404
    assert "error" in answer.json()


def test_ten_megabyte_payload_is_413(client: httpx.Client) -> None:
    run_id = new_run(client)
    n = 1_000_000
    big = {"metrics": {"a": {"steps": list(range(n)), "values": [0.123456789] * n}}}
    raw = json.dumps(big).encode()
    assert len(raw) > 10_000_000
    answer = client.post(
        f"/runs/{run_id}/batches", content=raw, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"
    # Without a Content-Length the limit holds too.
    streamed = client.post(
        f"/runs/{run_id}/batches",
        content=iter([raw[i : i + 65536] for i in range(0, len(raw), 65536)]),
        headers={"content-type": "application/json"},
    )
    assert streamed.status_code == 413
    assert client.get(f"/runs/{run_id}/keys").json()["keys"] == []


def test_series_parameters_are_validated(client: httpx.Client) -> None:
    run_id = new_run(client)
    answer = client.get(f"/runs/{run_id}/series", params={"key": "a", "points": 1})
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "query.points"
    answer = client.get(f"/runs/{run_id}/series", params={"key": "a", "method": "bogus"})
    assert answer.status_code == 422


def test_openapi_is_served(live_server: LiveServer) -> None:
    spec = httpx.get(live_server.url + "/openapi.json").json()
    assert "/api/v1/runs/{run_id}/batches" in spec["paths"]
    batch = spec["paths"]["/api/v1/runs/{run_id}/batches"]["post"]
    assert "metrics" in batch["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert httpx.get(live_server.url + "/docs").status_code == 200


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a server-sent event stream."""
    event, data = "message", ""
    for line in lines:
        if not line:
            if data:
                yield event, data
            event, data = "message", ""
        elif line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data += line[6:]


def test_a_run_is_followed_live_as_server_sent_events(client: httpx.Client) -> None:
    run_id = new_run(client, project="live")
    assert client.get("/runs/nope/live").status_code == 404
    with client.stream("GET", f"/runs/{run_id}/live", timeout=30) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = sse_events(stream.iter_lines())
        kind, data = next(events)
        first = json.loads(data)
        assert (kind, first["run"]["id"], first["keys"]) == ("run", run_id, [])
        post_batch(client, run_id, {"metrics": {"loss": {"steps": [0, 1], "values": [2.0, 1.5]}}})
        _, data = next(events)
        grown = json.loads(data)
        assert [(k["key"], k["n_points"], k["last_step"]) for k in grown["keys"]] == [
            ("loss", 2, 1)
        ]
        client.post(f"/runs/{run_id}/finish", json={"status": "finished"})
        _, data = next(events)
        assert json.loads(data)["run"]["status"] == "finished"
        assert next(events, None) is None  # the stream ends with the run
