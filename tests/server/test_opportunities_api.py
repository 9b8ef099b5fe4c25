"""The opportunity board, its settings and the growth log over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer
from tests.opportunities.conftest import serving, snapshots

GIGS = """\
id,title,kind,pay,hours,min_weekly,max_weekly,deadline,domains,remote
gig-1,Fraud model audit,freelance,€60/h,40,8,20,2099-02-15,"ml, fraud",yes
gig-2,Label review,freelance,$300-600,20,,,2099-01-31,data,no
bad,Broken,freelance,,,,,next friday,,
"""


@pytest.fixture
def snapshot_server() -> Iterator[str]:
    with serving(snapshots()) as url:
        yield url


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url + "/api/v1", timeout=60) as c:
        yield c


def test_import_list_edit_and_reimport(client: httpx.Client, snapshot_server: str) -> None:
    url = f"{snapshot_server}/community-writer-programs/README.md"
    first = client.post("/opportunities/import", json={"source": "writer-programs", "url": url})
    assert first.status_code == 200, first.text
    assert {k: first.json()[k] for k in ("imported", "added", "skipped")} == {
        "imported": 43, "added": 43, "skipped": 0,
    }  # fmt: skip
    upload = client.post(
        "/opportunities/import", json={"source": "file", "name": "gigs.csv", "content": GIGS}
    )
    body = upload.json()
    assert (body["added"], body["skipped"]) == (2, 1)
    assert body["warnings"] == [
        "gigs.csv: row 4 (Broken): deadline: not a day or a time "
        "(YYYY-MM-DD, YYYY-MM-DDTHH:MM+00:00), got 'next friday'"
    ]
    assert client.put("/board/rates/EUR", json={"rate": 1.1}).status_code == 200
    board = client.get("/opportunities", params={"kind": "freelance", "sort": "pay"}).json()
    assert [o["title"] for o in board["opportunities"]] == ["Label review", "Fraud model audit"]
    audit = board["opportunities"][1]
    assert audit["pay_in_base"] == 66.0
    assert audit["shape"] == "40 h at 8-20 h/wk"
    hourly = client.get("/opportunities", params={"min_pay": 50, "pay_basis": "hour"}).json()
    assert [o["title"] for o in hourly["opportunities"]] == ["Fraud model audit"]
    edited = client.patch(f"/opportunities/{audit['id']}", json={"title": "Audit", "learning": 9})
    assert edited.status_code == 200, edited.text
    assert edited.json()["edited"] == ["learning", "title"]
    again = client.post(
        "/opportunities/import", json={"source": "file", "name": "gigs.csv", "content": GIGS}
    ).json()
    assert (again["added"], again["unchanged"]) == (0, 2)
    assert client.get(f"/opportunities/{audit['id']}").json()["title"] == "Audit"
    reset = client.delete(f"/opportunities/{audit['id']}/edits", params={"field": "title"})
    assert reset.json()["title"] == "Fraud model audit"
    writing = client.get("/opportunities", params={"kind": "writing", "limit": 5}).json()
    assert writing["total"] == 39  # paused programmes are closed, hidden by default
    assert len(writing["opportunities"]) == 5
    everything = client.get("/opportunities", params={"kind": "writing", "include_closed": True})
    assert everything.json()["total"] == 43


def test_saved_filters_weights_and_fits(client: httpx.Client) -> None:
    client.post("/opportunities/import", json={"source": "file", "name": "g.csv", "content": GIGS})
    saved = client.put("/board/filters/gigs", json={"kinds": ["freelance"], "sort": "title"})
    assert saved.status_code == 200, saved.text
    assert list(client.get("/board/filters").json()) == ["gigs"]
    listed = client.get("/opportunities", params={"filter": "gigs"}).json()
    assert [o["title"] for o in listed["opportunities"]] == ["Fraud model audit", "Label review"]
    narrowed = client.get("/opportunities", params={"filter": "gigs", "remote": True}).json()
    assert [o["title"] for o in narrowed["opportunities"]] == ["Fraud model audit"]
    assert client.put("/board/weights", json={"income": 3}).json()["income"] == 3
    by_value = client.get("/opportunities", params={"sort": "value"}).json()["opportunities"]
    assert by_value[0]["weighted_value"] == 3 * 8 + 3 + 2
    fits = client.get("/opportunities", params={"fits_lulls": True}).json()
    assert fits["total"] == 2  # no projects: every week is free
    assert client.delete("/board/filters/gigs").status_code == 204
    assert client.get("/opportunities", params={"filter": "gigs"}).status_code == 404


def test_bad_input_is_422_with_the_field(client: httpx.Client) -> None:
    bad_kind = client.get("/opportunities", params={"kind": "party"})
    assert bad_kind.status_code == 422
    assert bad_kind.json()["error"]["field"] == "query.kind.0"
    window = client.get(
        "/opportunities", params={"due_after": "2027-02-01", "due_before": "2027-01-01"}
    )
    assert window.status_code == 422
    assert window.json()["error"]["field"] == "due_before"
    assert client.put("/board/filters/x", json={"colour": "red"}).json()["error"]["field"] == (
        "colour"
    )
    neither = client.post("/opportunities/import", json={"source": "ccfddl"})
    assert neither.status_code == 422
    unknown = client.post(
        "/opportunities/import", json={"source": "meetup", "name": "x", "content": "x"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "source"
    assert client.patch("/opportunities/1", json={"title": "x"}).status_code == 404
    new = client.post(
        "/opportunities",
        json={
            "title": "Teach a course",
            "kind": "teaching",
            "max_weekly": 10,
            "weeks": 26,
            "pay": "€40/h",
        },
    )
    assert new.status_code == 201, new.text
    assert new.json()["source"] == "manual"
    assert new.json()["weeks"] == 26
    edit = client.patch(
        f"/opportunities/{new.json()['id']}",
        json={"earliest_start": "2027-03-01", "deadline": "2027-02-01T12:00:00Z"},
    )
    assert edit.status_code == 422
    assert edit.json()["error"]["field"] == "deadline"
    too_many = client.patch(f"/opportunities/{new.json()['id']}", json={"max_weekly": 500})
    assert too_many.json()["error"]["field"] == "body.max_weekly"
    assert client.put("/board/rates/euros", json={"rate": 1}).status_code == 422
    assert client.put("/board/rates/EUR", json={"rate": 0}).status_code == 422


def test_growth_log_and_totals(client: httpx.Client) -> None:
    client.put("/board/rates/EUR", json={"rate": 1.1})
    post = client.post("/growth-log", json={"on": "2026-05-01", "kind": "writing",
                                            "title": "Post", "hours": 12, "earned": 300,
                                            "link": "https://example.com/post"})  # fmt: skip
    assert post.status_code == 201, post.text
    client.post(
        "/growth-log",
        json={
            "on": "2026-09-01",
            "kind": "teaching",
            "title": "Term",
            "hours": 100,
            "earned": 2000,
            "currency": "eur",
        },
    )
    client.post(
        "/growth-log",
        json={
            "on": "2027-01-10",
            "kind": "competition",
            "title": "Kaggle",
            "hours": 40,
            "rank": 17,
        },
    )
    assert [e["title"] for e in client.get("/growth-log", params={"year": 2026}).json()] == [
        "Post", "Term",
    ]  # fmt: skip
    totals = client.get("/growth-log/totals").json()
    assert [(t["year"], t["entries"], t["hours"]) for t in totals] == [
        (2027, 1, 40),
        (2026, 2, 112),
    ]
    assert totals[1]["earned"] == 2500
    assert totals[0]["best_rank"] == 17
    assert client.post("/growth-log", json={"on": "2027-01-01", "kind": "other", "title": "x",
                                            "rank": 0}).status_code == 422  # fmt: skip
    assert client.delete(f"/growth-log/{post.json()['id']}").status_code == 204
    assert len(client.get("/growth-log").json()) == 2
