"""MLflow's search syntax: what parses, what matches, how it orders, and what is refused."""

from __future__ import annotations

import math
from typing import Any

import pytest

from lowtide.errors import ValidationError
from lowtide.server.mlflow_search import Clause, Order, matches, parse_filter, parse_order, sort

NUMERIC = frozenset({"start_time", "end_time"})


def get(item: dict[str, Any], entity: str, key: str) -> Any:
    return item.get(entity, {}).get(key)


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("", []),
        ("metrics.loss < 0.5", [Clause("metric", "loss", "<", 0.5)]),
        ("metric.loss>=1e-3", [Clause("metric", "loss", ">=", 0.001)]),
        ("params.lr = '0.01'", [Clause("param", "lr", "=", "0.01")]),
        ('param.lr != "0.01"', [Clause("param", "lr", "!=", "0.01")]),
        ("tags.`mlflow.user` LIKE 'ann%'", [Clause("tag", "mlflow.user", "LIKE", "ann%")]),
        ("tags.\"my tag\" ilike '%X'", [Clause("tag", "my tag", "ILIKE", "%X")]),
        ("metrics.train/loss < -1", [Clause("metric", "train/loss", "<", -1.0)]),
        ("tags.note IS NULL", [Clause("tag", "note", "IS NULL", None)]),
        ("params.x is not null", [Clause("param", "x", "IS NOT NULL", None)]),
        (
            "attributes.run_id IN ('a', 'b') and attr.status = 'FINISHED'",
            [
                Clause("attribute", "run_id", "IN", ("a", "b")),
                Clause("attribute", "status", "=", "FINISHED"),
            ],
        ),
        ("run.start_time > 10", [Clause("attribute", "start_time", ">", 10.0)]),
        ("status = 'RUNNING'", [Clause("attribute", "status", "=", "RUNNING")]),
        ("params.quote = 'it''s'", [Clause("param", "quote", "=", "it's")]),
    ],
)
def test_filters_parse(text: str, clauses: list[Clause]) -> None:
    assert parse_filter(text, NUMERIC) == clauses


@pytest.mark.parametrize(
    "text",
    [
        "metrics.loss",
        "metrics.loss < 'low'",
        "params.lr > 1",
        "params.lr = 0.1",
        "tags.x IN ('a')",
        "nothing.x = 'a'",
        "metrics.a < 1 OR metrics.b < 1",
        "metrics.a < 1 metrics.b < 1",
        "attributes.run_id IN ('a', 'b'",
        "attributes.start_time = 'yesterday'",
        "params.x = 'unclosed",
    ],
)
def test_bad_filters_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_filter(text, NUMERIC)


def test_matching() -> None:
    run = {"metric": {"loss": 0.3, "bad": math.nan}, "param": {"lr": "0.01"}, "tag": {"t": "Ab"}}
    assert matches(run, parse_filter("metrics.loss < 0.5 AND params.lr = '0.01'", NUMERIC), get)
    assert not matches(run, parse_filter("metrics.missing < 0.5", NUMERIC), get)
    assert not matches(run, parse_filter("metrics.bad < 0.5", NUMERIC), get)
    assert matches(run, parse_filter("tags.t LIKE 'A_'", NUMERIC), get)
    assert not matches(run, parse_filter("tags.t LIKE 'a%'", NUMERIC), get)
    assert matches(run, parse_filter("tags.t ILIKE 'a%'", NUMERIC), get)
    assert matches(run, parse_filter("tags.other IS NULL", NUMERIC), get)
    run["attribute"] = {"status": "FAILED", "start_time": 20}
    assert matches(run, parse_filter("attributes.status NOT IN ('RUNNING')", NUMERIC), get)
    assert not matches(run, parse_filter("attributes.status IN ('RUNNING')", NUMERIC), get)
    assert matches(run, parse_filter("attributes.start_time >= 20", NUMERIC), get)


def test_order_keeps_absent_and_nan_last_both_ways() -> None:
    runs = [
        {"name": "nan", "metric": {"acc": math.nan}},
        {"name": "low", "metric": {"acc": 0.1}},
        {"name": "none", "metric": {}},
        {"name": "high", "metric": {"acc": 0.9}},
    ]
    names = lambda items: [r["name"] for r in items]  # noqa: E731
    assert names(sort(runs, parse_order(["metrics.acc"]), get)) == ["low", "high", "nan", "none"]
    assert names(sort(runs, parse_order(["metrics.acc DESC"]), get)) == [
        "high",
        "low",
        "nan",
        "none",
    ]
    assert parse_order(["attributes.start_time asc", "tags.`a b` DESC"]) == [
        Order("attribute", "start_time", True),
        Order("tag", "a b", False),
    ]
    with pytest.raises(ValidationError):
        parse_order(["metrics.acc sideways"])
