"""`lowtide demo`: fill an empty store with a real example (registered by `lowtide.cli`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from lowtide.cli import _settings, app, clean_errors, console

#: What `make run` says on an empty store when nobody is there to answer.
HINT = (
    "the store is empty: `lowtide demo` fills it with an example "
    "(two runs, two projects, an opportunity board)"
)


@app.command("demo")
@clean_errors
def demo(
    force: Annotated[
        bool, typer.Option("--force", help="Add the example to a store that holds data.")
    ] = False,
    if_empty: Annotated[
        bool,
        typer.Option("--if-empty", help="Do nothing, and succeed, when the store holds data."),
    ] = False,
    ask: Annotated[
        bool,
        typer.Option(
            "--ask", help="Ask first (at a terminal; elsewhere, only say how to fill it)."
        ),
    ] = False,
) -> None:
    """Fill an empty store with an example: two small trainings computed now (one learns,
    one diverges and opens incidents), two projects and a forecast with lulls, real
    opportunities imported on the board, and a few growth-log entries."""
    from lowtide.demo import fill_demo, is_empty
    from lowtide.server.serve import prepare_store
    from lowtide.store import open_store

    settings = _settings()
    store = open_store(settings.database_url)
    try:
        prepare_store(settings, store)
        empty = is_empty(store)
        if if_empty and not empty:
            return
        if ask and empty and not _yes():
            return
        if empty or force:
            console.print("training two small models and judging them ...")
        result = fill_demo(store, settings, force=force)
    finally:
        store.close()
    names = ", ".join(result.runs)
    console.print(f"runs: {names} (the second diverged: {', '.join(result.incidents)})")
    console.print(f"projects: {', '.join(result.projects)}; {result.lulls} lull(s) forecast")
    console.print(
        f"opportunities: {result.opportunities} imported; "
        f"growth log: {result.growth_entries} entries",
        highlight=False,
    )
    console.print(f"plan: {len(result.plan)} activities accepted in the lulls", highlight=False)
    console.print("see them with `lowtide serve` at the dashboard", highlight=False)


def _yes() -> bool:
    """The user's answer at a terminal; without one, the hint and no."""
    if not sys.stdin.isatty():
        console.print(HINT, highlight=False)
        return False
    return typer.confirm(
        "The store is empty. Fill it with an example (two small runs, two projects, "
        "an opportunity board)?",
        default=True,
    )
