"""How numbers and times read on the pages."""

from __future__ import annotations

import math

from lowtide.server.dashboard.format import MINUS, MISSING, ago, duration, link, value


def test_value() -> None:
    assert value(0.123456) == "0.1235"
    assert value(12345.6) == "1.235e+04"
    assert value(2.5e-5) == "2.500e-05"
    assert value(0.0) == "0"
    assert value(math.nan) == "NaN"
    assert value(-math.inf) == MINUS + "∞"
    assert value(None) == MISSING


def test_duration() -> None:
    assert duration(42) == "42 s"
    assert duration(600) == "10 min"
    assert duration(3600 + 1200) == "1 h 20 min"
    assert duration(2 * 86400 + 3600) == "2 d 1 h"
    assert duration(None) == MISSING


def test_ago() -> None:
    assert ago(100.0, now=105.0) == "just now"
    assert ago(100.0, now=400.0) == "5 min ago"


def test_link_keeps_only_web_addresses() -> None:
    assert link("https://example.org/a") == "https://example.org/a"
    assert link(" HTTP://example.org ") == "HTTP://example.org"
    assert link("javascript:alert(1)") == ""
    assert link("data:text/html,x") == ""
    assert link(None) == ""
