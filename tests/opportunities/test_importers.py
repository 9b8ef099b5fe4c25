"""Every importer against the real snapshot files: every file parses, counts are reported,
malformed entries are skipped with a warning naming the file and the entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from lowtide.core.opportunities import OpportunityKind
from lowtide.core.pay import PayBasis
from lowtide.errors import SourceError
from lowtide.opportunities import kaggle_competitions
from lowtide.opportunities.registry import SOURCES, import_content, import_from
from lowtide.opportunities.report import ImportReport
from lowtide.opportunities.timezones import AOE, parse_deadline, parse_zone
from tests.opportunities.conftest import SNAPSHOTS

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.skipif(not SNAPSHOTS.is_dir(), reason=f"no snapshots at {SNAPSHOTS}")


def every_file(report: ImportReport, folder: Path, pattern: str) -> None:
    """Each file of the snapshot folder was read, and none was unreadable as a whole."""
    expected = {p.relative_to(folder).as_posix() for p in folder.glob(pattern)}
    assert expected <= set(report.files)
    assert not [w for w in report.warnings if "(whole file)" in w]


def test_ccfddl() -> None:
    folder = SNAPSHOTS / "ccfddl"
    report = import_from("ccfddl", str(folder))
    every_file(report, folder, "conference/**/[!t]*.yml")
    assert "conference/types.yml" not in report.files
    assert len(report.files) == 353
    assert (report.imported, report.skipped, len(report.opportunities)) == (1598, 7, 1593)
    assert sorted(report.warnings) == [
        "conference/AI/acl.yml: acl27: the deadline is 'TBD', not a date yet",
        "conference/CG/eurovis.yml: eurovis2026: the abstract deadline 2025-11-26 23:59:59 "
        "is after the paper deadline 2024-12-03 23:59:59",
        "conference/CT/fmcad.yml: fmcad26: the abstract deadline 2026-05-03 23:59:59 "
        "is after the paper deadline 2026-04-26 23:59:59",
        "conference/CT/ijcar.yml: ijcar26: the abstract deadline 2026-02-06 23:59:59 "
        "is after the paper deadline 2025-02-15 23:59:59",
        "conference/DB/pkdd.yml: ecmlpkdd2027: the deadline is 'TBD', not a date yet",
        "conference/NW/sensys.yml: sensys27-2: the deadline is 'TBD', not a date yet",
        "conference/SE/issre.yml: issre26: the abstract deadline 2026-04-10 23:59:59 "
        "is after the paper deadline 2025-04-17 23:59:59",
    ]
    aaai = report.opportunities["aaai27"]
    assert aaai.kind is OpportunityKind.TALK
    assert aaai.deadline == dt.datetime(2026, 7, 28, 23, 59, 59, tzinfo=parse_zone("UTC-12"))
    assert aaai.value.reputation == 9  # CCF A
    assert "artificial-intelligence" in aaai.domains
    # FSE is listed under two areas: one opportunity with both tags.
    assert set(report.opportunities["fse26"].domains) == {"security", "software-engineering"}
    # ICA3PP uses one id for every year: the year keeps them apart.
    assert {"ica3pp2022", "ica3pp2023"} <= set(report.opportunities)


def test_ai_deadlines() -> None:
    folder = SNAPSHOTS / "hf-ai-deadlines"
    report = import_from("ai-deadlines", str(folder))
    every_file(report, folder, "src/data/conferences/*.yml")
    assert (len(report.files), report.imported, report.skipped) == (68, 112, 10)
    assert "src/data/conferences/cvpr.yml: cvpr27: no deadline" in report.warnings
    assert all(": no deadline" in w for w in report.warnings)
    three_dv = report.opportunities["3dv27"]
    assert three_dv.deadline == dt.datetime(
        2026, 8, 28, 11, tzinfo=dt.timezone(dt.timedelta(hours=-7))
    )
    assert three_dv.event is not None
    assert three_dv.event.start == dt.date(2027, 4, 6)
    assert three_dv.place == "Thessaloniki, Greece"
    assert "computer-vision" in three_dv.domains
    # Time zones spelled PST, UTC-08, GMT+02, Europe/London are all read.
    zones = {str(o.deadline.tzinfo) for o in report.opportunities.values() if o.deadline}
    assert {"America/Los_Angeles", "UTC-08:00", "UTC+02:00", "Europe/London"} <= zones


def test_tech_conferences() -> None:
    folder = SNAPSHOTS / "tech-conferences"
    report = import_from("tech-conferences", str(folder))
    every_file(report, folder, "conferences/*/*.json")
    assert (len(report.files), report.imported, report.skipped, report.ignored) == (
        68, 501, 0, 660,
    )  # fmt: skip
    assert len(report.opportunities) == 362  # conferences listed under several topics
    city_js = report.opportunities["cityjs-singapore-2026-02-04"]
    assert city_js.deadline == dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=AOE)
    assert city_js.remote is False
    assert city_js.place == "Singapore, Singapore"
    assert "javascript" in city_js.domains
    assert report.opportunities["ai-coding-summit-2026-02-26"].remote is True


def test_writer_programs() -> None:
    folder = SNAPSHOTS / "community-writer-programs"
    report = import_from("writer-programs", str(folder))
    assert (report.imported, report.skipped) == (43, 0)
    airbyte = report.opportunities["airbyte"]
    assert airbyte.compensation is not None
    assert (airbyte.compensation.low, airbyte.compensation.basis) == (900, PayBasis.ARTICLE)
    assert "data-engineering" in airbyte.domains
    civo = report.opportunities["civo"].compensation
    assert civo is not None
    assert (civo.low, civo.high) == (200, 500)
    assert report.opportunities["egghead"].compensation is None  # "Pay unknown"
    assert report.opportunities["loginradius"].compensation is None  # "Previously up to"
    paused = [o.key for o in report.opportunities.values() if not o.open]
    assert sorted(paused) == ["solace", "stackoverflow", "testmu-ai-formerly-lambdatest", "twilio"]


def test_kaggle_recorded_responses() -> None:
    report = import_from("kaggle", str(FIXTURES))
    assert set(report.files) == {"kaggle_competitions_page1.json", "kaggle_competitions_page2.json"}
    assert (report.imported, report.skipped) == (3, 2)
    assert report.warnings[0].startswith(
        "kaggle_competitions_page1.json: https://www.kaggle.com/competitions/no-deadline-yet:"
    )
    llm = report.opportunities["llm-reasoning-challenge"]
    assert llm.kind is OpportunityKind.COMPETITION
    assert llm.team_size == 5
    assert llm.compensation is not None
    assert llm.compensation.high == 25_000
    assert llm.start_windows[0].end == dt.date(2027, 3, 8)
    assert report.opportunities["titanic"].compensation is None  # "Knowledge"


class FakeHttpResponse:
    def __init__(self, text: str) -> None:
        self.text = text


class RecordedKaggleApi:
    """`competitions_list` answering from recorded pages, built as the client builds them."""

    def __init__(self) -> None:
        from kagglesdk.competitions.types.competition_api_service import (
            ApiListCompetitionsResponse,
        )

        pages = {"": "page1", "page-2": "page2"}
        self.pages = {
            token: ApiListCompetitionsResponse.prepare_from(
                FakeHttpResponse((FIXTURES / f"kaggle_competitions_{name}.json").read_text())
            )
            for token, name in pages.items()
        }
        self.calls: list[str] = []

    def competitions_list(self, page_size: int, page_token: str) -> Any:
        self.calls.append(page_token)
        return self.pages[page_token]


def test_kaggle_api_pages_through_the_client() -> None:
    api = RecordedKaggleApi()
    report = ImportReport("kaggle")
    kaggle_competitions.from_api(report, api)
    assert api.calls == ["", "page-2"]
    assert set(report.opportunities) == {"titanic", "llm-reasoning-challenge",
                                         "playground-series-s7e1"}  # fmt: skip
    assert report.skipped == 2


def test_own_lists_csv_yaml_and_ics() -> None:
    csv_report = import_from("file", str(FIXTURES / "gigs.csv"))
    assert set(csv_report.opportunities) == {"gig-1", "tutor-1", "data-labelling-review"}
    assert sorted(csv_report.warnings) == [
        "gigs.csv: row 5 (Broken deadline): deadline: not a day or a time "
        "(YYYY-MM-DD, YYYY-MM-DDTHH:MM+00:00), got 'next friday'",
        "gigs.csv: row 6: title: missing; an opportunity needs a title",
    ]
    tutor = csv_report.opportunities["tutor-1"]
    assert tutor.shape.weeks == 26
    assert tutor.shape.max_weekly == 10
    assert tutor.compensation is not None
    assert tutor.compensation.basis is PayBasis.HOUR
    yaml_report = import_from("file", str(FIXTURES / "offers.yaml"))
    assert list(yaml_report.opportunities) == ["course-1"]
    assert yaml_report.warnings[0].startswith("offers.yaml: item 2 (Mentoring programme): ")
    assert "before it starts" in yaml_report.warnings[0]
    ics_report = import_from("ics", str(FIXTURES / "deadlines.ics"))
    assert ics_report.imported == 3
    cfp = ics_report.opportunities["cfp-pydata-2027@example.com"]
    assert cfp.kind is OpportunityKind.TALK
    assert cfp.domains == ("python",)
    todo = ics_report.opportunities["article-draft@example.com"]
    assert todo.earliest_start == dt.date(2027, 1, 4)
    course = ics_report.opportunities["course@example.com"]
    assert course.event is not None
    assert course.event.end == dt.date(2027, 3, 5)
    assert ics_report.warnings == [
        "deadlines.ics: Ends before it starts: it ends on 2027-03-09, before it starts on "
        "2027-03-10"
    ]


def test_import_from_urls(snapshot_server: str) -> None:
    url = f"{snapshot_server}/community-writer-programs/README.md"
    readme = import_from("writer-programs", url)
    assert readme.imported == 43
    aaai = import_from("ccfddl", f"{snapshot_server}/ccfddl/conference/AI/aaai.yml")
    assert "aaai27" in aaai.opportunities
    assert list(aaai.files) == [f"{snapshot_server}/ccfddl/conference/AI/aaai.yml"]
    talks = import_from(
        "tech-conferences", f"{snapshot_server}/tech-conferences/conferences/2026/python.json"
    )
    assert talks.imported > 0
    assert all("python" in o.domains for o in talks.opportunities.values())
    with pytest.raises(SourceError, match="answered 404"):
        import_from("ccfddl", f"{snapshot_server}/ccfddl/nope.yml")


def test_bad_locations_and_sources() -> None:
    with pytest.raises(SourceError, match="unknown source 'meetup'"):
        import_from("meetup", "x")
    with pytest.raises(SourceError, match="no file or folder"):
        import_from("ccfddl", "/nonexistent/folder")
    with pytest.raises(SourceError, match="say where to read file"):
        import_from("file")
    with pytest.raises(SourceError, match="cannot fetch"):
        import_from("ccfddl", "http://127.0.0.1:9/aaai.yml")
    assert set(SOURCES) == {"ccfddl", "ai-deadlines", "tech-conferences", "writer-programs",
                            "kaggle", "file", "ics"}  # fmt: skip


def test_uploaded_content_and_broken_files() -> None:
    report = import_content("ccfddl", "broken.yml", b"- title: [unclosed")
    assert report.warnings[0].startswith("broken.yml: (whole file): not valid YAML")
    report = import_content("tech-conferences", "x.json", b'{"not": "a list"}')
    assert report.warnings == ["x.json: (whole file): not a list of conferences"]


@pytest.mark.parametrize(
    ("spelling", "offset_hours"),
    [("AoE", -12), ("UTC", 0), ("UTC+0", 0), ("UTC-8", -8), ("UTC-08", -8), ("UTC+02", 2),
     ("GMT+02", 2), ("UTC+5:30", 5.5)],
)  # fmt: skip
def test_time_zone_spellings(spelling: str, offset_hours: float) -> None:
    deadline = parse_deadline("2027-01-15 12:00:00", spelling)
    offset = deadline.utcoffset()
    assert offset is not None
    assert offset.total_seconds() == offset_hours * 3600


def test_named_zones_and_bad_ones() -> None:
    assert str(parse_zone("PT")) == "America/Los_Angeles"
    assert str(parse_zone("Europe/London")) == "Europe/London"
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        parse_zone("Mars/Olympus")
    with pytest.raises(ValueError, match="'TBD'"):
        parse_deadline("TBD", "AoE")


def test_kaggle_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "kagglesdk.competitions.types.competition_api_service", None)
    with pytest.raises(SourceError, match=r"pip install 'lowtide\[kaggle\]'"):
        import_from("kaggle", str(FIXTURES / "kaggle_competitions_page1.json"))


def test_kaggle_api_failure_is_a_source_error() -> None:
    class FailingApi:
        def competitions_list(self, page_size: int, page_token: str) -> Any:
            raise ConnectionError("network unreachable")

    with pytest.raises(SourceError, match="the Kaggle API failed: network unreachable"):
        kaggle_competitions.from_api(ImportReport("kaggle"), FailingApi())
