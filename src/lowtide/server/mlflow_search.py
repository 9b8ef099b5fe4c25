"""MLflow's search syntax, for runs and experiments.

A filter is clauses joined by AND, each `<entity>.<key> <comparator> <value>`:

    metrics.loss < 0.5 AND params.optimizer = 'adam' AND attributes.status = 'FINISHED'
    tags.`mlflow.user` LIKE 'ann%' AND attributes.run_id IN ('ab12...', 'cd34...')

Entities are metrics, params, tags and attributes (with MLflow's other
spellings); keys with other characters go in backticks or double quotes.
An order is `<entity>.<key> [ASC|DESC]`; runs without the key come last,
and NaN after every number, whichever the direction.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from lowtide.errors import ValidationError

T = TypeVar("T")
#: What a filter or order can read of an item: (entity, key) -> value, None when absent.
Getter = Callable[[T, str, str], Any]

_ENTITIES = {
    "metric": "metric",
    "metrics": "metric",
    "param": "param",
    "params": "param",
    "parameter": "param",
    "parameters": "param",
    "tag": "tag",
    "tags": "tag",
    "attribute": "attribute",
    "attributes": "attribute",
    "attr": "attribute",
    "run": "attribute",
}
_NUMERIC_OPS = {"=", "!=", ">", ">=", "<", "<="}
_STRING_OPS = {"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"}
_NULL_OPS = {"IS NULL", "IS NOT NULL"}
_SCANNER = re.compile(
    r"""\s*(?:
      (?P<quoted>'(?:[^']|'')*'|"[^"]*"|`[^`]*`)
    | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
    | (?P<op>>=|<=|!=|<>|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[^\s=!<>(),'"`]+)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Clause:
    """One comparison of a filter."""

    entity: str
    key: str
    op: str
    value: str | float | tuple[str, ...] | None


@dataclass(frozen=True)
class Order:
    """One key of an order, and its direction."""

    entity: str
    key: str
    ascending: bool


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def parse_filter(text: str | None, numeric_attributes: frozenset[str]) -> list[Clause]:
    """The clauses of a filter; ValidationError naming what could not be read."""
    tokens = _tokens(text or "")
    clauses: list[Clause] = []
    i = 0
    while i < len(tokens):
        if clauses:
            if tokens[i].text.upper() != "AND":
                raise _bad(text, f"expected AND before {tokens[i].text!r}")
            i += 1
        entity, key, i = _identifier(tokens, i, text)
        op, i = _comparator(tokens, i, text)
        value: str | float | tuple[str, ...] | None = None
        if op not in _NULL_OPS:
            value, i = _value(tokens, i, text)
        clauses.append(_checked(Clause(entity, key, op, value), numeric_attributes))
    return clauses


def parse_order(items: Sequence[str]) -> list[Order]:
    """Order keys from `["metrics.loss DESC", "attributes.start_time"]`."""
    orders = []
    for item in items:
        tokens = _tokens(item)
        if not tokens:
            raise ValidationError(f"Invalid order_by clause '{item}'", field="order_by")
        entity, key, i = _identifier(tokens, 0, item)
        ascending = True
        if i < len(tokens) and tokens[i].text.upper() in ("ASC", "DESC"):
            ascending = tokens[i].text.upper() == "ASC"
            i += 1
        if i != len(tokens):
            raise ValidationError(f"Invalid order_by clause '{item}'", field="order_by")
        orders.append(Order(entity, key, ascending))
    return orders


def keys_of(clauses: Sequence[Clause], orders: Sequence[Order]) -> list[tuple[str, str]]:
    """The (entity, key) pairs a filter and an order read, to check them against what exists."""
    return [(c.entity, c.key) for c in clauses] + [(o.entity, o.key) for o in orders]


def matches(item: T, clauses: Sequence[Clause], get: Getter[T]) -> bool:
    """True when the item passes every clause."""
    return all(_holds(get(item, c.entity, c.key), c) for c in clauses)


def sort(items: list[T], orders: Sequence[Order], get: Getter[T]) -> list[T]:
    """Items by the order keys; absent values last, NaN after numbers, in either direction."""

    def compare(a: T, b: T) -> int:
        for o in orders:
            (ra, va), (rb, vb) = _rank(get(a, o.entity, o.key)), _rank(get(b, o.entity, o.key))
            if ra != rb:
                return ra - rb
            if ra == 0 and va != vb:
                less = va < vb
                return (-1 if less else 1) if o.ascending else (1 if less else -1)
        return 0

    return sorted(items, key=functools.cmp_to_key(compare))


def _rank(value: Any) -> tuple[int, Any]:
    if value is None:
        return 2, None
    if isinstance(value, float) and math.isnan(value):
        return 1, None
    return 0, value


def _holds(actual: Any, c: Clause) -> bool:
    if c.op == "IS NULL":
        return actual is None
    if c.op == "IS NOT NULL":
        return actual is not None
    if actual is None:
        return False
    if c.op in ("IN", "NOT IN"):
        assert isinstance(c.value, tuple)
        return (actual in c.value) == (c.op == "IN")
    if c.op in ("LIKE", "ILIKE"):
        assert isinstance(c.value, str)
        flags = re.IGNORECASE if c.op == "ILIKE" else 0
        return re.fullmatch(_like_pattern(c.value), str(actual), flags | re.DOTALL) is not None
    want = c.value
    if isinstance(want, float):
        actual = float(actual)
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda a, b: bool(a == b),
        "!=": lambda a, b: bool(a != b),
        ">": lambda a, b: bool(a > b),
        ">=": lambda a, b: bool(a >= b),
        "<": lambda a, b: bool(a < b),
        "<=": lambda a, b: bool(a <= b),
    }
    return ops[c.op](actual, want)


def _like_pattern(pattern: str) -> str:
    return "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)


def _checked(c: Clause, numeric_attributes: frozenset[str]) -> Clause:
    numeric = c.entity == "metric" or (c.entity == "attribute" and c.key in numeric_attributes)
    allowed = _NUMERIC_OPS if numeric else _STRING_OPS if c.entity == "attribute" else None
    if allowed is None:
        allowed = {"=", "!=", "LIKE", "ILIKE"} | _NULL_OPS
    if c.op not in allowed:
        raise ValidationError(
            f"Invalid comparator '{c.op}' for {c.entity} '{c.key}'; "
            f"use one of {', '.join(sorted(allowed))}",
            field="filter",
        )
    if numeric and not isinstance(c.value, float):
        raise ValidationError(
            f"Expected numeric value type for {c.entity} '{c.key}'. Found {c.value!r}",
            field="filter",
        )
    if not numeric and c.op not in _NULL_OPS:
        in_list = c.op in ("IN", "NOT IN")
        if in_list != isinstance(c.value, tuple) or (not in_list and not isinstance(c.value, str)):
            shape = "a list of quoted strings ('a', 'b')" if in_list else "a quoted string"
            raise ValidationError(
                f"Expected {shape} for {c.entity} '{c.key}'. Got value {c.value!r}",
                field="filter",
            )
    return c


def _tokens(text: str) -> list[_Token]:
    tokens = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        found = _SCANNER.match(text, pos)
        if found is None or found.end() == pos:
            raise _bad(text, f"unexpected text at {text[pos:]!r}")
        kind = found.lastgroup
        assert kind is not None
        tokens.append(_Token(kind, found.group(kind)))
        pos = found.end()
    return tokens


def _identifier(tokens: list[_Token], i: int, text: str | None) -> tuple[str, str, int]:
    if i >= len(tokens) or tokens[i].kind not in ("word", "quoted"):
        raise _bad(text, "expected an identifier such as metrics.loss")
    token = tokens[i]
    if token.kind == "quoted":
        return "attribute", _unquote(token.text), i + 1
    head, dot, rest = token.text.partition(".")
    if not dot:
        return "attribute", head, i + 1
    entity = _ENTITIES.get(head.lower())
    if entity is None:
        raise _bad(text, f"invalid entity {head!r}; use metrics, params, tags or attributes")
    if rest:
        return entity, rest, i + 1
    if i + 1 < len(tokens) and tokens[i + 1].kind == "quoted":
        return entity, _unquote(tokens[i + 1].text), i + 2
    raise _bad(text, f"expected a key after {token.text!r}")


def _comparator(tokens: list[_Token], i: int, text: str | None) -> tuple[str, int]:
    if i >= len(tokens):
        raise _bad(text, "expected a comparator")
    if tokens[i].kind == "op":
        return ("!=" if tokens[i].text == "<>" else tokens[i].text), i + 1
    words = [t.text.upper() for t in tokens[i : i + 3]]
    for phrase in ("IS NOT NULL", "IS NULL", "NOT IN", "LIKE", "ILIKE", "IN"):
        n = len(phrase.split())
        if words[:n] == phrase.split():
            return phrase, i + n
    raise _bad(text, f"invalid comparator {tokens[i].text!r}")


def _value(
    tokens: list[_Token], i: int, text: str | None
) -> tuple[str | float | tuple[str, ...], int]:
    if i >= len(tokens):
        raise _bad(text, "expected a value")
    token = tokens[i]
    if token.kind == "number":
        return float(token.text), i + 1
    if token.kind == "quoted" and token.text[0] in "'\"":
        return _unquote(token.text), i + 1
    if token.text == "(":
        items: list[str] = []
        i += 1
        while i < len(tokens) and tokens[i].text != ")":
            if tokens[i].kind != "quoted" or tokens[i].text[0] not in "'\"":
                raise _bad(text, "a list holds quoted strings: ('a', 'b')")
            items.append(_unquote(tokens[i].text))
            i += 1
            if i < len(tokens) and tokens[i].text == ",":
                i += 1
        if i >= len(tokens):
            raise _bad(text, "a list is not closed with ')'")
        return tuple(items), i + 1
    raise _bad(text, f"invalid value {token.text!r}")


def _unquote(text: str) -> str:
    body = text[1:-1]
    return body.replace("''", "'") if text[0] == "'" else body


def _bad(text: str | None, why: str) -> ValidationError:
    return ValidationError(f"Error on parsing filter '{text}': {why}", field="filter")
