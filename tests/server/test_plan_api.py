"""Plans of the lulls over HTTP: settings, preview, accept, the current plans and the .ics."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import icalendar
import pytest

from tests.conftest import LiveServer

OFFERS = """\
title,kind,hours,min_weekly,max_weekly,weeks,deadline,link
Rust course,learning,20,2,5,,2099-01-31,https://example.org/rust
Tutoring,teaching,,,4,6,,
Old call,talk,,,,,2001-01-01,
"""


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url + "/api/v1", timeout=60) as c:
        yield c


def test_settings_are_checked_and_kept(client: httpx.Client) -> None:
    assert client.get("/plan/settings").json()["rest_hours"] == 4.0
    bad = client.put("/plan/settings", json={"rest_hours": -1})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "body.rest_hours"
    unknown = client.put("/plan/settings", json={"colour": "red"})
    assert unknown.status_code == 422
    too_much = client.put("/plan/settings", json={"rest_hours": 100, "habit_hours": 100})
    assert too_much.status_code == 422
    assert too_much.json()["error"]["field"] == "habit_hours"
    done = client.put("/plan/settings", json={"rest_hours": 6, "weeks": 10})
    assert done.status_code == 200
    assert client.get("/plan/settings").json() == {**done.json(), "rest_hours": 6.0, "weeks": 10}


def test_preview_accept_and_export(client: httpx.Client) -> None:
    upload = client.post(
        "/opportunities/import", json={"source": "file", "name": "offers.csv", "content": OFFERS}
    )
    assert upload.json()["added"] == 3
    client.put("/plan/settings", json={"weeks": 8, "habit_hours": 2})
    assert client.get("/plan/current").json() == {"accepted": None, "preview": None}
    assert client.post("/plan/accept").status_code == 404
    assert client.get("/plan.ics").status_code == 404
    bad = client.post("/plan/preview", json={"time_limit_s": 0})
    assert bad.status_code == 422
    plan = client.post("/plan/preview", json={"time_limit_s": 1}).json()
    assert (plan["state"], plan["revision"], plan["horizon_weeks"]) == ("preview", 0, 8)
    assert {i["title"] for i in plan["items"]} == {"Rust course", "Tutoring"}
    rust = next(i for i in plan["items"] if i["title"] == "Rust course")
    assert rust["kind"] == "learning"
    assert rust["link"] == "https://example.org/rust"
    assert len(rust["hours"]) == 8
    assert rust["total_hours"] == 20
    assert rust["explanation"]
    [old] = plan["rejections"]
    assert old["title"] == "Old call"
    assert old["reason"] == "its deadline 2001-01-01 has passed"
    week = plan["weeks"][1]
    assert week["habit_hours"] == 2
    assert week["used_hours"] == pytest.approx(week["planned_hours"] + 2)
    assert week["used_hours"] <= week["room_hours"]
    assert {a["title"] for a in week["activities"]} <= {"Rust course", "Tutoring"}
    draft = client.get("/plan.ics")
    assert "preview" in draft.headers["x-lowtide-note"]
    accepted = client.post("/plan/accept").json()
    assert (accepted["state"], accepted["id"]) == ("accepted", plan["id"])
    current = client.get("/plan/current").json()
    assert current["preview"] is None
    assert current["accepted"]["id"] == plan["id"]
    ics = client.get("/plan.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
    assert {str(e["CATEGORIES"].cats[0]) for e in events} == {"learning", "teaching"}
    assert {int(e["SEQUENCE"]) for e in events} == {0}
    # The projects file keeps its own GET /plan.
    assert client.get("/plan").json() == {"projects": []}
    greedy = client.post("/plan/preview", json={"greedy": True, "kind": ["learning"]}).json()
    assert greedy["method"] == "greedy"
    assert greedy["revision"] == 1
    assert greedy["filter"]["kinds"] == ["learning"]
