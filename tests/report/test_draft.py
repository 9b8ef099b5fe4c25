"""A draft of the sweep: the right best run, the store's numbers, the figures, the incident;
written only inside its folder, and never over one without being forced."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from lowtide.errors import ConflictError, ValidationError
from lowtide.report import Subject, make_draft, zip_draft
from lowtide.report.render import value
from tests.report.conftest import Trained
from tests.report.sweep import DIVERGING, GOAL, PROJECT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def tree(root: Path) -> dict[str, tuple[bool, int, int]]:
    """Every path under `root` with whether it is a folder, its size and its mtime."""
    found = {}
    for path in root.rglob("*"):
        stat = path.lstat()
        found[str(path.relative_to(root))] = (path.is_dir(), stat.st_size, stat.st_mtime_ns)
    return found


def section(markdown: str, title: str) -> str:
    return markdown.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_the_draft_tells_the_sweep(trained: Trained, tmp_path: Path) -> None:
    out = tmp_path / "draft"
    draft = make_draft(trained.store, Subject(project=PROJECT), out)
    story = draft.story
    assert story.best is not None
    assert story.metric is not None
    markdown = (out / "article.md").read_text()
    assert draft.markdown == (out / "article.md").resolve()

    # The right best run, marked, with the store's numbers.
    results = section(markdown, "Results")
    best_row = next(line for line in results.splitlines() if "★ best" in line)
    assert best_row.startswith("| **sgd-lr0.03** ★ best |")
    series = trained.store.read_series(story.best.uid, "val/loss")
    best_value = float(series.values.min())
    assert story.best.best == best_value
    assert f"| {value(best_value)} |" in best_row
    assert f"| {value(float(series.values[-1]))} |" in best_row
    assert value(best_value) == f"{best_value:.6g}"
    assert f"**sgd-lr0.03**, reached `val/loss` = {value(best_value)}" in markdown

    # The approach: shared configuration and the one hyperparameter that differed.
    approach = section(markdown, "The approach")
    assert "| lr | 0.003 | 0.03 | 3.0 |" in approach
    assert "| optimizer | sgd |" in approach

    # Figures exist, are PNGs, and the article shows them.
    assert [p.name for p in draft.figures] == ["01-val-loss.png", "02-train-loss.png"]
    for path in draft.figures:
        assert path.parent == (out / "figures").resolve()
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        assert path.stat().st_size > 20_000
        assert f"](figures/{path.name})" in markdown

    # The diverged run's incident is part of the story, and so is its fix.
    wrong = section(markdown, "What went wrong, and how it was fixed")
    incident = trained.store.list_incidents(run=trained.sweep.diverged)[-1]
    assert f"- **{DIVERGING}**" in wrong
    assert incident.rule in wrong
    assert "never recovered" in wrong.lower()
    assert f"**{DIVERGING}** went wrong; **sgd-lr0.03** did better with `lr` = 0.03" in wrong

    # Goal, stages, time, and the places for the author's words.
    assert GOAL in section(markdown, "Abstract")
    assert "| frame | understanding | done |" in section(markdown, "The time it took")
    assert markdown.count("> ✍️ **Your words:**") >= 8

    # The HTML page: the same article, tables, figures, escaped.
    html = (out / "article.html").read_text()
    assert "<table>" in html
    assert '<img src="figures/01-val-loss.png"' in html
    assert "<strong>sgd-lr0.03</strong> ★ best" in html
    assert "<blockquote>" in html
    assert "Download" not in html


def test_it_writes_only_inside_its_folder(trained: Trained, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    before = tree(tmp_path)
    out = tmp_path / "draft"
    make_draft(trained.store, Subject(project=PROJECT), out)
    after = tree(tmp_path)
    changed = {p for p in after.keys() | before.keys() if after.get(p) != before.get(p)}
    assert changed == {
        "draft",
        "draft/article.md",
        "draft/article.html",
        "draft/figures",
        "draft/figures/01-val-loss.png",
        "draft/figures/02-train-loss.png",
    }


def test_it_will_not_overwrite_without_force(trained: Trained, tmp_path: Path) -> None:
    out = tmp_path / "draft"
    make_draft(trained.store, Subject(project=PROJECT), out)
    first = tree(out)
    with pytest.raises(ConflictError, match="is not empty; pass --force"):
        make_draft(trained.store, Subject(run="sgd-lr0.03"), out)
    assert tree(out) == first
    (out / "figures" / "99-stale.png").write_bytes(PNG_SIGNATURE)
    draft = make_draft(trained.store, Subject(run="sgd-lr0.03"), out, force=True)
    assert draft.story.title == "sgd-lr0.03"
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "01-val-loss.png",
        "02-train-loss.png",
    ]
    assert (out / "article.md").read_text().startswith("# sgd-lr0.03\n")


def test_paths_out_of_the_folder_are_refused(trained: Trained, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "draft"
    out.mkdir()
    (out / "figures").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ConflictError, match="leads outside the draft's folder"):
        make_draft(trained.store, Subject(project=PROJECT), out, force=True)
    assert list(elsewhere.iterdir()) == []
    with pytest.raises(ValidationError, match="does not exist; create it first"):
        make_draft(trained.store, Subject(project=PROJECT), tmp_path / "no" / "draft")
    assert not (tmp_path / "no").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConflictError, match="is a file"):
        make_draft(trained.store, Subject(project=PROJECT), tmp_path / "file", force=True)


def test_templates_can_be_replaced(trained: Trained, tmp_path: Path) -> None:
    mine = tmp_path / "templates"
    mine.mkdir()
    (mine / "article.md.j2").write_text(
        "# {{ story.title | md }}\n\nBest: {{ story.best.name }} "
        "({{ story.best.best | value }})\n{% for f in figures %}![]({{ 'figures/' ~ f.name }})\n"
        "{% endfor %}"
    )
    draft = make_draft(trained.store, Subject(project=PROJECT), tmp_path / "d", templates=mine)
    assert draft.story.best is not None
    text = draft.markdown.read_text()
    assert text.startswith(f"# lr-sweep\n\nBest: sgd-lr0.03 ({value(draft.story.best.best)})")
    assert "<title>lr-sweep · article draft</title>" in draft.html.read_text()  # shipped page
    (mine / "article.md.j2").write_text("{% for x in %}")
    with pytest.raises(ValidationError, match=r"^template .*article.md.j2, line 1: "):
        make_draft(trained.store, Subject(project=PROJECT), tmp_path / "e", templates=mine)
    assert not (tmp_path / "e").exists()
    with pytest.raises(ValidationError, match="no template folder"):
        make_draft(
            trained.store, Subject(project=PROJECT), tmp_path / "f", templates=tmp_path / "x"
        )


def test_the_zip_holds_the_markdown_and_figures(trained: Trained, tmp_path: Path) -> None:
    draft = make_draft(trained.store, Subject(project=PROJECT), tmp_path / "d", download="/x.zip")
    assert 'href="/x.zip"' in draft.html.read_text()
    with zipfile.ZipFile(io.BytesIO(zip_draft(tmp_path / "d"))) as archive:
        assert archive.namelist() == [
            "article.md",
            "figures/01-val-loss.png",
            "figures/02-train-loss.png",
        ]
        assert archive.read("article.md") == draft.markdown.read_bytes()
