"""What an opportunity pays: amounts read from free text, and currencies made comparable.

Sources write pay as prose: "$25,000", "$300-600", "€50/h", "Up to $500 per
article", "$100 (Quick tip) $250 (Tutorial)". `parse_pay` keeps the lowest
and highest amount that carry a currency (a bare number counts only as the
far end of a range, "$300-600", so "1500 words" is never read as pay), the
currency of the first, and the basis the text names (per hour, per article,
else in total). "Up to $500" and "$300+" both name one amount: low = high.

Rates are the user's: each currency's value in one base currency
(`lowtide rates set EUR 1.08`). An amount in a currency without a rate
cannot be compared and fails a minimum-pay filter rather than passing it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

#: Currency the board compares pay in until the user picks another.
DEFAULT_BASE_CURRENCY = "USD"

#: Symbols and the currency they stand for ("$" is taken as US dollars).
CURRENCY_SYMBOLS = {"US$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
#: Codes recognised in text; any three capital letters are accepted by `clean_currency`.
CURRENCY_CODES = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "INR", "JPY", "CNY", "SEK", "PLN")
#: Words that say the amount beside them is not paid any more.
NO_PAY_MARKERS = ("no longer", "previously", "unpaid", "unknown")

_CODE = "|".join(CURRENCY_CODES)
_MONEY = re.compile(
    r"(?:(?P<pre>US\$|\$|€|£|¥|₹|\b(?:" + _CODE + r")\b)\s?)?"
    r"(?P<num>\d[\d,]*(?:\.\d+)?)\s?(?P<mult>[kKmM](?![A-Za-z]))?"
    r"(?:\s?(?P<post>€|£|\b(?:" + _CODE + r")\b))?"
)
_RANGE = re.compile(r"^\s*(?:-|\u2013|\u2014|to)\s*$")  # hyphen, en and em dash
_HOURLY = re.compile(r"/\s?h(?:ou)?r?\b|\bper hour\b|\ban hour\b|\bhourly\b", re.I)
_PER_ARTICLE = re.compile(
    r"(?:\bper|/|\ba|\ban)\s*(?:article|piece|post|tip|tutorial|story|blog)", re.I
)
_MULTIPLIERS = {"k": 1_000.0, "m": 1_000_000.0}


class PayBasis(StrEnum):
    """What one amount pays for."""

    TOTAL = "total"
    HOUR = "hour"
    ARTICLE = "article"


@dataclass(frozen=True)
class Compensation:
    """Pay from `low` to `high` in `currency`, per `basis`; `text` is what the source said."""

    low: float
    high: float
    currency: str = DEFAULT_BASE_CURRENCY
    basis: PayBasis = PayBasis.TOTAL
    text: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high:
            raise ValueError(f"pay must satisfy 0 <= low <= high, got {self.low:g}-{self.high:g}")

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2

    def describe(self) -> str:
        amount = f"{self.low:,.0f}"
        if self.high != self.low:
            amount += f"-{self.high:,.0f}"
        per = "" if self.basis is PayBasis.TOTAL else f"/{self.basis.value}"
        return f"{amount} {self.currency}{per}"

    def to_json(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "currency": self.currency,
            "basis": self.basis.value,
            "text": self.text,
        }

    @classmethod
    def from_json(cls, data: Any) -> Compensation | None:
        """From `to_json`'s dict, from free text (parsed), or a bare number; None for none."""
        if data is None or data == "":
            return None
        if isinstance(data, bool):
            raise ValueError("pay is an amount or a text such as '$300-600'")
        if isinstance(data, int | float):
            return cls(float(data), float(data))
        if isinstance(data, str):
            return parse_pay(data)
        if not isinstance(data, Mapping):
            raise ValueError("pay is an amount, a text or {low, high, currency, basis}")
        low = data.get("low", data.get("high"))
        high = data.get("high", low)
        if low is None:
            raise ValueError("pay needs low or high")
        return cls(
            float(low),
            float(high),
            clean_currency(str(data.get("currency", DEFAULT_BASE_CURRENCY))),
            PayBasis(data.get("basis", PayBasis.TOTAL.value)),
            str(data.get("text", "")),
        )


def parse_pay(text: str, basis: PayBasis | None = None) -> Compensation | None:
    """The pay a text names, or None when it names no amount with a currency.

    `basis` overrides the one read from the text.
    """
    lowered = text.lower()
    if any(marker in lowered for marker in NO_PAY_MARKERS):
        return None
    amounts: list[float] = []
    currency: str | None = None
    last_end: int | None = None
    for m in _MONEY.finditer(text):
        marker = m.group("pre") or m.group("post")
        joined = last_end is not None and _RANGE.match(text[last_end : m.start()]) is not None
        if marker is None and not joined:
            continue
        value = float(m.group("num").replace(",", ""))
        if m.group("mult"):
            value *= _MULTIPLIERS[m.group("mult").lower()]
        amounts.append(value)
        if currency is None and marker is not None:
            currency = CURRENCY_SYMBOLS.get(marker, marker)
        last_end = m.end()
    if not amounts or currency is None:
        return None
    if basis is None:
        if _HOURLY.search(text):
            basis = PayBasis.HOUR
        elif _PER_ARTICLE.search(text):
            basis = PayBasis.ARTICLE
        else:
            basis = PayBasis.TOTAL
    return Compensation(min(amounts), max(amounts), currency, basis, text.strip())


def clean_currency(code: str) -> str:
    """A currency code in capitals; ValueError unless it is three letters or a known symbol."""
    code = CURRENCY_SYMBOLS.get(code.strip(), code.strip().upper())
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"{code!r} is not a currency code such as USD or EUR")
    return code


@dataclass(frozen=True)
class CurrencyRates:
    """What one unit of each currency is worth in `base`."""

    base: str = DEFAULT_BASE_CURRENCY
    per_base: Mapping[str, float] = field(default_factory=dict)

    def rate(self, currency: str) -> float | None:
        if currency == self.base:
            return 1.0
        return self.per_base.get(currency)

    def convert(self, amount: float, currency: str) -> float | None:
        """`amount` of `currency` in the base currency, or None without a rate."""
        rate = self.rate(currency)
        return None if rate is None else amount * rate

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "rates": dict(sorted(self.per_base.items()))}
