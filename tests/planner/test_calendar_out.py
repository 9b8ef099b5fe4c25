"""The plan as .ics: events per week, stable UIDs, revisions, categories, cancellations."""

from __future__ import annotations

import datetime as dt

import icalendar

from lowtide.core.planner import (
    ActivityKind,
    Candidate,
    Fixed,
    Flexible,
    PlanningProblem,
    greedy_plan,
)
from lowtide.planner.calendar_out import event_uid, plan_calendar
from tests.core.test_planner import weeks

STAMP = dt.datetime(2027, 2, 26, 9, 0, tzinfo=dt.UTC)
CANDIDATES = [
    Candidate(
        "tutor", "Tutoring", ActivityKind.TEACHING, 9, Fixed(4, 2), link="https://example.org/t"
    ),
    Candidate("course", "ML course", ActivityKind.LEARNING, 5, Flexible(10, 2, 6)),
]


def events(ics: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))


def test_each_activity_gets_one_transparent_all_day_event_per_week() -> None:
    p = PlanningProblem(weeks(3), (20.0, 20.0, 20.0), rest_hours=4, habit_hours=2)
    plan = greedy_plan(CANDIDATES, p)
    ics = plan_calendar(plan, CANDIDATES, plan_key="plan-1", revision=0, stamp=STAMP)
    found = events(ics)
    by_summary = sorted(str(e["SUMMARY"]) for e in found)
    assert by_summary == [
        "Daily learning: 2 h",
        "Daily learning: 2 h",
        "Daily learning: 2 h",
        "ML course: 4 h",
        "ML course: 6 h",
        "Tutoring: 4 h",
        "Tutoring: 4 h",
    ]
    tutor = [e for e in found if str(e["SUMMARY"]).startswith("Tutoring")]
    assert tutor[0].start == dt.date(2027, 3, 1)
    assert tutor[0].end == dt.date(2027, 3, 8)
    assert tutor[0].categories == ["teaching"]
    assert str(tutor[0]["URL"]) == "https://example.org/t"
    assert str(tutor[0]["TRANSP"]) == "TRANSPARENT"
    assert "weeks 1" in str(tutor[0]["DESCRIPTION"])
    assert all(e["SEQUENCE"] == 0 for e in found)
    assert len({str(e["UID"]) for e in found}) == len(found)


def test_a_revision_keeps_the_uids_bumps_the_sequence_and_cancels_dropped_weeks() -> None:
    p = PlanningProblem(weeks(3), (20.0, 20.0, 20.0), rest_hours=4)
    first = greedy_plan(CANDIDATES, p)
    second = greedy_plan(CANDIDATES[:1], p)  # the course is gone
    ics = plan_calendar(
        second, CANDIDATES, plan_key="plan-1", revision=3, stamp=STAMP, previous=first
    )
    found = {str(e["UID"]): e for e in events(ics)}
    tutor_uid = event_uid("plan-1", "tutor", dt.date(2027, 3, 1))
    assert tutor_uid in found
    assert found[tutor_uid]["SEQUENCE"] == 3
    cancelled = [e for e in found.values() if str(e.get("STATUS")) == "CANCELLED"]
    assert len(cancelled) == 2
    assert all("ML course" in str(e["SUMMARY"]) for e in cancelled)
    assert event_uid("plan-1", "tutor", dt.date(2027, 3, 1)) == tutor_uid
    assert event_uid("plan-2", "tutor", dt.date(2027, 3, 1)) != tutor_uid


def test_an_empty_plan_is_an_empty_calendar() -> None:
    plan = greedy_plan(CANDIDATES, PlanningProblem(weeks(2), (0.0, 0.0)))
    ics = plan_calendar(plan, CANDIDATES, plan_key="p", revision=0, stamp=STAMP)
    assert events(ics) == []
    assert b"BEGIN:VCALENDAR" in ics
