"""The Opportunities page: the board's filters read from the query string, and its rows.

The form's fields map onto `BoardFilter`; each bad value keeps its message next
to its field. A saved filter (`saved=NAME`) fills the form with what was saved,
and fields given beside it narrow it further, as the API's `filter` does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lowtide.core.board import BoardFilter, SortKey
from lowtide.core.opportunities import MAX_WEEKLY_HOURS, Opportunity, OpportunityKind, TimeShape
from lowtide.core.pay import CurrencyRates, PayBasis
from lowtide.opportunities.board import BoardRow, read_board
from lowtide.projects.forecasting import RunEta
from lowtide.store import Store

#: Rows shown at most (the first in the board's order).
ROWS_SHOWN = 300
#: Longest search text, domain list and saved filter name the form accepts.
MAX_TEXT = 200
MAX_FILTER_NAME = 200
#: Remote choices of the form.
REMOTE_CHOICES = ("yes", "no")
#: Words for the sort orders.
SORT_LABELS = {
    SortKey.DEADLINE: "soonest deadline",
    SortKey.PAY: "best pay",
    SortKey.VALUE: "most value",
    SortKey.HOURS: "fewest hours a week",
    SortKey.TITLE: "title",
}
#: Query fields the form sends (checkboxes only when ticked).
FIELDS = (
    "kind", "min_pay", "basis", "max_hours", "due_after", "due_before", "domain", "remote",
    "fits", "closed", "q", "sort",
)  # fmt: skip
#: A field whose value is a tick, whatever its text.
TICKS = frozenset({"fits", "closed"})


@dataclass(frozen=True)
class BoardQuery:
    """The form as typed (to show it again), the filter it stands for, and its errors."""

    texts: dict[str, str] = field(default_factory=dict)
    kinds: tuple[str, ...] = ()
    saved_name: str = ""
    board_filter: BoardFilter = field(default_factory=BoardFilter)
    errors: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return self.texts.get(name, "")

    def ticked(self, name: str) -> bool:
        return bool(self.texts.get(name))

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.saved_name or any(self.texts.values()))

    def as_query(self) -> list[tuple[str, str]]:
        """The filter's fields as query pairs (what a save posts along with the name)."""
        pairs = [("kind", k) for k in self.kinds]
        pairs += [(n, v) for n, v in self.texts.items() if v and n != "sort"]
        if self.text("sort") and self.text("sort") != SortKey.DEADLINE.value:
            pairs.append(("sort", self.text("sort")))
        return pairs


def parse_board_query(
    query: Mapping[str, str],
    kinds: Sequence[str],
    saved: Mapping[str, BoardFilter],
    base_currency: str,
) -> BoardQuery:
    """The board's filter from the form's fields (and `saved`, a saved filter's name).

    `kinds` are the values of the repeated `kind` field. Errors are kept by field.
    """
    errors: dict[str, str] = {}
    texts: dict[str, str] = {}
    chosen: tuple[str, ...] = ()
    saved_name = query.get("saved", "").strip()
    if saved_name:
        if saved_name in saved:
            texts, chosen = form_of(saved[saved_name])
        else:
            errors["saved"] = f"No filter is saved as “{saved_name}”. Pick one from the list."
    for name in FIELDS:
        if name == "kind":
            continue
        if name in query:
            value = query[name].strip()
            texts[name] = "on" if name in TICKS and value else value
    given = tuple(dict.fromkeys(k.strip().lower() for k in kinds if k.strip()))
    if given:
        chosen = given
    built: dict[str, Any] = {}
    known = {k.value for k in OpportunityKind}
    unknown = [k for k in chosen if k not in known]
    if unknown:
        errors["kind"] = f"“{unknown[0]}” is not a kind. Use: {', '.join(sorted(known))}."
    else:
        built["kinds"] = tuple(OpportunityKind(k) for k in chosen)
    _number(texts, "min_pay", 0, math.inf, built, errors,
            f"Minimum pay is an amount in {base_currency} from 0 up, such as 500.")  # fmt: skip
    _number(texts, "max_hours", 0, MAX_WEEKLY_HOURS, built, errors,
            f"Hours a week is a number from 0 to {MAX_WEEKLY_HOURS:g}.")  # fmt: skip
    basis = texts.get("basis", "").lower()
    if basis:
        if basis in {b.value for b in PayBasis}:
            built["pay_basis"] = PayBasis(basis)
        else:
            names = ", ".join(b.value for b in PayBasis)
            errors["basis"] = f"“{basis}” is not a pay basis. Use one of: {names}."
    for name in ("due_after", "due_before"):
        day = texts.get(name, "")
        if day:
            try:
                built[name] = dt.date.fromisoformat(day)
            except ValueError:
                errors[name] = f"“{day}” is not a day. Write it as YYYY-MM-DD, such as 2027-03-01."
    after, before = built.get("due_after"), built.get("due_before")
    if after and before and before < after:
        errors["due_before"] = f"“Due by” ({before}) is before “due from” ({after})."
    domains = texts.get("domain", "")
    if len(domains) > MAX_TEXT:
        errors["domain"] = f"Domains take at most {MAX_TEXT} characters; these have {len(domains)}."
    elif domains:
        built["domains"] = tuple(
            dict.fromkeys(d.strip().lower() for d in domains.split(",") if d.strip())
        )
    remote = texts.get("remote", "").lower()
    if remote and remote not in REMOTE_CHOICES:
        errors["remote"] = f"“{remote}” is not a choice. Use yes, no, or leave it empty."
    elif remote:
        built["remote"] = remote == "yes"
    text = texts.get("q", "")
    if len(text) > MAX_TEXT:
        errors["q"] = f"A search has at most {MAX_TEXT} characters; this one has {len(text)}."
    else:
        built["text"] = text
    sort = texts.get("sort", "").lower()
    if sort and sort not in {s.value for s in SortKey}:
        names = ", ".join(s.value for s in SortKey)
        errors["sort"] = f"“{sort}” is not an order. Use one of: {names}."
    elif sort:
        built["sort"] = SortKey(sort)
    built["fits_lulls"] = bool(texts.get("fits"))
    built["include_closed"] = bool(texts.get("closed"))
    board_filter = BoardFilter()
    if not errors:
        board_filter = dataclasses.replace(BoardFilter(), **built)
    return BoardQuery(texts, chosen, saved_name, board_filter, errors)


def form_of(f: BoardFilter) -> tuple[dict[str, str], tuple[str, ...]]:
    """A saved filter as the form's texts and ticked kinds."""
    texts = {
        "min_pay": "" if f.min_pay is None else f"{f.min_pay:g}",
        "basis": f.pay_basis.value if f.pay_basis else "",
        "max_hours": "" if f.max_weekly_hours is None else f"{f.max_weekly_hours:g}",
        "due_after": f.due_after.isoformat() if f.due_after else "",
        "due_before": f.due_before.isoformat() if f.due_before else "",
        "domain": ", ".join(f.domains),
        "remote": "" if f.remote is None else ("yes" if f.remote else "no"),
        "fits": "on" if f.fits_lulls else "",
        "closed": "on" if f.include_closed else "",
        "q": f.text,
        "sort": f.sort.value,
    }
    return texts, tuple(k.value for k in f.kinds)


def check_filter_name(name: str) -> str | None:
    """What is wrong with a name to save a filter under, or None."""
    if not name:
        return "Give the filter a name, such as “paid writing”."
    if len(name) > MAX_FILTER_NAME:
        return f"A name has at most {MAX_FILTER_NAME} characters; this one has {len(name)}."
    return None


def _number(
    texts: Mapping[str, str],
    name: str,
    low: float,
    high: float,
    built: dict[str, Any],
    errors: dict[str, str],
    message: str,
) -> None:
    text = texts.get(name, "")
    if not text:
        return
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        errors[name] = message
        return
    built["min_pay" if name == "min_pay" else "max_weekly_hours"] = value


# -- the rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A deadline in words: its day, and how many days are left (negative: passed)."""

    day: dt.date
    days_left: int

    @property
    def words(self) -> str:
        n = self.days_left
        if n == 0:
            return "today"
        if n == 1:
            return "tomorrow"
        if n > 0:
            return f"{n} days left"
        return "passed yesterday" if n == -1 else f"passed {-n} days ago"

    @property
    def tone(self) -> str:
        return "bad" if self.days_left < 0 else "warn" if self.days_left <= 14 else "ok"


@dataclass(frozen=True)
class OpportunityRow:
    """One line of the board, with what its expanded detail shows."""

    id: int
    opportunity: Opportunity
    shape: str
    pay_text: str
    pay_base: str
    deadline: Deadline | None
    value: float
    edited: tuple[str, ...]
    is_open: bool
    details: list[tuple[str, str, bool]]  # label, value, edited by the user


@dataclass(frozen=True)
class BoardView:
    rows: list[OpportunityRow]
    total: int
    base_currency: str
    saved: list[str]
    domains: list[str]
    kinds: list[str] = field(default_factory=lambda: [k.value for k in OpportunityKind])
    bases: list[str] = field(default_factory=lambda: [b.value for b in PayBasis])
    sorts: dict[str, str] = field(
        default_factory=lambda: {k.value: v for k, v in SORT_LABELS.items()}
    )

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def board_view(store: Store, query: BoardQuery, now: float, run_eta: RunEta) -> BoardView:
    """The rows that pass the query's filter (none when it has errors), with the form's lists."""
    everything = store.opportunities()
    domains = sorted({d for item in everything for d in item.opportunity.domains})
    rates = store.currency_rates()
    saved = sorted(store.saved_filters())
    found: list[BoardRow] = []
    if not query.errors:
        found = read_board(store, query.board_filter, now, run_eta)
    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    rows = [_row(r, rates, moment) for r in found[:ROWS_SHOWN]]
    return BoardView(rows, len(found), rates.base, saved, domains)


def _row(row: BoardRow, rates: CurrencyRates, now: dt.datetime) -> OpportunityRow:
    o = row.item.opportunity
    pay = o.compensation
    pay_text = pay_base = ""
    if pay is not None:
        pay_text = pay.text or pay.describe()
        per = "" if pay.basis is PayBasis.TOTAL else f"/{pay.basis.value}"
        if row.pay is None:
            pay_base = f"no rate for {pay.currency}"
        else:
            upto = "up to " if pay.low != pay.high else ""
            pay_base = f"{upto}{row.pay:,.0f} {rates.base}{per}"
    deadline = None
    if o.deadline is not None:
        today = now.astimezone(o.deadline.tzinfo).date()
        deadline = Deadline(o.deadline.date(), (o.deadline.date() - today).days)
    return OpportunityRow(
        id=row.item.id,
        opportunity=o,
        shape=time_shape(o.shape),
        pay_text=pay_text,
        pay_base=pay_base,
        deadline=deadline,
        value=row.value,
        edited=row.item.edited,
        is_open=o.is_open(now),
        details=_details(o, set(row.item.edited)),
    )


def time_shape(shape: TimeShape) -> str:
    """How an opportunity uses time: `10 h/week for 26 weeks`, `80 h at 4-20 h/week` (with an
    en dash), `12 h at up to 12 h/week`."""
    if shape.weeks is not None:
        weeks = "week" if shape.weeks == 1 else "weeks"
        return f"{shape.max_weekly:g} h/week for {shape.weeks} {weeks}"
    if shape.min_weekly in (0, shape.max_weekly):
        return f"{shape.total_hours:g} h at up to {shape.max_weekly:g} h/week"
    return f"{shape.total_hours:g} h at {shape.min_weekly:g}\u2013{shape.max_weekly:g} h/week"


def _details(o: Opportunity, edited: set[str]) -> list[tuple[str, str, bool]]:
    """The fields of the expanded row that have a value; edited ones are marked."""
    shown: list[tuple[str, str, set[str]]] = [
        ("Description", o.description, {"description"}),
        ("Hours", time_shape(o.shape), {"hours", "min_weekly", "max_weekly", "weeks"}),
        ("Earliest start", o.earliest_start.isoformat() if o.earliest_start else "",
         {"earliest_start"}),
        ("Deadline", _moment(o.deadline), {"deadline"}),
        ("Start windows", "; ".join(f"{w.start} to {w.end}" for w in o.start_windows),
         {"start_windows"}),
        ("Event", f"{o.event.start} to {o.event.end}" if o.event else "",
         {"event_start", "event_end"}),
        ("Place", o.place, {"place"}),
        ("Remote", "" if o.remote is None else ("yes" if o.remote else "no"), {"remote"}),
        ("Team size", "" if o.team_size is None else str(o.team_size), {"team_size"}),
        ("Value", f"income {o.value.income:g} · learning {o.value.learning:g} · "
                  f"reputation {o.value.reputation:g}", {"income", "learning", "reputation"}),
        ("Source", f"{o.source} · {o.key}", set()),
        ("Open", "yes" if o.open else "closed by its source", {"open"}),
    ]  # fmt: skip
    return [(label, value, bool(names & edited)) for label, value, names in shown if value]


def _moment(at: dt.datetime | None) -> str:
    """`2027-03-31 23:59 UTC`, in the deadline's own time zone."""
    if at is None:
        return ""
    return f"{at:%Y-%m-%d %H:%M} {at.tzname() or ''}".strip()
