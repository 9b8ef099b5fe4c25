"""The `lowtide plan` commands: preview, accept, show, export as .ics, settings.

Registered on the main Typer app by `lowtide.cli`; thin like the others: parse,
make one library call, print.
"""

from __future__ import annotations

import json
import math
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from lowtide.cli import _OpenStore, app, clean_errors, console, err_console
from lowtide.cli_opportunities import (
    BasisOption,
    DomainsOption,
    DueBeforeOption,
    KindsOption,
    MaxHoursOption,
    MinPayOption,
    RemoteOption,
    SourceOption,
    day_of,
)
from lowtide.core.board import BoardFilter
from lowtide.core.plan_record import PlanState, StoredPlan
from lowtide.core.plan_settings import PlannerSettings
from lowtide.core.planner import PlanResult
from lowtide.errors import LowtideError, ValidationError

#: Rejections printed before the rest are counted (`--json` has them all).
REJECTIONS_SHOWN = 20
#: Hours below which a week shows no activity.
SHOWN_HOURS = 0.05

# The group's help is the preview's docstring: `lowtide plan` itself makes the preview.
plan_app = typer.Typer()
app.add_typer(plan_app, name="plan")


@plan_app.callback(invoke_without_command=True)
@clean_errors
def plan_preview(
    ctx: typer.Context,
    saved: Annotated[
        str | None, typer.Option("--filter", help="Choose from a saved board filter.")
    ] = None,
    kind: KindsOption = None,
    min_pay: MinPayOption = None,
    basis: BasisOption = None,
    max_hours: MaxHoursOption = None,
    due_before: DueBeforeOption = None,
    domain: DomainsOption = None,
    remote: RemoteOption = None,
    source: SourceOption = None,
    greedy: Annotated[
        bool, typer.Option("--greedy", help="Only the instant greedy plan; skip the solver.")
    ] = False,
    time_limit: Annotated[
        float | None,
        typer.Option(help="Seconds the solver may take (the setting by default)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Preview a plan of your lulls: the greedy plan at once, then the best one in time.

    Chooses among the open opportunities (or those of a filter), fits them into
    the forecast's free hours less your rest, explains every choice and every
    rejection, and keeps it as the preview for `lowtide plan accept`. With an
    accepted plan, its next weeks stay as they are and unfinished work rolls over.
    """
    if ctx.invoked_subcommand is not None:
        return
    from lowtide.opportunities.board import narrowed
    from lowtide.planner.planning import preview
    from lowtide.server.api_projects import live_run_eta

    with _OpenStore() as store, ExitStack() as waiting:
        base = store.saved_filter(saved) if saved else BoardFilter()
        f = narrowed(
            base, kinds=kind, min_pay=min_pay, pay_basis=basis, max_weekly_hours=max_hours,
            due_before=day_of(due_before), domains=domain,
            remote=remote, source=source,
        )  # fmt: skip
        limit = time_limit if time_limit is not None else store.planner_settings().time_limit_s

        def show_greedy(result: PlanResult) -> None:
            if as_json or greedy or not (result.chosen or result.rejected):
                return
            console.print(
                f"greedy plan: {len(result.chosen)} activities worth {result.value:g}",
                highlight=False,
            )
            waiting.enter_context(
                console.status(f"looking for a better plan (up to {limit:g} s)...")
            )

        plan = preview(
            store, time.time(), live_run_eta(store), f,
            optimal=not greedy, time_limit_s=time_limit, on_greedy=show_greedy,
        )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(plan.to_json(), indent=2))
        return
    print_plan(plan, "preview")
    console.print("accept it with `lowtide plan accept`", highlight=False)


@plan_app.command("accept")
@clean_errors
def plan_accept() -> None:
    """Accept the latest preview: it becomes the plan you follow, a new revision."""
    from lowtide.planner.planning import accept

    with _OpenStore() as store:
        plan = accept(store, time.time())
    console.print(
        f"accepted revision {plan.revision}: {len(plan.items)} activities worth {plan.value:g}; "
        "`lowtide plan export --ics FILE` puts it in your calendar",
        highlight=False,
    )


@plan_app.command("show")
@clean_errors
def plan_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """The accepted plan, week by week, with the reason for every choice and rejection."""
    with _OpenStore() as store:
        plan = store.latest_plan(PlanState.ACCEPTED)
    if as_json:
        typer.echo(json.dumps(plan.to_json() if plan else None, indent=2))
        return
    if plan is None:
        console.print("no plan accepted yet; `lowtide plan` makes a preview to accept")
        return
    print_plan(plan, "accepted plan")


@plan_app.command("export")
@clean_errors
def plan_export(
    ics: Annotated[Path, typer.Option("--ics", help="The .ics file to write.")],
) -> None:
    """Write the accepted plan (else the preview) as calendar events; import it again to update."""
    from lowtide.planner.planning import export_calendar

    with _OpenStore() as store:
        done = export_calendar(store, time.time())
    try:
        ics.write_bytes(done.ics)
    except OSError as exc:
        raise LowtideError(f"cannot write {ics}: {exc.strerror}") from None
    if done.note:
        err_console.print(f"[yellow]note:[/yellow] {done.note}", highlight=False)
    console.print(
        f"wrote {ics}: {len(done.plan.items)} activities, revision {done.plan.revision}",
        highlight=False,
    )


@plan_app.command("settings")
@clean_errors
def plan_settings(
    rest_hours: Annotated[
        float | None, typer.Option(help="Hours a week kept free of any plan, for rest.")
    ] = None,
    max_concurrent: Annotated[
        int | None, typer.Option(help="Activities in the same week, at most.")
    ] = None,
    max_long: Annotated[
        int | None, typer.Option(help="Long commitments (12 weeks or more) in a plan, at most.")
    ] = None,
    habit_hours: Annotated[
        float | None, typer.Option(help="Hours a week of a daily-learning habit, kept first.")
    ] = None,
    optimistic: Annotated[
        bool | None,
        typer.Option("--p50/--p80", help="Plan into the forecast's P50 free hours, or P80."),
    ] = None,
    time_limit: Annotated[float | None, typer.Option(help="Seconds the solver may take.")] = None,
    freeze_weeks: Annotated[
        int | None, typer.Option(help="Weeks of an accepted plan kept when re-planning.")
    ] = None,
    weeks: Annotated[int | None, typer.Option(help="Weeks ahead a plan covers.")] = None,
) -> None:
    """Show or set how the planner works: rest, caps, the habit, P80 or P50, its time."""
    given: dict[str, Any] = {
        "rest_hours": rest_hours, "max_concurrent": max_concurrent, "max_long": max_long,
        "habit_hours": habit_hours, "optimistic": optimistic, "time_limit_s": time_limit,
        "freeze_weeks": freeze_weeks, "weeks": weeks,
    }  # fmt: skip
    with _OpenStore() as store:
        settings = store.planner_settings()
        changes = {k: v for k, v in given.items() if v is not None}
        if changes:
            try:
                settings = PlannerSettings.from_json(changes, settings)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
            store.set_planner_settings(settings)
    s = settings
    lines = [
        ("rest", f"{s.rest_hours:g} h a week"),
        ("activities at once", f"at most {s.max_concurrent}"),
        ("long commitments", f"at most {s.max_long}"),
        ("daily-learning habit", f"{s.habit_hours:g} h a week" if s.habit_hours else "none"),
        ("free hours", "P50 (optimistic)" if s.optimistic else "P80 (survives a slip)"),
        ("solver time", f"{s.time_limit_s:g} s"),
        ("kept when re-planning", f"{s.freeze_weeks} week(s)"),
        ("horizon", f"{s.weeks} weeks"),
    ]
    for label, value in lines:
        console.print(f"  {label}: {value}", highlight=False)


def print_plan(plan: StoredPlan, what: str) -> None:
    """The plan week by week, then why each activity is in it and why the others are not."""
    gap = f", gap {plan.gap:.1%}" if plan.gap and math.isfinite(plan.gap) else ""
    console.print(
        f"[bold]{what}[/bold], revision {plan.revision}: {len(plan.items)} activities worth "
        f"{plan.value:g} ({plan.method.value}{gap}), {len(plan.rejections)} left out",
        highlight=False,
    )
    for note in plan.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False, soft_wrap=True)
    body = plan.to_json()
    if plan.items:
        table = Table(box=None, header_style="bold")
        for column in ("week", "room", "used", "activities"):
            table.add_column(column, justify="right" if column in ("room", "used") else "left")
        for week in body["weeks"]:
            shown = ", ".join(
                f"{a['title']} {a['hours']:g} h"
                for a in week["activities"]
                if a["hours"] >= SHOWN_HOURS
            )
            if week["habit_hours"]:
                shown = f"habit {week['habit_hours']:g} h" + (f", {shown}" if shown else "")
            table.add_row(
                week["start"] + (" kept" if week["frozen"] else ""),
                f"{week['room_hours']:g}",
                f"{week['used_hours']:g}",
                shown,
            )
        console.print(table)
        console.print("[bold]chosen[/bold]")
        for item in plan.items:
            c = item.candidate
            console.print(
                f"  {c.title} ({c.kind.value}): {item.explanation}",
                highlight=False,
                soft_wrap=True,
            )
    if plan.rejections:
        console.print("[bold]left out[/bold]")
        for r in plan.rejections[:REJECTIONS_SHOWN]:
            console.print(f"  {r.title}: {r.reason}", highlight=False, soft_wrap=True)
        if len(plan.rejections) > REJECTIONS_SHOWN:
            console.print(
                f"  ... and {len(plan.rejections) - REJECTIONS_SHOWN} more; --json lists them all",
                highlight=False,
            )
