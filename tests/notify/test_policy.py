"""Routing decisions on an injected clock: severities, quiet hours, mutes, acks, the digest."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from lowtide.core.health import Action, RuleId, Severity
from lowtide.errors import ConfigError
from lowtide.notify import (
    Message,
    NotifyConfig,
    Policy,
    QuietHours,
    RateLimit,
    Route,
    RunSummary,
    Silences,
)
from tests.notify.helpers import RUN, notice

NY = ZoneInfo("America/New_York")
QUIET = QuietHours(time(22, 0), time(7, 0))


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    """Epoch seconds of a New York wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=NY).timestamp()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def policy(at: float, **config: object) -> tuple[Policy, Clock]:
    clock = Clock(at)
    cfg = NotifyConfig(timezone="America/New_York", quiet_hours=QUIET, **config)  # type: ignore[arg-type]
    return Policy(cfg, clock), clock


WARN = notice(rule=RuleId.NO_LEARNING, severity=Severity.WARN)
PAGE = notice()
SUMMARY = RunSummary(run=RUN, status="finished", started_at=0.0, ended_at=60.0)


# -- quiet hours ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "quiet"),
    [
        ((2025, 1, 10, 21, 59), False),
        ((2025, 1, 10, 22, 0), True),
        ((2025, 1, 10, 23, 30), True),
        ((2025, 1, 11, 0, 30), True),
        ((2025, 1, 11, 6, 59), True),
        ((2025, 1, 11, 7, 0), False),
        ((2025, 1, 11, 12, 0), False),
    ],
)
def test_quiet_hours_span_midnight_in_the_users_zone(
    wall: tuple[int, int, int, int, int], quiet: bool
) -> None:
    p, _ = policy(ny(*wall))
    assert p.in_quiet_hours() is quiet


def test_quiet_hours_are_not_utc_hours() -> None:
    # 23:30 UTC is 18:30 in New York: a UTC reading would call it quiet.
    at = datetime(2025, 1, 10, 23, 30, tzinfo=ZoneInfo("UTC")).timestamp()
    p, _ = policy(at)
    assert not p.in_quiet_hours()
    assert p.decide(SUMMARY).route is Route.SEND


def test_quiet_hours_end_at_the_next_local_end_time() -> None:
    p, _ = policy(ny(2025, 1, 10, 23, 30))
    assert p.quiet_ends_at() == ny(2025, 1, 11, 7, 0)
    p, _ = policy(ny(2025, 1, 11, 2, 0))
    assert p.quiet_ends_at() == ny(2025, 1, 11, 7, 0)
    p, _ = policy(ny(2025, 1, 11, 12, 0))
    assert p.quiet_ends_at() is None


def test_quiet_hours_end_by_the_wall_clock_across_a_dst_change() -> None:
    # Clocks spring forward at 02:00 on 2025-03-09: the night is an hour shorter.
    p, _ = policy(ny(2025, 3, 8, 23, 0))
    end = p.quiet_ends_at()
    assert end == ny(2025, 3, 9, 7, 0)
    assert end is not None
    assert end - ny(2025, 3, 8, 23, 0) == 7 * 3600


def test_pages_override_quiet_hours_and_the_rest_is_held() -> None:
    p, _ = policy(ny(2025, 1, 10, 23, 30), notify_warnings=True)
    page = p.decide(PAGE)
    assert (page.route, page.urgent) == (Route.SEND, True)
    assert p.decide(SUMMARY).route is Route.HOLD
    warn = p.decide(WARN)
    assert (warn.route, warn.digest) == (Route.HOLD, True)
    assert p.decide(Message("t", "b", Severity.PAGE)).route is Route.SEND
    assert p.decide(Message("t", "b")).route is Route.HOLD


def test_without_the_override_pages_wait_for_the_end_of_quiet_hours() -> None:
    p, clock = policy(ny(2025, 1, 10, 23, 30), pages_override_quiet=False)
    decision = p.decide(PAGE)
    assert (decision.route, decision.urgent) == (Route.HOLD, True)
    clock.now = ny(2025, 1, 11, 7, 0)
    assert p.decide(PAGE).route is Route.SEND


# -- severities -------------------------------------------------------------------------


def test_warnings_go_to_the_digest_unless_the_user_opted_in() -> None:
    p, _ = policy(ny(2025, 1, 10, 12, 0))
    decision = p.decide(WARN)
    assert (decision.route, decision.digest) == (Route.DIGEST, True)
    p, _ = policy(ny(2025, 1, 10, 12, 0), notify_warnings=True)
    decision = p.decide(WARN)
    assert (decision.route, decision.digest, decision.urgent) == (Route.SEND, True, False)


def test_info_events_notify_only_through_the_summary() -> None:
    p, _ = policy(ny(2025, 1, 10, 12, 0))
    done = notice(rule=RuleId.DONE, severity=Severity.INFO)
    assert p.decide(done).route is Route.SKIP
    assert p.decide(SUMMARY).route is Route.SEND


def test_resolutions_follow_their_incident_and_are_never_urgent() -> None:
    p, _ = policy(ny(2025, 1, 10, 12, 0))
    resolved_page = p.decide(notice(Action.RESOLVED))
    assert (resolved_page.route, resolved_page.urgent) == (Route.SEND, False)
    resolved_warn = notice(Action.RESOLVED, rule=RuleId.STALL, severity=Severity.WARN)
    assert p.decide(resolved_warn).route is Route.DIGEST
    p, _ = policy(ny(2025, 1, 10, 23, 0))
    assert p.decide(notice(Action.RESOLVED)).route is Route.HOLD


# -- mutes and acknowledgements ------------------------------------------------------


def test_muted_runs_and_projects_do_not_notify_until_the_mute_ends() -> None:
    p, clock = policy(ny(2025, 1, 10, 12, 0), muted_projects=frozenset({"vision"}))
    other = notice(run=replace(RUN, project="vision"))
    assert p.decide(other).route is Route.SKIP
    p.silences.mute_run(RUN.run_id, until=clock.now + 3600)
    assert p.decide(PAGE).route is Route.SKIP
    assert p.decide(SUMMARY).route is Route.SKIP
    clock.now += 3600
    assert p.decide(PAGE).route is Route.SEND
    p.silences.mute_project("nlp")
    assert p.decide(PAGE).route is Route.SKIP
    p.silences.unmute_project("nlp")
    assert p.decide(PAGE).route is Route.SEND
    assert p.decide(Message("t", "b", Severity.PAGE)).route is Route.SEND


def test_an_acknowledged_incident_notifies_no_more_but_a_new_one_does() -> None:
    p, _ = policy(ny(2025, 1, 10, 12, 0))
    p.silences.acknowledge(PAGE.event.incident)
    assert p.decide(PAGE).route is Route.SKIP
    assert p.decide(notice(Action.UPDATED)).route is Route.SKIP
    assert p.decide(notice(Action.RESOLVED)).route is Route.SKIP
    assert p.decide(notice(opened_at=5_000.0)).route is Route.SEND


def test_acknowledgements_can_come_from_the_callers_store() -> None:
    acked = {("r-123", RuleId.DIVERGENCE)}
    silences = Silences(acknowledged=lambda i: (i.run_id, i.rule) in acked)
    cfg = NotifyConfig(timezone="America/New_York")
    p = Policy(cfg, Clock(ny(2025, 1, 10, 12, 0)), silences)
    assert p.decide(PAGE).route is Route.SKIP
    assert p.decide(notice(rule=RuleId.NONFINITE)).route is Route.SEND


# -- the digest ----------------------------------------------------------------------


def test_the_digest_goes_out_once_a_day_at_its_local_time_when_not_empty() -> None:
    p, clock = policy(ny(2025, 1, 10, 10, 0), digest_at=time(9, 0))
    # Started after today's digest time: the first digest is tomorrow's.
    assert p.next_digest_at() == ny(2025, 1, 11, 9, 0)
    p.collect(WARN)
    assert p.take_digest() is None
    clock.now = ny(2025, 1, 11, 8, 59)
    assert p.take_digest() is None
    clock.now = ny(2025, 1, 11, 9, 0)
    digest = p.take_digest()
    assert digest is not None
    assert digest.day.isoformat() == "2025-01-11"
    assert [n.event.incident.rule for n in digest.entries] == [RuleId.NO_LEARNING]
    p.collect(notice(rule=RuleId.STALL, severity=Severity.WARN))
    clock.now = ny(2025, 1, 11, 23, 0)
    assert p.take_digest() is None  # one a day
    assert p.next_digest_at() == ny(2025, 1, 12, 9, 0)
    clock.now = ny(2025, 1, 12, 9, 5)
    digest = p.take_digest()
    assert digest is not None
    assert [n.event.incident.rule for n in digest.entries] == [RuleId.STALL]


def test_an_empty_day_sends_no_digest_and_still_counts_as_done() -> None:
    p, clock = policy(ny(2025, 1, 10, 8, 0), digest_at=time(9, 0))
    assert p.next_digest_at() == ny(2025, 1, 10, 9, 0)
    clock.now = ny(2025, 1, 10, 9, 0)
    assert p.take_digest() is None
    p.collect(WARN)
    clock.now = ny(2025, 1, 10, 9, 30)
    assert p.take_digest() is None
    clock.now = ny(2025, 1, 11, 9, 0)
    assert p.take_digest() is not None


def test_the_digest_keeps_one_entry_per_incident_with_its_latest_state() -> None:
    p, clock = policy(ny(2025, 1, 10, 8, 0), digest_at=time(9, 0))
    stall = {"rule": RuleId.STALL, "severity": Severity.WARN}
    p.collect(notice(**stall))  # type: ignore[arg-type]
    p.collect(notice(Action.UPDATED, count=4, **stall))  # type: ignore[arg-type]
    p.collect(notice(Action.RESOLVED, count=4, resolved_at=2_000.0, **stall))  # type: ignore[arg-type]
    # A resolution of an incident the digest never saw adds nothing.
    p.collect(notice(Action.RESOLVED, rule=RuleId.OVERFITTING, severity=Severity.WARN))
    acked = notice(rule=RuleId.OSCILLATION, severity=Severity.WARN)
    p.collect(acked)
    p.silences.acknowledge(acked.event.incident)
    clock.now = ny(2025, 1, 10, 9, 0)
    digest = p.take_digest()
    assert digest is not None
    [entry] = digest.entries
    assert entry.event.action is Action.RESOLVED
    assert entry.event.incident.resolved_at == 2_000.0


# -- configuration ---------------------------------------------------------------------


def test_bad_settings_are_config_errors_that_name_the_value() -> None:
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        NotifyConfig(timezone="Mars/Olympus")
    with pytest.raises(ConfigError, match="same time"):
        QuietHours(time(7), time(7))
    with pytest.raises(ConfigError, match="per_hour"):
        RateLimit(per_hour=0)
    with pytest.raises(ConfigError, match="list of URLs"):
        NotifyConfig(channels="ntfy://topic")
    assert NotifyConfig(channels=["ntfy://a"]).channels == ("ntfy://a",)
