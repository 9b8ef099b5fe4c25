"""The Forecast page: committed hours (P50, P80) against capacity per week, lulls marked.

The chart is an SVG drawn on the server: a bar per week (P50 solid, up to P80
lighter), the capacity as a line, and the lull weeks shaded with their free hours.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from lowtide.core.forecast import DEFAULT_LULL_HOURS, DEFAULT_WEEKS, Forecast, Lull, Week
from lowtide.core.profile import MAX_WEEKLY_HOURS
from lowtide.projects.forecasting import RunEta, build_forecast
from lowtide.server.api_projects import MAX_WEEKS
from lowtide.store import Store

#: The chart's box in SVG units, and its margins (left for the hour labels, bottom
#: for the week labels, top for the lulls' labels).
CHART_W, CHART_H = 1000.0, 260.0
LEFT, RIGHT, TOP, BOTTOM = 40.0, 10.0, 26.0, 24.0
#: Share of a week's slot its bar fills.
BAR_SHARE = 0.62
#: Hours between two grid lines of the chart.
GRID_HOURS = 10.0


@dataclass(frozen=True)
class ForecastQuery:
    """The page's form as typed, the values it stands for, and what was wrong with it."""

    weeks_text: str = ""
    lull_text: str = ""
    weeks: int = DEFAULT_WEEKS
    lull_hours: float = DEFAULT_LULL_HOURS
    errors: dict[str, str] = field(default_factory=dict)


def parse_forecast_query(query: Mapping[str, str]) -> ForecastQuery:
    """`weeks` (1 to MAX_WEEKS) and `lull_hours` (0 to a week's hours); errors by field."""
    weeks_text = query.get("weeks", "").strip()
    lull_text = query.get("lull_hours", "").strip()
    errors: dict[str, str] = {}
    weeks, lull = DEFAULT_WEEKS, DEFAULT_LULL_HOURS
    if weeks_text:
        if not weeks_text.isdigit() or not 1 <= int(weeks_text) <= MAX_WEEKS:
            errors["weeks"] = f"Weeks ahead is a whole number from 1 to {MAX_WEEKS}."
        else:
            weeks = int(weeks_text)
    if lull_text:
        try:
            lull = float(lull_text)
        except ValueError:
            lull = math.nan
        if not 0 <= lull <= MAX_WEEKLY_HOURS:
            errors["lull_hours"] = (
                f"Free hours for a lull is a number of hours from 0 to {MAX_WEEKLY_HOURS:g}."
            )
            lull = DEFAULT_LULL_HOURS
    return ForecastQuery(weeks_text, lull_text, weeks, lull, errors)


@dataclass(frozen=True)
class WeekBar:
    """One week in the chart, in SVG units."""

    week: Week
    x: float
    width: float
    y50: float
    y80: float
    over: bool  # committed beyond capacity at P50
    lull: bool


@dataclass(frozen=True)
class LullBand:
    lull: Lull
    x: float
    width: float


@dataclass(frozen=True)
class Chart:
    bars: list[WeekBar]
    lulls: list[LullBand]
    capacity: str  # the points of an SVG polyline
    grid: list[tuple[float, str]]  # y and label
    labels: list[tuple[float, str]]  # x (centre) and label
    base: float  # y of zero hours
    width: float = CHART_W
    height: float = CHART_H


@dataclass(frozen=True)
class ForecastView:
    forecast: Forecast
    chart: Chart
    lull_weeks: frozenset[int]
    etas: dict[str, float]
    today: dt.date

    @property
    def free_total(self) -> float:
        return sum(lull.free_hours for lull in self.forecast.lulls)


def forecast_view(store: Store, now: float, run_eta: RunEta, query: ForecastQuery) -> ForecastView:
    """The forecast of every project for the weeks and lull threshold asked for."""
    result, etas = build_forecast(
        store, now, run_eta, weeks=query.weeks, lull_hours=query.lull_hours
    )
    lull_weeks = frozenset(
        k for lull in result.lulls for k in range(lull.first_week, lull.first_week + lull.weeks)
    )
    today = dt.datetime.fromtimestamp(now, store.engineer_profile().tz).date()
    return ForecastView(result, chart(result, lull_weeks), lull_weeks, etas, today)


@dataclass(frozen=True)
class WeekLoad:
    """This week's committed hours against capacity, and the next lull: the Now page's line."""

    week: Week
    next_lull: Lull | None

    @property
    def share_p80(self) -> float:
        """Committed hours (P80) as a share of capacity, for the bar; 0 without capacity."""
        if self.week.capacity <= 0:
            return 1.0 if self.week.committed_p80 > 0 else 0.0
        return min(1.0, self.week.committed_p80 / self.week.capacity)


def week_load(store: Store, now: float, run_eta: RunEta) -> WeekLoad | None:
    """This week's load and the next lull; None while no project is planned."""
    if not store.plan().projects:
        return None
    result, _ = build_forecast(store, now, run_eta)
    if not result.weeks:
        return None
    return WeekLoad(result.weeks[0], result.lulls[0] if result.lulls else None)


def chart(result: Forecast, lull_weeks: frozenset[int]) -> Chart:
    """The chart's geometry: bars, capacity line, lull bands, grid and labels."""
    weeks = result.weeks
    top = max([GRID_HOURS, *(max(w.capacity, w.committed_p80) for w in weeks)])
    top = math.ceil(top / GRID_HOURS) * GRID_HOURS
    plot_w = CHART_W - LEFT - RIGHT
    plot_h = CHART_H - TOP - BOTTOM
    slot = plot_w / max(1, len(weeks))
    base = TOP + plot_h

    def y(hours: float) -> float:
        return round(base - plot_h * min(hours, top) / top, 1)

    bars = []
    points = []
    for k, w in enumerate(weeks):
        x = LEFT + k * slot
        bar_w = slot * BAR_SHARE
        bars.append(
            WeekBar(
                week=w,
                x=round(x + (slot - bar_w) / 2, 1),
                width=round(bar_w, 1),
                y50=y(w.committed_p50),
                y80=y(w.committed_p80),
                over=w.committed_p50 > w.capacity,
                lull=k in lull_weeks,
            )
        )
        points += [f"{x:.1f},{y(w.capacity)}", f"{x + slot:.1f},{y(w.capacity)}"]
    bands = [
        LullBand(lull, round(LEFT + lull.first_week * slot, 1), round(lull.weeks * slot, 1))
        for lull in result.lulls
    ]
    every = max(1, math.ceil(len(weeks) / 13))
    labels = [
        (round(LEFT + (k + 0.5) * slot, 1), w.start.strftime("%d %b"))
        for k, w in enumerate(weeks)
        if k % every == 0
    ]
    grid = [(y(h), f"{h:g}") for h in (GRID_HOURS * i for i in range(int(top / GRID_HOURS) + 1))]
    return Chart(
        bars=bars, lulls=bands, capacity=" ".join(points), grid=grid, labels=labels, base=base
    )
