"""The dashboard in Debian's chromium: pages load, curves grow live, filters, ack, escaping."""

from __future__ import annotations

import re
import threading
import time

from playwright.sync_api import Page, expect

from lowtide.sdk import Run
from tests.server.dashboard.conftest import XSS_NAME, Dashboard
from tests.server.dashboard.seed import client_settings

#: Milliseconds a page may take to draw its charts or to show a change.
WAIT_MS = 15_000


def charts_drawn(page: Page) -> None:
    page.wait_for_function(
        "performance.getEntriesByName('lowtide:charts-drawn').length > 0", timeout=WAIT_MS
    )


def test_each_page_loads_with_the_seeded_data(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/")
    expect(page.locator(".incident.page").first).to_contain_text("resnet18-lr1.0")
    expect(page.locator("article.job")).to_have_count(2)

    page.goto(dashboard.url + "/runs")
    expect(page.locator("table.runs tbody tr")).to_have_count(len(dashboard.seeded.runs))

    page.goto(dashboard.url + f"/runs/{dashboard.seeded.runs['resnet18-baseline']}")
    charts_drawn(page)
    expect(page.locator("figure.chart")).to_have_count(4)  # lr, train/loss, val/acc, val/loss
    assert page.locator("figure.chart canvas").count() == 4

    page.goto(dashboard.url + f"/runs/{dashboard.seeded.runs['resnet18-cosine']}")
    charts_drawn(page)
    expect(page.locator("#run-eta")).to_have_text(re.compile(r"^\d+ (s|min)"))  # asked for later
    expect(page.locator("#run-planned")).to_have_text("of 600")
    expect(page.locator("#run-projection")).to_be_visible()

    page.goto(dashboard.url + "/runs")
    page.locator('input[name="run"]').nth(0).check()
    page.locator('input[name="run"]').nth(1).check()
    page.locator("#compare").click()
    page.wait_for_url("**/compare?*")
    charts_drawn(page)
    assert page.locator("figure.chart").count() >= 2


def test_curve_grows_while_the_run_logs(page: Page, dashboard: Dashboard) -> None:
    run = Run(
        project="live", name="growing", settings=client_settings(dashboard.url, dashboard.home)
    )
    stop = threading.Event()

    def train() -> None:
        step = 0
        while not stop.is_set() and step < 2000:
            run.log({"train/loss": 1.0 / (step + 1)}, step=step)
            step += 1
            time.sleep(0.01)

    for step in range(20):
        run.log({"train/loss": 1.0}, step=step)
    thread = threading.Thread(target=train, name="lowtide-test-trainer")
    try:
        deadline = time.monotonic() + 10
        while not dashboard.store.list_runs(project="live") or not dashboard.store.list_keys(
            run.id
        ):
            assert time.monotonic() < deadline, "the run was not stored"
            time.sleep(0.05)
        page.goto(dashboard.url + f"/runs/{run.id}")
        chart = page.locator('figure.chart[data-key="train/loss"]')
        expect(chart).to_have_attribute("data-last-step", "19", timeout=WAIT_MS)
        thread.start()
        page.wait_for_function(
            """() => {
                const el = document.querySelector('figure.chart[data-key="train/loss"]');
                return Number(el.dataset.lastStep) > 100;
            }""",
            timeout=WAIT_MS,
        )
        assert int(chart.get_attribute("data-points") or 0) > 20
    finally:
        stop.set()
        if thread.ident is not None:
            thread.join()
        run.finish()
    expect(page.locator("#run-state")).to_have_text("finished", timeout=WAIT_MS)


def test_filters_keep_their_values(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/runs")
    page.fill("#f-project", "cifar10")
    page.select_option("#f-state", "running")
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.runs tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#f-project")).to_have_value("cifar10")
    expect(page.locator("#f-state")).to_have_value("running")
    page.fill("#f-tag", "cosine")
    page.click("form.filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("resnet18-cosine")


def test_bad_filter_shows_its_message_next_to_the_field(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + "/runs")
    page.fill("#f-tag", "two words")
    page.click("form.filters button[type=submit]")
    message = page.locator(".field:has(#f-tag) .error")
    expect(message).to_have_text("A tag has no spaces. Filter by one tag at a time.")
    expect(page.locator("#f-tag")).to_have_value("two words")
    expect(page.locator("#f-tag")).to_have_attribute("aria-invalid", "true")


def test_a_script_in_a_run_name_is_text(page: Page, dashboard: Dashboard) -> None:
    uid = dashboard.seeded.runs[XSS_NAME]
    page.goto(dashboard.url + "/runs")
    expect(page.locator(f'tr[data-run="{uid}"] .run-name')).to_have_text(XSS_NAME)
    page.goto(dashboard.url + f"/runs/{uid}")
    charts_drawn(page)
    expect(page.locator("h1.run-name")).to_have_text(XSS_NAME)
    # The `page` fixture fails the test on any dialog, such as alert(1).


def test_acknowledging_from_the_now_page(page: Page, dashboard: Dashboard) -> None:
    [incident] = [
        i
        for i in dashboard.store.list_incidents(open_only=True)
        if i.run_id == dashboard.seeded.runs["resnet18-lr1.0"] and i.rule == "nonfinite"
    ]
    assert incident.acknowledged_at is None
    page.goto(dashboard.url + "/")
    page.click(f'button[data-ack="{incident.id}"]')
    row = page.locator(f'li[data-incident="{incident.id}"]')
    expect(row.locator(".acked")).to_have_text("acknowledged just now")
    assert dashboard.store.get_incident(incident.id).acknowledged_at is not None
    page.reload()
    expect(row.locator(".acked")).to_contain_text("acknowledged")
    expect(row.locator("button[data-ack]")).to_have_count(0)


def test_zoom_asks_for_the_range_in_detail(page: Page, dashboard: Dashboard) -> None:
    page.goto(dashboard.url + f"/runs/{dashboard.seeded.runs['resnet18-baseline']}")
    charts_drawn(page)
    chart = page.locator('figure.chart[data-key="train/loss"]')
    box = chart.locator(".u-over").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, y, steps=5)
    page.mouse.up()
    page.wait_for_function(
        """() => {
            const u = window.lowtideCharts.get('train/loss').chart;
            return u.scales.x.max - u.scales.x.min < 120;
        }""",
        timeout=WAIT_MS,
    )
    chart.locator(".u-over").dblclick()
    page.wait_for_function(
        "() => window.lowtideCharts.get('train/loss').chart.scales.x.max >= 599",
        timeout=WAIT_MS,
    )
