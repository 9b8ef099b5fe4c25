"""The dispatcher against a real webhook on loopback: delivery, retries, hangs, shutdown."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import datetime
from datetime import time as dtime
from zoneinfo import ZoneInfo

import pytest

from lowtide.core.health import RuleId, Severity
from lowtide.errors import TransportError
from lowtide.notify import (
    Delivery,
    DeliveryStatus,
    Dispatcher,
    FunctionChannel,
    Message,
    NotifyConfig,
    QuietHours,
    RetryPolicy,
    RunSummary,
)
from lowtide.notify.dispatcher import THREAD_NAME
from tests.notify.helpers import RUN, Receiver, event, notice

BASE = "http://127.0.0.1:7600"
#: Retries in milliseconds, so the tests stay fast.
FAST = RetryPolicy(first_delay_s=0.05, max_delay_s=0.2, max_total_s=5.0)


class Records:
    """The `record` callback: keeps every delivery, and waits for one that matches."""

    def __init__(self) -> None:
        self.items: list[Delivery] = []
        self.lock = threading.Lock()

    def __call__(self, delivery: Delivery) -> None:
        with self.lock:
            self.items.append(delivery)

    def statuses(self) -> list[DeliveryStatus]:
        with self.lock:
            return [d.status for d in self.items]

    def wait_for(self, status: DeliveryStatus, n: int = 1, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.statuses().count(status) < n:
            assert time.monotonic() < deadline, f"waited for {n} {status}: {self.items}"
            time.sleep(0.01)


def notifier_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]


def test_a_page_arrives_with_the_run_name_and_rule(receiver: Receiver) -> None:
    records = Records()
    config = NotifyConfig(channels=[receiver.url("/lowtide")], base_url=BASE)
    with Dispatcher(config, records, retry=FAST) as dispatcher:
        dispatcher.submit(notice(recent=(0.5, 0.6, 2.3)))
        [post] = receiver.wait_for(1)
        records.wait_for(DeliveryStatus.SENT)
    assert "bert-base (nlp)" in post["title"]
    assert "divergence" in post["title"]
    assert "train/loss rose to 2.31" in post["message"]
    assert f"{BASE}/runs/r-123" in post["message"]
    assert receiver.paths == ["/lowtide"]
    [delivery] = records.items
    assert delivery.channel == f"json://127.0.0.1:{receiver.port}/lowtide"
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.SENT, 1, None)
    assert delivery.title == post["title"]


def test_a_bare_incident_event_is_about_its_run_id(receiver: Receiver) -> None:
    with Dispatcher(NotifyConfig(channels=[receiver.url()]), Records(), retry=FAST) as d:
        d.submit(event(rule=RuleId.NONFINITE, run_id="run-77"))
        [post] = receiver.wait_for(1)
    assert post["title"] == "[PAGE] run-77: nonfinite"


def test_failed_sends_are_retried_with_backoff_and_every_attempt_is_recorded(
    receiver: Receiver,
) -> None:
    receiver.statuses = deque([500, 500])
    records = Records()
    with Dispatcher(NotifyConfig(channels=[receiver.url()]), records, retry=FAST) as d:
        d.submit(notice())
        records.wait_for(DeliveryStatus.SENT)
    posts = receiver.wait_for(3)
    assert len(posts) == 3
    assert posts[0] == posts[2]
    assert [(r.status, r.attempts) for r in records.items] == [
        (DeliveryStatus.RETRYING, 1),
        (DeliveryStatus.RETRYING, 2),
        (DeliveryStatus.SENT, 3),
    ]
    assert all("500" in (r.error or "") for r in records.items[:2])
    gaps = [b.at - a.at for a, b in zip(records.items, records.items[1:], strict=False)]
    assert gaps[0] >= 0.05
    assert gaps[1] >= 0.1


def test_retries_stop_after_the_last_attempt(receiver: Receiver) -> None:
    receiver.statuses = deque([503] * 10)
    records = Records()
    retry = RetryPolicy(max_attempts=3, first_delay_s=0.01, max_delay_s=0.01)
    with Dispatcher(NotifyConfig(channels=[receiver.url()]), records, retry=retry) as d:
        d.submit(notice())
        records.wait_for(DeliveryStatus.FAILED)
    assert records.statuses() == [
        DeliveryStatus.RETRYING,
        DeliveryStatus.RETRYING,
        DeliveryStatus.FAILED,
    ]
    assert len(receiver.posts) == 3


def test_a_hanging_receiver_never_blocks_submit(receiver: Receiver) -> None:
    receiver.hang_s = 30.0
    records = Records()
    config = NotifyConfig(channels=[receiver.url()], channel_timeout_s=0.3)
    dispatcher = Dispatcher(config, records, retry=FAST, queue_size=10)
    dispatcher.start()
    try:
        dispatcher.submit(notice())
        receiver.wait_for(1)  # the notifier's thread is now stuck in the send
        took = []
        for i in range(50):
            start = time.perf_counter()
            dispatcher.submit(Message(f"m{i}", "b"))
            took.append(time.perf_counter() - start)
        assert max(took) < 0.05
        records.wait_for(DeliveryStatus.RETRYING)  # the hang became a timeout, then a retry
        assert "failed" in (records.items[0].error or "")
    finally:
        assert dispatcher.close(timeout=1.0)
    assert notifier_threads() == []
    # 50 messages into a queue of 10: the oldest 40 were dropped, and recorded.
    dropped = [r for r in records.items if r.status is DeliveryStatus.DROPPED]
    assert {r.title for r in dropped} >= {f"m{i}" for i in range(40)}


def test_a_full_queue_drops_the_oldest_non_page_and_keeps_pages() -> None:
    gate = threading.Event()
    sent: list[str] = []

    def send(title: str, body: str) -> None:
        gate.wait(10)
        sent.append(f"{title}\n{body}")

    records = Records()
    channel = FunctionChannel("fake://", send)
    dispatcher = Dispatcher(NotifyConfig(), records, channels=[channel], queue_size=3)
    dispatcher.start()
    dispatcher.submit(Message("first", "b"))
    deadline = time.monotonic() + 5
    while dispatcher._inbox and time.monotonic() < deadline:  # taken by the thread
        time.sleep(0.01)
    dispatcher.submit(Message("old", "b"))
    dispatcher.submit(Message("page", "b", Severity.PAGE))
    dispatcher.submit(Message("mid", "b"))
    dispatcher.submit(Message("new", "b"))
    gate.set()
    assert dispatcher.close(timeout=5)
    dropped = [r.title for r in records.items if r.status is DeliveryStatus.DROPPED]
    assert dropped == ["old"]
    assert sent[0] == "first\nb"
    # What waited while the channel was busy goes out together: the page, then the rest.
    assert sent[1] == "page\nb"
    assert sent[2].startswith("2 notifications: mid\n## mid\nb\n\n## new\nb")
    assert len(sent) == 3


def test_close_drains_the_queue_and_stops_the_thread(receiver: Receiver) -> None:
    records = Records()
    dispatcher = Dispatcher(NotifyConfig(channels=[receiver.url()]), records, retry=FAST)
    dispatcher.start()
    assert len(notifier_threads()) == 1
    summary = RunSummary(run=RUN, status="finished", started_at=0.0, ended_at=60.0)
    dispatcher.submit(summary)
    dispatcher.submit(notice())
    assert dispatcher.close(timeout=5)
    assert notifier_threads() == []
    text = " ".join(p["title"] + p["message"] for p in receiver.posts)
    assert "finished: bert-base (nlp)" in text
    assert "divergence" in text
    dispatcher.submit(notice())  # after close: recorded, never sent
    assert records.items[-1].status is DeliveryStatus.DROPPED
    assert records.items[-1].error == "the notifier is closed"


def test_during_quiet_hours_pages_go_out_and_the_rest_waits() -> None:
    ny = ZoneInfo("America/New_York")
    night = datetime(2025, 1, 10, 23, 30, tzinfo=ny).timestamp()
    sent: list[str] = []
    records = Records()
    config = NotifyConfig(timezone="America/New_York", quiet_hours=QuietHours(dtime(22), dtime(7)))
    dispatcher = Dispatcher(
        config,
        records,
        channels=[FunctionChannel("fake://", lambda t, b: sent.append(t))],
        clock=lambda: night,
    )
    with dispatcher:
        dispatcher.submit(RunSummary(run=RUN, status="finished", started_at=0, ended_at=1))
        dispatcher.submit(notice())
        records.wait_for(DeliveryStatus.SENT)
    assert sent == ["[PAGE] bert-base (nlp): divergence"]
    held = [r for r in records.items if r.status is DeliveryStatus.DROPPED]
    assert [r.title for r in held] == ["finished: bert-base (nlp)"]
    assert held[0].error == "the notifier closed during quiet hours"


def test_muted_and_acknowledged_incidents_are_not_sent() -> None:
    sent: list[str] = []
    channel = FunctionChannel("fake://", lambda t, b: sent.append(t))
    dispatcher = Dispatcher(NotifyConfig(), Records(), channels=[channel])
    page = notice()
    dispatcher.silences.acknowledge(page.event.incident)
    dispatcher.silences.mute_project("vision")
    with dispatcher:
        dispatcher.submit(page)
        dispatcher.submit(notice(run=RUN.__class__("r-2", "resnet", "vision")))
        dispatcher.submit(notice(rule=RuleId.CRASHED))
    assert sent == ["[PAGE] bert-base (nlp): crashed"]


def test_a_channel_that_raises_anything_is_retried_and_the_notifier_survives() -> None:
    calls: list[str] = []

    def flaky(title: str, body: str) -> None:
        calls.append(title)
        if len(calls) == 1:
            raise RuntimeError("boom")
        if len(calls) == 2:
            raise TransportError("down")

    records = Records()
    channel = FunctionChannel("fake://", flaky)
    with Dispatcher(NotifyConfig(), records, channels=[channel], retry=FAST) as d:
        d.submit(notice())
        records.wait_for(DeliveryStatus.SENT)
    assert [(r.status, r.error) for r in records.items] == [
        (DeliveryStatus.RETRYING, "RuntimeError: boom"),
        (DeliveryStatus.RETRYING, "down"),
        (DeliveryStatus.SENT, None),
    ]


@pytest.mark.parametrize("failures", [1, 3])
def test_backoff_doubles_and_is_capped(failures: int) -> None:
    retry = RetryPolicy(first_delay_s=1.0, factor=2.0, max_delay_s=3.0)
    assert retry.delay(failures) == min(3.0, 2.0 ** (failures - 1))
