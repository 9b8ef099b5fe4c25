"""Opportunities as the planner's candidates: the user's value, the shape, the dates.

A fixed opportunity (10 h a week for 26 weeks) is planned whole; any other is
a total of hours at its least to most a week, where the least is at least
`MIN_WEEKLY_HOURS` (the planner needs a pace above zero). Opportunities that
are closed, or whose deadline has passed, never reach the planner: they come
back as rejections with their reason, the most recent first, so nothing the
filter chose vanishes without a word. Of the open ones, the best
`MAX_CANDIDATES` by value are planned, and a note says how many were left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from lowtide.core.opportunities import Opportunity, StoredOpportunity, ValueWeights, weighted_value
from lowtide.core.pay import CurrencyRates
from lowtide.core.planner import Candidate, Fixed, Flexible, Rejection

#: Open opportunities one plan considers at most, best value first (the solver's size).
MAX_CANDIDATES = 300
#: Closed or past opportunities listed as rejections at most, the most recent first.
MAX_PAST_REJECTIONS = 50
#: Least hours a week of flexible work when its opportunity says 0 (a pace the planner needs).
MIN_WEEKLY_HOURS = 0.5


@dataclass(frozen=True)
class CandidatePool:
    """What a plan chooses from, what it rejects before planning, and why."""

    candidates: tuple[Candidate, ...]
    rejected: tuple[Rejection, ...]
    about: dict[str, StoredOpportunity]  # the opportunity behind each key of both
    notes: tuple[str, ...]


def candidate_key(item: StoredOpportunity) -> str:
    """A key unique across sources and stable across imports: "source/key"."""
    return f"{item.opportunity.source}/{item.opportunity.key}"


def to_candidate(
    item: StoredOpportunity, weights: ValueWeights, rates: CurrencyRates | None = None
) -> Candidate:
    """The opportunity as the planner sees it, worth its weighted value (with its pay)."""
    o = item.opportunity
    shape = o.shape
    planned: Fixed | Flexible
    if shape.weeks is not None:
        planned = Fixed(shape.max_weekly, shape.weeks)
    else:
        low = min(max(shape.min_weekly, MIN_WEEKLY_HOURS), shape.max_weekly)
        planned = Flexible(shape.total_hours, low, shape.max_weekly)
    return Candidate(
        key=candidate_key(item),
        title=o.title,
        kind=o.kind,
        value=weighted_value(o, weights, rates),
        shape=planned,
        earliest_start=o.earliest_start,
        start_windows=tuple((w.start, w.end) for w in o.start_windows),
        deadline=o.deadline_day,
        link=o.link,
    )


def closed_reason(o: Opportunity, now: dt.datetime) -> str:
    """Why an opportunity cannot be planned at all, or '' when it is open."""
    if not o.open:
        return "closed (by its source, or by you with `lowtide opportunities edit --close`)"
    if o.deadline is not None and o.deadline < now:
        return f"its deadline {o.deadline_day} has passed"
    return ""


def candidate_pool(
    items: Sequence[StoredOpportunity],
    weights: ValueWeights,
    now: dt.datetime,
    *,
    keep: frozenset[str] = frozenset(),
    limit: int = MAX_CANDIDATES,
    rates: CurrencyRates | None = None,
) -> CandidatePool:
    """The best `limit` open opportunities as candidates, the rest as rejections or a note.

    Keys in `keep` (the accepted plan's activities) are candidates whatever
    their rank, so that re-planning can roll their unfinished work over.
    """
    open_items: list[tuple[StoredOpportunity, float]] = []
    past: list[tuple[StoredOpportunity, str]] = []
    for item in items:
        reason = closed_reason(item.opportunity, now)
        if reason:
            past.append((item, reason))
        else:
            open_items.append((item, weighted_value(item.opportunity, weights, rates)))
    open_items.sort(key=lambda p: (-p[1], p[0].opportunity.title.lower(), p[0].id))
    chosen = [item for item, _ in open_items[:limit]]
    chosen += [item for item, _ in open_items[limit:] if candidate_key(item) in keep]
    notes = []
    left = len(open_items) - len(chosen)
    if left > 0:
        notes.append(
            f"{left} more open opportunities beyond the best {limit} by value were not "
            "considered; narrow the filter to plan them"
        )
    far = dt.datetime.min.replace(tzinfo=dt.UTC)
    past.sort(key=lambda p: p[0].opportunity.deadline or far, reverse=True)
    shown = past[:MAX_PAST_REJECTIONS]
    if len(past) > len(shown):
        notes.append(
            f"{len(past) - len(shown)} more closed or past opportunities left out; "
            f"the {len(shown)} most recent are listed with the rejections"
        )
    return CandidatePool(
        candidates=tuple(to_candidate(item, weights, rates) for item in chosen),
        rejected=tuple(Rejection(candidate_key(item), reason) for item, reason in shown),
        about={candidate_key(item): item for item in [*chosen, *(i for i, _ in shown)]},
        notes=tuple(notes),
    )
