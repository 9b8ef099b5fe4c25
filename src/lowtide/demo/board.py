"""The demo's opportunity board and growth log.

Real public data shipped beside this module (`opportunities/`, see its README
for sources and licences) is imported through the same importers as
`lowtide opportunities import`: calls for papers (ccfddl, ai-deadlines), calls
for talks (tech-conferences) and paid writing programmes. A few tutoring and
freelance offers, written in the generic file format and dated from today so
that some fit the forecast's lull, come through the `file` importer. Then two
currency rates, a saved filter and a few entries of the growth log.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lowtide.core.board import BoardFilter
from lowtide.core.growth import GrowthEntry
from lowtide.core.opportunities import OpportunityKind
from lowtide.opportunities.registry import import_content, import_from
from lowtide.store import Store

#: The shipped snapshot files, one folder per source.
DATA = Path(__file__).parent / "opportunities"
#: Each importer and the folder it reads.
SOURCES = (
    ("ccfddl", "ccfddl"),
    ("ai-deadlines", "hf-ai-deadlines"),
    ("tech-conferences", "tech-conferences"),
    ("writer-programs", "community-writer-programs"),
)
#: What a euro and a pound are worth in US dollars, for comparing pay (set by the demo
#: only; `lowtide rates set` keeps yours).
RATES = {"EUR": 1.08, "GBP": 1.27}
#: The saved filter the demo adds: paid articles of at least this many dollars.
SAVED_FILTER = "paid writing"
SAVED_MIN_PAY = 300.0


def offers_yaml(today: dt.date) -> str:
    """Tutoring and freelance offers in the generic format, dated from `today`."""

    def day(days: int) -> str:
        return (today + dt.timedelta(days=days)).isoformat()

    return f"""\
opportunities:
  - id: tutor-ml-foundations
    title: Tutor an evening course in ML foundations
    kind: teaching
    description: Two evening sessions a week with a small group, for one term.
    pay: "€40 per hour"
    max_weekly: 6
    weeks: 12
    start_windows: "{day(21)}..{day(60)}"
    domains: machine-learning, teaching
    remote: yes
  - id: review-forecasting-pipeline
    title: Review a demand-forecasting pipeline
    kind: freelance
    description: Read the feature code and the backtests, write up what to fix first.
    pay: "$70/h"
    hours: 24
    min_weekly: 4
    max_weekly: 12
    deadline: {day(70)}
    domains: time-series, machine-learning
    remote: yes
  - id: label-quality-audit
    title: Label-quality audit for a speech dataset
    kind: freelance
    pay: "£1,200"
    hours: 30
    min_weekly: 6
    max_weekly: 15
    deadline: {day(45)}
    domains: data, audio
    remote: no
    place: London
  - id: course-efficient-training
    title: Course on efficient training at scale
    kind: learning
    hours: 24
    min_weekly: 2
    max_weekly: 6
    domains: machine-learning, systems
    income: 0
    learning: 9
"""


def growth_entries(today: dt.date) -> list[GrowthEntry]:
    """What the example engineer did with earlier lulls."""

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    return [
        GrowthEntry(ago(200), OpportunityKind.LEARNING, "Finished a course on diffusion models",
                    hours=28),
        GrowthEntry(ago(150), OpportunityKind.WRITING, "Article: loss curves before they diverge",
                    hours=14, earned=450),
        GrowthEntry(ago(95), OpportunityKind.COMPETITION, "Tabular playground, solo entry",
                    hours=35, rank=212),
        GrowthEntry(ago(40), OpportunityKind.TEACHING, "Tutored a term of intro to ML",
                    hours=60, earned=1800, currency="EUR"),
        GrowthEntry(ago(12), OpportunityKind.TALK, "Meetup talk on learning-rate warm-up",
                    hours=16),
    ]  # fmt: skip


def add_board(store: Store, today: dt.date) -> tuple[int, int]:
    """Import the opportunities and log the growth entries; (opportunities, entries)."""
    found = []
    for source, folder in SOURCES:
        found += list(import_from(source, str(DATA / folder)).opportunities.values())
    offers = import_content("file", "offers.yaml", offers_yaml(today).encode())
    found += list(offers.opportunities.values())
    store.save_opportunities(found)
    for currency, rate in RATES.items():
        store.set_rate(currency, rate)
    store.save_filter(
        SAVED_FILTER, BoardFilter(kinds=(OpportunityKind.WRITING,), min_pay=SAVED_MIN_PAY)
    )
    entries = growth_entries(today)
    for entry in entries:
        store.log_growth(entry)
    return len(found), len(entries)
