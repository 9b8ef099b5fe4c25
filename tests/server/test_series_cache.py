"""Downsampled series kept for the next reader, and read again once the key grows."""

from __future__ import annotations

from typing import Any

import httpx

from lowtide.server.series_cache import SeriesCache
from tests.conftest import LiveServer


def test_kept_answers_are_reused_and_the_oldest_forgotten() -> None:
    cache = SeriesCache(size=2)
    made: list[str] = []

    def make(name: str) -> Any:
        def build() -> dict[str, Any]:
            made.append(name)
            return {"name": name}

        return build

    assert cache.get_or_make("a", make("a")) == {"name": "a"}
    assert cache.get_or_make("a", make("a again")) == {"name": "a"}
    cache.get_or_make("b", make("b"))
    cache.get_or_make("a", make("a again"))  # used: now the most recent
    cache.get_or_make("c", make("c"))  # forgets b
    cache.get_or_make("b", make("b again"))
    assert made == ["a", "b", "c", "b again"]
    assert len(cache) == 2


def batch(start: int, n: int) -> dict[str, Any]:
    steps = list(range(start, start + n))
    return {
        "metrics": {
            "loss": {
                "steps": steps,
                "values": [1.0 / (s + 1) for s in steps],
                "wall_times": [1.7e9 + s for s in steps],
            }
        }
    }


def test_a_key_that_grew_is_read_again(live_server: LiveServer) -> None:
    with httpx.Client(base_url=f"{live_server.url}/api/v1") as client:
        run_id = client.post("/runs", json={"project": "p"}).json()["id"]
        client.post(f"/runs/{run_id}/batches", json=batch(0, 500)).raise_for_status()
        query = {"key": "loss", "points": 100}
        first = client.get(f"/runs/{run_id}/series", params=query).json()
        assert first == client.get(f"/runs/{run_id}/series", params=query).json()
        assert (first["n_total"], first["steps"][-1]) == (500, 499)
        client.post(f"/runs/{run_id}/batches", json=batch(500, 500)).raise_for_status()
        grown = client.get(f"/runs/{run_id}/series", params=query).json()
        assert (grown["n_total"], grown["steps"][-1]) == (1000, 999)
        assert len(grown["steps"]) <= 100
        missing = client.get(f"/runs/{run_id}/series", params={"key": "nope", "points": 100})
        assert missing.status_code == 404
