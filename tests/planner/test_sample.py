"""The sample problems: the same for a seed, and made of lowtide's own defaults."""

from __future__ import annotations

from collections import Counter

from lowtide.core.opportunities import PAPER_SHAPE
from lowtide.core.planner import Fixed, Flexible
from lowtide.core.planner.model import DEFAULT_MAX_CONCURRENT, DEFAULT_REST_HOURS
from lowtide.core.profile import DEFAULT_WEEKLY_HOURS
from lowtide.planner.sample import KIND_MIX, sample_problem


def test_a_seed_gives_the_same_problem() -> None:
    assert sample_problem(3, 40, 20) == sample_problem(3, 40, 20)
    assert sample_problem(3, 40, 20) != sample_problem(4, 40, 20)


def test_free_hours_have_busy_weeks_and_lulls_of_a_full_time_week() -> None:
    _, p = sample_problem(0)
    free = p.free_hours
    assert all(0 <= h <= DEFAULT_WEEKLY_HOURS for h in free)
    assert sum(h <= 8 for h in free) >= len(free) // 3  # busy stretches of hands-on stages
    assert any(h >= 20 for h in free)  # lulls of unattended stages
    assert (p.rest_hours, p.max_concurrent) == (DEFAULT_REST_HOURS, DEFAULT_MAX_CONCURRENT)


def test_candidates_take_the_shapes_of_their_sources() -> None:
    cs, _ = sample_problem(1)
    sorts = Counter(c.key.split("-")[0] for c in cs)
    assert set(sorts) <= set(KIND_MIX)
    for c in cs:
        sort = c.key.split("-")[0]
        if sort == "paper":
            assert c.shape == Flexible(PAPER_SHAPE.total_hours, 4, 20)
            assert c.deadline is not None
        if sort == "tutoring":
            assert isinstance(c.shape, Fixed)
            assert c.shape.weekly_hours == 10
            assert c.shape.weeks in (26, 52)
        if sort == "article":
            assert 10 <= c.total_hours <= 20
        assert 0 < c.value <= 30  # three scores of 0-10 under equal weights
