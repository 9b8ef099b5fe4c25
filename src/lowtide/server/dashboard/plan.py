"""The Plan page: the plan of the lulls as a calendar, what it chose and left out, and why.

Each week is a row: a light bar for the room the plan may fill (the week's
free hours after rest), and on it a block per activity and the habit, as wide
as their hours, coloured by kind. Lull weeks and the weeks kept frozen from
the accepted plan are marked. The page shows the latest preview when there is
one (it is what Accept acts on), else the accepted plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from lowtide.core.forecast import DEFAULT_LULL_HOURS
from lowtide.core.plan_record import HOURS_EPSILON, PlanItem, PlanState, StoredPlan
from lowtide.core.planner import ActivityKind
from lowtide.store import Store

#: Rejections listed when the page opens; the rest are counted.
REJECTIONS_SHOWN = 40
#: Least hours the calendar's scale spans, so a plan of a few hours is not drawn huge.
MIN_SCALE_HOURS = 10.0
#: Link schemes an activity's link may have to be shown as a link.
SAFE_SCHEMES = frozenset({"http", "https"})
#: The habit's block, beside the kinds of activity.
HABIT = "habit"
#: Which plan the page shows when asked: the preview (default) or the accepted one.
SHOWN = frozenset({"preview", "accepted"})


@dataclass(frozen=True)
class Block:
    """An activity's (or the habit's) hours in one week, as a share of the row."""

    key: str
    title: str
    kind: str
    hours: float
    width: float  # percent of the track


@dataclass(frozen=True)
class WeekRow:
    """One week of the calendar."""

    start: dt.date
    free: float
    room: float
    used: float
    room_width: float  # percent of the track
    blocks: tuple[Block, ...]
    lull: bool
    frozen: bool


@dataclass(frozen=True)
class ItemRow:
    """A chosen activity beside the calendar."""

    key: str
    title: str
    kind: str
    link: str  # empty unless it is an http(s) link
    value: float
    long: bool
    start: dt.date | None
    end: dt.date | None
    total: float
    weeks: int
    deadline: dt.date | None
    explanation: str


@dataclass(frozen=True)
class PlanView:
    """What the Plan page draws; `plan` is None before the first plan."""

    plan: StoredPlan | None
    accepted: StoredPlan | None
    preview: StoredPlan | None
    weeks: tuple[WeekRow, ...]
    items: tuple[ItemRow, ...]
    kinds: tuple[str, ...]  # the legend: kinds in the plan, in ActivityKind's order
    has_opportunities: bool

    @property
    def shown_rejections(self) -> int:
        return min(REJECTIONS_SHOWN, len(self.plan.rejections)) if self.plan else 0

    @property
    def lull_weeks(self) -> int:
        return sum(1 for w in self.weeks if w.lull)


def plan_view(store: Store, show: str = "preview") -> PlanView:
    """The preview (or the accepted plan, when asked or when there is no preview)."""
    accepted = store.latest_plan(PlanState.ACCEPTED)
    latest = store.latest_plan(PlanState.PREVIEW)
    plan = accepted if show == "accepted" or latest is None else latest
    if plan is None:
        has = bool(store.opportunities())
        return PlanView(None, accepted, latest, (), (), (), has)
    kinds = {i.candidate.kind.value for i in plan.items}
    legend: tuple[str, ...] = tuple(k.value for k in ActivityKind if k.value in kinds)
    if any(h > HOURS_EPSILON for h in plan.habit):
        legend += (HABIT,)
    return PlanView(
        plan=plan,
        accepted=accepted,
        preview=latest,
        weeks=calendar(plan),
        items=tuple(item_row(plan, i) for i in plan.items),
        kinds=legend,
        has_opportunities=True,
    )


def calendar(plan: StoredPlan, lull_hours: float = DEFAULT_LULL_HOURS) -> tuple[WeekRow, ...]:
    """The weeks as rows on one scale: the widest row's room (or use) fills the track.

    A week is in a lull when its free hours reach `lull_hours`, as on the Forecast page.
    """
    rest = plan.settings.rest_hours
    rows = []
    for k, start in enumerate(plan.weeks):
        free = plan.free_hours[k]
        blocks = [
            (i.key, i.candidate.title, i.candidate.kind.value, i.hours[k])
            for i in plan.items
            if i.hours[k] > HOURS_EPSILON
        ]
        habit = plan.habit[k] if plan.habit else 0.0
        if habit > HOURS_EPSILON:
            blocks.append((HABIT, "habit", HABIT, habit))
        rows.append((start, free, max(0.0, free - rest), blocks, k))
    scale = max([MIN_SCALE_HOURS, *(max(r[2], sum(b[3] for b in r[3])) for r in rows)])

    def pct(hours: float) -> float:
        return round(100.0 * hours / scale, 2)

    return tuple(
        WeekRow(
            start=start,
            free=free,
            room=room,
            used=sum(b[3] for b in blocks),
            room_width=pct(room),
            blocks=tuple(Block(key, title, kind, h, pct(h)) for key, title, kind, h in blocks),
            lull=free >= lull_hours,
            frozen=k < plan.frozen_weeks,
        )
        for start, free, room, blocks, k in rows
    )


def item_row(plan: StoredPlan, item: PlanItem) -> ItemRow:
    """The activity's run of weeks (Monday of the first to Sunday of the last) and totals."""
    c = item.candidate
    active = [k for k, h in enumerate(item.hours) if h > HOURS_EPSILON]
    start = plan.weeks[active[0]] if active else None
    end = plan.weeks[active[-1]] + dt.timedelta(days=6) if active else None
    return ItemRow(
        key=item.key,
        title=c.title,
        kind=c.kind.value,
        link=safe_link(c.link),
        value=c.value,
        long=item.long,
        start=start,
        end=end,
        total=sum(item.hours),
        weeks=len(active),
        deadline=c.deadline,
        explanation=item.explanation,
    )


def safe_link(link: str) -> str:
    """`link` when it is an http(s) URL, else "" (a `javascript:` link is never a link)."""
    try:
        scheme = urlsplit(link.strip()).scheme.lower()
    except ValueError:
        return ""
    return link.strip() if scheme in SAFE_SCHEMES else ""
