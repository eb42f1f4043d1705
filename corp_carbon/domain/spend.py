"""Spend-based emissions: money spent on a travel category times a published kg CO2e per unit.

The GHG Protocol allows the spend method only as a fallback when no distance (or nights) is
known. It prices an industry average, so a spend-based activity never earns points: no
baseline can be claimed from money. Factor sets (e.g. EPA USEEIO, per US dollar) live in
``corp_carbon/catalogue/factor_sets/spend/*.toml``; the amount is converted into the set's
currency with a dated rate from a ``RateProvider`` (ECB reference rates, or an operator's own
table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from types import MappingProxyType
from typing import Any

from corp_carbon.domain.currency import MissingRate, Rate, RateProvider, currency_code
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.factors import exact_decimal
from corp_carbon.domain.vocabulary import Mode

__all__ = ["MissingRate", "MissingSpendFactor", "SpendAssessment", "score_spend"]

KG = Decimal("0.001")


class MissingSpendFactor(DomainError):
    http_status = 422
    code = "missing_spend_factor"


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


def parse_spend_set(data: Mapping[str, Any], sha256: str) -> SpendFactorSet:
    """A spend set from its file's parsed TOML and the sha256 of its bytes.

    Raises ``KeyError``, ``TypeError`` or ``ValueError`` on a malformed set.
    """
    factors: dict[str, SpendFactor] = {}
    for entry in data["factors"]:
        factor = SpendFactor(
            category=entry["category"],
            naics=str(entry["naics"]),
            naics_title=entry["naics_title"],
            useeio_code=str(entry.get("useeio_code", "")),
            value=exact_decimal(entry["value"]),
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
        currency=currency_code(data["currency"]),
        price_year=int(data["price_year"]),
        factors=MappingProxyType(factors),
        modes=MappingProxyType(modes),
        sha256=sha256,
    )


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
    #: the rate used (None when no conversion was needed).
    rate: Rate | None
    explanation: list[dict[str, Any]]
    #: always 0: spend never earns points.
    points: int = 0

    @property
    def warning(self) -> str:
        """A caveat on the rate the import shows on the row ("" when there is none)."""
        return self.rate.warning if self.rate else ""


def score_spend(
    category: Mode | str,
    amount: Decimal,
    currency: str,
    on_date: date,
    spend_set: SpendFactorSet,
    rates: RateProvider,
) -> SpendAssessment:
    """kg CO2e for ``amount`` spent on ``category`` (a Mode or a spend category) on ``on_date``.

    A negative amount (a refund) gives negative kg, so the pipeline can net it against the
    original expense. Raises ``MissingSpendFactor`` or ``MissingRate`` (never assumes 1:1).
    """
    factor = spend_set.require(category)
    try:
        ccy = currency_code(currency)
    except ValueError as exc:
        raise MissingRate("currency", currency, str(exc)) from exc
    rate = None if ccy == spend_set.currency else rates.rate(ccy, spend_set.currency, on_date)
    converted = rate.convert(amount) if rate else amount
    kg = (converted * factor.value).quantize(KG, ROUND_HALF_UP)
    steps = _explain(factor, amount, ccy, on_date, spend_set, rate, converted, kg)
    return SpendAssessment(
        kg_co2e=kg,
        factor_set_id=spend_set.id,
        factor_id=factor.naics,
        factor_value=factor.value,
        category=factor.category,
        amount=amount,
        currency=ccy,
        converted_amount=converted,
        converted_currency=spend_set.currency,
        rate=rate,
        explanation=steps,
    )


def _explain(
    factor: SpendFactor,
    amount: Decimal,
    currency: str,
    on: date,
    fs: SpendFactorSet,
    rate: Rate | None,
    converted: Decimal,
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
    if rate is not None:
        steps.append(_conversion_step(amount, fs, rate, converted))
    if rate is not None and rate.warning:
        steps.append(_step("note", rate.warning))
    steps.append(_step("note", _price_year_note(on, fs)))
    steps += [
        _step(
            "factor_set",
            f"Factor set {fs.title} ({fs.publisher}), {fs.version}, {fs.licence}; "
            f"values from {fs.dataset_file}",
            factor_set=fs.id,
            version=fs.version,
            source=fs.source_url,
            dataset_file=fs.dataset_file,
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
            f"{converted} x {factor.value} = {kg} kg CO2e",
            kg_co2e=str(kg),
        ),
        _step("points", "0 points: spend-based activities never earn points", points=0),
    ]
    return steps


def _conversion_step(
    amount: Decimal, fs: SpendFactorSet, rate: Rate, converted: Decimal
) -> dict[str, Any]:
    with localcontext() as ctx:
        ctx.prec = 6
        shown = +rate.value
    return _step(
        "conversion",
        f"{amount} {rate.source} = {converted} {fs.currency}: {rate.source}→{rate.target} "
        f"{shown:f} ({rate.basis}; rounded to the cent)",
        rate=str(rate.value),
        rate_table=rate.table,
        rate_from=rate.valid_from.isoformat(),
        rate_to=rate.valid_to.isoformat(),
        converted_amount=str(converted),
        verification=rate.verification,
    )


def _price_year_note(on: date, fs: SpendFactorSet) -> str:
    """The factor's price year against the spend's year: the amount is converted, not
    deflated, so a later year's spend overstates emissions by the price change since."""
    if on.year == fs.price_year:
        return f"The factor is per {fs.price_year} {fs.currency}, the year of the spend"
    return (
        f"The factor is per {fs.price_year} {fs.currency}; the {on.year} amount is converted "
        "at the rate of its date but not deflated to "
        f"{fs.price_year} prices"
    )


def _step(step: str, text: str, **data: Any) -> dict[str, Any]:
    return {"step": step, "text": text, **data}
