"""Kaggle competitions, through the official `kaggle` client (the `kaggle` extra).

`from_api()` lists the active competitions page by page with the client's
`competitions_list`; a recorded response (a saved `ListCompetitions` JSON
body) is read by the same response class the client builds its answers
with, so both go through `add_competitions`. Each competition keeps its
ref as key, its deadline, its reward as pay ("$25,000"; "Knowledge" and
"Swag" are no pay), its team size limit and tags; the last day to enter
(the new entrant deadline) closes its start window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from lowtide.core.opportunities import (
    DEFAULT_SHAPES,
    DEFAULT_VALUES,
    DateWindow,
    Opportunity,
    OpportunityKind,
)
from lowtide.core.pay import PayBasis, parse_pay
from lowtide.errors import SourceError
from lowtide.opportunities.report import ImportReport

NAME = "kaggle"
PATTERNS = ("**/*.json",)
URL = ""
#: Name the live listing is reported under.
API_NAME = "kaggle API"
#: Competitions asked for per page, and most pages read (Kaggle lists a few hundred).
PAGE_SIZE = 100
MAX_PAGES = 20
#: Where a competition lives when the response gives no URL.
COMPETITION_URL = "https://www.kaggle.com/competitions/{ref}"


def parse(name: str, data: bytes, report: ImportReport) -> None:
    """Add the competitions of a recorded `ListCompetitions` response to `report`."""
    response_class = _response_class()
    try:
        response = response_class.from_json(data.decode("utf-8-sig"))
    except (ValueError, TypeError, KeyError) as exc:
        report.warn(name, "(whole file)", f"not a Kaggle competitions response: {exc}")
        return
    add_competitions(name, response.competitions or [], report)


def from_api(report: ImportReport, api: Any = None) -> None:
    """Add the active competitions that the Kaggle API lists now (needs credentials)."""
    if api is None:
        api = _authenticated_api()
    token = ""
    for _ in range(MAX_PAGES):
        try:
            response = api.competitions_list(page_size=PAGE_SIZE, page_token=token)
        except Exception as exc:  # the client raises requests' errors and its own
            raise SourceError(f"the Kaggle API failed: {exc}") from None
        if response is None:
            break
        add_competitions(API_NAME, response.competitions or [], report)
        token = response.next_page_token or ""
        if not token:
            break


def add_competitions(name: str, competitions: Iterable[Any], report: ImportReport) -> None:
    """Turn the client's `ApiCompetition` objects into opportunities."""
    for c in competitions:
        label = str(getattr(c, "ref", "") or getattr(c, "title", "") or "(unnamed)")
        try:
            report.add(name, _opportunity(c))
        except ValueError as exc:
            report.warn(name, label, str(exc))


def _opportunity(c: Any) -> Opportunity:
    ref = PurePosixPath(str(c.ref or "").rstrip("/")).name
    if not ref:
        raise ValueError("no ref")
    if c.deadline is None:
        raise ValueError("no deadline")
    deadline = _utc(c.deadline)
    window = None
    if c.new_entrant_deadline is not None:
        last = _utc(c.new_entrant_deadline).date()
        first = _utc(c.enabled_date).date() if c.enabled_date is not None else last
        if last < first:
            raise ValueError(f"the last day to enter {last} is before the start {first}")
        window = DateWindow(first, last)
    tags = [t.name for t in (c.tags or []) if getattr(t, "name", None)]
    if c.category:
        tags.insert(0, c.category)
    kind = OpportunityKind.COMPETITION
    return Opportunity(
        source=NAME,
        key=ref,
        kind=kind,
        title=str(c.title or ref),
        shape=DEFAULT_SHAPES[kind],
        value=DEFAULT_VALUES[kind],
        link=str(c.url or COMPETITION_URL.format(ref=ref)),
        description=str(c.description or ""),
        deadline=deadline,
        start_windows=(window,) if window else (),
        compensation=parse_pay(c.reward, PayBasis.TOTAL) if c.reward else None,
        domains=tuple(dict.fromkeys(str(t).lower() for t in tags)),
        remote=True,
        team_size=c.max_team_size or None,
        open=not c.submissions_disabled,
    )


def _utc(value: dt.datetime) -> dt.datetime:
    """The client's times are naive UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _response_class() -> Any:
    try:
        from kagglesdk.competitions.types.competition_api_service import (
            ApiListCompetitionsResponse,
        )
    except ImportError:
        raise SourceError(
            "Kaggle competitions need the kaggle client: pip install 'lowtide[kaggle]'"
        ) from None
    return ApiListCompetitionsResponse


def _authenticated_api() -> Any:
    try:
        from kaggle.api.kaggle_api_extended import KaggleApi
    except ImportError:
        raise SourceError(
            "Kaggle competitions need the kaggle client: pip install 'lowtide[kaggle]'"
        ) from None
    api = KaggleApi()
    try:
        api.authenticate()
    except (SystemExit, Exception):  # the client exits when it finds no credentials
        raise SourceError(
            "the Kaggle API needs credentials: put kaggle.json in ~/.kaggle or set "
            "KAGGLE_USERNAME and KAGGLE_KEY"
        ) from None
    return api
