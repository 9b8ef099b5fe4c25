"""The "Write it up" button: POST /writeups makes a draft under the data folder, and
/writeups/{id}/ serves it, its figures and a zip; in chromium, from the run page."""

from __future__ import annotations

import io
import re
import zipfile

import httpx
from playwright.sync_api import Page, expect

from tests.server.dashboard.conftest import XSS_NAME, Dashboard

#: Milliseconds the browser may take to make and show a draft.
WAIT_MS = 30_000


def make(dashboard: Dashboard, **form: str) -> httpx.Response:
    return httpx.post(f"{dashboard.url}/writeups", data=form, follow_redirects=False, timeout=60)


def test_a_run_draft_is_made_and_served(dashboard: Dashboard) -> None:
    uid = dashboard.seeded.runs["resnet18-lr1.0"]
    made = make(dashboard, run=uid)
    assert made.status_code == 303
    location = made.headers["location"]
    match = re.fullmatch(r"/writeups/(resnet18-lr1-0-[0-9a-f]{8})/", location)
    assert match, location
    draft_id = match.group(1)
    folder = dashboard.home.parent / "home" / "writeups" / draft_id
    assert sorted(p.name for p in folder.iterdir()) == ["article.html", "article.md", "figures"]

    page = httpx.get(dashboard.url + location)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>resnet18-lr1.0</h1>" in page.text
    assert "nonfinite" in page.text or "divergence" in page.text
    figures = re.findall(r'<img src="(figures/[^"]+\.png)"', page.text)
    assert figures
    for src in figures:
        image = httpx.get(f"{dashboard.url}{location}{src}")
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        assert image.content[:4] == b"\x89PNG"
    assert f'href="/writeups/{draft_id}/draft.zip"' in page.text
    download = httpx.get(f"{dashboard.url}/writeups/{draft_id}/draft.zip")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == f'attachment; filename="{draft_id}.zip"'
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = archive.namelist()
    assert names[0] == "article.md"
    assert sorted(names[1:]) == sorted(figures)


def test_a_project_draft_compares_its_runs(dashboard: Dashboard) -> None:
    made = make(dashboard, project="cifar10")
    assert made.status_code == 303
    page = httpx.get(dashboard.url + made.headers["location"])
    assert page.status_code == 200
    assert "<h1>cifar10</h1>" in page.text
    assert "★ best" in page.text
    for name in ("resnet18-baseline", "resnet18-cosine", "resnet18-lr1.0"):
        assert name in page.text
    chosen = make(dashboard, project="cifar10", runs="resnet18-baseline, resnet18-cosine")
    shown = httpx.get(dashboard.url + chosen.headers["location"]).text
    assert "resnet18-cosine" in shown
    assert "resnet18-lr1.0" not in shown


def test_what_the_store_holds_reaches_the_page_as_text(dashboard: Dashboard) -> None:
    made = make(dashboard, run=dashboard.seeded.runs[XSS_NAME])
    page = httpx.get(dashboard.url + made.headers["location"]).text
    assert XSS_NAME not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_bad_requests_get_a_page_that_says_why(dashboard: Dashboard) -> None:
    missing = make(dashboard, run="nope")
    assert missing.status_code == 404
    assert "no run with id or name &#39;nope&#39;" in missing.text
    assert make(dashboard).status_code == 422
    both = make(dashboard, run="a", project="b")
    assert both.status_code == 422
    assert "one run or one project" in both.text
    assert make(dashboard, project="cifar10", runs="bert-base-ft").status_code == 422
    for path in (
        "/writeups/nothing-here/",
        "/writeups/..%2F..%2Fetc/",
        "/writeups/nothing-here/draft.zip",
        "/writeups/nothing-here/figures/01-x.png",
    ):
        assert httpx.get(dashboard.url + path).status_code == 404, path
    made = make(dashboard, project="sst2-bert")
    location = made.headers["location"]
    assert httpx.get(f"{dashboard.url}{location}figures/..%2Farticle.md").status_code == 404


def test_the_run_page_button_makes_the_draft(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + f"/runs/{dashboard.seeded.runs['resnet18-lr1.0']}")
    page.get_by_role("button", name="Write it up").click()
    page.wait_for_url(re.compile(r"/writeups/[a-z0-9-]+/$"), timeout=WAIT_MS)
    expect(page.locator("article h1")).to_have_text("resnet18-lr1.0")
    expect(page.locator("article h2").first).to_have_text("Abstract")
    expect(page.locator("article blockquote").first).to_contain_text("Your words")
    figures = page.locator("article img")
    assert figures.count() >= 1
    page.wait_for_function(
        "[...document.querySelectorAll('article img')]"
        ".every(i => i.complete && i.naturalWidth > 0)",
        timeout=WAIT_MS,
    )
    expect(page.locator("a.download")).to_have_attribute("href", re.compile(r"/draft\.zip$"))


def test_the_project_page_button_makes_the_draft(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/projects/cifar10")
    page.get_by_role("button", name="Write it up").click()
    page.wait_for_url(re.compile(r"/writeups/[a-z0-9-]+/$"), timeout=WAIT_MS)
    expect(page.locator("article h1")).to_have_text("cifar10")
    expect(page.locator("article")).to_contain_text("★ best")
