"""The demo's plan of the lulls: made from the board and the forecast, then accepted.

The demo's board brings the opportunities; on a store without any (this
part alone, in a test) a few offers written in the generic file format are
imported first, dated from today so that they fit the forecast's lull. The
solver gets a short time limit, so the demo stays a matter of seconds; the
user's own time limit is left as it is for the next `lowtide plan`.
"""

from __future__ import annotations

import datetime as dt

from lowtide.core.plan_record import StoredPlan
from lowtide.opportunities.registry import import_content
from lowtide.planner.planning import accept, preview
from lowtide.server.api_projects import live_run_eta
from lowtide.store import Store

#: Seconds the demo's solver may take (a preview from the greedy plan comes first).
DEMO_TIME_LIMIT_S = 1.5


def fallback_offers(today: dt.date) -> str:
    """A few offers for a store with none: a course, an article, a talk and a small review."""

    def day(days: int) -> str:
        return (today + dt.timedelta(days=days)).isoformat()

    return f"""\
opportunities:
  - id: course-probabilistic-forecasting
    title: Course on probabilistic forecasting
    kind: learning
    hours: 20
    min_weekly: 2
    max_weekly: 6
    domains: time-series, machine-learning
    learning: 8
  - id: article-warmup
    title: Article on learning-rate warm-up
    kind: writing
    pay: "$300"
    hours: 12
    min_weekly: 2
    max_weekly: 6
    deadline: {day(90)}
    domains: machine-learning
  - id: meetup-talk
    title: Meetup talk on training that diverges
    kind: talk
    hours: 10
    min_weekly: 2
    max_weekly: 5
    deadline: {day(75)}
    domains: machine-learning
    reputation: 6
  - id: review-pipeline
    title: Review a small training pipeline
    kind: freelance
    pay: "$60/h"
    hours: 8
    min_weekly: 2
    max_weekly: 8
    deadline: {day(60)}
    domains: machine-learning
"""


def add_plan(store: Store, today: dt.date, now: float) -> StoredPlan:
    """Plan the lulls with what the board holds, and accept the plan; the accepted plan."""
    if not store.opportunities():
        offers = import_content("file", "offers.yaml", fallback_offers(today).encode())
        store.save_opportunities(list(offers.opportunities.values()), now=now)
    preview(store, now, live_run_eta(store), time_limit_s=DEMO_TIME_LIMIT_S)
    return accept(store, now)
