"""The `lowtide rates` and `lowtide log` commands: currency rates and the growth log.

Registered on the main Typer app by `lowtide.cli`; thin like the others: parse,
make one library call, print.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from lowtide.cli import _OpenStore, app, clean_errors, console
from lowtide.core.growth import GrowthEntry, yearly_totals
from lowtide.core.opportunities import OpportunityKind
from lowtide.errors import ValidationError

rates_app = typer.Typer(
    help="Currency rates: what other currencies are worth in your base currency.",
    no_args_is_help=True,
)
log_app = typer.Typer(
    help="The growth log: what you did with the lulls, and totals per year.", no_args_is_help=True
)
app.add_typer(rates_app, name="rates")
app.add_typer(log_app, name="log")

_DAY = ["%Y-%m-%d"]


# -- rates ---------------------------------------------------------------------------------------


@rates_app.command("list")
@clean_errors
def rates_list() -> None:
    """Your base currency and the rates you set."""
    with _OpenStore() as store:
        rates = store.currency_rates()
    console.print(f"base currency {rates.base}", highlight=False)
    for code, rate in sorted(rates.per_base.items()):
        console.print(f"  1 {code} = {rate:g} {rates.base}", highlight=False)


@rates_app.command("set")
@clean_errors
def rates_set(
    currency: Annotated[str, typer.Argument(help="A currency code, such as EUR.")],
    rate: Annotated[float, typer.Argument(help="What one unit is worth in the base currency.")],
) -> None:
    """Set what one unit of a currency is worth in your base currency."""
    with _OpenStore() as store:
        store.set_rate(currency, rate)
        base = store.currency_rates().base
    console.print(f"1 {currency.upper()} = {rate:g} {base}", highlight=False)


@rates_app.command("remove")
@clean_errors
def rates_remove(currency: Annotated[str, typer.Argument(help="A currency code.")]) -> None:
    """Remove a rate: pay in that currency no longer passes a minimum-pay filter."""
    with _OpenStore() as store:
        store.remove_rate(currency)
    console.print(f"removed the rate of {currency.upper()}", highlight=False)


@rates_app.command("base")
@clean_errors
def rates_base(currency: Annotated[str, typer.Argument(help="A currency code.")]) -> None:
    """Compare pay in another currency (the rates set for the old one are removed)."""
    with _OpenStore() as store:
        removed = store.set_base_currency(currency)
    note = f"; removed {removed} rate(s) to the old base" if removed else ""
    console.print(f"base currency {currency.upper()}{note}", highlight=False)


# -- growth log ----------------------------------------------------------------------------------


@log_app.command("add")
@clean_errors
def log_add(
    kind: Annotated[OpportunityKind, typer.Argument(help="What sort of thing it was.")],
    title: Annotated[str, typer.Argument(help="What you did.")],
    hours: Annotated[float, typer.Option(min=0, help="Hours it took.")] = 0.0,
    earned: Annotated[float, typer.Option(min=0, help="What it paid.")] = 0.0,
    currency: Annotated[str, typer.Option(help="The currency of --earned.")] = "USD",
    link: Annotated[str, typer.Option(help="The article, talk or repository.")] = "",
    rank: Annotated[int | None, typer.Option(min=1, help="A competition's rank.")] = None,
    note: Annotated[str, typer.Option(help="Anything else.")] = "",
    on: Annotated[
        dt.datetime | None, typer.Option(formats=_DAY, help="The day; today by default.")
    ] = None,
    opportunity: Annotated[
        int | None, typer.Option(help="The board's opportunity it came from.")
    ] = None,
) -> None:
    """Record something you did: hours, earnings, a link, a rank."""
    try:
        day = on.date() if on else dt.date.today()
        entry = GrowthEntry(
            day, kind, title, hours, earned, currency, link, rank, note, opportunity
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    with _OpenStore() as store:
        new_id = store.log_growth(entry)
    console.print(f"logged #{new_id}: {entry.on} {kind.value} {title}", highlight=False)


@log_app.command("list")
@clean_errors
def log_list(
    year: Annotated[int | None, typer.Option(help="Only this year.")] = None,
) -> None:
    """What you did, oldest first."""
    with _OpenStore() as store:
        entries = store.growth_log(year)
    if not entries:
        console.print("nothing logged yet; `lowtide log add` records what you did")
        return
    table = Table(box=None, header_style="bold")
    for column in ("id", "day", "kind", "title", "hours", "earned", "rank", "link"):
        table.add_column(column, overflow="fold")
    for i, e in entries:
        table.add_row(
            str(i), str(e.on), e.kind.value, e.title, f"{e.hours:g}",
            f"{e.earned:,.0f} {e.currency}" if e.earned else "",
            str(e.rank or ""), e.link,
        )  # fmt: skip
    console.print(table)


@log_app.command("totals")
@clean_errors
def log_totals() -> None:
    """Hours, earnings and entries per year: your portfolio at a glance."""
    with _OpenStore() as store:
        entries = [e for _, e in store.growth_log()]
        rates = store.currency_rates()
    totals = yearly_totals(entries, rates)
    if not totals:
        console.print("nothing logged yet; `lowtide log add` records what you did")
        return
    table = Table(box=None, header_style="bold")
    for column in ("year", "entries", "hours", f"earned ({rates.base})", "best rank", "by kind"):
        table.add_column(column, justify="left" if column in ("by kind",) else "right")
    for t in totals:
        earned = f"{t.earned:,.0f}"
        if t.unconverted:
            earned += " + " + ", ".join(f"{v:,.0f} {k}" for k, v in sorted(t.unconverted.items()))
        table.add_row(
            str(t.year), str(t.entries), f"{t.hours:g}", earned, str(t.best_rank or ""),
            ", ".join(f"{k} {n}" for k, n in sorted(t.entries_by_kind.items())),
        )  # fmt: skip
    console.print(table)


@log_app.command("remove")
@clean_errors
def log_remove(entry_id: Annotated[int, typer.Argument(help="The entry's id.")]) -> None:
    """Remove an entry from the growth log."""
    with _OpenStore() as store:
        store.remove_growth(entry_id)
    console.print(f"removed #{entry_id}")
