"""Notifications end to end: a script logs through the SDK, a webhook on loopback hears of it."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from lowtide.sdk import ClientSettings, Run
from tests.conftest import LiveServer, Receiver
from tests.server.test_health_api import wait_for


def configure(url: str, channels: list[str], project: str | None = None, **extra: Any) -> Any:
    path = f"/api/v1/projects/{project}/notify" if project else "/api/v1/notify"
    answer = httpx.put(f"{url}{path}", json={"channels": channels, **extra})
    answer.raise_for_status()
    return answer.json()


def client(server: LiveServer, tmp_path: Path) -> ClientSettings:
    return ClientSettings(url=server.url, home=tmp_path, flush_interval_s=0.05)


def titles(receiver: Receiver) -> list[str]:
    return [str(m["title"]) for m in receiver.received]


def test_nan_loss_pages_the_webhook(
    notify_server: LiveServer, receiver: Receiver, tmp_path: Path
) -> None:
    configure(notify_server.url, [receiver.url], base_url="http://lowtide.local")
    run = Run(project="vision", name="resnet-nan", settings=client(notify_server, tmp_path))
    for step in range(50):
        run.log({"train/loss": 2.0 / (step + 1) if step < 30 else math.nan}, step=step)
    page = wait_for(lambda: [m for m in receiver.received if "nonfinite" in m["title"]])[0]
    assert page["title"] == "[PAGE] resnet-nan (vision): nonfinite"
    assert "step 30" in page["message"]
    assert "train/loss" in page["message"]
    assert f"http://lowtide.local/runs/{run.id}" in page["message"]
    run.finish()
    deliveries = httpx.get(f"{notify_server.url}/api/v1/notify/deliveries").json()["deliveries"]
    sent = [d for d in deliveries if d["title"] == page["title"]]
    assert sent
    assert sent[0]["status"] == "sent"
    assert sent[0]["channel"].startswith("json://127.0.0.1")


def test_healthy_run_sends_one_summary_and_no_page(
    notify_server: LiveServer, receiver: Receiver, tmp_path: Path
) -> None:
    configure(notify_server.url, [receiver.url])
    with Run(project="nlp", name="bert-ok", settings=client(notify_server, tmp_path)) as run:
        for step in range(200):
            run.log(
                {"train/loss": 2.0 * math.exp(-step / 50) + 0.1, "val/acc": 0.5 + step / 500},
                step=step,
            )
    summary = wait_for(lambda: [m for m in receiver.received if "bert-ok" in m["title"]])[0]
    time.sleep(1.0)  # anything else that was coming has come by now
    assert titles(receiver) == ["finished: bert-ok (nlp)"]
    assert "best val/acc 0.898 at step 199" in summary["message"]
    assert "incidents: none" in summary["message"]
    assert run.id


def test_muted_project_is_not_paged_but_others_are(
    notify_server: LiveServer, receiver: Receiver, tmp_path: Path
) -> None:
    configure(notify_server.url, [receiver.url])
    settings = client(notify_server, tmp_path)
    with Run(project="quiet", name="first", settings=settings) as run:
        run.log({"loss": 1.0}, step=0)
    httpx.post(f"{notify_server.url}/api/v1/mutes", json={"project": "quiet"}).raise_for_status()
    for project in ("quiet", "loud"):
        run = Run(project=project, name=f"{project}-nan", settings=settings)
        for step in range(5):
            run.log({"loss": math.nan if step == 3 else 1.0}, step=step)
        run.finish()
    wait_for(lambda: [t for t in titles(receiver) if "loud-nan" in t and "nonfinite" in t])
    time.sleep(0.5)
    assert not [t for t in titles(receiver) if "quiet-nan" in t]


def test_project_settings_replace_the_users(
    notify_server: LiveServer, receiver: Receiver, tmp_path: Path
) -> None:
    configure(notify_server.url, ["json://127.0.0.1:9/nobody-listens"])
    shown = configure(notify_server.url, [receiver.url], project="special")
    assert shown["project"] == "special"
    with Run(project="special", name="sp", settings=client(notify_server, tmp_path)) as run:
        run.log({"loss": 1.0}, step=0)
    wait_for(lambda: "finished: sp (special)" in titles(receiver))
    listed = httpx.get(f"{notify_server.url}/api/v1/notify").json()["settings"]
    assert [(s["scope"], s["project"]) for s in listed] == [("user", None), ("project", "special")]


def test_failing_channel_is_retried_and_recorded(
    notify_server: LiveServer, receiver: Receiver
) -> None:
    configure(notify_server.url, [receiver.url])
    receiver.fail = True
    answer = httpx.post(f"{notify_server.url}/api/v1/notify/test")
    assert answer.status_code == 202
    assert answer.json()["channels"][0].startswith("json://127.0.0.1")

    def outcomes() -> list[str]:
        found = httpx.get(f"{notify_server.url}/api/v1/notify/deliveries").json()["deliveries"]
        return [d["status"] for d in reversed(found)]

    assert wait_for(lambda: "failed" in outcomes() and outcomes()) == [
        "retrying",
        "retrying",
        "failed",
    ]
    receiver.fail = False
    httpx.post(f"{notify_server.url}/api/v1/notify/test").raise_for_status()
    wait_for(lambda: titles(receiver) == ["lowtide test message"])


def test_test_message_without_channels_is_404(notify_server: LiveServer) -> None:
    answer = httpx.post(f"{notify_server.url}/api/v1/notify/test")
    assert answer.status_code == 404
    assert "lowtide notify add" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": ["nosuchservice://x"]}, "channels"),
        ({"channels": [], "timezone": "Mars/Olympus"}, "timezone"),
        ({"channels": [], "quiet_hours": "late"}, "quiet_hours"),
        ({"channels": [], "quiet_hours": "22:00-22:00"}, "quiet_hours"),
        ({"channels": [], "digest_at": "25:99"}, "digest_at"),
        ({"channels": [], "burst": 0}, "body.burst"),
        ({"channels": "json://localhost"}, "body.channels"),
        ({"channels": [], "volume": 11}, "body.volume"),
    ],
)
def test_bad_settings_are_422_naming_the_field(
    notify_server: LiveServer, body: dict[str, Any], field: str
) -> None:
    answer = httpx.put(f"{notify_server.url}/api/v1/notify", json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    named = [e["field"] for e in error.get("errors", [])] or [error.get("field")]
    assert field in named, error
    assert httpx.get(f"{notify_server.url}/api/v1/notify").json()["settings"] == []


def test_secrets_in_urls_are_masked_when_shown(notify_server: LiveServer) -> None:
    url = "tgram://123456789:AAHsecretsecretsecretsecret/987654321"
    shown = configure(notify_server.url, [url])
    assert "secretsecret" not in str(shown)
    listed = httpx.get(f"{notify_server.url}/api/v1/notify").json()
    assert "secretsecret" not in str(listed)
