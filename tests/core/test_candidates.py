"""Opportunities as the planner's candidates, and the planner's settings."""

from __future__ import annotations

import datetime as dt

import pytest

from lowtide.core.candidates import MIN_WEEKLY_HOURS, candidate_pool, to_candidate
from lowtide.core.opportunities import StoredOpportunity, ValueWeights, opportunity_from_json
from lowtide.core.plan_settings import PlannerSettings
from lowtide.core.planner import ActivityKind, Fixed, Flexible

NOW = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)


def stored(n: int, title: str, **fields: object) -> StoredOpportunity:
    o = opportunity_from_json({"title": title, **fields}, source="file", key=title.lower())
    return StoredOpportunity(n, o)


def test_shapes_dates_and_value() -> None:
    weights = ValueWeights(income=2, learning=0, reputation=1)
    tutoring = to_candidate(stored(1, "Tutor", kind="teaching", max_weekly=10, weeks=26), weights)
    assert tutoring.shape == Fixed(10, 26)
    assert tutoring.is_long
    assert tutoring.value == 2 * 6 + 3
    course = to_candidate(
        stored(
            2, "Course", kind="learning", hours=30, min_weekly=0, max_weekly=6,
            earliest_start="2027-03-10", deadline="2027-05-01T12:00-08:00",
            start_windows="2027-03-10..2027-03-20", link="https://example.org",
        ),
        weights,
    )  # fmt: skip
    assert course.key == "file/course"
    assert course.kind is ActivityKind.LEARNING
    assert course.shape == Flexible(30, MIN_WEEKLY_HOURS, 6)
    assert course.deadline == dt.date(2027, 5, 1)
    assert course.earliest_start == dt.date(2027, 3, 10)
    assert course.start_windows == ((dt.date(2027, 3, 10), dt.date(2027, 3, 20)),)
    assert course.link == "https://example.org"


def test_the_pool_rejects_past_and_closed_ones_and_caps_the_rest() -> None:
    items = [
        stored(1, "Past", kind="talk", deadline="2027-02-01"),
        stored(2, "Closed", kind="talk", open=False),
        *(stored(10 + n, f"Gig {n}", kind="freelance", income=n) for n in range(5)),
    ]
    pool = candidate_pool(items, ValueWeights(), NOW, keep=frozenset({"file/gig 0"}), limit=2)
    assert [c.title for c in pool.candidates] == ["Gig 4", "Gig 3", "Gig 0"]
    assert {r.key: r.reason for r in pool.rejected} == {
        "file/past": "its deadline 2027-02-01 has passed",
        "file/closed": (
            "closed (by its source, or by you with `lowtide opportunities edit --close`)"
        ),
    }
    assert pool.notes == (
        "2 more open opportunities beyond the best 2 by value were not considered; "
        "narrow the filter to plan them",
    )
    assert pool.about["file/past"].id == 1


def test_settings_name_the_wrong_field() -> None:
    assert PlannerSettings.from_json({}) == PlannerSettings()
    assert PlannerSettings.from_json({"rest_hours": 6}).rest_hours == 6
    for data, field in (
        ({"rest_hours": -1}, "rest_hours"),
        ({"max_concurrent": 1.5}, "max_concurrent"),
        ({"optimistic": "maybe"}, "optimistic"),
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"habit_hours": 100, "rest_hours": 100}, "habit_hours"),
        ({"colour": "red"}, "colour"),
    ):
        with pytest.raises(ValueError, match=f"^{field}: "):
            PlannerSettings.from_json(data)
