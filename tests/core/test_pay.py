"""Pay read from the free text sources write, and currencies made comparable."""

from __future__ import annotations

import pytest

from lowtide.core.pay import Compensation, CurrencyRates, PayBasis, clean_currency, parse_pay


@pytest.mark.parametrize(
    ("text", "low", "high", "currency", "basis"),
    [
        ("$25,000", 25_000, 25_000, "USD", PayBasis.TOTAL),
        ("$300-600", 300, 600, "USD", PayBasis.TOTAL),
        ("€50/h", 50, 50, "EUR", PayBasis.HOUR),
        ("50 EUR per hour", 50, 50, "EUR", PayBasis.HOUR),
        ("£40 an hour", 40, 40, "GBP", PayBasis.HOUR),
        ("$900 per article of about 1500 words.", 900, 900, "USD", PayBasis.ARTICLE),
        ("Up to $500 per article", 500, 500, "USD", PayBasis.ARTICLE),
        ("$200-$500 per piece", 200, 500, "USD", PayBasis.ARTICLE),
        ("$100 (Quick tip) $250 (Tutorial)", 100, 250, "USD", PayBasis.TOTAL),
        ("$200 to $250 per article", 200, 250, "USD", PayBasis.ARTICLE),
        ("$200 -$600 per article.", 200, 600, "USD", PayBasis.ARTICLE),
        ("Pays $315-$578 per piece", 315, 578, "USD", PayBasis.ARTICLE),
        ("$300+ per article", 300, 300, "USD", PayBasis.ARTICLE),
        ("$10k", 10_000, 10_000, "USD", PayBasis.TOTAL),
        ("USD 1.5M", 1_500_000, 1_500_000, "USD", PayBasis.TOTAL),
        ("$100 \u2013 $150", 100, 150, "USD", PayBasis.TOTAL),
    ],
)
def test_pay_texts(text: str, low: float, high: float, currency: str, basis: PayBasis) -> None:
    pay = parse_pay(text)
    assert pay is not None
    assert (pay.low, pay.high, pay.currency, pay.basis) == (low, high, currency, basis)
    assert pay.text == text.strip()


@pytest.mark.parametrize(
    "text",
    ["Pay unknown", "No longer cash-paid", "Previously up to $200 per piece", "Knowledge", "Swag",
     "about 1500 words", ""],
)  # fmt: skip
def test_texts_without_pay(text: str) -> None:
    assert parse_pay(text) is None


def test_basis_can_be_imposed_and_pay_round_trips() -> None:
    pay = parse_pay("$300", PayBasis.ARTICLE)
    assert pay is not None
    assert pay.basis is PayBasis.ARTICLE
    assert Compensation.from_json(pay.to_json()) == pay
    assert Compensation.from_json("€50/h") == parse_pay("€50/h")
    assert Compensation.from_json(120) == Compensation(120, 120)
    assert Compensation.from_json(None) is None
    assert pay.describe() == "300 USD/article"
    with pytest.raises(ValueError, match="low <= high"):
        Compensation(600, 300)


def test_rates_convert_to_the_base() -> None:
    rates = CurrencyRates("USD", {"EUR": 1.08})
    assert rates.convert(100, "USD") == 100
    assert rates.convert(100, "EUR") == pytest.approx(108)
    assert rates.convert(100, "GBP") is None
    assert clean_currency(" eur ") == "EUR"
    assert clean_currency("€") == "EUR"
    with pytest.raises(ValueError, match="not a currency code"):
        clean_currency("euros")
