"""TravelPerk trips export: JSON ``{"trips": [{..., "travelers", "bookings": [...]}]}``.

One record per booking (key = booking ``id``), the traveller taken from its trip. The file
is streamed trip by trip with ``ijson``, so its size does not matter. Values drift in type
(coordinates as strings or numbers, "" for none), so every value goes through ``_scalar``.
A record's ``row`` is the booking's 1-based ordinal in the file and each problem names the
value by its JSON path, such as ``trips[2].bookings[0].start``.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import ijson  # type: ignore[import-untyped, unused-ignore]

from connectors import _segments, fields
from connectors.base import Connector
from connectors.fields import FieldError
from connectors.reading import UnreadableFile, open_text
from corp_carbon.domain.bookings import (
    BookingRecord,
    FileHead,
    Record,
    RecordStatus,
    RowProblem,
    Segment,
    Traveller,
)
from corp_carbon.domain.vocabulary import Cabin, Mode

TYPES = {"flight": Mode.AIR, "train": Mode.RAIL, "hotel": Mode.HOTEL, "car": Mode.CAR}
#: booking types with nothing to score: skipped with a warning.
SKIPPED = frozenset({"other"})
STATUSES = {
    "ticketed": RecordStatus.CONFIRMED,
    "confirmed": RecordStatus.CONFIRMED,
    "booked": RecordStatus.CONFIRMED,
    "cancelled": RecordStatus.CANCELLED,
    "canceled": RecordStatus.CANCELLED,
}
#: which reference identifies the booking with the supplier, best first.
REFERENCES = ("PNR", "confirmation_number", "ticket_collection_reference", "voucher_code")
_CHUNK = 64 * 1024


class _Utf8Bytes:
    """A text file read back as UTF-8 bytes, for ijson (which reads bytes) whatever the
    file's own encoding (UTF-16 and GB18030 exports exist, and a BOM is not JSON)."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self._encoder = codecs.getincrementalencoder("utf-8")()

    def read(self, size: int = -1) -> bytes:
        return self._encoder.encode(self._text.read(_CHUNK if size < 0 else size))


class TravelPerk(Connector):
    name = "travelperk"
    title = "TravelPerk trips export (JSON, bookings inside trips)"

    def identify(self, head: FileHead) -> bool:
        text = head.text.lstrip()
        return text.startswith("{") and '"trips"' in text and '"bookings"' in text

    def expected(self) -> str:
        return (
            'a JSON file {"trips": [...]} whose trips have "travelers" and "bookings" '
            "(id, type, status, start, end, legs, location, invoice_lines)"
        )

    def extract(self, path: Path) -> Iterator[Record]:
        ordinal = 0
        for index, trip in enumerate(_trips(path)):
            where = f"trips[{index}]"
            if not isinstance(trip, dict):
                yield RowProblem(ordinal + 1, where, "not a trip object", _segments.shown(trip))
                continue
            bookings = trip.get("bookings")
            if bookings is None:  # a trip with nothing booked yet
                continue
            if not isinstance(bookings, list):
                yield RowProblem(ordinal + 1, f"{where}.bookings", "not a list of bookings")
                continue
            for number, booking in enumerate(bookings):
                ordinal += 1
                yield from self._booking(ordinal, where, number, trip, booking)

    def _booking(
        self, ordinal: int, trip_at: str, number: int, trip: Mapping[str, Any], booking: object
    ) -> Iterator[Record]:
        found = _segments.Findings(ordinal)
        where = f"{trip_at}.bookings[{number}]"
        if not isinstance(booking, dict):
            found.reject(where, "not a booking object", booking)
            yield from found.outcome(None)
            return
        key = found.need(f"{where}.id", booking.get("id"), _text, "booking id")
        kind = (found.check(f"{where}.type", booking.get("type"), _text) or "").lower()
        if kind in SKIPPED:
            found.warn(f"{where}.type", f"booking type {kind!r} has nothing to score; skipped")
            yield from found.outcome(None)
            return
        mode = TYPES.get(kind)
        if mode is None:
            found.reject(f"{where}.type", "unknown booking type (flight, train, hotel, car)", kind)
        status = _status(found, where, trip, booking)
        person = _traveller(found, trip_at, trip)
        modified = found.check(f"{where}.modified", booking.get("modified"), _datetime)
        segments: list[Segment] = []
        if mode is not None:
            segments = _segments_of(found, where, mode, booking, self.options.default_cabin)
        record = None
        if key and person is not None and status is not None and segments:
            amount, currency = _spend(found, where, booking.get("invoice_lines"))
            segments[0] = replace(segments[0], spend_amount=amount, spend_currency=currency)
            record = BookingRecord(
                key=key,
                row=ordinal,
                traveller=person,
                segments=tuple(replace(s, status=status) for s in segments),
                record_locator=_locator(booking.get("references")),
                modified_at=modified,
            )
        yield from found.outcome(record)


CONNECTOR = TravelPerk


def _trips(path: Path) -> Iterator[Any]:
    """The ``trips`` array's items, one at a time; broken JSON makes the file unreadable."""
    with open_text(path) as text:
        try:
            yield from ijson.items(_Utf8Bytes(text), "trips.item")
        except ijson.JSONError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UnreadableFile(f"{path.name}: not valid JSON ({reason})") from None
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"{path.name}: undecodable bytes ({exc.reason})") from None


def _text(value: object) -> str | None:
    """A JSON scalar as stripped text (numbers too); objects and lists are refused."""
    if value is None:
        return None
    if isinstance(value, bool | dict | list):
        raise FieldError(f"expected a text or number, found {type(value).__name__}")
    return fields.text(str(value))


def _obj(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _date(value: object) -> date | None:
    return fields.iso_date(_text(value))


def _datetime(value: object) -> datetime | None:
    return fields.iso_datetime(_text(value))


def _status(
    found: _segments.Findings, where: str, trip: Mapping[str, Any], booking: Mapping[str, Any]
) -> RecordStatus | None:
    """The booking's status; a cancelled trip cancels all its bookings."""
    raw = booking.get("status")
    name = (found.check(f"{where}.status", raw, _text) or "").lower()
    status = STATUSES.get(name)
    if status is None:
        reason = "unknown booking status (ticketed, confirmed, booked, cancelled)"
        found.reject(f"{where}.status", reason, raw)
        return None
    if str(trip.get("status", "")).lower() in ("cancelled", "canceled"):
        return RecordStatus.CANCELLED
    return status


def _traveller(
    found: _segments.Findings, trip_at: str, trip: Mapping[str, Any]
) -> Traveller | None:
    """The trip's first traveller (a booking names nobody); matched by number or email."""
    travelers = trip.get("travelers")
    first = _obj(travelers[0]) if isinstance(travelers, list) and travelers else {}
    where = f"{trip_at}.travelers[0]"
    number = found.check(f"{where}.external_id", first.get("external_id"), _text)
    email = found.check(f"{where}.email", first.get("email"), _text)
    name = found.check(f"{where}.name", first.get("name"), _text, reject=False)
    return _segments.traveller(found, f"{where}.external_id", number, f"{where}.email", email, name)


def _segments_of(
    found: _segments.Findings,
    where: str,
    mode: Mode,
    booking: Mapping[str, Any],
    default_cabin: Cabin,
) -> list[Segment]:
    if mode in (Mode.AIR, Mode.RAIL):
        return _legs(found, where, mode, booking, default_cabin)
    start = found.need(f"{where}.start", booking.get("start"), _date, "start date")
    location = _obj(booking.get("location"))
    origin = _Place(found, f"{where}.location", location, mode)
    if mode is Mode.HOTEL:
        end = found.check(f"{where}.end", booking.get("end"), _date)
        stay = _segments.nights(found, f"{where}.end", start, end)
        if start is None or stay is None:
            return []
        return [
            Segment(
                key="0",
                mode=mode,
                travel_date=start,
                origin=origin.name,
                origin_lat=origin.lat,
                origin_lon=origin.lon,
                nights=stay,
                journey="0",
            )
        ]
    drop_off = _obj(booking.get("drop_off_location")) or location
    destination = _Place(found, f"{where}.drop_off_location", drop_off, mode)
    if start is None:
        return []
    return [
        Segment(
            key="0",
            mode=mode,
            travel_date=start,
            **origin.as_origin(),
            **destination.as_destination(),
            journey="0",
            notes=(_segments.CAR_HIRE_NOTE,),
        )
    ]


class _Place:
    """A location: IATA code for flights, else a name; coordinates as given."""

    def __init__(
        self, found: _segments.Findings, where: str, location: Mapping[str, Any], mode: Mode
    ) -> None:
        code_raw = location.get("iata_code")
        errors = len(found.problems)
        if mode is Mode.AIR:
            code = found.check(f"{where}.iata_code", code_raw, lambda v: fields.iata(_text(v)))
        else:
            code = found.check(f"{where}.iata_code", code_raw, _text, reject=False)
        label = found.check(f"{where}.name", location.get("name"), _text, reject=False)
        address = found.check(f"{where}.address", location.get("address"), _text, reject=False)
        if mode is Mode.AIR:
            self.name = code
        elif mode is Mode.HOTEL:
            self.name = address or label
        elif mode is Mode.CAR:
            self.name = code or label or address
        else:  # rail: station names, since IATA-like rail codes are not airports
            self.name = label or code
        self.lat = found.check(f"{where}.latitude", location.get("latitude"), _latitude)
        self.lon = found.check(f"{where}.longitude", location.get("longitude"), _longitude)
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


def _latitude(value: object) -> Decimal | None:
    return fields.coordinate(_text(value), limit=90)


def _longitude(value: object) -> Decimal | None:
    return fields.coordinate(_text(value), limit=180)


def _legs(
    found: _segments.Findings,
    where: str,
    mode: Mode,
    booking: Mapping[str, Any],
    default_cabin: Cabin,
) -> list[Segment]:
    """One journey per ``legs[]`` entry; segments keyed ``<leg>.<segment>``."""
    legs = booking.get("legs")
    if not isinstance(legs, list) or not legs:
        found.reject(f"{where}.legs", "no legs: the route is unknown")
        return []
    cabins = _Cabins(booking.get("greenperk"))
    segments: list[Segment] = []
    repeats = _segments.Repeats()
    for leg_index, leg in enumerate(legs):
        parts = _obj(leg).get("segments")
        if not isinstance(parts, list) or not parts:
            found.reject(f"{where}.legs[{leg_index}].segments", "a leg without segments")
            continue
        for index, part in enumerate(parts):
            path = f"{where}.legs[{leg_index}].segments[{index}]"
            since = len(found.problems)
            segment = _leg_segment(found, path, mode, _obj(part), cabins, default_cabin)
            if segment is None:
                continue
            if repeats.first_row(segment, found.row) is not None:
                found.repeat(path, found.row, since)  # listed twice in the booking
                continue
            key = f"{leg_index}.{index}"
            segments.append(replace(segment, key=key, journey=str(leg_index)))
    return segments


def _leg_segment(
    found: _segments.Findings,
    where: str,
    mode: Mode,
    part: Mapping[str, Any],
    cabins: _Cabins,
    default_cabin: Cabin,
) -> Segment | None:
    start, end = _obj(part.get("origin")), _obj(part.get("destination"))
    day = found.need(f"{where}.origin.time", start.get("time"), _date, "departure time")
    origin = _Place(found, f"{where}.origin.location", _obj(start.get("location")), mode)
    destination = _Place(found, f"{where}.destination.location", _obj(end.get("location")), mode)
    for place, side in ((origin, "origin"), (destination, "destination")):
        if not place.located:
            found.reject(f"{where}.{side}.location", f"no {side}: neither a code nor coordinates")
    service = found.check(f"{where}.external_id", part.get("external_id"), _text)
    carrier, number = _segments.flight_designator(service) if mode is Mode.AIR else (None, service)
    cabin: Cabin | None = None
    notes: tuple[str, ...] = ()
    if mode is Mode.AIR:
        cabin_raw = cabins.take(origin.name, destination.name)
        cabin = _segments.flight_cabin(found, f"{where}.cabin", cabin_raw, default_cabin)
        if fields.text(cabin_raw) is None:
            notes = (_segments.cabin_note(default_cabin),)
    if day is None:
        return None
    return Segment(
        key="",
        mode=mode,
        travel_date=day,
        **origin.as_origin(),
        **destination.as_destination(),
        carrier=carrier,
        service_number=number,
        cabin=cabin,
        notes=notes,
    )


class _Cabins:
    """Cabin classes from the exporter's GreenPerk queries (a booking has no cabin field):
    the query for the same origin and destination, each query used once, in order."""

    def __init__(self, queries: object) -> None:
        self._left: list[tuple[str, str, str | None]] = []
        for query in queries if isinstance(queries, list) else []:
            request = _obj(_obj(query).get("request"))
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


def _spend(
    found: _segments.Findings, where: str, lines: object
) -> tuple[Decimal | None, str | None]:
    """The sum of the booking's invoice lines (refunds are negative), in their one currency."""
    total, currencies = Decimal(0), set()
    if not isinstance(lines, list) or not lines:
        return None, None
    for index, line in enumerate(lines):
        path = f"{where}.invoice_lines[{index}]"
        item = _obj(line)
        amount = found.check(
            f"{path}.total_amount", item.get("total_amount"), _amount, reject=False
        )
        code = found.check(f"{path}.currency", item.get("currency"), _currency, reject=False)
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


def _amount(value: object) -> Decimal | None:
    amount = fields.decimal(_text(value))
    if amount is not None and abs(amount) >= _segments.MAX_AMOUNT:
        raise FieldError(f"amount out of range: {value!r}")
    if amount is None:
        raise FieldError("missing amount")
    return amount


def _currency(value: object) -> str | None:
    code = fields.currency(_text(value))
    if code is None:
        raise FieldError("missing currency")
    return code


def _locator(references: object) -> str | None:
    """The PNR, else the supplier's confirmation number or another reference."""
    found: dict[str, str] = {}
    for reference in references if isinstance(references, list) else []:
        item = _obj(reference)
        value = item.get("value")
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            found.setdefault(str(item.get("type")), str(value).strip())
    for kind in REFERENCES:
        if kind in found:
            return found[kind]
    return next(iter(found.values()), None)
