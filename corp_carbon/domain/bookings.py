"""What connectors produce: normalised bookings with their segments, and row problems.

A connector reads one export and yields, in file order, ``BookingRecord`` (business travel),
``CommuteResponse`` (a commute survey answer) or ``RowProblem`` values. It never touches the
database; the import pipeline matches travellers, de-duplicates, scores and posts.

A booking is the unit a source re-sends: its ``key`` is the source's own identity for it
(Concur trip, Navan ``uuid``, TravelPerk booking id), so a re-sent booking updates what the
last one stored, segment by segment (each segment has a key stable within its booking).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from corp_carbon.domain.vocabulary import (
    ActivityKind,
    Cabin,
    CalculationMethod,
    DistanceSource,
    Fuel,
    Mode,
    VehicleSize,
)


class RecordStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    #: the ticket was exchanged for another one: not travelled, never scores.
    EXCHANGED = "exchanged"


@dataclass(frozen=True, slots=True)
class Traveller:
    """Who travelled, as the source names them; matched by employee number, then email."""

    employee_number: str | None
    #: lower-cased by the connector (emails arrive in any letter case).
    email: str | None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    """One leg of travel (or one hotel stay) inside a booking."""

    #: stable within its booking across re-sends (e.g. "0", or flight + date).
    key: str
    mode: Mode
    travel_date: date
    #: IATA code (upper case) for flights, else a station or place name.
    origin: str | None = None
    destination: str | None = None
    origin_lat: Decimal | None = None
    origin_lon: Decimal | None = None
    destination_lat: Decimal | None = None
    destination_lon: Decimal | None = None
    carrier: str | None = None
    service_number: str | None = None
    ticket_number: str | None = None
    cabin: Cabin | None = None
    fuel: Fuel | None = None
    vehicle_size: VehicleSize | None = None
    occupants: int = 1
    nights: int | None = None
    distance_km: Decimal | None = None
    distance_source: DistanceSource | None = None
    #: segments of one booking with the same journey key form one journey (connections).
    journey: str = ""
    status: RecordStatus = RecordStatus.CONFIRMED
    #: the ticket this segment's ticket was exchanged from (the old one is replaced).
    replaces_ticket: str | None = None
    kind: ActivityKind = ActivityKind.BUSINESS_TRAVEL
    method: CalculationMethod = CalculationMethod.DISTANCE
    spend_amount: Decimal | None = None
    spend_currency: str | None = None
    #: what the connector assumed or could not check, in words (shown with the trip).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BookingRecord:
    #: the source's identity for the booking (unique per source).
    key: str
    #: 1-based number of the booking's first data row (or record) in the file.
    row: int
    traveller: Traveller
    segments: tuple[Segment, ...]
    record_locator: str | None = None
    #: when the source last changed it; an older copy never overwrites a newer one.
    modified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CommuteLeg:
    mode: Mode
    share_pct: int


@dataclass(frozen=True, slots=True)
class CommuteResponse:
    """One employee's answer to a commute survey; the latest answer per employee counts."""

    key: str
    row: int
    traveller: Traveller
    submitted_at: datetime
    office: str | None
    one_way_km: Decimal | None
    distance_source: DistanceSource
    legs: tuple[CommuteLeg, ...]
    office_days_per_week: int
    remote_days_per_week: int
    weeks_per_year: int
    car_fuel: Fuel | None = None
    car_occupants: int | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row (or field) the connector could not use, and why, in words a user can act on."""

    row: int
    field: str
    reason: str
    value: str | None = None
    #: True when the whole record was dropped; False for a warning (a default was applied).
    rejected: bool = True
    #: the row this one repeats (same booking, same travel): counted once, as a duplicate.
    repeat_of: int | None = None


Record = BookingRecord | CommuteResponse | RowProblem


@dataclass(frozen=True, slots=True)
class FileHead:
    """The start of a file, for ``identify``: the name, the decoded first lines (or the first
    XLSX rows as text) and, for delimited text, the header fields."""

    name: str
    text: str
    header: tuple[str, ...] = field(default=())
