"""Article drafts from finished work: a run or a project becomes Markdown, figures and HTML.

`gather` reads what the store knows into a `story`, `figures` draws the curves,
`render` fills the templates, and `draft` writes the result into one folder.
"""

from lowtide.report.draft import Draft, make_draft, write_draft, zip_draft
from lowtide.report.gather import build_story
from lowtide.report.story import Story, Subject

__all__ = ["Draft", "Story", "Subject", "build_story", "make_draft", "write_draft", "zip_draft"]
