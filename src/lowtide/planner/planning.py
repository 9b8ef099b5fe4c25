"""Plans of the lulls from what the store holds: preview, accept, and the calendar.

A preview reads the board (a filter; by default every open opportunity),
the forecast's free hours (P80 unless the settings say P50) and the
planner's settings. When a plan has been accepted, its next weeks stay
frozen and its unfinished work rolls over (`replan_inputs`). The greedy plan
comes first, in milliseconds; the solver then looks for a better one under
the time limit, starting from it. Accepting checks the preview against every
rule again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lowtide.core.board import BoardFilter
from lowtide.core.candidates import CandidatePool, candidate_pool
from lowtide.core.plan_record import PlanItem, PlanRejection, PlanState, StoredPlan
from lowtide.core.plan_settings import PlannerSettings
from lowtide.core.planner import (
    Candidate,
    PlanningProblem,
    PlanResult,
    greedy_plan,
    replan_inputs,
    violations,
)
from lowtide.errors import ConflictError, NotFoundError
from lowtide.opportunities.board import read_board
from lowtide.planner.calendar_out import plan_calendar
from lowtide.projects.forecasting import RunEta, build_forecast
from lowtide.store import Store

#: What the plan's calendar events are keyed under: one plan per store, revised in place.
PLAN_KEY = "lowtide-lulls"
#: Violations an error message lists before it counts the rest.
VIOLATIONS_SHOWN = 3


@dataclass(frozen=True)
class PlanInputs:
    """What one plan is found from: the problem, its candidates, and where they came from."""

    problem: PlanningProblem
    candidates: tuple[Candidate, ...]
    pool: CandidatePool
    settings: PlannerSettings
    board_filter: BoardFilter
    accepted: StoredPlan | None
    frozen_weeks: int


@dataclass(frozen=True)
class CalendarExport:
    """A plan as an .ics file, the plan it shows, and a remark for the user when there is one."""

    ics: bytes
    plan: StoredPlan
    note: str = ""


def plan_inputs(
    store: Store,
    now: float,
    run_eta: RunEta,
    board_filter: BoardFilter | None = None,
    settings: PlannerSettings | None = None,
) -> PlanInputs:
    """The problem and candidates of a new plan, on top of the accepted plan when there is one."""
    settings = settings or store.planner_settings()
    f = board_filter or BoardFilter()
    accepted = store.latest_plan(PlanState.ACCEPTED)
    # Closed and past opportunities come too, to be rejected with their reason.
    rows = read_board(
        store, dataclasses.replace(f, include_closed=True), now, run_eta, weeks=settings.weeks
    )
    keep = frozenset(i.key for i in accepted.items) if accepted else frozenset()
    pool = candidate_pool(
        [r.item for r in rows],
        store.value_weights(),
        dt.datetime.fromtimestamp(now, dt.UTC),
        keep=keep,
        rates=store.currency_rates(),
    )
    forecast, _ = build_forecast(store, now, run_eta, weeks=settings.weeks)
    problem = PlanningProblem.from_forecast(
        forecast,
        optimistic=settings.optimistic,
        rest_hours=settings.rest_hours,
        max_concurrent=settings.max_concurrent,
        max_long=settings.max_long,
        habit_hours=settings.habit_hours,
    )
    candidates = pool.candidates
    frozen_weeks = 0
    if accepted is not None:
        problem, candidates = _replan(accepted, pool, problem, settings.freeze_weeks)
        frozen_weeks = min(settings.freeze_weeks, problem.n)
    return PlanInputs(problem, candidates, pool, settings, f, accepted, frozen_weeks)


def preview(
    store: Store,
    now: float,
    run_eta: RunEta,
    board_filter: BoardFilter | None = None,
    *,
    optimal: bool = True,
    time_limit_s: float | None = None,
    on_greedy: Callable[[PlanResult], None] | None = None,
) -> StoredPlan:
    """A new preview: the greedy plan, then (when `optimal`) the solver's; kept in the store.

    `on_greedy` is called with the instant greedy plan before the solver starts.
    """
    inputs = plan_inputs(store, now, run_eta, board_filter)
    result = greedy_plan(inputs.candidates, inputs.problem)
    if on_greedy is not None:
        on_greedy(result)
    if optimal and inputs.candidates:
        limit = inputs.settings.time_limit_s if time_limit_s is None else time_limit_s
        # HiGHS takes ~20 MB when loaded: a server that never plans does without it.
        from lowtide.planner.solver import solve

        result = solve(inputs.candidates, inputs.problem, time_limit_s=limit)
    return store.save_plan_preview(stored_plan(inputs, result), now)


def accept(store: Store, now: float) -> StoredPlan:
    """Accept the latest preview once it passes every rule; it supersedes the accepted plan."""
    plan = store.latest_plan(PlanState.PREVIEW)
    if plan is None:
        raise NotFoundError("no plan preview to accept; make one with `lowtide plan`")
    broken = violations(plan.candidates(), plan.problem(), plan.result())
    if broken:
        hidden = len(broken) - VIOLATIONS_SHOWN
        more = f" and {hidden} more" if hidden > 0 else ""
        raise ConflictError(
            f"the preview breaks the planner's rules ({'; '.join(broken[:VIOLATIONS_SHOWN])}"
            f"{more}); make a new one with `lowtide plan`"
        )
    return store.accept_plan(plan.id, now)


def export_calendar(store: Store, now: float) -> CalendarExport:
    """The accepted plan as events (else the preview, with a note); dropped weeks cancelled."""
    accepted = store.latest_plan(PlanState.ACCEPTED)
    plan = accepted or store.latest_plan(PlanState.PREVIEW)
    if plan is None:
        raise NotFoundError("no plan yet; make one with `lowtide plan`")
    previous = store.latest_plan(PlanState.SUPERSEDED) if accepted else None
    candidates = {c.key: c for c in (previous.candidates() if previous else ())}
    candidates.update({c.key: c for c in plan.candidates()})
    ics = plan_calendar(
        plan.result(),
        list(candidates.values()),
        plan_key=PLAN_KEY,
        revision=plan.revision,
        stamp=dt.datetime.fromtimestamp(now, dt.UTC),
        previous=previous.result() if previous else None,
    )
    note = (
        ""
        if accepted
        else "no plan is accepted yet, so this is the preview; `lowtide plan accept` accepts it"
    )
    return CalendarExport(ics, plan, note)


def stored_plan(inputs: PlanInputs, result: PlanResult) -> StoredPlan:
    """The plan to keep: each choice with its candidate, frozen hours and explanation."""
    by_key: dict[str, Candidate] = {c.key: c for c in inputs.candidates}
    ids = {key: item.id for key, item in inputs.pool.about.items()}
    if inputs.accepted is not None:
        for old in inputs.accepted.items:
            by_key.setdefault(old.key, old.candidate)
            if old.opportunity_id is not None:
                ids.setdefault(old.key, old.opportunity_id)
    frozen = {a.key: a.hours for a in inputs.problem.frozen}
    items = tuple(
        PlanItem(
            candidate=by_key[a.key],
            hours=a.hours,
            explanation=result.explanations.get(a.key, ""),
            opportunity_id=ids.get(a.key),
            long=a.long,
            frozen=frozen.get(a.key, ()),
        )
        for a in result.chosen
    )
    rejections = tuple(
        _rejection(r.key, r.reason, by_key, inputs.pool, ids)
        for r in (*result.rejected, *inputs.pool.rejected)
    )
    notes = list(result.notes) + list(inputs.pool.notes)
    if inputs.accepted is not None:
        notes.append(
            f"re-planned over revision {inputs.accepted.revision}: its first "
            f"{inputs.frozen_weeks} week(s) are kept, unfinished work rolls over"
        )
    return StoredPlan(
        weeks=inputs.problem.weeks,
        free_hours=inputs.problem.free_hours,
        settings=inputs.settings,
        items=items,
        rejections=rejections,
        value=result.value,
        method=result.method,
        gap=result.gap,
        habit=result.habit,
        notes=tuple(notes),
        frozen_weeks=inputs.frozen_weeks,
        board_filter=inputs.board_filter.to_json(),
    )


def _rejection(
    key: str,
    reason: str,
    by_key: Mapping[str, Candidate],
    pool: CandidatePool,
    ids: Mapping[str, int],
) -> PlanRejection:
    c = by_key.get(key)
    if c is not None:
        return PlanRejection(key, c.title, c.kind, reason, ids.get(key))
    o = pool.about[key].opportunity
    return PlanRejection(key, o.title, o.kind, reason, ids.get(key))


def _replan(
    accepted: StoredPlan, pool: CandidatePool, problem: PlanningProblem, freeze_weeks: int
) -> tuple[PlanningProblem, tuple[Candidate, ...]]:
    """The accepted plan's next weeks frozen; its activities no longer on the board still
    count (a commitment under way stays whole) but are not planned anew."""
    listed = {c.key for c in pool.candidates}
    gone = {i.key: i.candidate for i in accepted.items if i.key not in listed}
    problem, left = replan_inputs(
        accepted.result(), [*pool.candidates, *gone.values()], problem, freeze_weeks
    )
    # What comes back unchanged (the same object) for a gone key was not under way.
    return problem, tuple(c for c in left if c.key in listed or c is not gone.get(c.key))
