"""The demo's plan: made from the board and the forecast's lull, and accepted."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest

from lowtide.config import Settings
from lowtide.core.forecast import DEFAULT_LULL_HOURS
from lowtide.core.plan_record import PlanState
from lowtide.core.planner import violations
from lowtide.demo import fill_demo
from lowtide.demo.projects import demo_projects
from lowtide.demo.schedule import add_plan
from lowtide.store import Store, open_store

#: Seconds the demo may take with its plan (the solver's short limit included).
DEMO_BUDGET_S = 25.0


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[str]]]:
    """A store filled by the whole demo, and the activities it says it planned."""
    tmp = tmp_path_factory.mktemp("demo-plan")
    settings = Settings(home=tmp / "home", database_url=f"sqlite:///{tmp / 'lowtide.db'}")
    store = open_store(settings.database_url)
    store.upgrade()
    try:
        started = time.perf_counter()
        result = fill_demo(store, settings)
        assert time.perf_counter() - started < DEMO_BUDGET_S
        yield store, result.plan
    finally:
        store.close()


def test_the_demo_leaves_an_accepted_plan_in_the_lull(
    demo_store: tuple[Store, list[str]],
) -> None:
    store, planned = demo_store
    plan = store.latest_plan(PlanState.ACCEPTED)
    assert plan is not None
    assert store.latest_plan(PlanState.PREVIEW) is None
    assert plan.revision == 0
    assert plan.items
    assert planned == [i.candidate.title for i in plan.items]
    assert not violations(plan.candidates(), plan.problem(), plan.result())
    # Hours go into the forecast's lull, where the projects leave room.
    lull = [k for k, free in enumerate(plan.free_hours) if free >= DEFAULT_LULL_HOURS]
    assert lull
    assert sum(i.hours[k] for i in plan.items for k in lull) > 0
    # The user's own time limit stays the default.
    assert store.planner_settings().time_limit_s == plan.settings.time_limit_s


def test_a_store_without_opportunities_gets_a_few_offers(sqlite_store: Store) -> None:
    now = time.time()
    today = dt.date.today()
    sqlite_store.apply_projects(demo_projects(today, []), now=now)
    assert not sqlite_store.opportunities()
    plan = add_plan(sqlite_store, today, now)
    assert plan.state is PlanState.ACCEPTED
    sources = {o.opportunity.source for o in sqlite_store.opportunities()}
    assert sources == {"file"}
    assert plan.items
