"""The dashboard's pages: server-rendered HTML, with small scripts for charts and buttons."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

from lowtide import __version__
from lowtide.errors import NotFoundError
from lowtide.server.api_projects import live_run_eta
from lowtide.server.dashboard import format as fmt
from lowtide.server.dashboard.board import (
    BoardQuery,
    board_view,
    check_filter_name,
    parse_board_query,
)
from lowtide.server.dashboard.filters import parse_filters
from lowtide.server.dashboard.forecast import forecast_view, parse_forecast_query, week_load
from lowtide.server.dashboard.forms import read_form, single
from lowtide.server.dashboard.growth import (
    GrowthForm,
    blank_form,
    growth_view,
    parse_growth_form,
)
from lowtide.server.dashboard.notifications import (
    notification_scopes,
    notifications_view,
    parse_delivery_filters,
)
from lowtide.server.dashboard.plan_routes import add_plan_routes
from lowtide.server.dashboard.projects import needs, projects_view
from lowtide.server.dashboard.views import (
    chart_order,
    flat_config,
    headline_key,
    health_of,
    now_view,
    runs_view,
)
from lowtide.store import Store

HERE = Path(__file__).parent
STATIC_URL = "/static"
#: Most runs compared on one chart (colors stay distinct up to here).
MAX_COMPARED = 8
#: Runs of a project listed on its page at most (the newest).
RUNS_LISTED = 50


@dataclass(frozen=True)
class NavItem:
    """One entry of the top bar; `section` marks it current on its pages."""

    section: str
    title: str
    href: str


#: The top bar, in the order of the work: runs, projects and their forecast, then what
#: to do with the lulls; Notifications stays last.
NAV = (
    NavItem("now", "Now", "/"),
    NavItem("runs", "Runs", "/runs"),
    NavItem("projects", "Projects", "/projects"),
    NavItem("forecast", "Forecast", "/forecast"),
    NavItem("opportunities", "Opportunities", "/opportunities"),
    NavItem("plan", "Plan", "/plan"),
    NavItem("growth", "Growth", "/growth"),
    NavItem("notifications", "Notifications", "/notifications"),
)


def templates() -> jinja2.Environment:
    """The page templates; every value is HTML-escaped unless a template says otherwise."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        value=fmt.value,
        duration=fmt.duration,
        ago=fmt.ago,
        iso=fmt.iso,
        hours=fmt.hours,
        day=fmt.day,
        unix_day=fmt.unix_day,
        link=fmt.link,
    )
    env.globals.update(nav=NAV, version=__version__, static=STATIC_URL)
    return env


def mount_dashboard(
    app: FastAPI, store: Store, *, can_notify: bool = False, clock: Callable[[], float] = time.time
) -> None:
    """Serve the pages and their static files (vendored uPlot included: no CDN).

    `can_notify` says whether the server sends notifications (the test button works).
    """
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(build_dashboard_router(store, templates(), can_notify, clock))


def build_dashboard_router(
    store: Store,
    env: jinja2.Environment,
    can_notify: bool = False,
    clock: Callable[[], float] = time.time,
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    run_eta = live_run_eta(store)

    def page(name: str, section: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(section=section, **context)
        return HTMLResponse(html, status_code=status_code)

    @router.get("/")
    async def now() -> HTMLResponse:
        view = await run_in_threadpool(now_view, store)
        load = await run_in_threadpool(week_load, store, clock(), run_eta)
        return page("now.html", "now", view=view, load=load)

    @router.get("/runs")
    async def runs(request: Request) -> HTMLResponse:
        def work() -> dict[str, Any]:
            projects = [p.name for p in store.list_projects()]
            filters = parse_filters(request.query_params, set(projects))
            return {"filters": filters, "view": runs_view(store, filters)}

        found = await run_in_threadpool(work)
        status = 400 if found["filters"].errors else 200
        return page("runs.html", "runs", status_code=status, **found)

    @router.get("/runs/{run_id}")
    async def run(run_id: str) -> HTMLResponse:
        def work() -> dict[str, Any] | None:
            try:
                record = store.get_run(run_id)
            except NotFoundError:
                return None
            incidents = store.list_incidents(run=run_id, limit=200)
            keys = store.list_keys(run_id)
            # The outlook reads whole series (slow for a long run): the page asks for it
            # once its charts are drawn, so the curves never wait for the ETA.
            headline = headline_key(store, run_id, keys)
            return {
                "run": record,
                "chart_keys": chart_order([k.key for k in keys], headline),
                "health": health_of(record, [i for i in incidents if i.is_open]),
                "incidents": incidents,
                "keys": keys,
                "last_step": max((k.last_step for k in keys), default=None),
                "config": flat_config(record.config),
                "boot": {
                    "run": record.uid,
                    "live": record.status.is_live,
                    "headline": headline,
                    "keys": [k.to_json() for k in keys],
                    "incidents": [i.to_json() for i in incidents],
                },
            }

        found = await run_in_threadpool(work)
        if found is None:
            return page("missing.html", "runs", status_code=404, what=f"run {run_id}")
        return page("run.html", "runs", **found)

    @router.get("/compare")
    async def compare(request: Request) -> HTMLResponse:
        ids = request.query_params.getlist("run")[:MAX_COMPARED]

        def work() -> list[Any]:
            found = []
            for uid in ids:
                try:
                    found.append(store.get_run(uid))
                except NotFoundError:
                    continue
            return found

        chosen = await run_in_threadpool(work)
        boot = {"runs": [{"id": r.uid, "name": r.name} for r in chosen]}
        return page(
            "compare.html", "runs", runs=chosen, boot=boot, too_many=len(ids) > MAX_COMPARED
        )

    @router.get("/projects")
    async def projects() -> HTMLResponse:
        view = await run_in_threadpool(projects_view, store, clock(), run_eta)
        return page("projects.html", "projects", view=view)

    @router.get("/projects/{name:path}")
    async def project(name: str) -> HTMLResponse:
        def work() -> dict[str, Any] | None:
            try:
                view = projects_view(store, clock(), run_eta, name)
            except NotFoundError:
                return None
            [timeline] = view.timelines
            lines = [row.line for row in timeline.rows]
            runs = {r.uid: r for r in store.list_runs(project=name, limit=RUNS_LISTED)}
            return {
                "view": view,
                "timeline": timeline,
                "needs": needs(lines, view.axis.today),
                "runs": runs,
            }

        found = await run_in_threadpool(work)
        if found is None:
            return page("missing.html", "projects", status_code=404, what=f"project {name}")
        return page("project.html", "projects", **found)

    @router.get("/forecast")
    async def forecast(request: Request) -> HTMLResponse:
        query = parse_forecast_query(request.query_params)
        view = None
        if not query.errors:
            view = await run_in_threadpool(forecast_view, store, clock(), run_eta, query)
        status = 400 if query.errors else 200
        return page("forecast.html", "forecast", status_code=status, query=query, view=view)

    add_plan_routes(router, store, page, clock, run_eta)

    @router.get("/notifications")
    async def notifications(request: Request) -> HTMLResponse:
        def work() -> dict[str, Any]:
            filters = parse_delivery_filters(request.query_params, notification_scopes(store))
            return {"filters": filters, "view": notifications_view(store, filters, can_notify)}

        found = await run_in_threadpool(work)
        status = 400 if found["filters"].errors else 200
        return page("notifications.html", "notifications", status_code=status, **found)

    def board_page(query: BoardQuery, save_name: str = "", save_error: str = "") -> HTMLResponse:
        view = board_view(store, query, clock(), run_eta)
        status = 400 if query.errors or save_error else 200
        return page(
            "opportunities.html",
            "opportunities",
            status_code=status,
            query=query,
            view=view,
            save_name=save_name,
            save_error=save_error,
        )

    def board_query(fields: dict[str, str], kinds: list[str]) -> BoardQuery:
        return parse_board_query(fields, kinds, store.saved_filters(), store.currency_rates().base)

    @router.get("/opportunities")
    async def opportunities(request: Request) -> HTMLResponse:
        def work() -> HTMLResponse:
            params = request.query_params
            return board_page(board_query(dict(params), params.getlist("kind")))

        return await run_in_threadpool(work)

    @router.post("/opportunities/filters", response_model=None)
    async def save_filter(request: Request) -> HTMLResponse | RedirectResponse:
        """Save the board's current filter under a name, then show it applied."""
        pairs = await read_form(request)
        fields = single(pairs)
        kinds = [v for k, v in pairs if k == "kind"]
        name = fields.pop("name", "").strip()

        def work() -> HTMLResponse | RedirectResponse:
            query = board_query(fields, kinds)
            problem = check_filter_name(name)
            if problem is None and query.errors:
                problem = "Fix the filter above before saving it."
            if problem is not None:
                return board_page(query, name, problem)
            store.save_filter(name, query.board_filter)
            return RedirectResponse(f"/opportunities?{urlencode({'saved': name})}", 303)

        return await run_in_threadpool(work)

    def growth_page(form: GrowthForm, added: str = "") -> HTMLResponse:
        status = 400 if form.errors else 200
        view = growth_view(store)
        return page("growth.html", "growth", status_code=status, view=view, form=form, added=added)

    @router.get("/growth")
    async def growth(request: Request) -> HTMLResponse:
        added = request.query_params.get("added", "")

        def work() -> HTMLResponse:
            tz = store.engineer_profile().tz
            today = dt.datetime.fromtimestamp(clock(), tz).date()
            return growth_page(blank_form(today, store.currency_rates().base), added)

        return await run_in_threadpool(work)

    @router.post("/growth", response_model=None)
    async def add_growth(request: Request) -> HTMLResponse | RedirectResponse:
        """Add an entry to the log from the page's form; errors come back next to fields."""
        form = parse_growth_form(single(await read_form(request)))

        def work() -> HTMLResponse | RedirectResponse:
            if form.entry is None:
                return growth_page(form)
            new_id = store.log_growth(form.entry)
            return RedirectResponse(f"/growth?added={new_id}", 303)

        return await run_in_threadpool(work)

    return router
