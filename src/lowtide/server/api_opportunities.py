"""The HTTP API for the opportunity board, its filters, rates and weights, and the growth log.

Imports through the API read a URL or an uploaded file's content, never a
path on the server's disk.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from lowtide.core.board import BoardFilter, SortKey
from lowtide.core.growth import MAX_ENTRY_HOURS, GrowthEntry, yearly_totals
from lowtide.core.opportunities import (
    MAX_SCORE,
    MAX_WEEKLY_HOURS,
    OpportunityKind,
    ValueWeights,
    opportunity_from_json,
)
from lowtide.core.pay import PayBasis
from lowtide.errors import SourceError, ValidationError
from lowtide.opportunities.board import DEFAULT_LIMIT, narrowed, read_board
from lowtide.opportunities.registry import SOURCES, import_content, import_from
from lowtide.opportunities.report import ImportReport, slug
from lowtide.server.api_projects import live_run_eta
from lowtide.server.responses import JSONBody
from lowtide.store import Store

#: Most rows one board request returns.
MAX_LIMIT = 5000
#: Largest file content an import request may carry, in characters.
MAX_CONTENT_CHARS = 5_000_000
#: Source name of opportunities entered by hand.
MANUAL_SOURCE = "manual"

OpportunityId = Annotated[int, Path(ge=1)]
Name = Annotated[str, Path(min_length=1, max_length=200)]


class ImportIn(BaseModel):
    """A source and where to read it: a URL, or the content of one file with its name."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(max_length=50, description="One of GET /opportunity-sources.")
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")
    name: str | None = Field(default=None, max_length=200, description="The file's name.")
    content: str | None = Field(default=None, max_length=MAX_CONTENT_CHARS)


class EditIn(BaseModel):
    """Fields to change; they stay changed when the source is imported again."""

    model_config = ConfigDict(extra="forbid")

    kind: OpportunityKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=1000)
    link: str | None = Field(default=None, max_length=2000)
    description: str | None = Field(default=None, max_length=20_000)
    hours: float | None = Field(default=None, gt=0)
    min_weekly: float | None = Field(default=None, ge=0, le=MAX_WEEKLY_HOURS)
    max_weekly: float | None = Field(default=None, gt=0, le=MAX_WEEKLY_HOURS)
    weeks: int | None = Field(default=None, ge=1)
    earliest_start: dt.date | None = None
    deadline: dt.datetime | None = None
    start_windows: list[tuple[dt.date, dt.date]] | None = None
    pay: str | None = Field(default=None, max_length=200, description='Such as "€50/h".')
    domains: list[str] | None = None
    remote: bool | None = None
    place: str | None = Field(default=None, max_length=200)
    team_size: int | None = Field(default=None, ge=1)
    income: float | None = Field(default=None, ge=0, le=MAX_SCORE)
    learning: float | None = Field(default=None, ge=0, le=MAX_SCORE)
    reputation: float | None = Field(default=None, ge=0, le=MAX_SCORE)
    open: bool | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class NewOpportunityIn(EditIn):
    """An opportunity entered by hand (source `manual`)."""

    key: str | None = Field(default=None, max_length=200, description="Defaults to the title.")
    title: str = Field(min_length=1, max_length=1000)


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate: float = Field(gt=0, description="What one unit is worth in the base currency.")


class BaseCurrencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = Field(min_length=1, max_length=3)


class WeightsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    income: float = Field(default=1.0, ge=0)
    learning: float = Field(default=1.0, ge=0)
    reputation: float = Field(default=1.0, ge=0)


class GrowthIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: dt.date
    kind: OpportunityKind
    title: str = Field(min_length=1, max_length=1000)
    hours: float = Field(default=0.0, ge=0, le=MAX_ENTRY_HOURS)
    earned: float = Field(default=0.0, ge=0)
    currency: str = Field(default="USD", min_length=1, max_length=3)
    link: str = Field(default="", max_length=2000)
    rank: int | None = Field(default=None, ge=1)
    note: str = Field(default="", max_length=10_000)
    opportunity_id: int | None = Field(default=None, ge=1)


def report_json(report: ImportReport, saved: dict[str, int]) -> dict[str, Any]:
    return {**report.to_json(), **saved}


def build_opportunities_router(store: Store, clock: Callable[[], float] = time.time) -> APIRouter:
    """Routes for the board, imports, saved filters, rates, weights and the growth log."""
    router = APIRouter(prefix="/api/v1", tags=["opportunities"])
    run_eta = live_run_eta(store)

    @router.get("/opportunity-sources")
    async def list_sources() -> JSONBody:
        """The importers, what each reads, and its canonical URL."""
        return JSONBody(
            [{"name": s.name, "summary": s.summary, "url": s.url} for s in SOURCES.values()]
        )

    @router.post("/opportunities/import")
    async def import_opportunities(body: ImportIn) -> JSONBody:
        """Import from a URL or an uploaded file; malformed entries come back as warnings."""
        if (body.url is None) == (body.content is None):
            raise ValidationError("give either url or content (with name)", field="url")

        def run() -> dict[str, Any]:
            if body.url is not None:
                report = import_from(body.source, body.url)
            else:
                name = body.name or f"upload.{'csv' if body.source == 'file' else 'yml'}"
                report = import_content(body.source, name, (body.content or "").encode())
            saved = store.save_opportunities(list(report.opportunities.values()))
            return report_json(report, saved.to_json())

        try:
            return JSONBody(await run_in_threadpool(run))
        except SourceError as exc:
            field = "source" if "source" in str(exc) else "url"
            raise ValidationError(str(exc), field=field) from None

    @router.get("/opportunities")
    async def list_opportunities(
        kind: Annotated[list[OpportunityKind] | None, Query()] = None,
        min_pay: Annotated[float | None, Query(ge=0)] = None,
        pay_basis: PayBasis | None = None,
        max_weekly_hours: Annotated[float | None, Query(ge=0)] = None,
        due_after: dt.date | None = None,
        due_before: dt.date | None = None,
        domain: Annotated[list[str] | None, Query()] = None,
        remote: bool | None = None,
        fits_lulls: bool | None = None,
        q: Annotated[str | None, Query(max_length=200)] = None,
        source: Annotated[str | None, Query(max_length=200)] = None,
        include_closed: bool | None = None,
        sort: SortKey | None = None,
        saved: Annotated[str | None, Query(alias="filter", max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    ) -> JSONBody:
        """The board: filter (or a saved filter, with these on top), ordered, with value."""

        def compute() -> dict[str, Any]:
            base = store.saved_filter(saved) if saved else BoardFilter()
            f = narrowed(
                base, kinds=kind, min_pay=min_pay, pay_basis=pay_basis,
                max_weekly_hours=max_weekly_hours, due_after=due_after, due_before=due_before,
                domains=domain, remote=remote, fits_lulls=fits_lulls, text=q, source=source,
                include_closed=include_closed, sort=sort,
            )  # fmt: skip
            rows = read_board(store, f, clock(), run_eta)
            return {
                "filter": f.to_json(),
                "total": len(rows),
                "opportunities": [r.to_json() for r in rows[:limit]],
            }

        return JSONBody(await run_in_threadpool(compute))

    @router.post("/opportunities", status_code=201)
    async def add_opportunity(body: NewOpportunityIn) -> JSONBody:
        """Enter an opportunity by hand; the same key again updates it."""
        fields = body.changes()
        key = str(fields.pop("key", None) or slug(body.title))
        try:
            found = opportunity_from_json(fields, source=MANUAL_SOURCE, key=key)
        except ValueError as exc:
            raise ValidationError(str(exc), field=str(exc).split(":", 1)[0]) from None

        def save() -> dict[str, Any]:
            store.save_opportunities([found])
            item = store.find_opportunity(MANUAL_SOURCE, key)
            return item.to_json()

        return JSONBody(await run_in_threadpool(save), status_code=201)

    @router.get("/opportunities/{opportunity_id}")
    async def get_opportunity(opportunity_id: OpportunityId) -> JSONBody:
        item = await run_in_threadpool(store.opportunity, opportunity_id)
        return JSONBody(item.to_json())

    @router.patch("/opportunities/{opportunity_id}")
    async def edit_opportunity(opportunity_id: OpportunityId, body: EditIn) -> JSONBody:
        """Change fields; the changes are kept when the source is imported again."""
        changes = body.changes()
        item = await run_in_threadpool(store.edit_opportunity, opportunity_id, changes)
        return JSONBody(item.to_json())

    @router.delete("/opportunities/{opportunity_id}/edits")
    async def reset_opportunity(
        opportunity_id: OpportunityId,
        field: Annotated[list[str] | None, Query()] = None,
    ) -> JSONBody:
        """Forget your changes (all, or of the fields named): the source's values show."""
        item = await run_in_threadpool(store.reset_opportunity, opportunity_id, field)
        return JSONBody(item.to_json())

    @router.get("/board/filters")
    async def list_filters() -> JSONBody:
        found = await run_in_threadpool(store.saved_filters)
        return JSONBody({name: f.to_json() for name, f in found.items()})

    @router.put("/board/filters/{name}")
    async def save_filter(name: Name, body: dict[str, Any]) -> JSONBody:
        """Save a filter (the JSON of a listing's `filter`) under a name."""
        try:
            f = BoardFilter.from_json(body)
        except ValueError as exc:
            raise ValidationError(str(exc), field=str(exc).split(":", 1)[0]) from None
        await run_in_threadpool(store.save_filter, name, f)
        return JSONBody(f.to_json())

    @router.delete("/board/filters/{name}", status_code=204)
    async def remove_filter(name: Name) -> Response:
        await run_in_threadpool(store.remove_filter, name)
        return Response(status_code=204)

    @router.get("/board/rates")
    async def get_rates() -> JSONBody:
        """The base currency and what other currencies are worth in it."""
        return JSONBody((await run_in_threadpool(store.currency_rates)).to_json())

    @router.put("/board/rates/{currency}")
    async def set_rate(currency: Annotated[str, Path(max_length=3)], body: RateIn) -> JSONBody:
        await run_in_threadpool(store.set_rate, currency, body.rate)
        return JSONBody((await run_in_threadpool(store.currency_rates)).to_json())

    @router.delete("/board/rates/{currency}", status_code=204)
    async def remove_rate(currency: Annotated[str, Path(max_length=3)]) -> Response:
        await run_in_threadpool(store.remove_rate, currency)
        return Response(status_code=204)

    @router.put("/board/base-currency")
    async def set_base(body: BaseCurrencyIn) -> JSONBody:
        """Compare pay in another currency; the old rates are removed (they were to the old)."""
        removed = await run_in_threadpool(store.set_base_currency, body.currency)
        rates = await run_in_threadpool(store.currency_rates)
        return JSONBody({**rates.to_json(), "removed_rates": removed})

    @router.get("/board/weights")
    async def get_weights() -> JSONBody:
        """How much income, learning and reputation count in an opportunity's value."""
        return JSONBody((await run_in_threadpool(store.value_weights)).to_json())

    @router.put("/board/weights")
    async def set_weights(body: WeightsIn) -> JSONBody:
        weights = ValueWeights(body.income, body.learning, body.reputation)
        await run_in_threadpool(store.set_value_weights, weights)
        return JSONBody(weights.to_json())

    @router.get("/growth-log")
    async def get_growth(year: Annotated[int | None, Query(ge=1900, le=9999)] = None) -> JSONBody:
        """What you did with the lulls, oldest first."""
        entries = await run_in_threadpool(store.growth_log, year)
        return JSONBody([{"id": i, **e.to_json()} for i, e in entries])

    @router.post("/growth-log", status_code=201)
    async def add_growth(body: GrowthIn) -> JSONBody:
        try:
            entry = GrowthEntry(**body.model_dump())
        except ValueError as exc:
            raise ValidationError(str(exc), field="body") from None
        new_id = await run_in_threadpool(store.log_growth, entry)
        return JSONBody({"id": new_id, **entry.to_json()}, status_code=201)

    @router.delete("/growth-log/{entry_id}", status_code=204)
    async def remove_growth(entry_id: Annotated[int, Path(ge=1)]) -> Response:
        await run_in_threadpool(store.remove_growth, entry_id)
        return Response(status_code=204)

    @router.get("/growth-log/totals")
    async def growth_totals() -> JSONBody:
        """Hours, earnings (in the base currency) and entries per year: the portfolio."""

        def compute() -> list[dict[str, Any]]:
            entries = [e for _, e in store.growth_log()]
            return [t.to_json() for t in yearly_totals(entries, store.currency_rates())]

        return JSONBody(await run_in_threadpool(compute))

    return router
