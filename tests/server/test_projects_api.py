"""Projects, stages, profile and the forecast over HTTP; the scenario of issue 5.

The scenario: two projects, one in training with a live run logged through
the SDK whose ETA is 9 days out. The forecast (its clock injected) shows the
lulls around the run's end, and they move when the run's ETA moves.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from lowtide.core.forecast import Forecast
from lowtide.projects.forecasting import build_forecast
from lowtide.sdk.run import Run
from lowtide.sdk.settings import ClientSettings
from lowtide.server.api_projects import live_run_eta
from lowtide.server.outlook import run_outlook
from lowtide.store import Store
from tests.conftest import LiveServer

#: The forecast's clock: Monday 1 March 2027, 09:00 UTC.
NOW = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC).timestamp()
DAY = 86400.0
PLANNED_STEPS = 1000

PLAN = """\
projects:
  - name: churn
    goal: predict churn
    stages:
      - name: train
        kind: training
        status: active
        runs: [{run}]
      - name: eval
        kind: development
        estimate: {{optimistic: 14, likely: 14, pessimistic: 14}}
        hours: {{low: 30, high: 30}}
      - name: ship
        kind: deployment
        start: 2027-04-26
        estimate: {{optimistic: 7, likely: 7, pessimistic: 7}}
  - name: ranker
    stages:
      - name: label
        kind: annotation
        status: active
        estimate: {{optimistic: 100, likely: 100, pessimistic: 100}}
        hours: {{low: 4, high: 4}}
"""


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def last_step(store: Store, uid: str) -> int:
    try:
        return max((k.last_step for k in store.list_keys(uid)), default=-1)
    except Exception:
        return -1


def lulls(f: Forecast) -> list[tuple[int, int]]:
    return [(lull.first_week, lull.weeks) for lull in f.lulls]


def test_a_runs_eta_moves_the_lulls(live_server: LiveServer, tmp_path: Path) -> None:
    store = live_server.store
    clock = [NOW - 100 * 864.0]
    settings = ClientSettings(
        url=live_server.url, home=tmp_path, flush_interval_s=0.05, system_interval_s=0
    )
    run = Run(
        project="churn",
        planned_steps=PLANNED_STEPS,
        settings=settings,
        clock=lambda: clock[0],
    )
    try:
        # 864 s a step, 900 steps left: 9 days.
        for step in range(101):
            clock[0] = NOW - (100 - step) * 864.0
            run.log({"loss": 1.0 / (step + 1)}, step=step)
        wait_for(lambda: last_step(store, run.id) == 100)
        answer = httpx.post(
            f"{live_server.url}/api/v1/plan", json={"yaml": PLAN.format(run=run.id)}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"projects": 2, "added": 4, "updated": 0, "removed": 0}

        eta = live_run_eta(store)
        full = run_outlook(store, run.id)
        assert full.eta_s == pytest.approx(9 * DAY, rel=1e-6)
        assert full.metric == "loss"
        assert full.projection is not None
        pace_only = run_outlook(store, run.id, projection=False)
        assert pace_only.eta_s == full.eta_s
        assert (pace_only.projection, pace_only.target) == (None, None)
        first, etas = build_forecast(store, NOW, eta, weeks=10)
        assert etas["churn/train"] == pytest.approx(NOW + 9 * DAY, rel=1e-6)
        # Week 0: only monitoring and labels. Week 1: the run ends on Wednesday and the
        # evaluation starts then. Weeks 3-7: free until the rollout of week 8.
        assert lulls(first) == [(0, 1), (3, 5), (9, 1)]
        windows = {s.key: s for s in first.stages}
        assert windows["eval"].start_p50 == dt.date(2027, 3, 10)

        # The run slows down to 1,728 s a step: 800 steps left are 16 days.
        for step in range(101, 201):
            clock[0] = NOW + (step - 100) * 1728.0
            run.log({"loss": 1.0 / (step + 1)}, step=step)
        wait_for(lambda: last_step(store, run.id) == 200)
        later, etas = build_forecast(store, NOW, eta, weeks=10)
        assert etas["churn/train"] == pytest.approx(NOW + 16 * DAY, rel=1e-6)
        assert lulls(later) == [(0, 2), (4, 4), (9, 1)]
        assert {s.key: s for s in later.stages}["eval"].start_p50 == dt.date(2027, 3, 17)

        shown = httpx.get(f"{live_server.url}/api/v1/forecast", params={"weeks": 26}).json()
        assert len(shown["weeks"]) == 26
        assert set(shown["etas"]) == {"churn/train"}
        assert {"start", "capacity", "committed_p50", "committed_p80", "free_p80"} <= set(
            shown["weeks"][0]
        )
    finally:
        run.finish()


def test_projects_stages_profile_and_errors_over_http(live_server: LiveServer) -> None:
    url = f"{live_server.url}/api/v1"
    plan = PLAN.format(run="abc123")
    assert httpx.post(f"{url}/plan", json={"yaml": plan}).status_code == 200
    again = httpx.post(f"{url}/plan", json={"yaml": plan}).json()
    assert again == {"projects": 2, "added": 0, "updated": 4, "removed": 0}
    exported = httpx.get(f"{url}/plan", params={"format": "yaml"})
    assert exported.headers["content-type"].startswith("application/yaml")
    assert "name: churn" in exported.text
    shown = httpx.get(f"{url}/projects/churn/stages").json()
    assert [s["name"] for s in shown["stages"]] == ["train", "eval", "ship"]
    assert shown["stages"][2]["start"] == "2027-04-26"

    started = httpx.post(f"{url}/projects/churn/stages/eval/start", json={"on": "2027-03-02"})
    assert started.json()["stages"][1]["status"] == "active"
    assert (
        httpx.post(f"{url}/projects/churn/stages/ship/done").json()["stages"][2]["status"] == "done"
    )
    progress = httpx.post(
        f"{url}/projects/ranker/stages/label/progress", json={"done": 5, "total": 10}
    )
    assert progress.status_code == 201
    wrong = httpx.post(f"{url}/projects/churn/stages/eval/progress", json={"done": 5, "total": 10})
    assert wrong.status_code == 422
    hours = httpx.put(
        f"{url}/projects/churn/stages/eval/hours", json={"week": "2027-03-03", "hours": 31}
    )
    assert hours.json() == {"week": "2027-03-03", "hours": 31.0}
    assert httpx.post(f"{url}/projects/churn/stages/nope/start").status_code == 404
    info = httpx.put(f"{url}/projects/churn/info", json={"owner": "ana"}).json()
    assert (info["goal"], info["owner"]) == ("predict churn", "ana")

    profile = httpx.put(f"{url}/profile", json={"weekly_hours": 30, "timezone": "Europe/Paris"})
    assert profile.json()["weekly_hours"] == 30
    assert httpx.put(f"{url}/profile", json={"timezone": "Mars/Base"}).status_code == 422
    off = httpx.post(f"{url}/profile/time-off", json={"start": "2027-08-02", "end": "2027-08-06"})
    assert off.status_code == 201
    assert httpx.get(f"{url}/profile").json()["time_off"][0]["end"] == "2027-08-06"
    backwards = httpx.post(
        f"{url}/profile/time-off", json={"start": "2027-08-02", "end": "2027-08-01"}
    )
    assert backwards.status_code == 422
    assert httpx.delete(f"{url}/profile/time-off/{off.json()['id']}").status_code == 204

    bad = httpx.post(f"{url}/plan", json={"yaml": plan.replace("kind: training", "kind: train")})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["field"] == "projects[0].stages[0].kind"
    assert "body.yaml:6:" in error["message"]
    cycle = plan.replace("      - name: train\n", "      - name: train\n        after: [ship]\n")
    assert httpx.post(f"{url}/plan", json={"yaml": cycle}).status_code == 422
    after = httpx.get(f"{url}/projects/churn/stages").json()
    assert [s["status"] for s in after["stages"]] == ["active", "active", "done"]  # unchanged
