"""The draft as text: a Jinja2 template makes the Markdown, another wraps its HTML.

The templates ship in `report/templates/`; a folder given by the author is
searched first, so a file of the same name there replaces the shipped one
(`article.md.j2` for the article, `article.html.j2` for its page). Markdown
becomes HTML with markdown-it-py's CommonMark and tables, raw HTML off: what
the store holds (a run named `<script>`) reaches the page as text.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt

from lowtide import __version__
from lowtide.errors import ValidationError
from lowtide.report.figures import FigureImage
from lowtide.report.story import Story

#: The shipped templates.
TEMPLATES = Path(__file__).parent / "templates"
ARTICLE_TEMPLATE = "article.md.j2"
PAGE_TEMPLATE = "article.html.j2"
#: Significant digits of a metric value in the article (enough to find it in the store).
VALUE_DIGITS = 6
#: Shown where there is no value (an en dash).
MISSING = "\u2013"
#: Characters that mean something to Markdown inside a line of text or a table cell.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|#!~")


def environment(templates: Path | None = None) -> jinja2.Environment:
    """Templates from `templates` first, then the shipped ones; HTML ones autoescaped."""
    if templates is not None and not templates.is_dir():
        raise ValidationError(f"no template folder {templates}", field="templates")
    search = [TEMPLATES] if templates is None else [templates, TEMPLATES]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md, code=code, value=value, hours=hours, day=day, sentence=sentence)
    env.globals.update(version=__version__, missing=MISSING)
    return env


def render_markdown(env: jinja2.Environment, story: Story, figures: Sequence[FigureImage]) -> str:
    """The article in Markdown, figures linked from `figures/`."""
    return _render(env, ARTICLE_TEMPLATE, story=story, figures=figures)


def render_page(
    env: jinja2.Environment, story: Story, markdown: str, download: str | None = None
) -> str:
    """The article as a web page; `download` links the Markdown and figures as a zip."""
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return _render(env, PAGE_TEMPLATE, story=story, body=body, download=download)


def _render(env: jinja2.Environment, name: str, **context: Any) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationError(
            f"template {exc.filename or name}, line {exc.lineno}: {exc.message}",
            field="templates",
        ) from None
    except jinja2.TemplateError as exc:
        raise ValidationError(f"template {name}: {exc}", field="templates") from None


def md(text: object) -> str:
    """Text that reads as itself in Markdown: special characters escaped, one line."""
    line = " ".join(str(text).split())
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in line)


def code(text: object) -> str:
    """Inline code; a backtick inside gets a longer fence."""
    line = " ".join(str(text).split())
    fence = "``" if "`" in line else "`"
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{fence}{pad}{line}{pad}{fence}"


def value(x: float | None) -> str:
    """A metric value with enough digits to find it again; NaN and infinities by name."""
    if x is None:
        return MISSING
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "\u2212∞"
    return f"{x:.{VALUE_DIGITS}g}"


def hours(h: float) -> str:
    """Hours as `12 h` or `15.5 h`; under an hour in minutes, under a minute in seconds."""
    seconds = h * 3600
    if seconds < 60:
        return f"{seconds:.0f} s"
    if h < 1:
        return f"{seconds / 60:.0f} min"
    return f"{round(h, 1):g} h"


def sentence(text: object) -> str:
    """Text as a sentence of Markdown: escaped, ending in a full stop (its first word is
    kept as it is: it may be a metric key)."""
    line = md(text)
    return line if not line or line.endswith((".", "!", "?")) else line + "."


def day(at: float | dt.date | None) -> str:
    """A day as YYYY-MM-DD, from a date or a Unix time (UTC)."""
    if at is None:
        return MISSING
    if isinstance(at, dt.date):
        return at.isoformat()
    return dt.datetime.fromtimestamp(at, dt.UTC).date().isoformat()
