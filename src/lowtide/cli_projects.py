"""The `lowtide` commands for projects, stages, hours, the profile, calendars and the forecast.

Registered on the main Typer app by `lowtide.cli`; thin like the others: parse,
make one library call, print.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from lowtide.cli import _OpenStore, app, clean_errors, console
from lowtide.core.forecast import DEFAULT_LULL_HOURS, DEFAULT_SAMPLES, DEFAULT_WEEKS, Forecast
from lowtide.core.profile import WEEKDAY_NAMES, EngineerProfile, TimeOff
from lowtide.core.stages import DEFAULT_PROFILES, Progress, StageStatus
from lowtide.errors import LowtideError, ValidationError

#: Characters of the widest bar in the forecast chart.
CHART_WIDTH = 40

projects_app = typer.Typer(
    help="Projects as code: apply and export a YAML file.", no_args_is_help=True
)
project_app = typer.Typer(help="List, show and add projects.", no_args_is_help=True)
stage_app = typer.Typer(
    help="Start, finish and count the progress of stages.", no_args_is_help=True
)
hours_app = typer.Typer(help="Record the hours really spent on stages.", no_args_is_help=True)
profile_app = typer.Typer(
    help="Your working time: weekly hours, workdays, time zone, time off.", no_args_is_help=True
)
calendar_app = typer.Typer(help="Busy time from calendars.", no_args_is_help=True)
app.add_typer(projects_app, name="projects")
app.add_typer(project_app, name="project")
app.add_typer(stage_app, name="stage")
app.add_typer(hours_app, name="hours")
app.add_typer(profile_app, name="profile")
app.add_typer(calendar_app, name="calendar")

_PROJECT = Annotated[str, typer.Argument(help="The project's name.")]
_STAGE = Annotated[str, typer.Argument(help="The stage's name within the project.")]
_ON = Annotated[
    dt.datetime | None,
    typer.Option("--on", formats=["%Y-%m-%d"], help="The day (YYYY-MM-DD); today by default."),
]


# -- projects as code ----------------------------------------------------------------------


@projects_app.command("apply")
@clean_errors
def projects_apply(
    file: Annotated[Path, typer.Argument(help="The YAML file of projects and stages.")],
) -> None:
    """Create or update the projects of a YAML file; any error and nothing is applied."""
    from lowtide.projects.spec import load_plan

    text = _read(file)
    projects = load_plan(text, str(file))
    with _OpenStore() as store:
        done = store.apply_projects(projects)
    console.print(
        f"applied {done.projects} project(s): {done.added} stage(s) added, "
        f"{done.updated} updated, {done.removed} removed"
    )


@projects_app.command("export")
@clean_errors
def projects_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of the terminal.")
    ] = None,
) -> None:
    """Write every project and its stages as YAML that `lowtide projects apply` reads."""
    from lowtide.projects.spec import dump_plan

    with _OpenStore() as store:
        plan = store.plan()
    text = dump_plan([p for p in plan.projects if p.stages or p.goal or p.owner])
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")


# -- projects ------------------------------------------------------------------------------


@project_app.command("list")
@clean_errors
def project_list() -> None:
    """Every project: owner, stages and where it stands."""
    with _OpenStore() as store:
        plan = store.plan()
        runs = {p.name: p.n_runs for p in store.list_projects()}
    if not plan.projects:
        console.print("no projects yet")
        return
    table = Table(box=None, header_style="bold")
    for column in ("project", "owner", "stages", "now", "runs", "goal"):
        table.add_column(column, overflow="fold")
    for p in plan.projects:
        active = [s.key for s in p.stages if s.status is StageStatus.ACTIVE]
        done = sum(s.status is StageStatus.DONE for s in p.stages)
        table.add_row(
            p.name,
            p.owner,
            f"{done}/{len(p.stages)} done" if p.stages else "-",
            ", ".join(active) or "-",
            str(runs.get(p.name, 0)),
            p.goal,
        )
    console.print(table)


@project_app.command("show")
@clean_errors
def project_show(name: _PROJECT) -> None:
    """A project's stages: kind, status, dates, estimate, hours, progress and runs."""
    with _OpenStore() as store:
        [project] = store.plan(name).projects
    console.print(f"[bold]{project.name}[/bold]  {project.goal}", highlight=False)
    if project.owner:
        console.print(f"owner: {project.owner}", highlight=False)
    if not project.stages:
        console.print("no stages yet; describe them in a file for `lowtide projects apply`")
        return
    table = Table(box=None, header_style="bold")
    for column in ("stage", "kind", "status", "after", "dates", "estimate", "hours/wk", "progress"):
        table.add_column(column, overflow="fold")
    for s in project.stages:
        hours = s.hours or DEFAULT_PROFILES[s.kind].hours
        dates = " → ".join(
            str(d) for d in (s.started_on or s.planned_start, s.ended_on) if d is not None
        )
        progress = ""
        if s.progress:
            progress = f"{s.progress.done}/{s.progress.total} ({s.progress.fraction:.0%})"
        elif s.runs:
            progress = "runs " + ", ".join(r[:8] for r in s.runs)
        table.add_row(
            s.key,
            s.kind.value,
            _status(s.status),
            ", ".join(s.after),
            dates,
            f"{s.estimate.optimistic:g}/{s.estimate.likely:g}/{s.estimate.pessimistic:g} d"
            if s.estimate
            else "",
            f"{hours.low:g}-{hours.high:g}",
            progress,
        )
    console.print(table)


@project_app.command("add")
@clean_errors
def project_add(
    name: _PROJECT,
    goal: Annotated[str | None, typer.Option(help="What the project is for.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who owns it.")] = None,
) -> None:
    """Create a project, or set its goal and owner."""
    with _OpenStore() as store:
        store.set_project(name, goal=goal, owner=owner)
    console.print(f"saved project {name}", highlight=False)


# -- stages ---------------------------------------------------------------------------------


def _set_status(project: str, stage: str, status: StageStatus, on: dt.datetime | None) -> None:
    with _OpenStore() as store:
        store.set_stage_status(project, stage, status, on.date() if on else None)
    console.print(f"{project}/{stage} is {status.value}", highlight=False)


@stage_app.command("start")
@clean_errors
def stage_start(project: _PROJECT, stage: _STAGE, on: _ON = None) -> None:
    """Mark a stage active from a day (today by default)."""
    _set_status(project, stage, StageStatus.ACTIVE, on)


@stage_app.command("done")
@clean_errors
def stage_done(project: _PROJECT, stage: _STAGE, on: _ON = None) -> None:
    """Mark a stage done on a day (today by default): what waits for it can start."""
    _set_status(project, stage, StageStatus.DONE, on)


@stage_app.command("block")
@clean_errors
def stage_block(project: _PROJECT, stage: _STAGE) -> None:
    """Mark a stage blocked (forecast as if it resumed today)."""
    _set_status(project, stage, StageStatus.BLOCKED, None)


@stage_app.command("progress")
@clean_errors
def stage_progress(
    project: _PROJECT,
    stage: _STAGE,
    done: Annotated[int, typer.Argument(min=0, help="Items done.")],
    total: Annotated[int, typer.Argument(min=1, help="Items in all.")],
) -> None:
    """Count an annotation or collection stage's items done of total; its rate gives an ETA."""
    if done > total:
        raise ValidationError(f"done ({done}) cannot be more than total ({total})")
    with _OpenStore() as store:
        store.record_progress(project, stage, Progress(done, total))
    console.print(f"{project}/{stage}: {done}/{total} ({done / total:.0%})", highlight=False)


# -- hours ------------------------------------------------------------------------------------


@hours_app.command("add")
@clean_errors
def hours_add(
    project: _PROJECT,
    stage: _STAGE,
    hours: Annotated[float, typer.Argument(min=0, help="Hours spent in the week.")],
    week: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Any day of the week; this week by default."),
    ] = None,
) -> None:
    """Record the hours spent on a stage in a week; they adjust the kind's effort profile."""
    day = week.date() if week else dt.date.today()
    with _OpenStore() as store:
        store.record_hours(project, stage, day, hours)
    console.print(f"{project}/{stage}: {hours:g} h in the week of {day}", highlight=False)


@hours_app.command("list")
@clean_errors
def hours_list() -> None:
    """Recorded hours by week and stage."""
    with _OpenStore() as store:
        found = store.hours_actuals()
    if not found:
        console.print("no hours recorded yet")
        return
    table = Table(box=None, header_style="bold")
    for column in ("week", "stage", "kind", "hours"):
        table.add_column(column)
    for a in found:
        table.add_row(str(a.week), a.stage, a.kind.value, f"{a.hours:g}")
    console.print(table)


# -- profile ----------------------------------------------------------------------------------


@profile_app.command("show")
@clean_errors
def profile_show() -> None:
    """Your weekly hours, workdays, time zone and time off."""
    with _OpenStore() as store:
        profile = store.engineer_profile()
        off = store.time_off()
    days = ",".join(WEEKDAY_NAMES[d] for d in profile.workdays)
    console.print(
        f"{profile.weekly_hours:g} h a week on {days}, time zone {profile.timezone}",
        highlight=False,
    )
    for i, t in off:
        console.print(f"  off #{i}: {t.start} to {t.end} {t.note}", highlight=False)


@profile_app.command("set")
@clean_errors
def profile_set(
    weekly_hours: Annotated[float | None, typer.Option(min=0, help="Hours a week.")] = None,
    workdays: Annotated[
        str | None, typer.Option(help="Workdays, such as mon,tue,wed,thu,fri.")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone, such as Europe/Paris.")
    ] = None,
) -> None:
    """Change your weekly hours, workdays or time zone."""
    with _OpenStore() as store:
        current = store.engineer_profile()
        try:
            profile = EngineerProfile(
                weekly_hours=current.weekly_hours if weekly_hours is None else weekly_hours,
                workdays=_workdays(workdays) if workdays else current.workdays,
                timezone=timezone or current.timezone,
            )
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        store.set_engineer_profile(profile)
    console.print("saved")


@profile_app.command("off")
@clean_errors
def profile_off(
    start: Annotated[dt.datetime, typer.Argument(formats=["%Y-%m-%d"], help="First day off.")],
    end: Annotated[dt.datetime, typer.Argument(formats=["%Y-%m-%d"], help="Last day off.")],
    note: Annotated[str, typer.Option(help="What it is.")] = "",
) -> None:
    """Add time off, first to last day: those days have no capacity."""
    try:
        off = TimeOff(start.date(), end.date(), note)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    with _OpenStore() as store:
        new_id = store.add_time_off(off)
    console.print(f"time off #{new_id}: {off.start} to {off.end}", highlight=False)


@profile_app.command("on")
@clean_errors
def profile_on(time_off_id: Annotated[int, typer.Argument(help="The time off's id.")]) -> None:
    """Remove time off (see its id in `lowtide profile show`)."""
    with _OpenStore() as store:
        store.remove_time_off(time_off_id)
    console.print(f"removed time off #{time_off_id}")


# -- calendar ---------------------------------------------------------------------------------


@calendar_app.command("import")
@clean_errors
def calendar_import(
    file: Annotated[Path, typer.Argument(help="An iCalendar (.ics) file.")],
    source: Annotated[
        str | None, typer.Option(help="Name its busy time is kept under; the file name by default.")
    ] = None,
) -> None:
    """Take busy time from an .ics file (recurring events expanded); re-importing replaces it."""
    from lowtide.projects.calendar import IMPORT_DAYS_AFTER, IMPORT_DAYS_BEFORE, read_busy

    data = _read(file)
    with _OpenStore() as store:
        profile = store.engineer_profile()
        today = dt.datetime.now(profile.tz).date()
        busy = read_busy(
            data,
            profile.tz,
            today - dt.timedelta(days=IMPORT_DAYS_BEFORE),
            today + dt.timedelta(days=IMPORT_DAYS_AFTER),
        )
        store.replace_busy(source or file.name, busy)
    hours = sum(b.end - b.start for b in busy) / 3600
    console.print(f"imported {len(busy)} busy interval(s), {hours:,.0f} h, from {file.name}")


# -- forecast ---------------------------------------------------------------------------------


@app.command("forecast")
@clean_errors
def forecast_command(
    weeks: Annotated[int, typer.Option(min=1, max=104, help="Weeks ahead.")] = DEFAULT_WEEKS,
    lull_hours: Annotated[
        float, typer.Option(min=0, help="Free hours that make a week part of a lull.")
    ] = DEFAULT_LULL_HOURS,
    samples: Annotated[int, typer.Option(min=10, help="Monte Carlo samples.")] = DEFAULT_SAMPLES,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a chart.")] = False,
) -> None:
    """Your committed hours week by week (P50, P80) against capacity, with the lulls marked."""
    from lowtide.projects.forecasting import build_forecast
    from lowtide.server.api_projects import live_run_eta

    with _OpenStore() as store:
        result, etas = build_forecast(
            store,
            time.time(),
            live_run_eta(store),
            weeks=weeks,
            samples=samples,
            lull_hours=lull_hours,
        )
    if as_json:
        body = result.to_json()
        body["etas"] = dict(sorted(etas.items()))
        typer.echo(json.dumps(body, indent=2))
        return
    console.print(forecast_chart(result))
    for ref, at in sorted(etas.items()):
        console.print(f"  {ref} ends about {_day(at)}", highlight=False)


def forecast_chart(result: Forecast) -> Table:
    """A row per week: committed P50 (█) and up to P80 (▒) against capacity (·), lulls marked."""
    top = max([1.0, *(max(w.capacity, w.committed_p80) for w in result.weeks)])
    scale = CHART_WIDTH / top
    lull_weeks = {
        k for lull in result.lulls for k in range(lull.first_week, lull.first_week + lull.weeks)
    }
    table = Table(box=None, header_style="bold", title=f"forecast from {result.origin}")
    for column in ("week", "load", "P50", "P80", "capacity", "free", ""):
        numeric = column in ("P50", "P80", "capacity", "free")
        table.add_column(column, justify="right" if numeric else "left")
    for k, w in enumerate(result.weeks):
        p50 = round(w.committed_p50 * scale)
        p80 = max(p50, round(w.committed_p80 * scale))
        cap = round(w.capacity * scale)
        bar = Text()
        bar.append("█" * min(p50, cap), style="cyan")
        bar.append("█" * max(0, p50 - cap), style="red")
        bar.append("▒" * max(0, min(p80, cap) - p50), style="cyan")
        bar.append("▒" * max(0, p80 - max(cap, p50)), style="red")
        bar.append("·" * max(0, cap - p80), style="dim")
        free = w.free_p80
        table.add_row(
            str(w.start),
            bar,
            f"{w.committed_p50:.0f}",
            f"{w.committed_p80:.0f}",
            f"{w.capacity:.0f}",
            Text(f"{free:.0f}", style="green" if free >= result.lull_hours else ""),
            Text("◆ lull", style="bold green") if k in lull_weeks else "",
        )
    return table


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as exc:
        raise LowtideError(f"cannot read {file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise LowtideError(f"{file} is not UTF-8 text") from None


def _workdays(text: str) -> tuple[int, ...]:
    days = []
    for part in text.split(","):
        name = part.strip().lower()[:3]
        if name not in WEEKDAY_NAMES:
            raise ValidationError(f"{part.strip()!r} is not a weekday; use mon,tue,...,sun")
        days.append(WEEKDAY_NAMES.index(name))
    return tuple(sorted(set(days)))


def _status(status: StageStatus) -> str:
    color = {"planned": "white", "active": "cyan", "done": "green", "blocked": "red"}
    return f"[{color[status.value]}]{status.value}[/]"


def _day(unix_s: float) -> str:
    return dt.datetime.fromtimestamp(unix_s).strftime("%Y-%m-%d %H:%M")
