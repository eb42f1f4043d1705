"""TravelPerk's JSON values, each read one way: text, dates, coordinates, money, references,
a booking's place and the cabin its exporter's queries record.

Values drift in type (coordinates as strings or numbers, "" for none), so every value goes
through ``json_text`` before a field parser sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from connectors import _segments, fields
from connectors.fields import FieldError
from corp_carbon.domain.vocabulary import Mode

REFERENCES = ("PNR", "confirmation_number", "ticket_collection_reference", "voucher_code")


def json_text(value: object) -> str | None:
    """A JSON scalar as stripped text (numbers too); objects and lists are refused."""
    if value is None:
        return None
    if isinstance(value, bool | dict | list):
        raise FieldError(f"expected a text or number, found {type(value).__name__}")
    return fields.text(str(value))


def json_object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def json_date(value: object) -> date | None:
    return fields.iso_date(json_text(value))


def json_datetime(value: object) -> datetime | None:
    return fields.iso_datetime(json_text(value))


class Place:
    """A location: IATA code for flights, else a name; coordinates as given."""

    def __init__(
        self, found: _segments.Findings, where: str, location: Mapping[str, Any], mode: Mode
    ) -> None:
        code_raw = location.get("iata_code")
        errors = len(found.problems)
        if mode is Mode.AIR:
            code = found.check(f"{where}.iata_code", code_raw, lambda v: fields.iata(json_text(v)))
        else:
            code = found.check(f"{where}.iata_code", code_raw, json_text, reject=False)
        label = found.check(f"{where}.name", location.get("name"), json_text, reject=False)
        address = found.check(f"{where}.address", location.get("address"), json_text, reject=False)
        if mode is Mode.AIR:
            self.name = code
        elif mode is Mode.HOTEL:
            self.name = address or label
        elif mode is Mode.CAR:
            self.name = code or label or address
        else:  # rail: station names, since IATA-like rail codes are not airports
            self.name = label or code
        self.lat = found.check(f"{where}.latitude", location.get("latitude"), latitude)
        self.lon = found.check(f"{where}.longitude", location.get("longitude"), longitude)
        #: a bad code or coordinate was reported already; "no location" would repeat it.
        self.reported = any(p.rejected for p in found.problems[errors:])

    @property
    def located(self) -> bool:
        located = self.lat is not None and self.lon is not None
        return self.reported or self.name is not None or located

    def as_origin(self) -> dict[str, Any]:
        return {"origin": self.name, "origin_lat": self.lat, "origin_lon": self.lon}

    def as_destination(self) -> dict[str, Any]:
        return {"destination": self.name, "destination_lat": self.lat, "destination_lon": self.lon}


def latitude(value: object) -> Decimal | None:
    return fields.coordinate(json_text(value), limit=90)


def longitude(value: object) -> Decimal | None:
    return fields.coordinate(json_text(value), limit=180)


class Cabins:
    """Cabin classes from the exporter's GreenPerk queries (a booking has no cabin field):
    the query for the same origin and destination, each query used once, in order."""

    def __init__(self, queries: object) -> None:
        self._left: list[tuple[str, str, str | None]] = []
        for query in queries if isinstance(queries, list) else []:
            request = json_object(json_object(query).get("request"))
            route = (str(request.get("origin", "")).upper(), str(request.get("destination", "")))
            cabin = request.get("cabin_class")
            self._left.append(
                (route[0], route[1].upper(), cabin if isinstance(cabin, str) else None)
            )

    def take(self, origin: str | None, destination: str | None) -> str | None:
        for index, (start, end, cabin) in enumerate(self._left):
            if (start, end) == (origin, destination):
                del self._left[index]
                return cabin
        return None


def spend(
    found: _segments.Findings, where: str, lines: object
) -> tuple[Decimal | None, str | None]:
    """The sum of the booking's invoice lines (refunds are negative), in their one currency."""
    total, currencies = Decimal(0), set()
    if not isinstance(lines, list) or not lines:
        return None, None
    for index, line in enumerate(lines):
        path = f"{where}.invoice_lines[{index}]"
        item = json_object(line)
        amount = found.check(
            f"{path}.total_amount", item.get("total_amount"), money_amount, reject=False
        )
        code = found.check(f"{path}.currency", item.get("currency"), currency_code, reject=False)
        if amount is None or code is None:
            return None, None
        total += amount
        currencies.add(code)
    if len(currencies) > 1:
        found.warn(
            f"{where}.invoice_lines", "invoice lines in several currencies: spend not recorded"
        )
        return None, None
    return _segments.money(total), currencies.pop()


def money_amount(value: object) -> Decimal | None:
    amount = fields.decimal(json_text(value))
    if amount is not None and abs(amount) >= _segments.MAX_AMOUNT:
        raise FieldError(f"amount out of range: {value!r}")
    if amount is None:
        raise FieldError("missing amount")
    return amount


def currency_code(value: object) -> str | None:
    code = fields.currency(json_text(value))
    if code is None:
        raise FieldError("missing currency")
    return code


def locator(references: object) -> str | None:
    """The PNR, else the supplier's confirmation number or another reference."""
    found: dict[str, str] = {}
    for reference in references if isinstance(references, list) else []:
        item = json_object(reference)
        value = item.get("value")
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            found.setdefault(str(item.get("type")), str(value).strip())
    for kind in REFERENCES:
        if kind in found:
            return found[kind]
    return next(iter(found.values()), None)
