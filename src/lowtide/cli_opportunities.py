"""The `lowtide opportunities` commands: import, list, show, edit, add, filters, weights.

Registered on the main Typer app by `lowtide.cli`; thin like the others: parse,
make one library call, print.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from lowtide.cli import _OpenStore, app, clean_errors, console, err_console
from lowtide.core.board import BoardFilter, SortKey
from lowtide.core.opportunities import OpportunityKind, StoredOpportunity
from lowtide.core.pay import PayBasis
from lowtide.errors import ValidationError

if TYPE_CHECKING:
    from lowtide.opportunities.board import BoardRow

#: Warnings an import prints before it only counts the rest.
MAX_WARNINGS_SHOWN = 50
#: Characters of a title in the board's table.
#: Narrowest the title column of the board's table gets on a narrow terminal.
TITLE_MIN_WIDTH = 16
TITLE_WIDTH = 48
#: Terminal columns from which the board's table also shows the domains.
WIDE_TERMINAL = 100
#: Widest the pay column of the board's table gets.
PAY_WIDTH = 16

opportunities_app = typer.Typer(
    help="The opportunity board: import, filter, sort, edit.", no_args_is_help=True
)
app.add_typer(opportunities_app, name="opportunities")

_ID = Annotated[
    int, typer.Argument(help="The opportunity's id (see `lowtide opportunities list`).")
]
#: How a day is written on the command line.
DAY = ["%Y-%m-%d"]

# The board's conditions, shared by `opportunities list` and `plan`.
KindsOption = Annotated[
    list[OpportunityKind] | None, typer.Option("--kind", help="Only this kind (repeat).")
]
MinPayOption = Annotated[
    float | None,
    typer.Option(
        "--min-pay",
        min=0,
        help="Pays at least this, in your base currency (see `lowtide rates`).",
    ),
]
BasisOption = Annotated[
    PayBasis | None, typer.Option("--basis", help="Only pay per hour, article or in total.")
]
MaxHoursOption = Annotated[
    float | None,
    typer.Option("--max-hours", min=0, help="Needs at most this many hours a week."),
]
DueBeforeOption = Annotated[
    dt.datetime | None,
    typer.Option("--due-before", formats=DAY, help="Deadline on or before this day."),
]
DomainsOption = Annotated[
    list[str] | None,
    typer.Option("--domain", help="Tagged with this domain (repeat: any of them)."),
]
RemoteOption = Annotated[
    bool | None, typer.Option("--remote/--on-site", help="Only remote, or only on site.")
]
SourceOption = Annotated[str | None, typer.Option("--source", help="Only from this source.")]


def day_of(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


# -- import ----------------------------------------------------------------------------------


@opportunities_app.command("import")
@clean_errors
def opportunities_import(
    source: Annotated[
        str,
        typer.Argument(
            help="ccfddl, ai-deadlines, tech-conferences, writer-programs, kaggle, file or ics."
        ),
    ],
    location: Annotated[
        str | None,
        typer.Argument(
            help="A file, a folder (a checkout of the source) or a URL; the source's canonical URL "
            "by default, and for kaggle the live API."
        ),
    ] = None,
    per_file: Annotated[bool, typer.Option("--per-file", help="Count entries per file.")] = False,
) -> None:
    """Import opportunities; again later updates them and keeps your edits."""
    from lowtide.opportunities.registry import import_from

    with _OpenStore() as store:
        report = import_from(source, location)
        saved = store.save_opportunities(list(report.opportunities.values()))
    for warning in report.warnings[:MAX_WARNINGS_SHOWN]:
        err_console.print(f"[yellow]skipped[/yellow] {warning}", highlight=False, soft_wrap=True)
    if len(report.warnings) > MAX_WARNINGS_SHOWN:
        err_console.print(f"... and {len(report.warnings) - MAX_WARNINGS_SHOWN} more skipped")
    if per_file:
        table = Table(box=None, header_style="bold")
        for column in ("file", "imported", "skipped", "ignored"):
            table.add_column(column, justify="left" if column == "file" else "right")
        for name, count in sorted(report.files.items()):
            table.add_row(name, str(count.imported), str(count.skipped), str(count.ignored))
        console.print(table)
    console.print(
        f"{report.source}: {len(report.files)} file(s), {report.imported} entries read, "
        f"{len(report.opportunities)} opportunities ({saved.added} new, {saved.updated} updated, "
        f"{saved.unchanged} unchanged), {report.skipped} skipped, {report.ignored} ignored",
        highlight=False,
    )


@opportunities_app.command("sources")
@clean_errors
def opportunities_sources() -> None:
    """The importers, what each reads, and where its data lives online."""
    from lowtide.opportunities.registry import SOURCES

    table = Table(box=None, header_style="bold")
    for column in ("source", "reads", "canonical URL"):
        table.add_column(column, overflow="fold")
    for s in SOURCES.values():
        table.add_row(s.name, s.summary, s.url or "-")
    console.print(table)


# -- the board ---------------------------------------------------------------------------------


@opportunities_app.command("list")
@clean_errors
def opportunities_list(
    kind: KindsOption = None,
    min_pay: MinPayOption = None,
    basis: BasisOption = None,
    max_hours: MaxHoursOption = None,
    due_after: Annotated[
        dt.datetime | None, typer.Option(formats=DAY, help="Deadline on or after this day.")
    ] = None,
    due_before: DueBeforeOption = None,
    domain: DomainsOption = None,
    remote: RemoteOption = None,
    fits_lulls: Annotated[
        bool,
        typer.Option(
            "--fits-lulls", help="Fits the free hours (P80) of the forecast before its deadline."
        ),
    ] = False,
    search: Annotated[
        str | None, typer.Option(help="Text in the title, description, place or domains.")
    ] = None,
    source: SourceOption = None,
    show_all: Annotated[bool, typer.Option("--all", help="Closed and past ones too.")] = False,
    sort: Annotated[SortKey | None, typer.Option(help="Order.")] = None,
    saved: Annotated[
        str | None, typer.Option("--filter", help="Start from a saved filter.")
    ] = None,
    save: Annotated[str | None, typer.Option(help="Save this filter under a name.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The board: filter and sort like a job board; save a filter to use again."""
    from lowtide.opportunities.board import narrowed, read_board
    from lowtide.server.api_projects import live_run_eta

    with _OpenStore() as store:
        base = store.saved_filter(saved) if saved else BoardFilter()
        f = narrowed(
            base, kinds=kind, min_pay=min_pay, pay_basis=basis, max_weekly_hours=max_hours,
            due_after=day_of(due_after), due_before=day_of(due_before), domains=domain,
            remote=remote, fits_lulls=fits_lulls or None, text=search, source=source,
            include_closed=show_all or None, sort=sort,
        )  # fmt: skip
        if save:
            store.save_filter(save, f)
        rows = read_board(store, f, time.time(), live_run_eta(store))
    if as_json:
        typer.echo(json.dumps([r.to_json() for r in rows[:limit]], indent=2))
        return
    if save:
        console.print(f"saved filter {save}", highlight=False)
    if not rows:
        console.print("no opportunities match; `lowtide opportunities import` brings some in")
        return
    # One line a row: the title gets the width the other columns leave, and below
    # WIDE_TERMINAL the domains are left out.
    cells = [_board_cells(r) for r in rows[:limit]]
    columns = ["id", "kind", "title", "deadline", "time", "pay", "value", "domains"]
    if console.width < WIDE_TERMINAL:
        columns.remove("domains")
    widths = {c: max([len(c)] + [len(row[c]) for row in cells]) for c in columns}
    widths["pay"] = min(widths["pay"], PAY_WIDTH)
    others = sum(w for c, w in widths.items() if c != "title") + len(columns) - 1
    widths["title"] = max(TITLE_MIN_WIDTH, min(widths["title"], console.width - others))
    table = Table(box=None, header_style="bold", pad_edge=False, collapse_padding=True)
    for column in columns:
        table.add_column(
            column,
            width=widths[column],
            no_wrap=True,
            overflow="ellipsis",
            justify="right" if column in ("id", "value") else "left",
        )
    for row in cells:
        table.add_row(*(row[c] for c in columns))
    console.print(table)
    if len(rows) > limit:
        console.print(f"{len(rows) - limit} more; --limit to see them", highlight=False)


def _board_cells(r: BoardRow) -> dict[str, str]:
    o = r.item.opportunity
    title = o.title if len(o.title) <= TITLE_WIDTH else o.title[: TITLE_WIDTH - 1] + "…"
    return {
        "id": str(r.item.id),
        "kind": o.kind.value,
        "title": title + (" ✎" if r.item.edited else ""),
        "deadline": str(o.deadline_day or ""),
        "time": o.shape.describe(),
        "pay": o.compensation.describe() if o.compensation else "",
        "value": f"{r.value:.0f}",
        "domains": ", ".join(o.domains[:3]),
    }


@opportunities_app.command("show")
@clean_errors
def opportunities_show(opportunity_id: _ID) -> None:
    """Everything about one opportunity, and which fields you edited."""
    with _OpenStore() as store:
        item = store.opportunity(opportunity_id)
    o = item.opportunity
    console.print(f"[bold]{o.title}[/bold]  #{item.id} {o.kind.value}", highlight=False)
    lines = [
        ("source", f"{o.source} / {o.key}"),
        ("link", o.link),
        ("time", o.shape.describe()),
        ("earliest start", str(o.earliest_start or "")),
        ("deadline", o.deadline.isoformat() if o.deadline else ""),
        ("start windows", ", ".join(f"{w.start}..{w.end}" for w in o.start_windows)),
        ("event", f"{o.event.start}..{o.event.end}" if o.event else ""),
        ("pay", o.compensation.describe() if o.compensation else ""),
        ("domains", ", ".join(o.domains)),
        ("remote", "" if o.remote is None else ("yes" if o.remote else "no")),
        ("place", o.place),
        ("team size", str(o.team_size or "")),
        ("value", f"income {o.value.income:g}, learning {o.value.learning:g}, "
                  f"reputation {o.value.reputation:g}"),
        ("open", "yes" if o.open else "no (closed by its source or by you)"),
        ("edited", ", ".join(item.edited)),
        ("description", o.description),
    ]  # fmt: skip
    for label, value in lines:
        if value:
            console.print(f"  {label}: {value}", highlight=False, soft_wrap=True)


@opportunities_app.command("edit")
@clean_errors
def opportunities_edit(
    opportunity_id: _ID,
    title: Annotated[str | None, typer.Option(help="A new title.")] = None,
    kind: Annotated[OpportunityKind | None, typer.Option(help="A new kind.")] = None,
    hours: Annotated[float | None, typer.Option(min=0, help="Hours in all.")] = None,
    min_weekly: Annotated[float | None, typer.Option(min=0, help="Hours a week at least.")] = None,
    max_weekly: Annotated[
        float | None, typer.Option(min=0, help="Hours a week at most (with --weeks: every week).")
    ] = None,
    weeks: Annotated[int | None, typer.Option(min=1, help="Weeks of a fixed commitment.")] = None,
    deadline: Annotated[
        dt.datetime | None, typer.Option(formats=DAY, help="Hard deadline.")
    ] = None,
    earliest_start: Annotated[
        dt.datetime | None, typer.Option(formats=DAY, help="Not before this day.")
    ] = None,
    pay: Annotated[
        str | None, typer.Option(help='Pay as text, such as "€50/h" or "$300-600".')
    ] = None,
    domains: Annotated[str | None, typer.Option(help="Domain tags, comma-separated.")] = None,
    remote: Annotated[
        bool | None, typer.Option("--remote/--on-site", help="Remote or not.")
    ] = None,
    income: Annotated[float | None, typer.Option(min=0, max=10, help="Income score 0-10.")] = None,
    learning: Annotated[
        float | None, typer.Option(min=0, max=10, help="Learning score 0-10.")
    ] = None,
    reputation: Annotated[
        float | None, typer.Option(min=0, max=10, help="Reputation score 0-10.")
    ] = None,
    is_open: Annotated[
        bool | None, typer.Option("--reopen/--close", help="Show or hide it on the board.")
    ] = None,
    reset: Annotated[
        list[str] | None, typer.Option(help="Forget your edit of this field (repeat).")
    ] = None,
    reset_all: Annotated[bool, typer.Option("--reset-all", help="Forget all your edits.")] = False,
) -> None:
    """Change an opportunity; your changes stay when its source is imported again."""
    changes: dict[str, Any] = {
        "title": title,
        "kind": kind.value if kind else None,
        "hours": hours,
        "min_weekly": min_weekly,
        "max_weekly": max_weekly,
        "weeks": weeks,
        "deadline": deadline.date().isoformat() if deadline else None,
        "earliest_start": earliest_start.date().isoformat() if earliest_start else None,
        "pay": pay,
        "domains": domains,
        "remote": remote,
        "income": income,
        "learning": learning,
        "reputation": reputation,
        "open": is_open,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes and not reset and not reset_all:
        raise ValidationError("say what to change, such as --title or --max-weekly; see --help")
    with _OpenStore() as store:
        if reset_all or reset:
            store.reset_opportunity(opportunity_id, None if reset_all else reset)
        item = store.edit_opportunity(opportunity_id, changes) if changes else None
        item = item or store.opportunity(opportunity_id)
    _print_saved(item)


@opportunities_app.command("add")
@clean_errors
def opportunities_add(
    title: Annotated[str, typer.Argument(help="What it is.")],
    kind: Annotated[OpportunityKind, typer.Option(help="Its kind.")] = OpportunityKind.OTHER,
    link: Annotated[str, typer.Option(help="Where it is described.")] = "",
    hours: Annotated[float | None, typer.Option(min=0, help="Hours in all.")] = None,
    max_weekly: Annotated[float | None, typer.Option(min=0, help="Hours a week at most.")] = None,
    weeks: Annotated[int | None, typer.Option(min=1, help="Weeks of a fixed commitment.")] = None,
    deadline: Annotated[
        dt.datetime | None, typer.Option(formats=DAY, help="Hard deadline.")
    ] = None,
    pay: Annotated[str | None, typer.Option(help='Pay as text, such as "€50/h".')] = None,
    domains: Annotated[str | None, typer.Option(help="Domain tags, comma-separated.")] = None,
) -> None:
    """Add an opportunity by hand (the kind's usual hours unless given)."""
    from lowtide.core.opportunities import opportunity_from_json
    from lowtide.opportunities.report import slug

    fields = {"title": title, "kind": kind.value, "link": link, "hours": hours,
              "max_weekly": max_weekly, "weeks": weeks, "pay": pay, "domains": domains,
              "deadline": deadline.date().isoformat() if deadline else None}  # fmt: skip
    try:
        found = opportunity_from_json(fields, source="manual", key=slug(title))
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    with _OpenStore() as store:
        store.save_opportunities([found])
        item = store.find_opportunity(found.source, found.key)
    _print_saved(item)


@opportunities_app.command("filters")
@clean_errors
def opportunities_filters(
    delete: Annotated[
        str | None, typer.Option(help="Delete the saved filter of this name.")
    ] = None,
) -> None:
    """Your saved filters (save one with `lowtide opportunities list ... --save NAME`)."""
    with _OpenStore() as store:
        if delete:
            store.remove_filter(delete)
            console.print(f"deleted filter {delete}", highlight=False)
            return
        found = store.saved_filters()
    if not found:
        console.print("no saved filters; add --save NAME to `lowtide opportunities list`")
        return
    for name, f in found.items():
        given = {k: v for k, v in f.to_json().items()
                 if v not in (None, [], "", False) and k != "sort"}  # fmt: skip
        shown = ", ".join(f"{k}={v}" for k, v in given.items()) or "everything open"
        console.print(f"  {name}: {shown}; by {f.sort.value}", highlight=False)


@opportunities_app.command("weights")
@clean_errors
def opportunities_weights(
    income: Annotated[float | None, typer.Option(min=0, help="Weight of income.")] = None,
    learning: Annotated[float | None, typer.Option(min=0, help="Weight of learning.")] = None,
    reputation: Annotated[float | None, typer.Option(min=0, help="Weight of reputation.")] = None,
) -> None:
    """Show or set how much income, learning and reputation count in an opportunity's value."""
    with _OpenStore() as store:
        weights = store.value_weights()
        given = {"income": income, "learning": learning, "reputation": reputation}
        changed = {k: v for k, v in given.items() if v is not None}
        if changed:
            weights = dataclasses.replace(weights, **changed)
            store.set_value_weights(weights)
    console.print(
        f"income {weights.income:g}, learning {weights.learning:g}, "
        f"reputation {weights.reputation:g}",
        highlight=False,
    )


def _print_saved(item: StoredOpportunity) -> None:
    edited = f" (edited: {', '.join(item.edited)})" if item.edited else ""
    console.print(f"#{item.id} {item.opportunity.title}{edited}", highlight=False)
