"""The Plan page's routes: show the plan, plan again, accept, and the planner's settings.

Each button is a plain form posted here; on success the page is shown again
by a redirect (so a reload does not post twice), on failure at once, with the
message next to the button or the field it is about.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse

from lowtide.core.plan_record import PlanState
from lowtide.errors import ConflictError, LowtideError, NotFoundError
from lowtide.planner.planning import accept, preview
from lowtide.projects.forecasting import RunEta
from lowtide.server.dashboard.forms import read_form, single
from lowtide.server.dashboard.plan import SHOWN, plan_view
from lowtide.server.dashboard.plan_form import SettingsForm, parse_settings_form, settings_form
from lowtide.store import Store

#: What the page says after each kind of success (the redirect's `done`).
DONE = {
    "preview": "A new preview is ready. Accept it to follow it, or change the settings and "
    "plan again.",
    "settings": "Settings saved. They apply to the next plan: press Plan again.",
}

#: Said when the preview on the page is no longer the latest (planned again elsewhere).
CHANGED = "The preview changed since this page was shown: look at the new one, then accept it."


class Page(Protocol):
    """The dashboard's page renderer."""

    def __call__(
        self, name: str, section: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse: ...


def add_plan_routes(
    router: APIRouter, store: Store, page: Page, clock: Callable[[], float], run_eta: RunEta
) -> None:
    """GET /plan, and the forms it posts: /plan/preview, /plan/accept, /plan/settings."""

    def plan_page(
        status: int = 200,
        show: str = "preview",
        form: SettingsForm | None = None,
        message: str = "",
        problem: str = "",
    ) -> HTMLResponse:
        settings = store.planner_settings()
        return page(
            "plan.html",
            "plan",
            status_code=status,
            view=plan_view(store, show),
            form=form or settings_form(settings),
            time_limit=settings.time_limit_s,
            message=message,
            problem=problem,
        )

    def failed(exc: LowtideError) -> HTMLResponse:
        status = 400
        if isinstance(exc, ConflictError):
            status = 409
        elif isinstance(exc, NotFoundError):
            status = 404
        return plan_page(status, problem=str(exc)[:1].upper() + str(exc)[1:] + ".")

    @router.get("/plan")
    async def plan(request: Request) -> HTMLResponse:
        query = request.query_params
        show = query.get("show", "preview")
        done = query.get("done", "")
        message = DONE.get(done, "")
        if done == "accepted":
            message = f"Accepted: this is now your plan (revision {query.get('revision', '?')})."
        return await run_in_threadpool(
            plan_page, show=show if show in SHOWN else "preview", message=message
        )

    @router.post("/plan/preview", response_model=None)
    async def plan_again(request: Request) -> HTMLResponse | RedirectResponse:
        """A new preview: the instant greedy plan, or the solver's up to its time limit."""
        quick = single(await read_form(request)).get("greedy") == "1"

        def work() -> HTMLResponse | RedirectResponse:
            try:
                preview(store, clock(), run_eta, optimal=not quick)
            except LowtideError as exc:
                return failed(exc)
            return RedirectResponse("/plan?done=preview", 303)

        return await run_in_threadpool(work)

    @router.post("/plan/accept", response_model=None)
    async def accept_plan(request: Request) -> HTMLResponse | RedirectResponse:
        """Accept the latest preview; a plan that breaks a rule is refused with the rules."""
        shown = single(await read_form(request)).get("plan", "")

        def work() -> HTMLResponse | RedirectResponse:
            latest = store.latest_plan(PlanState.PREVIEW)
            if latest is not None and shown and shown != str(latest.id):
                return plan_page(409, problem=CHANGED)
            try:
                done = accept(store, clock())
            except LowtideError as exc:
                return failed(exc)
            return RedirectResponse(f"/plan?done=accepted&revision={done.revision}", 303)

        return await run_in_threadpool(work)

    @router.post("/plan/settings", response_model=None)
    async def save_settings(request: Request) -> HTMLResponse | RedirectResponse:
        """Change the planner's settings; errors come back next to their fields."""
        posted = single(await read_form(request))

        def work() -> HTMLResponse | RedirectResponse:
            form = parse_settings_form(posted, store.planner_settings())
            if form.settings is None:
                return plan_page(400, form=form)
            store.set_planner_settings(form.settings)
            return RedirectResponse("/plan?done=settings#settings", 303)

        return await run_in_threadpool(work)
