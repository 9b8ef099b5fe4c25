"""The Forecast page's form and chart, without a server."""

from __future__ import annotations

import datetime as dt

import numpy as np

from lowtide.core.forecast import DEFAULT_LULL_HOURS, DEFAULT_WEEKS, Forecast, Week, find_lulls
from lowtide.server.dashboard.forecast import BOTTOM, CHART_H, chart, parse_forecast_query


def test_an_empty_form_asks_for_the_defaults() -> None:
    query = parse_forecast_query({})
    assert (query.weeks, query.lull_hours, query.errors) == (DEFAULT_WEEKS, DEFAULT_LULL_HOURS, {})


def test_values_are_read_and_kept_as_typed() -> None:
    query = parse_forecast_query({"weeks": " 8 ", "lull_hours": "12.5"})
    assert (query.weeks, query.lull_hours) == (8, 12.5)
    assert (query.weeks_text, query.lull_text) == ("8", "12.5")


def test_each_error_belongs_to_its_field() -> None:
    query = parse_forecast_query({"weeks": "-3", "lull_hours": "inf"})
    assert set(query.errors) == {"weeks", "lull_hours"}
    assert query.weeks_text == "-3"


def test_the_chart_marks_lull_weeks_and_overloads() -> None:
    start = dt.date(2027, 3, 1)
    weeks = tuple(
        Week(start + dt.timedelta(weeks=k), 40.0, p50, p50 + 4)
        for k, p50 in enumerate([30.0, 5.0, 6.0, 45.0])
    )
    lulls = tuple(find_lulls(weeks, 20.0))
    result = Forecast(start, weeks, lulls, (), 20.0, 10, np.zeros((10, 4)))
    drawn = chart(result, frozenset({1, 2}))
    assert [b.lull for b in drawn.bars] == [False, True, True, False]
    assert [b.over for b in drawn.bars] == [False, False, False, True]
    [band] = drawn.lulls
    assert band.lull.weeks == 2
    assert drawn.bars[0].x < band.x < drawn.bars[1].x < drawn.bars[2].x < band.x + band.width
    assert drawn.base == CHART_H - BOTTOM
    # Taller bars for more hours; P80 at or above P50.
    assert drawn.bars[3].y50 < drawn.bars[0].y50 < drawn.bars[1].y50
    assert all(b.y80 <= b.y50 for b in drawn.bars)
