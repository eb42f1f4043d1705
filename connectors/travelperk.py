"""TravelPerk trips export: JSON ``{"trips": [{..., "travelers", "bookings": [...]}]}``.

One record per booking (key = booking ``id``), the traveller taken from its trip. The file
is streamed trip by trip with ``ijson``, so its size does not matter; ``json_guard`` stops a
file nested too deep or holding a number of hundreds of digits before ijson chokes on it.
Values drift in type (coordinates as strings or numbers, "" for none), so every value goes
through ``travelperk_values.json_text``.
A record's ``row`` is the booking's 1-based ordinal in the file and each problem names the
value by its JSON path, such as ``trips[2].bookings[0].start``.
A train's class is not in the format: a booking has no cabin or fare class, and GreenPerk's
train query takes no class (unlike its flight query's ``cabin_class``). Trains therefore come
without a class (None), which the engine scores as standard and says so; never first.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import ijson  # type: ignore[import-untyped, unused-ignore]

from connectors import _segments, fields
from connectors.base import Connector
from connectors.json_guard import GuardedJsonBytes, JsonBeyondLimits
from connectors.reading import UnreadableFile, open_text
from connectors.travelperk_values import (
    Cabins,
    Place,
    json_date,
    json_datetime,
    json_object,
    json_text,
    locator,
    spend,
)
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
        key = found.need(f"{where}.id", booking.get("id"), json_text, "booking id")
        kind = (found.check(f"{where}.type", booking.get("type"), json_text) or "").lower()
        if kind in SKIPPED:
            found.warn(f"{where}.type", f"booking type {kind!r} has nothing to score; skipped")
            yield from found.outcome(None)
            return
        mode = TYPES.get(kind)
        if mode is None:
            found.reject(f"{where}.type", "unknown booking type (flight, train, hotel, car)", kind)
        status = _status(found, where, trip, booking)
        person = _traveller(found, trip_at, trip)
        modified = found.check(f"{where}.modified", booking.get("modified"), json_datetime)
        segments: list[Segment] = []
        if mode is not None:
            segments = _segments_of(found, where, mode, booking, self.options.default_cabin)
        record = None
        if key and person is not None and status is not None and segments:
            amount, currency = spend(found, where, booking.get("invoice_lines"))
            segments[0] = replace(segments[0], spend_amount=amount, spend_currency=currency)
            record = BookingRecord(
                key=key,
                row=ordinal,
                traveller=person,
                segments=tuple(replace(s, status=status) for s in segments),
                record_locator=locator(booking.get("references")),
                modified_at=modified,
            )
        yield from found.outcome(record)


CONNECTOR = TravelPerk


def _trips(path: Path) -> Iterator[Any]:
    """The ``trips`` array's items, one at a time; broken JSON makes the file unreadable."""
    with open_text(path) as text:
        try:
            yield from ijson.items(GuardedJsonBytes(_Utf8Bytes(text)), "trips.item")
        except JsonBeyondLimits as exc:
            raise UnreadableFile(f"{path.name}: {exc}") from None
        except ijson.JSONError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UnreadableFile(f"{path.name}: not valid JSON ({reason})") from None
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"{path.name}: undecodable bytes ({exc.reason})") from None


def _status(
    found: _segments.Findings, where: str, trip: Mapping[str, Any], booking: Mapping[str, Any]
) -> RecordStatus | None:
    """The booking's status; a cancelled trip cancels all its bookings."""
    raw = booking.get("status")
    name = (found.check(f"{where}.status", raw, json_text) or "").lower()
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
    first = json_object(travelers[0]) if isinstance(travelers, list) and travelers else {}
    where = f"{trip_at}.travelers[0]"
    number = found.check(f"{where}.external_id", first.get("external_id"), json_text)
    email = found.check(f"{where}.email", first.get("email"), json_text)
    name = found.check(f"{where}.name", first.get("name"), json_text, reject=False)
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
    start = found.need(f"{where}.start", booking.get("start"), json_date, "start date")
    location = json_object(booking.get("location"))
    origin = Place(found, f"{where}.location", location, mode)
    if mode is Mode.HOTEL:
        end = found.check(f"{where}.end", booking.get("end"), json_date)
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
    drop_off = json_object(booking.get("drop_off_location")) or location
    destination = Place(found, f"{where}.drop_off_location", drop_off, mode)
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
    cabins = Cabins(booking.get("greenperk"))
    segments: list[Segment] = []
    repeats = _segments.Repeats()
    for leg_index, leg in enumerate(legs):
        parts = json_object(leg).get("segments")
        if not isinstance(parts, list) or not parts:
            found.reject(f"{where}.legs[{leg_index}].segments", "a leg without segments")
            continue
        for index, part in enumerate(parts):
            path = f"{where}.legs[{leg_index}].segments[{index}]"
            since = len(found.problems)
            segment = _leg_segment(found, path, mode, json_object(part), cabins, default_cabin)
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
    cabins: Cabins,
    default_cabin: Cabin,
) -> Segment | None:
    start, end = json_object(part.get("origin")), json_object(part.get("destination"))
    day = found.need(f"{where}.origin.time", start.get("time"), json_date, "departure time")
    origin = Place(found, f"{where}.origin.location", json_object(start.get("location")), mode)
    destination = Place(
        found, f"{where}.destination.location", json_object(end.get("location")), mode
    )
    for place, side in ((origin, "origin"), (destination, "destination")):
        if not place.located:
            found.reject(f"{where}.{side}.location", f"no {side}: neither a code nor coordinates")
    service = found.check(f"{where}.external_id", part.get("external_id"), json_text)
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
