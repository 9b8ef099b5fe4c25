"""A plan as iCalendar events, which every calendar imports (Outlook ignores to-dos).

One all-day event per activity per week, Monday to Sunday, titled with the
week's hours ("ML course: 6 h"): the plan decides hours a week, not hours of
a day, so the week is the honest unit. Events are TRANSPARENT, so that a
calendar that lowtide reads back for busy time does not count the plan as
busy. The UID of an event comes from the plan's key, the candidate's key and
the week, so re-exporting a revised plan updates the same events; SEQUENCE
is the plan's revision. Weeks of the previous revision that the new one
drops are sent as CANCELLED, so that an import removes them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import icalendar

from lowtide.core.planner.explain import hours_text
from lowtide.core.planner.model import HOURS_TOLERANCE, ActivityKind, Candidate, PlanResult

#: Namespace of the events' UIDs (a UUID5 of plan key, candidate key and week).
UID_NAMESPACE = uuid.UUID("6b1f0c1e-4f55-4c36-9a53-6c6f77746964")
#: Key and title of the daily-learning habit's events.
HABIT_KEY = "habit"
HABIT_TITLE = "Daily learning"
PRODID = "-//lowtide//plan//EN"


def event_uid(plan_key: str, key: str, week: dt.date) -> str:
    """The stable UID of `key`'s event in `week` of plan `plan_key`."""
    return f"{uuid.uuid5(UID_NAMESPACE, f'{plan_key}/{key}/{week.isoformat()}')}@lowtide"


def plan_calendar(
    result: PlanResult,
    candidates: Sequence[Candidate],
    *,
    plan_key: str,
    revision: int,
    stamp: dt.datetime,
    previous: PlanResult | None = None,
    name: str = "lowtide plan",
) -> bytes:
    """The plan's weeks of work as an .ics file.

    Args:
        plan_key: what the plan is stored under; the events' UIDs derive from it.
        revision: the plan's revision, 0 for the first; each export of a revision
            that changed must pass a higher one, so that calendars take the update.
        stamp: the export's time (DTSTAMP), from the caller's clock.
        previous: the revision this one replaces; its weeks now gone are cancelled.
    """
    by_key = {c.key: c for c in candidates}
    cal = icalendar.Calendar.new(prodid=PRODID, name=name)
    current: set[str] = set()
    for key, title, kind, link, week, hours in _weeks_of_work(result, by_key):
        uid = event_uid(plan_key, key, week)
        current.add(uid)
        description = result.explanations.get(key, "")
        cal.add_component(
            icalendar.Event.new(
                uid=uid,
                sequence=revision,
                stamp=stamp,
                start=week,
                end=week + dt.timedelta(days=7),
                summary=f"{title}: {hours_text(hours)}",
                description=description or None,
                categories=[kind.value],
                transparency=icalendar.TRANSP.TRANSPARENT,
                url=link or None,
            )
        )
    if previous is not None:
        for key, title, kind, _, week, _ in _weeks_of_work(previous, by_key):
            uid = event_uid(plan_key, key, week)
            if uid not in current:
                current.add(uid)
                cal.add_component(
                    icalendar.Event.new(
                        uid=uid,
                        sequence=revision,
                        stamp=stamp,
                        start=week,
                        end=week + dt.timedelta(days=7),
                        summary=f"{title} (dropped from the plan)",
                        categories=[kind.value],
                        status=icalendar.STATUS.CANCELLED,
                        transparency=icalendar.TRANSP.TRANSPARENT,
                    )
                )
    return bytes(cal.to_ical())


def _weeks_of_work(
    result: PlanResult, by_key: dict[str, Candidate]
) -> list[tuple[str, str, ActivityKind, str, dt.date, float]]:
    """(key, title, kind, link, week, hours) for every activity's week with hours."""
    rows = []
    for a in result.chosen:
        c = by_key.get(a.key)
        title = c.title if c is not None else a.key
        kind = c.kind if c is not None else ActivityKind.OTHER
        link = c.link if c is not None else ""
        for week, hours in zip(result.weeks, a.hours, strict=True):
            if hours > HOURS_TOLERANCE:
                rows.append((a.key, title, kind, link, week, hours))
    for week, hours in zip(result.weeks, result.habit, strict=True):
        if hours > HOURS_TOLERANCE:
            rows.append((HABIT_KEY, HABIT_TITLE, ActivityKind.LEARNING, "", week, hours))
    return rows
