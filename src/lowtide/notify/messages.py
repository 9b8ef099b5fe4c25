"""Notification text: pure functions from notices to a short (title, body).

Plain text that reads well as markdown too: chat apps, phones and mail all
show it. Every message names the run and links to it when the dashboard's
address is known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

import numpy as np

from lowtide.core.health import Action, Incident, RuleId, Severity
from lowtide.core.sparkline import sparkline
from lowtide.notify.notices import EventNotice, RunInfo, RunSummary

#: Characters in the sparkline of recent values: fits a phone's notification line.
SPARK_WIDTH = 30
#: Evidence entries shown; the rest are counted, the dashboard has them all.
EVIDENCE_MAX_ITEMS = 6
#: Characters of one evidence value before it is cut.
EVIDENCE_VALUE_CHARS = 60
#: Final values listed in an end-of-run summary.
SUMMARY_MAX_FINALS = 6
#: Runs listed in a digest, and incidents per run; the rest are counted.
DIGEST_MAX_RUNS = 20
DIGEST_MAX_PER_RUN = 8
#: Messages merged into one shown in full; the rest are listed by title.
COMBINE_MAX_FULL = 5
#: Titles listed after those, before "and N more".
COMBINE_MAX_TITLES = 20
#: Significant digits of numbers in messages.
DIGITS = 4

SEVERITY_LABEL: dict[Severity, str] = {
    Severity.PAGE: "PAGE",
    Severity.WARN: "warning",
    Severity.INFO: "info",
}


def run_link(base_url: str | None, run_id: str) -> str | None:
    """The run's page on the dashboard: `{base_url}/runs/{run_id}`."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/runs/{quote(run_id, safe='')}"


def rule_name(rule: RuleId) -> str:
    """A rule as people say it: `no learning`."""
    return rule.value.replace("_", " ")


def format_number(value: float) -> str:
    """A number with a few significant digits; `nan` and `inf` as they are."""
    if isinstance(value, int) or not math.isfinite(value):
        return str(value)
    return f"{value:.{DIGITS}g}"


def format_duration(seconds: float) -> str:
    """A duration as people say it: `45 s`, `12 min`, `3 h 12 min`, `2 d 4 h`."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    minutes, hours, days = s // 60, s // 3600, s // 86400
    if s < 3600:
        return f"{minutes} min"
    if s < 86400:
        rest = minutes % 60
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    rest = hours % 24
    return f"{days} d {rest} h" if rest else f"{days} d"


def plural(n: int, word: str) -> str:
    """`1 warning`, `3 warnings`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def format_evidence(evidence: Mapping[str, Any]) -> str:
    """`level=2.31, best=0.52`, cut to a few entries of bounded length."""
    parts = []
    for key, value in list(evidence.items())[:EVIDENCE_MAX_ITEMS]:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        text = format_number(value) if number else str(value)
        if len(text) > EVIDENCE_VALUE_CHARS:
            text = text[: EVIDENCE_VALUE_CHARS - 1] + "…"
        parts.append(f"{key}={text}")
    more = len(evidence) - EVIDENCE_MAX_ITEMS
    if more > 0:
        parts.append(f"and {more} more")
    return ", ".join(parts)


def format_recent(values: Sequence[float]) -> str:
    """A sparkline of recent values with the first and the last: `▁▂▅█ 0.52 → 2.31`."""
    line = sparkline(np.asarray(values, dtype=np.float64), width=SPARK_WIDTH)
    return f"{line}  {format_number(values[0])} → {format_number(values[-1])}"


def _steps(incident: Incident) -> str:
    if incident.step is None:
        return ""
    text = f"step {incident.step}"
    if incident.onset_step is not None and incident.onset_step != incident.step:
        text += f" (since step {incident.onset_step})"
    return text


def _incident_lines(notice: EventNotice, base_url: str | None) -> list[str]:
    incident = notice.event.incident
    facts = [rule_name(incident.rule), SEVERITY_LABEL[incident.severity]]
    if incident.key:
        facts.append(incident.key)
    where = [_steps(incident)] if incident.step is not None else []
    if incident.count > 1:
        where.append(f"seen {incident.count} times")
    lines = [notice.event.message or incident.message, " · ".join(facts)]
    if where:
        lines.append(" · ".join(where))
    if incident.evidence:
        lines.append(f"evidence: {format_evidence(incident.evidence)}")
    if notice.recent:
        label = incident.key or "recent"
        lines.append(f"{label}: {format_recent(notice.recent)}")
    link = run_link(base_url, notice.run.run_id)
    if link:
        lines.append(link)
    return lines


def format_event(notice: EventNotice, base_url: str | None = None) -> tuple[str, str]:
    """An incident that opened or grew worse; a resolution reads as `resolved: ...`."""
    if notice.event.action is Action.RESOLVED:
        return format_resolution(notice, base_url)
    incident = notice.event.incident
    title = f"[{SEVERITY_LABEL[incident.severity]}] {notice.run.label}: {rule_name(incident.rule)}"
    if notice.event.action is Action.UPDATED:
        title += f" (now {SEVERITY_LABEL[incident.severity]})"
    return title, "\n".join(_incident_lines(notice, base_url))


def format_resolution(notice: EventNotice, base_url: str | None = None) -> tuple[str, str]:
    """An incident that is over: what ended it, and how long it lasted."""
    incident = notice.event.incident
    title = f"resolved: {notice.run.label}: {rule_name(incident.rule)}"
    lines = [notice.event.message or "the run recovered"]
    opened = f"opened as {SEVERITY_LABEL[incident.severity]}"
    if incident.opened_step is not None:
        opened += f" at step {incident.opened_step}"
    if incident.resolved_at is not None:
        opened += f", lasted {format_duration(incident.resolved_at - incident.opened_at)}"
    lines.append(opened)
    lines.append(f"first: {incident.message}" if incident.message else "")
    link = run_link(base_url, notice.run.run_id)
    if link:
        lines.append(link)
    return title, "\n".join(line for line in lines if line)


def format_summary(summary: RunSummary, base_url: str | None = None) -> tuple[str, str]:
    """The end of a run: best metric and its step, final values, duration, incidents."""
    title = f"{summary.status}: {summary.run.label}"
    lines = []
    if summary.metric is not None and summary.best is not None:
        best = f"best {summary.metric} {format_number(summary.best)}"
        if summary.best_step is not None:
            best += f" at step {summary.best_step}"
        lines.append(best)
    if summary.final:
        finals = list(summary.final.items())
        shown = ", ".join(f"{k} {format_number(v)}" for k, v in finals[:SUMMARY_MAX_FINALS])
        more = len(finals) - SUMMARY_MAX_FINALS
        lines.append(f"final: {shown}" + (f" and {more} more" if more > 0 else ""))
    ran = f"ran {format_duration(summary.ended_at - summary.started_at)}"
    if summary.last_step is not None:
        ran += f", to step {summary.last_step}"
    lines.append(ran)
    if summary.incidents:
        named = ", ".join(
            f"{rule_name(i.rule)} ({SEVERITY_LABEL[i.severity]})" for i in summary.incidents
        )
        lines.append(f"incidents: {len(summary.incidents)}: {named}")
    else:
        lines.append("incidents: none")
    link = run_link(base_url, summary.run.run_id)
    if link:
        lines.append(link)
    return title, "\n".join(lines)


def _digest_line(notice: EventNotice) -> str:
    incident = notice.event.incident
    head = rule_name(incident.rule)
    if incident.key:
        head += f" ({incident.key})"
    steps = _steps(incident)
    if steps:
        head += f" at {steps}"
    text = f"- {head}: {incident.message}"
    if incident.resolved_at is not None:
        text += " (resolved)"
    return text


def format_digest(
    entries: Sequence[EventNotice], day: date, base_url: str | None = None
) -> tuple[str, str]:
    """The day's warnings, grouped by run, most warnings first."""
    by_run: dict[str, list[EventNotice]] = {}
    runs: dict[str, RunInfo] = {}
    for notice in entries:
        by_run.setdefault(notice.run.run_id, []).append(notice)
        runs[notice.run.run_id] = notice.run
    title = (
        f"digest {day.isoformat()}: {plural(len(entries), 'warning')} "
        f"in {plural(len(by_run), 'run')}"
    )
    ordered = sorted(by_run, key=lambda run_id: (-len(by_run[run_id]), runs[run_id].label))
    blocks = []
    for run_id in ordered[:DIGEST_MAX_RUNS]:
        notices = by_run[run_id]
        lines = [f"{runs[run_id].label}: {plural(len(notices), 'warning')}"]
        lines += [_digest_line(n) for n in notices[:DIGEST_MAX_PER_RUN]]
        if len(notices) > DIGEST_MAX_PER_RUN:
            lines.append(f"- and {len(notices) - DIGEST_MAX_PER_RUN} more")
        link = run_link(base_url, run_id)
        if link:
            lines.append(link)
        blocks.append("\n".join(lines))
    if len(ordered) > DIGEST_MAX_RUNS:
        blocks.append(f"and {plural(len(ordered) - DIGEST_MAX_RUNS, 'more run')}")
    return title, "\n\n".join(blocks)


def combine(messages: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """Several messages as one (rate limit, quiet hours): the first few in full, then titles."""
    if len(messages) == 1:
        return messages[0]
    title = f"{len(messages)} notifications: {messages[0][0]}"
    blocks = [f"## {t}\n{b}" for t, b in messages[:COMBINE_MAX_FULL]]
    rest = messages[COMBINE_MAX_FULL:]
    if rest:
        listed = [f"- {t}" for t, _ in rest[:COMBINE_MAX_TITLES]]
        if len(rest) > COMBINE_MAX_TITLES:
            listed.append(f"- and {len(rest) - COMBINE_MAX_TITLES} more")
        blocks.append("also:\n" + "\n".join(listed))
    return title, "\n\n".join(blocks)
