"""Opportunities for the Plan page's tests and picture, from the real snapshot files.

The seeded projects leave a lull; the writing programmes (open, no deadline) and
the calls for talks of the snapshots fill it. When the board's seed has already
imported opportunities they are used as they are. One opportunity is titled as a
script (unless the board's seed brought one), with a value high enough to be chosen,
so the page must show it as text.
"""

from __future__ import annotations

import time
from pathlib import Path

from lowtide.core.opportunities import opportunity_from_json
from lowtide.core.plan_settings import PlannerSettings
from lowtide.opportunities.registry import import_from
from lowtide.planner.planning import accept, preview
from lowtide.server.api_projects import live_run_eta
from lowtide.store import Store

#: The snapshot folders imported, by importer.
SOURCES = (
    ("writer-programs", "community-writer-programs"),
    ("tech-conferences", "tech-conferences"),
)
#: An opportunity whose title and link would run script if the page trusted them.
XSS_TITLE = "<script>alert(1)</script>"
#: Seconds the tests' solver may take: "Plan again" answers within a test's patience.
TEST_TIME_LIMIT_S = 1.0


def seed_plan_inputs(store: Store, snapshots: Path, hostile: bool = True) -> None:
    """The snapshots' opportunities unless some are there, the script-titled one with
    `hostile`, and a short solver time limit."""
    if not store.opportunities():
        for source, folder in SOURCES:
            report = import_from(source, str(snapshots / folder))
            store.save_opportunities(list(report.opportunities.values()))
    titles = {item.opportunity.title for item in store.opportunities()}
    if hostile and XSS_TITLE not in titles:
        fields = {
            "title": XSS_TITLE,
            "kind": "other",
            "link": "javascript:alert(1)",
            "hours": 6,
            "min_weekly": 2,
            "max_weekly": 3,
            "income": 10,
            "learning": 10,
            "reputation": 10,
        }
        xss = opportunity_from_json(fields, source="manual", key="xss-plan")
        store.save_opportunities([xss])
    store.set_planner_settings(PlannerSettings(time_limit_s=TEST_TIME_LIMIT_S))


def plan_for_pictures(store: Store, snapshots: Path) -> None:
    """A plan accepted, then a re-plan previewed over it: the page shows both states,
    the frozen weeks and the lull."""
    seed_plan_inputs(store, snapshots, hostile=False)
    run_eta = live_run_eta(store)
    preview(store, time.time(), run_eta)
    accept(store, time.time())
    preview(store, time.time(), run_eta)
