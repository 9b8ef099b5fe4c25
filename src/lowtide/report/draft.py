"""Writing a draft into its folder, and nowhere else.

A draft is `article.md`, `article.html` and `figures/*.png` in one folder.
Everything is drawn and rendered in memory first, so a bad template leaves
no half-written draft. Every file is checked to resolve inside the folder
(a symlink pointing out is refused), and a folder that already holds
something is refused unless the author forces it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lowtide.errors import ConflictError, ValidationError
from lowtide.report.figures import draw_figures
from lowtide.report.gather import build_story
from lowtide.report.render import environment, render_markdown, render_page
from lowtide.report.story import Story, Subject
from lowtide.store import Store

#: The files of a draft, inside its folder.
MARKDOWN_NAME = "article.md"
HTML_NAME = "article.html"
FIGURES_DIR = "figures"


@dataclass(frozen=True)
class Draft:
    """A written draft: where its files are, and the story it tells."""

    folder: Path
    markdown: Path
    html: Path
    figures: tuple[Path, ...]
    story: Story


def make_draft(
    store: Store,
    subject: Subject,
    folder: Path,
    *,
    force: bool = False,
    templates: Path | None = None,
    download: str | None = None,
    now: float | None = None,
) -> Draft:
    """Gather the subject's story from the store and write it as a draft into `folder`."""
    _check_folder(folder, force)
    return write_draft(
        build_story(store, subject, now), folder, force=force, templates=templates,
        download=download,
    )  # fmt: skip


def write_draft(
    story: Story,
    folder: Path,
    *,
    force: bool = False,
    templates: Path | None = None,
    download: str | None = None,
) -> Draft:
    """Draw, render and write the story into `folder` (its parent must exist)."""
    _check_folder(folder, force)
    env = environment(templates)
    images = draw_figures(story)
    markdown = render_markdown(env, story, images)
    html = render_page(env, story, markdown, download)
    folder.mkdir(exist_ok=True)
    root = folder.resolve()
    figures_dir = _inside(root, root / FIGURES_DIR)
    if images:
        figures_dir.mkdir(exist_ok=True)
    if figures_dir.is_dir():
        for old in figures_dir.glob("*.png"):  # a forced rewrite keeps no stale figure
            _inside(root, old).unlink()
    written = []
    for image in images:
        path = _inside(root, figures_dir / image.name)
        path.write_bytes(image.png)
        written.append(path)
    md_path = _inside(root, root / MARKDOWN_NAME)
    md_path.write_text(markdown, encoding="utf-8")
    html_path = _inside(root, root / HTML_NAME)
    html_path.write_text(html, encoding="utf-8")
    return Draft(root, md_path, html_path, tuple(written), story)


def zip_draft(folder: Path) -> bytes:
    """The draft's Markdown and figures as a zip, named as they are in the folder."""
    root = folder.resolve()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(_inside(root, root / MARKDOWN_NAME), MARKDOWN_NAME)
        figures_dir = root / FIGURES_DIR
        if figures_dir.is_dir():
            for path in sorted(figures_dir.glob("*.png")):
                archive.write(_inside(root, path), f"{FIGURES_DIR}/{path.name}")
    return out.getvalue()


def _check_folder(folder: Path, force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise ConflictError(f"{folder} is a file; give a folder for the draft")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise ConflictError(f"{folder} is not empty; pass --force to write the draft over it")
    if not folder.exists() and not folder.parent.is_dir():
        raise ValidationError(
            f"the folder {folder.parent} does not exist; create it first", field="output"
        )


def _inside(root: Path, path: Path) -> Path:
    """`path`, resolved, if it lies inside `root`; a symlink out of the folder is refused."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise ConflictError(f"{path} leads outside the draft's folder {root}; not writing there")
    return resolved
