"""Navan (TripActions) booking export: one row per booking, the Booking Data API flattened.

Nested objects are dotted columns and ``segments`` lists ``FROM>TO NUMBER LOCALDEPARTURE``
items joined by ";". A booking is re-sent under the same ``uuid`` when it changes (an
exchange changes the flight in place), so segment keys are positional and each copy is
yielded with its ``lastModified``: the pipeline keeps the latest.
A train's class is the booking's ``fareClass`` ("STANDARD", "FIRST"), else its ``cabin``;
a lone letter (a flight's fare bucket) is not a class (see ``fields.rail_class``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from connectors import _segments, fields
from connectors.base import Connector
from connectors.fields import FieldError
from connectors.reading import dict_rows
from corp_carbon.domain.bookings import BookingRecord, FileHead, Record, RecordStatus, Segment
from corp_carbon.domain.vocabulary import Cabin, DistanceSource, Mode

Row = dict[str, str]

IDENTIFYING = frozenset({"uuid", "bookingType", "bookingStatus", "segments"})
TYPES = {
    "FLIGHT": Mode.AIR,
    "RAIL": Mode.RAIL,
    "HOTEL": Mode.HOTEL,
    "CAR": Mode.CAR,
    "TRANSPORTATION": Mode.TAXI,
    "BLACK_CAR": Mode.TAXI,
}
STATUSES = {
    "ACCEPTED": RecordStatus.CONFIRMED,
    "CONFIRMED": RecordStatus.CONFIRMED,
    "TICKETED": RecordStatus.CONFIRMED,
    "CANCELED": RecordStatus.CANCELLED,
    "CANCELLED": RecordStatus.CANCELLED,
    "VOIDED": RecordStatus.CANCELLED,
}
ITEM_FORM = "expected 'FROM>TO NUMBER YYYY-MM-DDThh:mm'"
#: a rail service written as a word and digits ("ICE 702"), which splits into two tokens.
_TRAIN_WORD = re.compile(r"^[A-Z]{2,4}$")


@dataclass(frozen=True)
class _Item:
    """One entry of the ``segments`` column."""

    origin: str
    destination: str
    number: str | None
    day: date


class Navan(Connector):
    name = "navan"
    title = "Navan booking export (one row per booking)"

    def columns_read(self) -> dict[str, str]:
        return {
            "key": "uuid",
            "record_locator": "confirmationNumber",
            "carrier": "segments",
            "service_number": "segments",
            "ticket_number": "etickets",
            "spend_amount": "grandTotal",
            "spend_currency": "currency",
            "employee_number": "passengers.person.employeedId",
            "email": "passengers.person.email",
            "name": "passengers.person.name",
        }

    def identify(self, head: FileHead) -> bool:
        return set(head.header) >= IDENTIFYING

    def expected(self) -> str:
        return (
            "a CSV or XLSX with one row per booking and the columns uuid, bookingType, "
            "bookingStatus, segments, startDate and passengers.person.email"
        )

    def extract(self, path: Path) -> Iterator[Record]:
        for number, row in dict_rows(path, self.options.xlsx_guard):
            yield from self._booking(number, row)

    def _booking(self, number: int, row: Row) -> Iterator[Record]:
        found = _segments.Findings(number)
        key = found.need("uuid", row.get("uuid"), fields.text, "booking uuid")
        mode = found.need("bookingType", row.get("bookingType"), _mode, "booking type")
        status = found.need("bookingStatus", row.get("bookingStatus"), _status, "booking status")
        person = _segments.traveller(
            found,
            "passengers.person.employeedId",
            row.get("passengers.person.employeedId"),
            "passengers.person.email",
            row.get("passengers.person.email"),
            row.get("passengers.person.name"),
        )
        modified = found.check("lastModified", row.get("lastModified"), fields.iso_datetime)
        start = found.need("startDate", row.get("startDate"), fields.iso_date, "start date")
        segments: list[Segment] = []
        if mode is not None and start is not None:
            segments = _segments_of(found, row, mode, start, self.options.default_cabin)
        record = None
        if key and person is not None and status is not None and segments:
            amount, currency = _segments.spend(
                found, "grandTotal", row.get("grandTotal"), "currency", row.get("currency")
            )
            segments[0] = replace(segments[0], spend_amount=amount, spend_currency=currency)
            record = BookingRecord(
                key=key,
                row=number,
                traveller=person,
                segments=_with_status(segments, status),
                record_locator=fields.text(row.get("confirmationNumber")),
                modified_at=modified,
            )
        yield from found.outcome(record)


CONNECTOR = Navan


def _with_status(segments: list[Segment], status: RecordStatus) -> tuple[Segment, ...]:
    """The segments with the booking's status; most already have it (the default, confirmed),
    and copying a frozen segment only to set an equal value is the parser's costliest step."""
    return tuple(s if s.status is status else replace(s, status=status) for s in segments)


def _mode(value: str | None) -> Mode | None:
    found = fields.text(value)
    if found is None:
        return None
    if found.upper() not in TYPES:
        raise FieldError(f"unknown booking type {found!r} ({', '.join(TYPES)})")
    return TYPES[found.upper()]


def _status(value: str | None) -> RecordStatus | None:
    found = fields.text(value)
    if found is None:
        return None
    if found.upper() not in STATUSES:
        raise FieldError(f"unknown booking status {found!r} ({', '.join(STATUSES)})")
    return STATUSES[found.upper()]


def _segments_of(
    found: _segments.Findings, row: Row, mode: Mode, start: date, default_cabin: Cabin
) -> list[Segment]:
    if mode in (Mode.AIR, Mode.RAIL):
        return _transport(found, row, mode, default_cabin)
    if mode is Mode.HOTEL:
        end = found.check("endDate", row.get("endDate"), fields.iso_date)
        place = _place(row, "destination") or _place(row, "origin")
        stay = _segments.nights(found, "endDate", start, end)
        if stay is None:
            return []
        return [
            Segment(key="0", mode=mode, travel_date=start, origin=place, nights=stay, journey="0")
        ]
    note = _segments.CAR_HIRE_NOTE if mode is Mode.CAR else _segments.TAXI_NOTE
    segment = Segment(
        key="0",
        mode=mode,
        travel_date=start,
        origin=_place(row, "origin"),
        destination=_place(row, "destination"),
        journey="0",
        notes=(note,),
    )
    return [segment]


def _place(row: Row, end: str) -> str | None:
    """An airport code, else the city: where a hotel or a car hire is."""
    return fields.text(row.get(f"{end}.airportCode")) or fields.text(row.get(f"{end}.city"))


def _transport(
    found: _segments.Findings, row: Row, mode: Mode, default_cabin: Cabin
) -> list[Segment]:
    """Flights or trains from the ``segments`` column, with cabin, tickets and distance."""
    raw_items = [i.strip() for i in (row.get("segments") or "").split(";") if i.strip()]
    if not raw_items:
        found.reject("segments", "no segments listed")
        return []
    items = [found.check("segments", raw, lambda v: _item(v, mode)) for raw in raw_items]
    parsed = [i for i in items if i is not None]
    if len(parsed) != len(items):
        return []
    notes: list[str] = []
    cabin = None
    if mode is Mode.AIR:
        cabin = _segments.flight_cabin(found, "cabin", row.get("cabin"), default_cabin)
        if fields.text(row.get("cabin")) is None:
            notes.append(_segments.cabin_note(default_cabin))
    else:
        cabin = _segments.train_class(
            found, ("fareClass", row.get("fareClass")), ("cabin", row.get("cabin"))
        )
    distance, distance_note = _distance(found, row, mode, len(parsed))
    if distance_note:
        notes.append(distance_note)
    tickets = _tickets(row.get("etickets"), len(parsed))
    journeys = _journeys(fields.text(row.get("routeType")), _place(row, "destination"), parsed)
    segments = []
    repeats = _segments.Repeats()
    for index, item in enumerate(parsed):
        carrier, number = _service(item.number, mode)
        segment = Segment(
            key=str(index),
            mode=mode,
            travel_date=item.day,
            origin=item.origin,
            destination=item.destination,
            carrier=carrier,
            service_number=number,
            ticket_number=tickets[index],
            cabin=cabin,
            distance_km=distance,
            distance_source=DistanceSource.GIVEN if distance is not None else None,
            journey=journeys[index],
            notes=tuple(notes),
        )
        first = repeats.first_row(segment, found.row)
        if first is None:
            segments.append(segment)
        else:  # the same item listed twice in the row; keys stay positional
            found.repeat("segments", first)
    return segments


def _item(value: str, mode: Mode) -> _Item:
    """Splits an item from the right, because station names contain spaces."""
    rest, _, when = value.rpartition(" ")
    try:
        day = fields.iso_date(when)
    except FieldError as exc:
        raise FieldError(f"{exc}; {ITEM_FORM}") from None
    if not rest or day is None:
        raise FieldError(ITEM_FORM)
    number = None
    head, _, last = rest.rpartition(" ")
    if head and ">" not in last and any(c.isdigit() for c in last):
        rest, number = head, last
        before, _, word = rest.rpartition(" ")
        if mode is Mode.RAIL and before and number.isdigit() and _TRAIN_WORD.match(word):
            rest, number = before, f"{word} {number}"
    origin, arrow, destination = (part.strip() for part in rest.partition(">"))
    if not arrow or not origin or not destination or ">" in destination:
        raise FieldError(ITEM_FORM)
    if mode is Mode.AIR:
        origin, destination = fields.iata(origin) or "", fields.iata(destination) or ""
    return _Item(origin, destination, number, day)


def _service(number: str | None, mode: Mode) -> tuple[str | None, str | None]:
    if mode is Mode.AIR:
        return _segments.flight_designator(number)
    return None, number


def _distance(
    found: _segments.Findings, row: Row, mode: Mode, count: int
) -> tuple[Decimal | None, str | None]:
    """``flightMiles`` / ``trainMiles`` are booking totals: a segment's distance only when the
    booking has one segment; otherwise the pipeline computes each segment's."""
    column = "flightMiles" if mode is Mode.AIR else "trainMiles"
    raw = row.get(column)
    if count == 1:
        return found.check(column, raw, lambda v: fields.distance_km(v, "mi")), None
    total = found.check(column, raw, lambda v: fields.decimal(v, minimum=Decimal(0)))
    if total is None:
        return None, None
    return None, f"{column} {total} is the booking total for {count} segments: not split"


def _tickets(value: str | None, count: int) -> list[str | None]:
    """One e-ticket for all segments, one per segment, or (unclear) none."""
    tickets = [t for t in re.split(r"[;,\s]+", value or "") if t]
    if len(tickets) == 1:
        return tickets * count
    if len(tickets) == count:
        return list(tickets)
    return [None] * count


def _journeys(route: str | None, destination: str | None, items: list[_Item]) -> list[str]:
    """ONE_WAY: one journey. ROUND_TRIP: the return starts after the segment reaching the
    booking's destination. Otherwise (or when that is not found) each segment alone."""
    route = (route or "").upper()
    if route == "ONE_WAY":
        return ["0"] * len(items)
    if route == "ROUND_TRIP" and destination:
        for index, item in enumerate(items[:-1]):
            if item.destination.upper() == destination.upper():
                return ["0"] * (index + 1) + ["1"] * (len(items) - index - 1)
    return [str(index) for index in range(len(items))]
