"""Message text: what each kind of message must tell, and how short it stays."""

from __future__ import annotations

from datetime import date

from lowtide.core.health import Action, RuleId, Severity
from lowtide.notify import RunInfo, RunSummary
from lowtide.notify.messages import (
    DIGEST_MAX_PER_RUN,
    combine,
    format_digest,
    format_duration,
    format_event,
    format_summary,
    run_link,
)
from tests.notify.helpers import RUN, incident, notice

BASE = "https://lowtide.example.org/"


def test_page_names_run_project_rule_severity_evidence_and_links_to_the_run() -> None:
    title, body = format_event(notice(), BASE)
    assert title == "[PAGE] bert-base (nlp): divergence"
    assert "train/loss rose to 2.31 from its best 0.52" in body
    assert "divergence · PAGE · train/loss" in body
    assert "step 1200 (since step 1100)" in body
    assert "evidence: level=2.311, best=0.5213" in body
    assert body.endswith("https://lowtide.example.org/runs/r-123")


def test_recent_values_are_drawn_as_a_sparkline_from_first_to_last() -> None:
    _, body = format_event(notice(recent=(0.5, 0.6, 1.0, 2.3)), BASE)
    line = next(x for x in body.splitlines() if x.startswith("train/loss:"))
    assert line.startswith("train/loss: ▁")
    assert "█" in line
    assert line.endswith("0.5 → 2.3")


def test_without_recent_values_or_base_url_there_is_no_sparkline_and_no_link() -> None:
    _, body = format_event(notice())
    assert "▁" not in body
    assert "http" not in body


def test_a_run_without_name_or_project_is_named_by_its_id() -> None:
    title, _ = format_event(notice(run=RunInfo("r-9")))
    assert title == "[PAGE] r-9: divergence"


def test_escalation_says_the_new_severity_and_counts_repeats() -> None:
    title, body = format_event(
        notice(Action.UPDATED, rule=RuleId.STALL, count=3, key=None, evidence={})
    )
    assert title == "[PAGE] bert-base (nlp): stall (now PAGE)"
    assert "seen 3 times" in body
    assert "evidence" not in body


def test_resolution_starts_with_resolved_and_says_how_long_it_lasted() -> None:
    n = notice(
        Action.RESOLVED,
        message="points again after 40 s",
        rule=RuleId.STALL,
        resolved_at=1_000.0 + 750,
    )
    title, body = format_event(n, BASE)
    assert title == "resolved: bert-base (nlp): stall"
    assert body.splitlines()[0] == "points again after 40 s"
    assert "lasted 12 min" in body
    assert "https://lowtide.example.org/runs/r-123" in body


def test_long_evidence_is_cut_and_counted() -> None:
    evidence = {f"k{i}": i for i in range(10)} | {"k0": "x" * 500}
    _, body = format_event(notice(evidence=evidence))
    line = next(x for x in body.splitlines() if x.startswith("evidence:"))
    assert len(line) < 200
    assert line.endswith("and 4 more")


def test_summary_has_best_and_step_finals_duration_and_incidents() -> None:
    summary = RunSummary(
        run=RUN,
        status="finished",
        started_at=0.0,
        ended_at=3 * 3600 + 12 * 60,
        last_step=10_000,
        metric="val/loss",
        best=0.41234,
        best_step=9_000,
        final={"train/loss": 0.38, "val/loss": 0.4301},
        incidents=(incident(), incident(RuleId.STALL, Severity.WARN)),
    )
    title, body = format_summary(summary, BASE)
    assert title == "finished: bert-base (nlp)"
    assert "best val/loss 0.4123 at step 9000" in body
    assert "final: train/loss 0.38, val/loss 0.4301" in body
    assert "ran 3 h 12 min, to step 10000" in body
    assert "incidents: 2: divergence (PAGE), stall (warning)" in body
    assert body.endswith("/runs/r-123")


def test_summary_without_incidents_says_none() -> None:
    summary = RunSummary(run=RUN, status="crashed", started_at=0.0, ended_at=42.0)
    title, body = format_summary(summary)
    assert title == "crashed: bert-base (nlp)"
    assert "incidents: none" in body
    assert "ran 42 s" in body


def test_digest_groups_warnings_by_run_busiest_first() -> None:
    other = RunInfo("r-2", name="gpt-small", project="lm")
    entries = [
        notice(run=RUN, rule=RuleId.NO_LEARNING, severity=Severity.WARN),
        notice(run=other, rule=RuleId.STALL, severity=Severity.WARN, key=None),
        notice(run=other, rule=RuleId.THROUGHPUT_DROP, severity=Severity.WARN, resolved_at=5.0),
    ]
    title, body = format_digest(entries, date(2025, 3, 4), BASE)
    assert title == "digest 2025-03-04: 3 warnings in 2 runs"
    blocks = body.split("\n\n")
    assert blocks[0].startswith("gpt-small (lm): 2 warnings")
    assert "- stall at step 1200 (since step 1100): train/loss rose" in blocks[0]
    assert "throughput drop (train/loss)" in blocks[0]
    assert "(resolved)" in blocks[0]
    assert blocks[0].endswith("/runs/r-2")
    assert blocks[1].startswith("bert-base (nlp): 1 warning\n- no learning")


def test_digest_caps_incidents_per_run() -> None:
    entries = [notice(severity=Severity.WARN, opened_at=float(i)) for i in range(12)]
    _, body = format_digest(entries, date(2025, 3, 4))
    assert body.count("\n- divergence") == DIGEST_MAX_PER_RUN
    assert f"- and {12 - DIGEST_MAX_PER_RUN} more" in body


def test_combine_keeps_one_message_as_is_and_merges_several() -> None:
    assert combine([("a", "b")]) == ("a", "b")
    title, body = combine([(f"t{i}", f"b{i}") for i in range(8)])
    assert title == "8 notifications: t0"
    assert "## t4\nb4" in body
    assert "## t5" not in body
    assert body.endswith("also:\n- t5\n- t6\n- t7")


def test_links_and_durations() -> None:
    assert run_link("http://h:7600/", "a b/c") == "http://h:7600/runs/a%20b%2Fc"
    assert run_link(None, "x") is None
    assert [format_duration(s) for s in (5, 120, 3600, 90_000)] == [
        "5 s",
        "2 min",
        "1 h",
        "1 d 1 h",
    ]
