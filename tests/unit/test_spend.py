"""Spend-based scoring: dated currency conversion, the NAICS factor applied exactly, no points."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from corp_carbon.domain.spend import (
    CurrencyRates,
    MissingRate,
    MissingSpendFactor,
    SpendDataError,
    SpendFactorSet,
    load_currency_rates,
    load_spend_set,
    load_spend_sets,
    score_spend,
)
from corp_carbon.domain.vocabulary import Mode

SET_ID = "useeio-v1.2-2021usd"


@pytest.fixture(scope="module")
def spend_set() -> SpendFactorSet:
    return load_spend_sets()[SET_ID]


@pytest.fixture(scope="module")
def rates() -> CurrencyRates:
    return load_currency_rates()


def test_shipped_values_pinned(spend_set: SpendFactorSet) -> None:
    values = {c: (f.naics, f.value) for c, f in spend_set.factors.items()}
    assert values["air"] == ("481111", Decimal("0.976"))
    assert values["rail"] == ("482111", Decimal("0.558"))
    assert values["taxi"] == ("485310", Decimal("0.499"))
    assert values["car_rental"] == ("532111", Decimal("0.143"))
    assert values["hotel"] == ("721110", Decimal("0.183"))
    assert spend_set.currency == "USD" and spend_set.price_year == 2021
    assert spend_set.verification


def test_100_eur_of_air_travel(spend_set: SpendFactorSet, rates: CurrencyRates) -> None:
    a = score_spend(Mode.AIR, Decimal("100"), "eur", date(2024, 6, 1), spend_set, rates)
    usd = rates.periods[0].rates["USD"]
    assert a.converted_amount == (Decimal(100) * usd).quantize(Decimal("0.01"))
    assert a.kg_co2e == (a.converted_amount * Decimal("0.976")).quantize(Decimal("0.001"))
    assert (a.factor_id, a.factor_value, a.factor_set_id) == ("481111", Decimal("0.976"), SET_ID)
    assert a.rate_period_start == date(2024, 1, 1) and a.points == 0
    steps = [s["step"] for s in a.explanation]
    assert steps[0] == "summary" and "conversion" in steps and steps[-1] == "points"
    assert a.explanation[-1]["points"] == 0


def test_usd_needs_no_conversion(spend_set: SpendFactorSet, rates: CurrencyRates) -> None:
    a = score_spend("hotel", Decimal("200"), "USD", date(2025, 1, 5), spend_set, rates)
    assert a.kg_co2e == Decimal("36.600") and a.rate == 1
    assert not any(s["step"] == "conversion" for s in a.explanation)


def test_cross_rate_via_euro(spend_set: SpendFactorSet, rates: CurrencyRates) -> None:
    a = score_spend(Mode.RAIL, Decimal("100"), "GBP", date(2024, 3, 1), spend_set, rates)
    period = rates.periods[0].rates
    expected = (Decimal(100) * period["USD"] / period["GBP"]).quantize(Decimal("0.01"))
    assert a.converted_amount == expected


def test_refund_gives_negative_kg(spend_set: SpendFactorSet, rates: CurrencyRates) -> None:
    a = score_spend(Mode.HOTEL, Decimal("-50"), "USD", date(2024, 3, 1), spend_set, rates)
    assert a.kg_co2e == Decimal("-9.150")


def test_later_date_uses_latest_period_with_note(
    spend_set: SpendFactorSet, rates: CurrencyRates
) -> None:
    a = score_spend(Mode.AIR, Decimal("10"), "EUR", date(2027, 1, 1), spend_set, rates)
    assert a.rate_period_end == date(2025, 12, 31)
    assert any("latest earlier period" in s["text"] for s in a.explanation)


def test_date_before_all_periods_has_no_rate(
    spend_set: SpendFactorSet, rates: CurrencyRates
) -> None:
    with pytest.raises(MissingRate):
        score_spend(Mode.AIR, Decimal("10"), "EUR", date(2020, 1, 1), spend_set, rates)


def test_mode_without_spend_factor(spend_set: SpendFactorSet, rates: CurrencyRates) -> None:
    with pytest.raises(MissingSpendFactor):
        score_spend(Mode.WALK, Decimal("10"), "USD", date(2024, 1, 1), spend_set, rates)


def test_float_value_refused(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "corp_carbon/factor_sets/spend" / f"{SET_ID}.toml"
    text = source.read_text(encoding="utf-8").replace('value = "0.976"', "value = 0.976")
    broken = tmp_path / f"{SET_ID}.toml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(SpendDataError):
        load_spend_set(broken)


def test_operator_rate_file(tmp_path: Path, spend_set: SpendFactorSet) -> None:
    path = tmp_path / "rates.toml"
    path.write_text(
        'base = "EUR"\nsource = "Finance, monthly"\n'
        "[[periods]]\nstart = 2025-03-01\nend = 2025-03-31\n"
        '[periods.rates]\nUSD = "1.08"\nEUR = "1"\n',
        encoding="utf-8",
    )
    rates = load_currency_rates(path)
    a = score_spend(Mode.AIR, Decimal("100"), "EUR", date(2025, 3, 15), spend_set, rates)
    assert a.converted_amount == Decimal("108.00") and a.kg_co2e == Decimal("105.408")
