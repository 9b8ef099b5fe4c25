"""Apprise channels: URL checks with masked secrets, real sends to a loopback webhook."""

from __future__ import annotations

import logging
import socket
import time
from collections import deque

import pytest

from lowtide.errors import TransportError, ValidationError
from lowtide.notify import AppriseChannel, mask_url
from lowtide.notify.channels import scrub, secret_parts
from tests.notify.helpers import Receiver

SECRET = "s3cretpass"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"foo://user:{SECRET}@example.com/tok", "foo://****@example.com/****"),
        ("slack://onlyonetoken", "slack://****"),
        ("json://", "json://"),
        (f"https://hooks.example.com/services/{SECRET}", "https://hooks.example.com/****"),
        ("no scheme at all", "?://"),
    ],
)
def test_an_unusable_url_is_a_validation_error_that_shows_it_masked(url: str, shown: str) -> None:
    with pytest.raises(ValidationError) as info:
        AppriseChannel(url)
    message = str(info.value)
    assert shown in message
    assert SECRET not in message
    assert "appriseit.com" in message
    assert info.value.field == "channels"


@pytest.mark.parametrize(
    "url", [f"discord://{SECRET}LONG", f"tgram://{SECRET}TOKEN", f"mailto://me:{SECRET}@"]
)
def test_apprise_does_not_log_a_rejected_url(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ValidationError):
        AppriseChannel(url)
    assert all(SECRET not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    "url",
    [
        "ntfy://lowtide-alerts",
        f"ntfys://:{SECRET}@ntfy.example.com/lowtide",
        f"mailto://me:{SECRET}@gmail.com",
        f"json://bot:{SECRET}@127.0.0.1:9/hook",
        f"jsons://example.com/hook?token={SECRET}",
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
        "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
        "tgram://123456789:AAHs3cretpassTOKEN/12315544",
    ],
)
def test_supported_urls_build_channels_named_without_their_secrets(url: str) -> None:
    name = AppriseChannel(url).name
    # Apprise may upgrade the scheme (ntfy:// to ntfys:// for ntfy.sh, mailto:// to mailtos://).
    assert name.split("://")[0].startswith(url.split("://")[0].rstrip("s"))
    for secret in (SECRET, "TIiajkdnlazkcOXrIdevi7FQ", "JHMHI8qBe7bk2ZwO5U711o3dV_js"):
        assert secret not in name


def test_masking_and_scrubbing_keep_secrets_out_of_text() -> None:
    url = f"json://bot:{SECRET}@127.0.0.1:9/hook?key=a%2Fbcd"
    assert mask_url(url) == "json://****@127.0.0.1:9/****"
    assert mask_url("tgram://123:ABCDEF/1") == "tgram://****"
    text = f"POST {url} failed; key a/bcd rejected for bot"
    scrubbed = scrub(text, secret_parts(url))
    assert SECRET not in scrubbed
    assert "a/bcd" not in scrubbed
    assert "bot" in scrubbed


def test_send_posts_title_and_body_to_a_json_webhook(receiver: Receiver) -> None:
    channel = AppriseChannel(receiver.url("/hook"), timeout_s=2.0)
    channel.send("the title", "line one\nline two")
    [post] = receiver.wait_for(1)
    assert post["title"] == "the title"
    assert post["message"] == "line one\nline two"
    assert receiver.paths == ["/hook"]
    assert channel.name == f"json://127.0.0.1:{receiver.port}/hook"


def test_a_failed_send_raises_transport_error_with_the_reason_and_no_secret(
    receiver: Receiver,
) -> None:
    receiver.statuses = deque([500])
    url = f"json://bot:{SECRET}@127.0.0.1:{receiver.port}/hook"
    channel = AppriseChannel(url, timeout_s=2.0)
    with pytest.raises(TransportError) as info:
        channel.send("t", "b")
    message = str(info.value)
    assert "500" in message
    assert message.startswith(f"notification to json://bot:****@127.0.0.1:{receiver.port}/hook")
    assert SECRET not in message


def test_an_unreachable_endpoint_fails_within_the_timeout() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        channel = AppriseChannel(f"json://127.0.0.1:{port}/hook", timeout_s=1.0)
        start = time.monotonic()
        with pytest.raises(TransportError, match=r"notification to json://127\.0\.0\.1"):
            channel.send("t", "b")
    assert time.monotonic() - start < 2.0


def test_a_hanging_endpoint_times_out(receiver: Receiver) -> None:
    receiver.hang_s = 5.0
    channel = AppriseChannel(receiver.url(), timeout_s=0.3)
    start = time.monotonic()
    with pytest.raises(TransportError):
        channel.send("t", "b")
    assert time.monotonic() - start < 2.0


def test_apprise_logs_stay_at_warning(receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    channel = AppriseChannel(receiver.url(), timeout_s=2.0)
    channel.send("t", "b")
    receiver.wait_for(1)
    assert logging.getLogger("apprise").getEffectiveLevel() >= logging.WARNING
    chatter = [r for r in caplog.records if r.name.startswith("apprise") and r.levelno < 30]
    assert chatter == []
