"""Small real data for the dashboard's tests, screenshots and benchmark, logged through the SDK.

Curves are computed on the spot (a noisy decaying loss, a rising accuracy, one run
that diverges to NaN) and sent by `lowtide.sdk.Run` to a server whose health engine
judges them, so incidents are the engine's own. A fake clock spreads the steps over
the past minutes, so paces and ETAs look like those of a real job.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from lowtide.sdk import ClientSettings, Run

#: Seconds between two steps of the seeded runs, as their fake clocks tell it.
STEP_SECONDS = 2.0
#: Seconds the health engine may take to judge the seeded runs.
SETTLE_TIMEOUT_S = 30.0


@dataclass
class Seeded:
    """What was logged; `live` are runs left running (finish them with `close`)."""

    runs: dict[str, str] = field(default_factory=dict)  # name -> id
    live: list[Run] = field(default_factory=list)

    def close(self) -> None:
        for run in self.live:
            run.finish()
        self.live.clear()


class FakeClock:
    """A clock that starts `back` seconds ago and moves on only when told."""

    def __init__(self, back: float) -> None:
        self.now = time.time() - back

    def __call__(self) -> float:
        return self.now


def client_settings(url: str, home: Path) -> ClientSettings:
    return ClientSettings(url=url, home=home, flush_interval_s=0.05, system_interval_s=0)


def loss_curve(
    step: int, rng: random.Random, floor: float = 0.25, speed: float = 120.0, noise: float = 0.03
) -> float:
    return floor + 2.1 * math.exp(-step / speed) + rng.gauss(0, noise)


def log_run(
    url: str,
    home: Path,
    *,
    project: str,
    name: str,
    steps: int,
    metrics: Callable[[int, random.Random], dict[str, float]],
    config: dict[str, Any] | None = None,
    tags: tuple[str, ...] = (),
    planned_steps: int | None = None,
    finish: bool = True,
    seed: int = 0,
) -> Run:
    """A run with `steps` steps of `metrics(step, rng)`, logged as if over the past minutes."""
    rng = random.Random(seed)
    clock = FakeClock(back=steps * STEP_SECONDS)
    run = Run(
        project=project,
        name=name,
        config=config,
        tags=tags,
        planned_steps=planned_steps,
        settings=client_settings(url, home),
        clock=clock,
    )
    for step in range(steps):
        run.log(metrics(step, rng), step=step)
        clock.now += STEP_SECONDS
    if finish:
        run.finish()
    return run


def seed_dashboard(url: str, home: Path) -> Seeded:
    """Two projects: a finished baseline, a healthy run under way, one that diverged."""
    seeded = Seeded()

    def classifier(step: int, rng: random.Random) -> dict[str, float]:
        out = {"train/loss": loss_curve(step, rng), "lr": 0.1 * 0.5 ** (step // 150)}
        if step % 10 == 0:
            out["val/loss"] = loss_curve(step, rng, floor=0.32, speed=140, noise=0.004)
            out["val/acc"] = 0.93 - 0.6 * math.exp(-step / 110) + rng.gauss(0, 0.004)
        return out

    def cosine(step: int, rng: random.Random) -> dict[str, float]:
        out = {
            "train/loss": loss_curve(step, rng, floor=0.2, speed=95),
            "lr": 0.05 * (1 + math.cos(math.pi * step / 600)),
        }
        if step % 10 == 0:
            out["val/loss"] = loss_curve(step, rng, floor=0.28, speed=110, noise=0.004)
            out["val/acc"] = 0.945 - 0.6 * math.exp(-step / 90) + rng.gauss(0, 0.004)
        return out

    def diverging(step: int, rng: random.Random) -> dict[str, float]:
        if step < 90:
            loss = loss_curve(step, rng, speed=60)
        elif step < 120:
            loss = 1.0 * 1.12 ** (step - 90)
        else:
            loss = math.nan
        return {"train/loss": loss, "lr": 1.0}

    def finetune(step: int, rng: random.Random) -> dict[str, float]:
        out = {"train/loss": loss_curve(step, rng, floor=0.4, speed=80)}
        if step % 20 == 0:
            out["eval/f1"] = 0.88 - 0.5 * math.exp(-step / 70) + rng.gauss(0, 0.005)
        return out

    base_config = {"model": "resnet18", "batch_size": 128, "optimizer": {"name": "sgd"}}
    runs = [
        log_run(
            url,
            home,
            project="cifar10",
            name="resnet18-baseline",
            steps=600,
            metrics=classifier,
            tags=("baseline", "resnet"),
            seed=1,
            config={**base_config, "lr": 0.1, "epochs": 30},
        ),
        log_run(
            url,
            home,
            project="cifar10",
            name="resnet18-cosine",
            steps=380,
            metrics=cosine,
            tags=("resnet", "cosine"),
            planned_steps=600,
            finish=False,
            seed=2,
            config={**base_config, "lr": 0.1, "schedule": "cosine", "max_steps": 600},
        ),
        log_run(
            url,
            home,
            project="cifar10",
            name="resnet18-lr1.0",
            steps=140,
            metrics=diverging,
            tags=("resnet", "sweep"),
            finish=False,
            seed=3,
            config={**base_config, "lr": 1.0},
        ),
        log_run(
            url,
            home,
            project="sst2-bert",
            name="bert-base-ft",
            steps=400,
            metrics=finetune,
            tags=("bert",),
            seed=4,
            config={"model": "bert-base-uncased", "lr": 3e-5, "warmup": 0.1},
        ),
    ]
    for run in runs:
        seeded.runs[run.name or run.id] = run.id
    seeded.live.extend(runs[1:3])
    wait_settled(url, seeded)
    return seeded


def wait_settled(url: str, seeded: Seeded) -> None:
    """Until every seeded point is stored and the diverged run has its page."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    with httpx.Client(base_url=f"{url}/api/v1", timeout=10) as client:
        while True:
            pages = client.get("/incidents", params={"open": True}).json()["incidents"]
            diverged = seeded.runs["resnet18-lr1.0"]
            stored = all(
                client.get(f"/runs/{uid}/keys").status_code == 200
                and client.get(f"/runs/{uid}/keys").json()["keys"]
                for uid in seeded.runs.values()
            )
            if stored and any(i["run_id"] == diverged and i["severity"] == "page" for i in pages):
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the seeded runs were not stored and judged in time")
            time.sleep(0.1)


#: A project whose name would run script if a page put it in as HTML.
XSS_PROJECT = "<script>alert(1)</script>"


def projects_yaml(today: dt.date, training_runs: list[str], hostile: bool = True) -> str:
    """Projects dated from today: `cifar10` trains now (its stage ends with its live run)
    and then ships; `sst2-bert` starts in six weeks; between them, a lull. With `hostile`,
    a third whose name, goal and stage are script."""

    def day(days: int) -> str:
        return (today + dt.timedelta(days=days)).isoformat()

    monday = today - dt.timedelta(days=today.weekday())
    later = (monday + dt.timedelta(weeks=6)).isoformat()
    much_later = (monday + dt.timedelta(weeks=30)).isoformat()
    script = f"""\
  - name: "{XSS_PROJECT}"
    goal: "{XSS_PROJECT}"
    stages:
      - {{name: "{XSS_PROJECT}", kind: understanding, start: {much_later}}}
"""
    return f"""\
projects:
  - name: cifar10
    goal: a small image classifier for the wiki
    owner: ana
    stages:
      - {{name: understand, kind: understanding, status: done,
          started: {day(-30)}, ended: {day(-25)}}}
      - {{name: features, kind: wrangling, status: done, started: {day(-25)}, ended: {day(-12)},
          estimate: {{optimistic: 6, likely: 8, pessimistic: 12}}}}
      - {{name: model, kind: development, status: done, started: {day(-12)}, ended: {day(-3)}}}
      - {{name: train, kind: training, status: active, started: {day(-3)},
          runs: [{", ".join(training_runs)}]}}
      - {{name: ship, kind: deployment, estimate: {{optimistic: 3, likely: 4, pessimistic: 6}}}}
  - name: sst2-bert
    owner: ana
    stages:
      - {{name: understand, kind: understanding, start: {later},
          estimate: {{optimistic: 4, likely: 5, pessimistic: 7}}}}
      - {{name: label, kind: annotation, estimate: {{optimistic: 10, likely: 14, pessimistic: 21}}}}
      - {{name: wrangle, kind: wrangling}}
""" + (script if hostile else "")


def seed_projects(url: str, seeded: Seeded, hostile: bool = True) -> None:
    """The projects, applied through the API as `lowtide projects apply` would."""
    today = dt.date.today()
    text = projects_yaml(today, [seeded.runs["resnet18-cosine"]], hostile)
    answer = httpx.post(f"{url}/api/v1/plan", json={"yaml": text}, timeout=30)
    answer.raise_for_status()


def seed_channels(url: str, working: str, failing: str) -> None:
    """Your channel (`working`), and `sst2-bert`'s own, which fails (`failing`)."""
    with httpx.Client(base_url=f"{url}/api/v1", timeout=30) as client:
        client.put("/notify", json={"channels": [working]}).raise_for_status()
        client.put("/projects/sst2-bert/notify", json={"channels": [failing]}).raise_for_status()


def wait_delivered(url: str) -> None:
    """Until a message was sent and another failed for good."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    with httpx.Client(base_url=f"{url}/api/v1", timeout=10) as client:
        while True:
            found = client.get("/notify/deliveries").json()["deliveries"]
            if {"sent", "failed"} <= {d["status"] for d in found}:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"no sent and failed deliveries in time: {found}")
            time.sleep(0.1)


#: Real snapshot files of the public sources (see their README), by importer, as paths
#: inside each source's folder: a few calls for papers and talks, and the writing programmes.
SNAPSHOT_FILES = {
    "ccfddl": (
        "ccfddl",
        (
            "conference/DB/vldb.yml",
            "conference/AI/ijcnn.yml",
            "conference/AI/aaai.yml",
            "conference/SC/uss.yml",
        ),
    ),
    "ai-deadlines": (
        "hf-ai-deadlines",
        ("src/data/conferences/cec.yml", "src/data/conferences/neurips.yml"),
    ),
    "tech-conferences": (
        "tech-conferences",
        ("conferences/2027/data.json", "conferences/2027/general.json"),
    ),
    "writer-programs": ("community-writer-programs", ("README.md",)),
}
#: An offer whose title, description and link would run script if a page trusted them.
XSS_OFFER = "<script>alert(1)</script>"
#: The saved filter of the seed: paid articles of at least this many dollars.
SAVED_FILTER = "paid writing"
SAVED_MIN_PAY = 300


def offers_yaml(today: dt.date, hostile: bool = True) -> str:
    """Offers in the generic format dated from today: a small tutoring term and a short
    review that fit the lull, a full-time gig that fits no week; with `hostile`, script."""

    def day(days: int) -> str:
        return (today + dt.timedelta(days=days)).isoformat()

    script = f"""\
  - id: hostile
    title: "{XSS_OFFER}"
    kind: other
    link: "javascript:alert(1)"
    description: "{XSS_OFFER}"
    domains: "{XSS_OFFER}"
"""
    return f"""\
opportunities:
  - id: tutor-term
    title: Tutor a term of deep learning
    kind: teaching
    pay: "€45 per hour"
    max_weekly: 4
    weeks: 4
    domains: machine-learning, teaching
    remote: yes
  - id: pipeline-review
    title: Review a training pipeline
    kind: freelance
    pay: "$80/h"
    hours: 12
    min_weekly: 2
    max_weekly: 6
    deadline: {day(120)}
    domains: machine-learning
    remote: yes
  - id: full-time-gig
    title: Full-time MLOps contract
    kind: freelance
    pay: "$9,000"
    max_weekly: 40
    weeks: 12
    domains: mlops
    remote: no
    place: Berlin
""" + (script if hostile else "")


def seed_board(url: str, snapshots: Path, hostile: bool = True) -> None:
    """Opportunities imported through the API from the real snapshot files and the offers
    above, a euro rate, a saved filter, and a few entries of the growth log."""
    today = dt.date.today()
    with httpx.Client(base_url=f"{url}/api/v1", timeout=30) as client:
        for source, (folder, names) in SNAPSHOT_FILES.items():
            for name in names:
                content = (snapshots / folder / name).read_text(encoding="utf-8")
                body = {"source": source, "name": name, "content": content}
                client.post("/opportunities/import", json=body).raise_for_status()
        offers = {"source": "file", "name": "offers.yaml", "content": offers_yaml(today, hostile)}
        client.post("/opportunities/import", json=offers).raise_for_status()
        client.put("/board/rates/EUR", json={"rate": 1.08}).raise_for_status()
        saved = {"kinds": ["writing"], "min_pay": SAVED_MIN_PAY}
        client.put(f"/board/filters/{SAVED_FILTER}", json=saved).raise_for_status()
        for entry in growth_log(today):
            client.post("/growth-log", json=entry).raise_for_status()


def growth_log(today: dt.date) -> list[dict[str, Any]]:
    """What was done in earlier lulls, this year and the year before."""
    last_year = dt.date(today.year - 1, 10, 2).isoformat()
    return [
        {"on": last_year, "kind": "teaching", "title": "Tutored intro to ML", "hours": 40,
         "earned": 1500, "currency": "EUR"},
        {"on": dt.date(today.year, 1, 20).isoformat(), "kind": "writing",
         "title": "Article on warm-up schedules", "hours": 12, "earned": 400,
         "link": "https://example.org/warm-up"},
        {"on": dt.date(today.year, 3, 5).isoformat(), "kind": "competition",
         "title": "Tabular playground entry", "hours": 30, "rank": 57},
    ]  # fmt: skip
