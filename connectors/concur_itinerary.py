"""SAP Concur itinerary export: one row per segment, the trip's fields repeated on each row.

A trip (``TripId``) is one booking. Its rows are consecutive in the export, so the file is
streamed and only the current trip's rows are held. Field meanings follow Concur Itinerary v4:
``LegId`` stays the same across a connection, ``TotalFare`` belongs to the ticket and repeats
on each of its segments, ``CouponStatus`` EXCH marks a coupon given up in an exchange.
A train's class is its ``ClassOfService`` ("2", "1st", "First"), else its ``Cabin``
("Standard Premier"); a lone letter there is a fare code, not a class (see
``fields.rail_class``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from connectors import _segments, fields
from connectors.base import Connector
from connectors.reading import dict_rows
from corp_carbon.domain.bookings import (
    BookingRecord,
    FileHead,
    Record,
    RecordStatus,
    RowProblem,
    Segment,
    Traveller,
)
from corp_carbon.domain.vocabulary import Cabin, DistanceSource, Mode

Row = dict[str, str]

IDENTIFYING = frozenset({"TripId", "SegmentType", "LegId", "StartDateLocal"})
MODES = {
    "air": Mode.AIR,
    "rail": Mode.RAIL,
    "hotel": Mode.HOTEL,
    "car": Mode.CAR,
    "ride": Mode.TAXI,
}
#: segment types with no travel emissions of their own: skipped with a warning.
SKIPPED = frozenset({"dining", "parking", "travel"})
#: TripStatus -> (status, note); 0 = booked, 1 = ticketed, 2 = cancelled (Itinerary v4).
TRIP_STATUS = {
    "0": (RecordStatus.CONFIRMED, "booked, not ticketed"),
    "1": (RecordStatus.CONFIRMED, None),
    "2": (RecordStatus.CANCELLED, None),
}
#: GDS segment status codes meaning the segment will not be flown.
CANCELLED_SEGMENT = frozenset({"HX", "XX", "XK", "XL", "UN", "UC", "NO"})


@dataclass
class _Trip:
    """What is carried from row to row while one trip's segments are read."""

    status: RecordStatus
    note: str | None
    default_cabin: Cabin
    fares_seen: set[str] = field(default_factory=set)
    keys_seen: dict[str, int] = field(default_factory=dict)


class ConcurItinerary(Connector):
    name = "concur-itinerary"
    title = "SAP Concur itinerary export (one row per segment)"

    def columns_read(self) -> dict[str, str]:
        return {
            "key": "TripId",
            "record_locator": "RecordLocator",
            "carrier": "Vendor",
            "service_number": "FlightNumber / TrainNumber",
            "ticket_number": "TicketNumber",
            "distance_km": "Miles",
            "spend_amount": "TotalFare",
            "spend_currency": "TotalFareCurrency",
            "employee_number": "EmployeeID",
            "email": "UserLoginID",
            "name": "NameFirst / NameLast",
        }

    def identify(self, head: FileHead) -> bool:
        return set(head.header) >= IDENTIFYING

    def expected(self) -> str:
        return (
            "a CSV or XLSX with one row per segment and the columns TripId, TripStatus, "
            "SegmentType, LegId, StartDateLocal and EmployeeID or UserLoginID"
        )

    def extract(self, path: Path) -> Iterator[Record]:
        rows: list[tuple[int, Row]] = []
        waiting: list[RowProblem] = []  # rows without a trip, reported after the open trip
        for number, row in dict_rows(path, self.options.xlsx_guard):
            key = fields.text(row.get("TripId"))
            if key is None:
                waiting.append(RowProblem(number, "TripId", "missing TripId: no trip to add to"))
                continue
            if rows and fields.text(rows[0][1].get("TripId")) != key:
                yield from self._trip(rows)
                yield from waiting
                rows, waiting = [], []
            rows.append((number, row))
        if rows:
            yield from self._trip(rows)
        yield from waiting

    def _trip(self, rows: list[tuple[int, Row]]) -> Iterator[Record]:
        first_number, first = rows[0]
        key = fields.text(first.get("TripId")) or ""
        found = _segments.Findings(first_number)
        status = found.need("TripStatus", first.get("TripStatus"), _trip_status, "TripStatus")
        person = _traveller(found, first)
        trip_status, note = status or (RecordStatus.CONFIRMED, None)
        trip = _Trip(trip_status, note, self.options.default_cabin)
        segments: list[Segment] = []
        modified: list[datetime] = []
        repeats = _segments.Repeats()
        for number, row in rows:
            found.row = number
            stamp = found.check("DateModifiedUtc", row.get("DateModifiedUtc"), fields.iso_datetime)
            if stamp is not None:
                modified.append(stamp)
            since = len(found.problems)
            segment = _segment(found, row, trip)
            if segment is None:
                continue
            earlier = repeats.first_row(segment, number)
            if earlier is not None:
                found.repeat("SegmentType", earlier, since)
                continue
            unique = _segments.unique_key(segment.key, trip.keys_seen)
            segments.append(segment if unique == segment.key else replace(segment, key=unique))
        record = None
        if person is not None and segments:
            locators = (fields.text(r.get("RecordLocator")) for _, r in rows)
            record = BookingRecord(
                key=key,
                row=first_number,
                traveller=person,
                segments=tuple(segments),
                record_locator=next((loc for loc in locators if loc), None),
                modified_at=max(modified, default=None),
            )
        yield from found.outcome(record)


CONNECTOR = ConcurItinerary


def _trip_status(value: str | None) -> tuple[RecordStatus, str | None] | None:
    found = fields.text(value)
    if found is None:
        return None
    if found not in TRIP_STATUS:
        raise fields.FieldError(f"unknown TripStatus {found!r} (0 booked, 1 ticketed, 2 cancelled)")
    return TRIP_STATUS[found]


def _traveller(found: _segments.Findings, row: Row) -> Traveller | None:
    name = " ".join(filter(None, (fields.text(row.get(c)) for c in ("NameFirst", "NameLast"))))
    return _segments.traveller(
        found,
        "EmployeeID",
        row.get("EmployeeID"),
        "UserLoginID",
        row.get("UserLoginID"),
        name or row.get("TextName"),
    )


def _segment(found: _segments.Findings, row: Row, trip: _Trip) -> Segment | None:
    """One row's segment, or None when it is skipped or has a bad value (then reported)."""
    kind = fields.text(row.get("SegmentType")) or ""
    if kind.lower() in SKIPPED:
        found.warn("SegmentType", f"{kind} segments carry no travel emissions; skipped", kind)
        return None
    mode = MODES.get(kind.lower())
    if mode is None:
        what = "unknown segment type" if kind else "missing segment type"
        found.reject("SegmentType", f"{what} (Air, Rail, Hotel, Car, Ride)", kind or None)
        return None
    start_raw = row.get("StartDateLocal")
    day = found.need("StartDateLocal", start_raw, fields.iso_date, "departure date")
    origin, destination = _places(found, row, mode)
    notes: list[str] = []
    stay = None
    if mode is Mode.HOTEL:
        end = found.check("EndDateLocal", row.get("EndDateLocal"), fields.iso_date)
        stay = _segments.nights(found, "EndDateLocal", day, end)
    elif mode is Mode.CAR:
        notes.append(_segments.CAR_HIRE_NOTE)
    elif mode is Mode.TAXI:
        notes.append(_segments.TAXI_NOTE)
    distance = _distance(found, row, mode)
    cabin = None
    if mode is Mode.AIR:
        cabin = _segments.flight_cabin(found, "Cabin", row.get("Cabin"), trip.default_cabin)
        if cabin is trip.default_cabin and fields.text(row.get("Cabin")) is None:
            notes.append(_segments.cabin_note(trip.default_cabin))
    elif mode is Mode.RAIL:
        cabin = _segments.train_class(
            found, ("ClassOfService", row.get("ClassOfService")), ("Cabin", row.get("Cabin"))
        )
    if trip.note:
        notes.append(trip.note)
    carrier, number = _service(row, mode)
    amount, currency = _fare(found, row, mode, trip)
    if day is None:
        return None
    ticket = fields.text(row.get("TicketNumber"))
    key = _segment_key(row, kind, carrier, number, day.isoformat(), origin)
    return Segment(
        key=key,
        mode=mode,
        travel_date=day,
        origin=origin,
        destination=destination,
        carrier=carrier,
        service_number=number,
        ticket_number=ticket,
        cabin=cabin,
        nights=stay,
        distance_km=distance,
        distance_source=DistanceSource.GIVEN if distance is not None else None,
        journey=_journey(row, mode, ticket) or key,
        status=_status(row, trip.status),
        replaces_ticket=fields.text(row.get("ExchangedTicketNumber")),
        spend_amount=amount,
        spend_currency=currency,
        notes=tuple(notes),
    )


def _places(found: _segments.Findings, row: Row, mode: Mode) -> tuple[str | None, str | None]:
    """IATA codes for flights (shape checked); station names, else city codes, for rail."""
    if mode is Mode.AIR:
        origin = found.need("StartCityCode", row.get("StartCityCode"), fields.iata, "origin")
        end = found.need("EndCityCode", row.get("EndCityCode"), fields.iata, "destination")
        return origin, end
    if mode is Mode.RAIL:
        origin = fields.text(row.get("StartRailStationName")) or fields.text(
            row.get("StartCityCode")
        )
        end = fields.text(row.get("EndRailStationName")) or fields.text(row.get("EndCityCode"))
        if origin is None or end is None:
            found.reject("StartRailStationName", "missing rail station names")
        return origin, end
    return fields.text(row.get("StartCityCode")), fields.text(row.get("EndCityCode"))


def _distance(found: _segments.Findings, row: Row, mode: Mode) -> Decimal | None:
    if mode in (Mode.HOTEL, Mode.CAR):
        return None
    return found.check("Miles", row.get("Miles"), lambda v: fields.distance_km(v, "mi"))


def _service(row: Row, mode: Mode) -> tuple[str | None, str | None]:
    """Carrier code and flight or train number (rail numbers such as "ICE 1001" stay whole)."""
    vendor = fields.text(row.get("Vendor"))
    if mode is Mode.AIR:
        return vendor, fields.text(row.get("FlightNumber"))
    if mode is Mode.RAIL:
        return vendor, fields.text(row.get("TrainNumber"))
    return vendor, None


def _fare(
    found: _segments.Findings, row: Row, mode: Mode, trip: _Trip
) -> tuple[Decimal | None, str | None]:
    """``TotalFare`` once per ticket (it repeats on each of the ticket's segments); a hotel's
    or car's total rate belongs to its own row."""
    ticket = fields.text(row.get("TicketNumber"))
    locator = fields.text(row.get("RecordLocator")) or ""
    if ticket:
        fare_key = f"ticket:{ticket}"
    elif mode in (Mode.HOTEL, Mode.CAR):
        fare_key = f"row:{found.row}"
    else:
        fare_key = f"{locator}:{mode.value}"
    if fare_key in trip.fares_seen:
        return None, None
    trip.fares_seen.add(fare_key)
    return _segments.spend(
        found, "TotalFare", row.get("TotalFare"), "TotalFareCurrency", row.get("TotalFareCurrency")
    )


def _segment_key(
    row: Row, kind: str, carrier: str | None, number: str | None, day: str, origin: str | None
) -> str:
    """Stable across re-sends: the record locator, not the ticket (issued later, or changed
    by an exchange), plus the service, date and origin."""
    reference = fields.text(row.get("RecordLocator")) or fields.text(row.get("TicketNumber"))
    return f"{kind}:{reference or ''}:{carrier or ''}{number or ''}:{day}:{origin or ''}"


def _journey(row: Row, mode: Mode, ticket: str | None) -> str | None:
    """Segments of one ticket with the same ``LegId`` are one journey (connections)."""
    leg = fields.text(row.get("LegId"))
    if leg is None:
        return None
    return f"{mode.value}:{leg}:{ticket or ''}"


def _status(row: Row, trip_status: RecordStatus) -> RecordStatus:
    if trip_status is RecordStatus.CANCELLED or fields.text(row.get("DateCancelledUtc")):
        return RecordStatus.CANCELLED
    if (fields.text(row.get("SegmentStatus")) or "").upper() in CANCELLED_SEGMENT:
        return RecordStatus.CANCELLED
    if (fields.text(row.get("CouponStatus")) or "").upper() == "EXCH":
        return RecordStatus.EXCHANGED
    return RecordStatus.CONFIRMED
