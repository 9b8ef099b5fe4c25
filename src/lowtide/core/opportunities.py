"""Opportunities for the lulls: what they are, how they use time, what they are worth.

An opportunity has a kind, a source and a key that is stable within the
source (so a re-import updates it), and a shape in time: either a total of
hours spread at `min_weekly` to `max_weekly` hours a week (a course, an
article, a talk), or a fixed number of hours a week for a number of weeks
(tutoring 10 h a week for 26 weeks). It may have to start in one of its start
windows (term dates), not before its earliest start, and be done by its
hard deadline (a call for papers, a competition's end).

Its worth is three scores from 0 to 10 (income, learning, reputation), set
by kind unless the source or the user says otherwise; the user's value
weights turn them into one number (`weighted_value`).

The JSON form (`to_json`/`opportunity_from_json`) is flat, so that the
user's edits are kept field by field over what an import brings.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lowtide.core.pay import Compensation, CurrencyRates, PayBasis

#: Highest score of a value axis.
MAX_SCORE = 10.0
#: Pay an hour, in the base currency, that scores the full income: a good freelance ML rate.
FULL_INCOME_PER_HOUR = 100.0
#: Longest fixed commitment, in weeks (two years of tutoring).
MAX_WEEKS = 104
#: Most hours a week an opportunity may ask for (every hour of the week).
MAX_WEEKLY_HOURS = 168.0
#: Largest team size taken as real (Kaggle caps teams far below this).
MAX_TEAM_SIZE = 1000


class OpportunityKind(StrEnum):
    """What sort of growth an opportunity is."""

    LEARNING = "learning"
    WRITING = "writing"
    TEACHING = "teaching"
    TALK = "talk"
    COMPETITION = "competition"
    FREELANCE = "freelance"
    OTHER = "other"


@dataclass(frozen=True)
class DateWindow:
    """Days from `start` to `end`, inclusive."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the window ends on {self.end}, before it starts on {self.start}")

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.start <= last and first <= self.end


@dataclass(frozen=True)
class TimeShape:
    """How an opportunity uses time: `total_hours` at `min_weekly`..`max_weekly` a week,
    or, when `weeks` is set, exactly `max_weekly` hours a week for `weeks` weeks."""

    total_hours: float
    min_weekly: float
    max_weekly: float
    weeks: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.min_weekly <= self.max_weekly <= MAX_WEEKLY_HOURS:
            raise ValueError(
                f"hours a week must satisfy 0 <= min <= max <= {MAX_WEEKLY_HOURS:g}, "
                f"got {self.min_weekly:g}-{self.max_weekly:g}"
            )
        if self.max_weekly <= 0 or self.total_hours <= 0:
            raise ValueError("an opportunity takes some hours: total and max a week above 0")
        if self.weeks is not None and not 1 <= self.weeks <= MAX_WEEKS:
            raise ValueError(f"weeks must be 1 to {MAX_WEEKS}, got {self.weeks}")

    @classmethod
    def fixed(cls, weekly: float, weeks: int) -> TimeShape:
        """`weekly` hours every week for `weeks` weeks (tutoring, a part-time gig)."""
        return cls(weekly * weeks, weekly, weekly, weeks)

    @classmethod
    def flexible(
        cls, total: float, min_weekly: float = 0.0, max_weekly: float | None = None
    ) -> TimeShape:
        """`total` hours, spread at `min_weekly` to `max_weekly` a week (all at once by default)."""
        return cls(total, min_weekly, total if max_weekly is None else max_weekly)

    @property
    def is_fixed(self) -> bool:
        return self.weeks is not None

    @property
    def shortest_weeks(self) -> int:
        """Fewest weeks it can be done in."""
        return self.weeks or math.ceil(self.total_hours / self.max_weekly)

    def describe(self) -> str:
        if self.weeks is not None:
            return f"{self.max_weekly:g} h/wk for {self.weeks} wk"
        if self.min_weekly == self.max_weekly:
            return f"{self.total_hours:g} h at {self.max_weekly:g} h/wk"
        return f"{self.total_hours:g} h at {self.min_weekly:g}-{self.max_weekly:g} h/wk"


@dataclass(frozen=True)
class ValueScores:
    """How much an opportunity gives, each from 0 to 10."""

    income: float = 0.0
    learning: float = 0.0
    reputation: float = 0.0

    def __post_init__(self) -> None:
        for name in ("income", "learning", "reputation"):
            value = getattr(self, name)
            if not 0 <= value <= MAX_SCORE:
                raise ValueError(f"{name} is a score from 0 to {MAX_SCORE:g}, got {value:g}")


@dataclass(frozen=True)
class ValueWeights:
    """How much the user cares about each axis of value (any non-negative numbers)."""

    income: float = 1.0
    learning: float = 1.0
    reputation: float = 1.0

    def __post_init__(self) -> None:
        for name in ("income", "learning", "reputation"):
            if getattr(self, name) < 0:
                raise ValueError(f"the {name} weight cannot be negative")

    def to_json(self) -> dict[str, float]:
        return {"income": self.income, "learning": self.learning, "reputation": self.reputation}


#: A kind's usual shape in time, when its source does not say: a course ~30 h, an article
#: ~12 h, tutoring 10 h/wk for a term, a talk ~20 h, a competition ~60 h, a gig ~40 h.
DEFAULT_SHAPES: Mapping[OpportunityKind, TimeShape] = {
    OpportunityKind.LEARNING: TimeShape.flexible(30, 2, 8),
    OpportunityKind.WRITING: TimeShape.flexible(12, 3, 12),
    OpportunityKind.TEACHING: TimeShape.fixed(10, 26),
    OpportunityKind.TALK: TimeShape.flexible(20, 2, 8),
    OpportunityKind.COMPETITION: TimeShape.flexible(60, 3, 15),
    OpportunityKind.FREELANCE: TimeShape.flexible(40, 5, 20),
    OpportunityKind.OTHER: TimeShape.flexible(10, 1, 5),
}

#: A conference paper answering a call for papers: ~80 h of experiments and writing.
PAPER_SHAPE = TimeShape.flexible(80, 4, 20)

#: A kind's usual worth (income, learning, reputation), when nobody says otherwise.
DEFAULT_VALUES: Mapping[OpportunityKind, ValueScores] = {
    OpportunityKind.LEARNING: ValueScores(0, 8, 2),
    OpportunityKind.WRITING: ValueScores(5, 5, 6),
    OpportunityKind.TEACHING: ValueScores(6, 4, 3),
    OpportunityKind.TALK: ValueScores(0, 5, 8),
    OpportunityKind.COMPETITION: ValueScores(3, 8, 6),
    OpportunityKind.FREELANCE: ValueScores(8, 3, 2),
    OpportunityKind.OTHER: ValueScores(3, 3, 3),
}


@dataclass(frozen=True)
class Opportunity:
    """One thing the engineer could do in a lull."""

    source: str
    key: str
    kind: OpportunityKind
    title: str
    shape: TimeShape
    value: ValueScores
    link: str = ""
    description: str = ""
    earliest_start: dt.date | None = None
    deadline: dt.datetime | None = None
    start_windows: tuple[DateWindow, ...] = ()
    compensation: Compensation | None = None
    domains: tuple[str, ...] = ()
    remote: bool | None = None
    place: str = ""
    team_size: int | None = None
    event: DateWindow | None = None
    open: bool = True

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError("title: missing; an opportunity needs a title")
        if self.deadline is not None and self.deadline.tzinfo is None:
            raise ValueError("a deadline needs a time zone")
        if self.team_size is not None and not 1 <= self.team_size <= MAX_TEAM_SIZE:
            raise ValueError(f"team size must be 1 to {MAX_TEAM_SIZE}, got {self.team_size}")
        if (
            self.deadline is not None
            and self.earliest_start is not None
            and self.deadline.date() < self.earliest_start
        ):
            raise ValueError(
                f"deadline: {self.deadline.date()} is before the earliest start "
                f"{self.earliest_start}"
            )

    @property
    def deadline_day(self) -> dt.date | None:
        """The deadline's day where it falls (in the deadline's own time zone)."""
        return None if self.deadline is None else self.deadline.date()

    def is_open(self, now: dt.datetime) -> bool:
        """Still possible: not closed by its source, and its deadline not passed."""
        return self.open and (self.deadline is None or self.deadline >= now)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "key": self.key,
            "kind": self.kind.value,
            "title": self.title,
            "link": self.link,
            "description": self.description,
            "hours": self.shape.total_hours,
            "min_weekly": self.shape.min_weekly,
            "max_weekly": self.shape.max_weekly,
            "weeks": self.shape.weeks,
            "earliest_start": _iso(self.earliest_start),
            "deadline": _iso(self.deadline),
            "start_windows": [[w.start.isoformat(), w.end.isoformat()] for w in self.start_windows],
            "pay": self.compensation.to_json() if self.compensation else None,
            "domains": list(self.domains),
            "remote": self.remote,
            "place": self.place,
            "team_size": self.team_size,
            "income": self.value.income,
            "learning": self.value.learning,
            "reputation": self.value.reputation,
            "event_start": _iso(self.event.start if self.event else None),
            "event_end": _iso(self.event.end if self.event else None),
            "open": self.open,
        }


@dataclass(frozen=True)
class StoredOpportunity:
    """An opportunity as the board holds it: its id, and which fields the user edited."""

    id: int
    opportunity: Opportunity
    edited: tuple[str, ...] = ()
    updated_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.opportunity.to_json(), "edited": list(self.edited)}


#: Fields of the JSON form the user may edit (the source and key say where it came from).
EDITABLE_FIELDS = frozenset(
    {
        "kind", "title", "link", "description", "hours", "min_weekly", "max_weekly", "weeks",
        "earliest_start", "deadline", "start_windows", "pay", "domains", "remote", "place",
        "team_size", "income", "learning", "reputation", "event_start", "event_end", "open",
    }
)  # fmt: skip


def opportunity_from_json(data: Mapping[str, Any], *, source: str, key: str) -> Opportunity:
    """An opportunity from the flat JSON form; what is missing takes the kind's defaults.

    Lenient in what it takes (a pay text is parsed, domains may be one comma-separated
    text, hours a week alone with `weeks` make a fixed shape); ValueError names the field.
    """
    kind = _field(data, "kind", lambda v: OpportunityKind(str(v).strip().lower()))
    kind = kind or OpportunityKind.OTHER
    base_value = DEFAULT_VALUES[kind]
    try:
        value = ValueScores(
            _field(data, "income", float, base_value.income),
            _field(data, "learning", float, base_value.learning),
            _field(data, "reputation", float, base_value.reputation),
        )
    except ValueError as exc:
        raise ValueError(f"value: {exc}") from None
    event_start = _field(data, "event_start", _date)
    event_end = _field(data, "event_end", _date) or event_start
    deadline = _field(data, "deadline", _datetime)
    try:
        return Opportunity(
            source=source,
            key=key,
            kind=kind,
            title=str(data.get("title") or "").strip(),
            shape=_shape(data, kind),
            value=value,
            link=str(data.get("link") or "").strip(),
            description=str(data.get("description") or "").strip(),
            earliest_start=_field(data, "earliest_start", _date),
            deadline=deadline,
            start_windows=_field(data, "start_windows", _windows, ()),
            compensation=_field(data, "pay", Compensation.from_json),
            domains=_field(data, "domains", _tags, ()),
            remote=_field(data, "remote", _bool),
            place=str(data.get("place") or "").strip(),
            team_size=_field(data, "team_size", int),
            event=DateWindow(event_start, event_end) if event_start and event_end else None,
            open=_field(data, "open", _bool, True),
        )
    except ValueError as exc:
        message = str(exc)
        raise ValueError(message if ":" in message[:20] else f"opportunity: {message}") from None


def with_edits(opportunity: Opportunity, edits: Mapping[str, Any]) -> Opportunity:
    """The opportunity with the user's edits laid over it; ValueError names a bad field."""
    unknown = sorted(set(edits) - EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"{unknown[0]}: not a field that can be edited")
    if not edits:
        return opportunity
    merged = {**opportunity.to_json(), **edits}
    if any(k in edits for k in ("hours", "min_weekly", "max_weekly")) and "weeks" not in edits:
        # A new total or weekly range makes a flexible shape unless weeks are given again.
        merged["weeks"] = None if "hours" in edits else merged["weeks"]
    return opportunity_from_json(merged, source=opportunity.source, key=opportunity.key)


def weighted_value(
    opportunity: Opportunity, weights: ValueWeights, rates: CurrencyRates | None = None
) -> float:
    """One number for how much the opportunity is worth to this user.

    With `rates`, known pay raises the income score to what it pays an hour
    (the full score at FULL_INCOME_PER_HOUR), so that of two articles the
    better paid one is worth more; it never lowers the score it has. A
    competition's prize is a chance, not pay, and leaves the score alone.
    """
    v = opportunity.value
    income = v.income
    paid = rates is not None and opportunity.kind is not OpportunityKind.COMPETITION
    hourly = hourly_pay(opportunity, rates) if paid and rates is not None else None
    if hourly is not None:
        income = max(income, min(MAX_SCORE, MAX_SCORE * hourly / FULL_INCOME_PER_HOUR))
    return (
        weights.income * income
        + weights.learning * v.learning
        + (weights.reputation * v.reputation)
    )


def hourly_pay(opportunity: Opportunity, rates: CurrencyRates) -> float | None:
    """The middle of the pay, an hour of the work, in the base currency; None when unknown."""
    pay = opportunity.compensation
    if pay is None:
        return None
    amount = rates.convert(pay.mid, pay.currency)
    if amount is None or pay.basis is PayBasis.HOUR:
        return amount
    shape = opportunity.shape
    hours = shape.max_weekly * shape.weeks if shape.weeks is not None else shape.total_hours
    return amount / hours if hours > 0 else None


# -- the JSON form's parts ----------------------------------------------------------------


def _field(data: Mapping[str, Any], name: str, parse: Any, default: Any = None) -> Any:
    value = data.get(name)
    if value is None or value == "":
        return default
    try:
        return parse(value)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{name}: {exc or 'not understood'}, got {value!r}") from None


def _shape(data: Mapping[str, Any], kind: OpportunityKind) -> TimeShape:
    base = DEFAULT_SHAPES[kind]
    weeks = _field(data, "weeks", int)
    total = _field(data, "hours", float)
    low = _field(data, "min_weekly", float)
    high = _field(data, "max_weekly", float)
    try:
        if weeks is not None:
            weekly = high if high is not None else low
            if weekly is None and total is not None:
                weekly = total / weeks
            return TimeShape.fixed(base.max_weekly if weekly is None else weekly, weeks)
        if total is None and low is None and high is None:
            return base
        total = base.total_hours if total is None else total
        high = min(total, base.max_weekly) if high is None else high
        low = min(base.min_weekly, high) if low is None else low
        return TimeShape(total, low, high)
    except ValueError as exc:
        raise ValueError(f"hours: {exc}") from None


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError("not a day (YYYY-MM-DD)") from None


def _datetime(value: Any) -> dt.datetime:
    """An aware datetime; a day alone is its last second in UTC, a naive time is UTC."""
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, dt.date):
        found = dt.datetime.combine(value, dt.time(23, 59, 59))
    else:
        text = str(value).strip()
        try:
            found = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("not a day or a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM+00:00)") from None
        if len(text) == len("2027-01-31"):
            found = found.replace(hour=23, minute=59, second=59)
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _windows(value: Any) -> tuple[DateWindow, ...]:
    """Start windows: [[start, end], ...] or a text "2027-01-10..2027-02-01; ..."."""
    if isinstance(value, str):
        parts = [p.split("..") for p in value.replace(",", ";").split(";") if p.strip()]
    else:
        parts = list(value)
    windows = []
    for part in parts:
        if len(part) != 2:
            raise ValueError("a start window is a first and a last day")
        windows.append(DateWindow(_date(part[0]), _date(part[1])))
    return tuple(sorted(windows, key=lambda w: w.start))


def _tags(value: Any) -> tuple[str, ...]:
    items: Sequence[Any] = value.replace(";", ",").split(",") if isinstance(value, str) else value
    seen: dict[str, None] = {}
    for item in items:
        tag = str(item).strip().lower()
        if tag:
            seen.setdefault(tag)
    return tuple(seen)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "remote"):
        return True
    if text in ("false", "no", "n", "0", "onsite", "on-site"):
        return False
    raise ValueError("not yes or no")


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()
