"""The pages over HTTP: what they show from the seeded store, escaping, bad filters."""

from __future__ import annotations

import html

import httpx
import pytest

from tests.server.dashboard.conftest import XSS_NAME, XSS_TAG, Dashboard


def get(dashboard: Dashboard, path: str, **params: str) -> httpx.Response:
    return httpx.get(dashboard.url + path, params=params, timeout=30)


def test_home_is_the_now_page_and_links_the_api_docs(dashboard: Dashboard) -> None:
    answer = get(dashboard, "/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert 'href="/docs"' in answer.text
    assert "resnet18-lr1.0" in answer.text  # its page is open
    assert "resnet18-cosine" in answer.text  # it is running
    assert get(dashboard, "/docs").status_code == 200


def test_runs_page_lists_every_run(dashboard: Dashboard) -> None:
    text = get(dashboard, "/runs").text
    for name in ("resnet18-baseline", "resnet18-cosine", "resnet18-lr1.0", "bert-base-ft"):
        assert name in text


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"project": "sst2-bert"}, ["bert-base-ft"], ["resnet18-baseline"]),
        ({"state": "running"}, ["resnet18-cosine"], ["resnet18-baseline", "bert-base-ft"]),
        ({"tag": "cosine"}, ["resnet18-cosine"], ["resnet18-lr1.0"]),
        ({"project": "cifar10", "state": "finished"}, ["resnet18-baseline"], ["bert-base-ft"]),
    ],
)
def test_filters(
    dashboard: Dashboard, params: dict[str, str], shown: list[str], hidden: list[str]
) -> None:
    answer = get(dashboard, "/runs", **params)
    assert answer.status_code == 200
    for name in shown:
        assert name in answer.text
    for name in hidden:
        assert name not in answer.text
    for value in params.values():
        assert f'value="{value}"' in answer.text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"project": "nope"}, "project", "No project is named “nope”"),
        ({"state": "sleeping"}, "state", "“sleeping” is not a state"),
        ({"tag": "two words"}, "tag", "A tag has no spaces"),
        ({"tag": "x" * 101}, "tag", "A tag has at most 100 characters"),
    ],
)
def test_bad_filter_says_what_is_wrong_next_to_the_field(
    dashboard: Dashboard, params: dict[str, str], field: str, message: str
) -> None:
    answer = get(dashboard, "/runs", **params)
    assert answer.status_code == 400
    assert f'<p class="error" id="err-{field}">{html.escape(message, quote=False)}' in answer.text
    assert "resnet18-baseline" not in answer.text


def test_names_tags_and_config_render_as_text(dashboard: Dashboard) -> None:
    uid = dashboard.seeded.runs[XSS_NAME]
    for path, params in (("/runs", {}), (f"/runs/{uid}", {}), ("/compare", {"run": uid})):
        text = get(dashboard, path, **params).text
        assert XSS_NAME not in text
        assert html.escape(XSS_NAME) in text
        assert XSS_TAG not in text


def test_run_page_shows_config_eta_and_boot_data(dashboard: Dashboard) -> None:
    uid = dashboard.seeded.runs["resnet18-cosine"]
    text = get(dashboard, f"/runs/{uid}").text
    assert "schedule" in text
    assert "cosine" in text
    assert 'id="run-eta"' in text
    assert '<script type="application/json" id="boot">' in text
    assert "train/loss" in text


def test_unknown_run_is_a_404_page(dashboard: Dashboard) -> None:
    answer = get(dashboard, "/runs/nosuchrun")
    assert answer.status_code == 404
    assert "There is no run nosuchrun" in answer.text


def test_static_files_ship_with_the_package(dashboard: Dashboard) -> None:
    for path in ("vendor/uPlot.iife.min.js", "vendor/uPlot.min.css", "app.css", "run.js"):
        assert get(dashboard, f"/static/{path}").status_code == 200
