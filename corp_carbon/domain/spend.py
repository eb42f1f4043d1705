"""Spend-based emissions: money spent on a travel category times a published kg CO2e per unit.

The GHG Protocol allows the spend method only as a fallback when no distance (or nights) is
known. It prices an industry average, so a spend-based activity never earns points: no
baseline can be claimed from money. Factor sets (e.g. EPA USEEIO, per US dollar) live in
``corp_carbon/factor_sets/spend/*.toml``; currency rates in a dated table
(``corp_carbon/data/currency_rates.toml`` or an operator's own file). Nothing here is hard-coded.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import Mode

KG = Decimal("0.001")
CENT = Decimal("0.01")
SPEND_DIR = Path(__file__).resolve().parent.parent / "factor_sets" / "spend"
DEFAULT_RATES = Path(__file__).resolve().parent.parent / "data" / "currency_rates.toml"


class SpendDataError(Exception):
    """A spend factor set or rate file is malformed: a packaging or configuration error."""


class MissingSpendFactor(DomainError):
    http_status = 422
    code = "missing_spend_factor"


class MissingRate(DomainError):
    http_status = 422
    code = "missing_currency_rate"


@dataclass(frozen=True, slots=True)
class SpendFactor:
    #: our category, e.g. "air" or "hotel".
    category: str
    #: the publisher's identifier of the row (2017 NAICS code).
    naics: str
    naics_title: str
    useeio_code: str
    #: kg CO2e per unit of the set's currency (at the set's price year).
    value: Decimal


@dataclass(frozen=True)
class SpendFactorSet:
    id: str
    publisher: str
    title: str
    version: str
    source_url: str
    dataset_file: str
    licence: str
    verification: str
    gwp: str
    note: str
    currency: str
    price_year: int
    factors: Mapping[str, SpendFactor]
    #: Mode value -> category.
    modes: Mapping[str, str]
    sha256: str = field(default="", compare=False)

    def category_of(self, category_or_mode: Mode | str) -> str:
        key = str(getattr(category_or_mode, "value", category_or_mode))
        return self.modes.get(key, key)

    def require(self, category_or_mode: Mode | str) -> SpendFactor:
        category = self.category_of(category_or_mode)
        factor = self.factors.get(category)
        if factor is None:
            raise MissingSpendFactor(
                f"spend factor set {self.id} has no factor for {category_or_mode!s}"
            )
        return factor


def load_spend_set(path: Path) -> SpendFactorSet:
    """Reads one spend factor-set file (numbers are TOML strings: no float touches them)."""
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
        return _build_set(data, hashlib.sha256(raw).hexdigest())
    except (KeyError, TypeError, ValueError, InvalidOperation, tomllib.TOMLDecodeError) as exc:
        raise SpendDataError(f"{path}: {exc!r}") from exc


def load_spend_sets(folder: Path = SPEND_DIR) -> Mapping[str, SpendFactorSet]:
    sets: dict[str, SpendFactorSet] = {}
    for path in sorted(folder.glob("*.toml")):
        loaded = load_spend_set(path)
        if loaded.id != path.stem:
            raise SpendDataError(f"{path}: id {loaded.id!r} differs from the file name")
        sets[loaded.id] = loaded
    return MappingProxyType(sets)


def _build_set(data: dict[str, Any], sha256: str) -> SpendFactorSet:
    factors: dict[str, SpendFactor] = {}
    for entry in data["factors"]:
        factor = SpendFactor(
            category=entry["category"],
            naics=str(entry["naics"]),
            naics_title=entry["naics_title"],
            useeio_code=str(entry.get("useeio_code", "")),
            value=_decimal(entry["value"]),
        )
        if factor.category in factors:
            raise ValueError(f"duplicate spend category {factor.category!r}")
        if factor.value < 0:
            raise ValueError(f"negative spend factor {factor.category!r}")
        factors[factor.category] = factor
    modes = {str(Mode(k).value): v for k, v in data.get("modes", {}).items()}
    for mode, category in modes.items():
        if category not in factors:
            raise ValueError(f"mode {mode!r} -> {category!r}: no such spend category")
    return SpendFactorSet(
        id=data["id"],
        publisher=data["publisher"],
        title=data["title"],
        version=str(data["version"]),
        source_url=data["source_url"],
        dataset_file=data.get("dataset_file", ""),
        licence=data["licence"],
        verification=data["verification"],
        gwp=data.get("gwp", ""),
        note=data.get("note", ""),
        currency=_currency(data["currency"]),
        price_year=int(data["price_year"]),
        factors=MappingProxyType(factors),
        modes=MappingProxyType(modes),
        sha256=sha256,
    )


@dataclass(frozen=True, slots=True)
class RatePeriod:
    start: date
    end: date
    #: currency -> units per one unit of the table's base currency.
    rates: Mapping[str, Decimal]
    status: str = ""


@dataclass(frozen=True, slots=True)
class Conversion:
    amount: Decimal
    rate: Decimal
    period: RatePeriod | None
    #: set when the period does not contain the date (the latest earlier period was used).
    note: str = ""


@dataclass(frozen=True)
class CurrencyRates:
    """A dated rate table: each period's rates apply to dates from ``start`` to ``end``."""

    id: str
    base: str
    source: str
    source_url: str
    verification: str
    periods: tuple[RatePeriod, ...]

    def period_for(self, on: date, currency: str) -> tuple[RatePeriod, str]:
        """The period containing ``on`` with a rate for ``currency``; else the latest earlier
        one (with a note saying so). A date before every period has no rate."""
        earlier: RatePeriod | None = None
        for period in self.periods:
            if currency not in period.rates:
                continue
            if period.start <= on <= period.end:
                return period, ""
            if period.end < on and (earlier is None or period.end > earlier.end):
                earlier = period
        if earlier is None:
            raise MissingRate(f"no {currency} rate in {self.id} for {on.isoformat()}")
        note = (
            f"no {currency} rate for {on.isoformat()} in {self.id}; the latest earlier period "
            f"({earlier.start.isoformat()} to {earlier.end.isoformat()}) was used"
        )
        return earlier, note

    def convert(self, amount: Decimal, from_ccy: str, to_ccy: str, on: date) -> Conversion:
        """``amount`` in ``to_ccy``, rounded to the cent, via the base currency."""
        source, target = _currency(from_ccy), _currency(to_ccy)
        if source == target:
            return Conversion(amount=amount, rate=Decimal(1), period=None)
        period, note = self.period_for(on, source)
        if target not in period.rates:
            period, note = self.period_for(on, target)
            if source not in period.rates:
                raise MissingRate(f"no period of {self.id} has both {source} and {target}")
        rate = period.rates[target] / period.rates[source]
        converted = (amount * period.rates[target] / period.rates[source]).quantize(
            CENT, ROUND_HALF_UP
        )
        return Conversion(amount=converted, rate=rate, period=period, note=note)


def load_currency_rates(path: Path = DEFAULT_RATES) -> CurrencyRates:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        periods = tuple(
            RatePeriod(
                start=_date(p["start"]),
                end=_date(p["end"]),
                rates=MappingProxyType({_currency(k): _positive(v) for k, v in p["rates"].items()}),
                status=p.get("status", ""),
            )
            for p in data["periods"]
        )
        for period in periods:
            if period.end < period.start:
                raise ValueError(f"period {period.start} ends before it starts")
        return CurrencyRates(
            id=data.get("id", path.stem),
            base=_currency(data["base"]),
            source=data["source"],
            source_url=data.get("source_url", ""),
            verification=data.get("verification", ""),
            periods=periods,
        )
    except (KeyError, TypeError, ValueError, InvalidOperation, tomllib.TOMLDecodeError) as exc:
        raise SpendDataError(f"{path}: {exc!r}") from exc


@dataclass(frozen=True)
class SpendAssessment:
    kg_co2e: Decimal
    factor_set_id: str
    #: the NAICS code of the factor used.
    factor_id: str
    factor_value: Decimal
    category: str
    amount: Decimal
    currency: str
    #: the amount in the set's currency (``converted_currency``), rounded to the cent.
    converted_amount: Decimal
    converted_currency: str
    rate: Decimal
    rate_period_start: date | None
    rate_period_end: date | None
    explanation: list[dict[str, Any]]
    #: always 0: spend never earns points.
    points: int = 0


def score_spend(
    category: Mode | str,
    amount: Decimal,
    currency: str,
    on_date: date,
    spend_set: SpendFactorSet,
    rates: CurrencyRates,
) -> SpendAssessment:
    """kg CO2e for ``amount`` spent on ``category`` (a Mode or a spend category) on ``on_date``.

    A negative amount (a refund) gives negative kg, so the pipeline can net it against the
    original expense. Raises ``MissingSpendFactor`` or ``MissingRate``.
    """
    factor = spend_set.require(category)
    ccy = _currency(currency)
    conversion = rates.convert(amount, ccy, spend_set.currency, on_date)
    kg = (conversion.amount * factor.value).quantize(KG, ROUND_HALF_UP)
    steps = _explain(factor, amount, ccy, on_date, spend_set, rates, conversion, kg)
    return SpendAssessment(
        kg_co2e=kg,
        factor_set_id=spend_set.id,
        factor_id=factor.naics,
        factor_value=factor.value,
        category=factor.category,
        amount=amount,
        currency=ccy,
        converted_amount=conversion.amount,
        converted_currency=spend_set.currency,
        rate=conversion.rate,
        rate_period_start=conversion.period.start if conversion.period else None,
        rate_period_end=conversion.period.end if conversion.period else None,
        explanation=steps,
    )


def _explain(
    factor: SpendFactor,
    amount: Decimal,
    currency: str,
    on: date,
    fs: SpendFactorSet,
    rates: CurrencyRates,
    conversion: Conversion,
    kg: Decimal,
) -> list[dict[str, Any]]:
    steps = [
        _step(
            "summary",
            f"{kg} kg CO2e, spend-based ({amount} {currency} on {factor.naics_title.lower()}). "
            "No points: spend-based figures have no baseline.",
        ),
        _step(
            "spend",
            f"Spent {amount} {currency} on {on.isoformat()}; no distance was available",
            amount=str(amount),
            currency=currency,
            date=on.isoformat(),
        ),
    ]
    if conversion.period is not None:
        p = conversion.period
        steps.append(
            _step(
                "conversion",
                f"{amount} {currency} x {conversion.rate:.6f} = {conversion.amount} "
                f"{fs.currency} ({rates.source}, period {p.start.isoformat()} to "
                f"{p.end.isoformat()}; rounded to the cent)",
                rate=str(conversion.rate),
                rate_table=rates.id,
                period_start=p.start.isoformat(),
                period_end=p.end.isoformat(),
                converted_amount=str(conversion.amount),
                verification=rates.verification,
            )
        )
    if conversion.note:
        steps.append(_step("note", conversion.note))
    if on.year != fs.price_year:
        steps.append(
            _step(
                "note",
                f"The factor is per {fs.price_year} {fs.currency}; the {on.year} amount is not "
                "adjusted for price changes since then",
            )
        )
    steps += [
        _step(
            "factor_set",
            f"Factor set {fs.title} ({fs.publisher}), {fs.version}, {fs.licence}",
            factor_set=fs.id,
            version=fs.version,
            source=fs.source_url,
            verification=fs.verification,
        ),
        _step(
            "factor",
            f"Factor NAICS {factor.naics} {factor.naics_title}: {factor.value} kg CO2e per "
            f"{fs.price_year} {fs.currency}",
            factor_id=factor.naics,
            factor_value=str(factor.value),
            useeio_code=factor.useeio_code,
        ),
        _step(
            "emission",
            f"{conversion.amount} x {factor.value} = {kg} kg CO2e",
            kg_co2e=str(kg),
        ),
        _step("points", "0 points: spend-based activities never earn points", points=0),
    ]
    return steps


def _step(step: str, text: str, **data: Any) -> dict[str, Any]:
    return {"step": step, "text": text, **data}


def _decimal(value: object) -> Decimal:
    if isinstance(value, float):
        raise ValueError(f"value {value!r} written as a float; quote it")
    return Decimal(str(value))


def _positive(value: object) -> Decimal:
    number = _decimal(value)
    if number <= 0:
        raise ValueError(f"rate {value!r} must be positive")
    return number


def _date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _currency(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"not a three-letter currency code: {value!r}")
    return code
