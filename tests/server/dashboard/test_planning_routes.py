"""The Projects, Forecast and Notifications pages over HTTP: seeded data, escaping, bad input."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import httpx
import pytest

from tests.server.dashboard.conftest import Dashboard
from tests.server.dashboard.seed import XSS_PROJECT


def get(dashboard: Dashboard, path: str, **params: str) -> httpx.Response:
    return httpx.get(dashboard.url + path, params=params, timeout=30)


def test_the_top_bar_links_every_page(dashboard: Dashboard) -> None:
    text = get(dashboard, "/").text
    for href in ("/runs", "/projects", "/forecast", "/notifications"):
        assert f'href="{href}"' in text


def test_projects_page_draws_each_projects_stages(dashboard: Dashboard) -> None:
    answer = get(dashboard, "/projects")
    assert answer.status_code == 200
    text = answer.text
    for name in ("cifar10", "sst2-bert"):
        assert f'<section class="card project" data-project="{name}">' in text
    cifar = text.split('data-project="cifar10"', 1)[1].split("</section>", 1)[0]
    stages = re.findall(r'data-stage="([^"]+)" data-status="(\w+)"', cifar)
    assert stages == [
        ("understand", "done"),
        ("features", "done"),
        ("model", "done"),
        ("train", "active"),
        ("ship", "planned"),
    ]
    assert "now: train" in cifar
    assert cifar.count('class="tl-plan"') == 5
    assert cifar.count('class="tl-bar"') == 5


def test_project_page_has_the_timeline_who_is_needed_when_and_write_it_up(
    dashboard: Dashboard,
) -> None:
    text = get(dashboard, "/projects/cifar10").text
    assert '<form class="writeup" method="post" action="/writeups">' in text
    assert '<input type="hidden" name="project" value="cifar10">' in text
    assert "Who is needed when" in text
    needs = text.split('<table class="needs card">', 1)[1].split("</table>", 1)[0]
    assert '<tr data-stage="ship">' in needs  # the rollout, then its maintenance
    assert "All stages" in needs
    # The training stage links the live run, by name.
    assert f'href="/runs/{dashboard.seeded.runs["resnet18-cosine"]}">resnet18-cosine' in text


def test_unknown_project_is_a_404_page(dashboard: Dashboard) -> None:
    answer = get(dashboard, "/projects/nosuchproject")
    assert answer.status_code == 404
    assert "There is no project nosuchproject" in answer.text


def test_forecast_page_shows_committed_hours_and_a_lull(dashboard: Dashboard) -> None:
    answer = get(dashboard, "/forecast")
    assert answer.status_code == 200
    text = answer.text
    assert text.count('<g class="week') == 26
    assert '<g class="lull-band"' in text
    assert re.search(r'<li class="lull" data-first-week="\d+">', text)
    assert re.search(r"\d+ h free at P80", text)
    assert "cifar10/train" in text  # its stage ends with the live run's ETA


def test_forecast_form_sets_the_weeks_and_the_lull_threshold(dashboard: Dashboard) -> None:
    text = get(dashboard, "/forecast", weeks="8", lull_hours="200").text
    assert 'class="error"' in text  # 200 h is more than a week has
    text = get(dashboard, "/forecast", weeks="8", lull_hours="168").text
    assert text.count('<g class="week') == 8
    assert '<g class="lull-band"' not in text  # no week has 168 free hours
    assert 'value="8"' in text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"weeks": "many"}, "weeks", "Weeks ahead is a whole number from 1 to 104."),
        ({"weeks": "0"}, "weeks", "Weeks ahead is a whole number from 1 to 104."),
        ({"weeks": "200"}, "weeks", "Weeks ahead is a whole number from 1 to 104."),
        (
            {"lull_hours": "-1"},
            "lull_hours",
            "Free hours for a lull is a number of hours from 0 to 168.",
        ),
        (
            {"lull_hours": "nan"},
            "lull_hours",
            "Free hours for a lull is a number of hours from 0 to 168.",
        ),
    ],
)
def test_bad_forecast_input_says_what_is_wrong_next_to_the_field(
    dashboard: Dashboard, params: dict[str, str], field: str, message: str
) -> None:
    answer = get(dashboard, "/forecast", **params)
    assert answer.status_code == 400
    assert f'<p class="error" id="err-{field}">{message}</p>' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "lull-band" not in answer.text


def test_notifications_page_shows_channels_and_deliveries(dashboard: Dashboard) -> None:
    text = get(dashboard, "/notifications").text
    assert '<article class="card channel-set" data-scope="">' in text
    assert '<article class="card channel-set" data-scope="sst2-bert">' in text
    channels = text.split("<h2>Deliveries</h2>", 1)[0]
    assert "json://127.0.0.1:" in channels
    assert "/hook" not in channels  # paths may hold secrets: masked
    assert 'data-status="sent"' in text
    assert 'data-status="failed"' in text
    assert "data-test-scope" in text  # this server sends: a test can be asked for


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"status": "failed"}, 'data-status="failed"', 'data-status="sent"'),
        ({"scope": "you"}, 'data-status="sent"', 'data-status="failed"'),
        ({"scope": "sst2-bert"}, 'data-status="failed"', 'data-status="sent"'),
    ],
)
def test_delivery_filters(
    dashboard: Dashboard, params: dict[str, str], shown: str, hidden: str
) -> None:
    answer = get(dashboard, "/notifications", **params)
    assert answer.status_code == 200
    assert shown in answer.text
    assert hidden not in answer.text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"status": "lost"}, "status", "“lost” is not a delivery status"),
        ({"scope": "nobody"}, "scope", "“nobody” has no notification settings"),
    ],
)
def test_bad_delivery_filter_says_what_is_wrong_next_to_the_field(
    dashboard: Dashboard, params: dict[str, str], field: str, message: str
) -> None:
    answer = get(dashboard, "/notifications", **params)
    assert answer.status_code == 400
    assert f'<p class="error" id="err-{field}">{html.escape(message, quote=False)}' in answer.text
    assert "data-delivery=" not in answer.text


def test_a_script_in_a_project_name_is_text(dashboard: Dashboard) -> None:
    escaped = html.escape(XSS_PROJECT)
    for path in ("/projects", f"/projects/{quote(XSS_PROJECT, safe='')}", "/forecast", "/runs"):
        answer = get(dashboard, path)
        assert answer.status_code == 200, path
        assert XSS_PROJECT not in answer.text, path
    project_page = get(dashboard, f"/projects/{quote(XSS_PROJECT, safe='')}").text
    assert f'<h1 class="project-name">{escaped}</h1>' in project_page


def test_now_shows_this_weeks_load_and_the_next_lull(dashboard: Dashboard) -> None:
    forecast = httpx.get(f"{dashboard.url}/api/v1/forecast", timeout=30).json()
    week, lull = forecast["weeks"][0], forecast["lulls"][0]
    card = get(dashboard, "/").text.split('id="week-load"', 1)[1].split("</section>", 1)[0]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", card)).split())
    committed = f"{week['committed_p50']:.0f}\u2013{week['committed_p80']:.0f} h committed"
    assert committed in text
    assert f"of {week['capacity']:.0f} h" in text
    when = "now" if lull["first_week"] == 0 else f"from {lull['start']}"
    assert f"Next lull: {when}, {lull['weeks']} week" in text
    assert f"{lull['free_hours']:.0f} h free" in text
