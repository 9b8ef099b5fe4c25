"""The `lowtide writeup` command: a run or a project becomes an article draft.

Registered on the main Typer app by `lowtide.cli`; it reads the store
directly, like the other commands, and makes one library call.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from lowtide.cli import _OpenStore, app, clean_errors, console


class _Mode(StrEnum):
    MIN = "min"
    MAX = "max"


@app.command("writeup")
@clean_errors
def writeup(
    target: Annotated[
        str,
        typer.Argument(
            help="A project's name, or a run (id, id prefix or name); a project goes first "
            "when both match."
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The folder to write the draft into.")
    ],
    runs: Annotated[
        list[str] | None,
        typer.Option(
            "--runs",
            help="Runs to compare (ids, prefixes or names), repeated or comma-separated; "
            "a project's newest runs by default.",
        ),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(help="The metric that decides the best run; guessed from the keys."),
    ] = None,
    mode: Annotated[
        _Mode | None, typer.Option(help="Whether the lowest or the highest value is best.")
    ] = None,
    templates: Annotated[
        Path | None,
        typer.Option(
            help="A folder of templates (article.md.j2, article.html.j2) used before the "
            "shipped ones."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write over a folder that is not empty.")
    ] = False,
) -> None:
    """Write an article draft (Markdown, PNG figures and HTML) of a run or a project.

    The draft tells the goal, the stages, the configuration and the hyperparameters the
    runs varied, the curves and the best run, the incidents and how they ended, and the
    time it took; quoted blocks marked ✍️ are left for your own words.
    """
    from lowtide.report import Subject, make_draft

    refs = tuple(ref.strip() for value in runs or () for ref in value.split(",") if ref.strip())
    with _OpenStore() as store:
        is_project = target in {p.name for p in store.list_projects()}
        subject = Subject(
            run=None if is_project else target,
            project=target if is_project else None,
            runs=refs,
            metric=metric,
            mode=mode.value if mode is not None else None,
        )
        draft = make_draft(store, subject, output, force=force, templates=templates)
    story = draft.story
    console.print(
        f"wrote {draft.markdown}, {draft.html.name} and {len(draft.figures)} figure(s)",
        highlight=False,
    )
    if story.best is not None and story.metric is not None and len(story.runs) > 1:
        console.print(
            f"best of {len(story.runs)} runs: {story.best.name} "
            f"({story.metric.key} {story.best.best:.6g} at step {story.best.best_step})",
            highlight=False,
        )
