"""From a commute-survey answer to the commute trips it implies (GHG Protocol category 7,
distance-based method: distance and mode as collected from employees).

Each answer yields one booking per month, for ``months`` months from the month it was given:
per mode of the answer one activity whose distance is the month's share of the year's
commuting (one-way km x share x 2 x office days a week x weeks worked a year / 12). Keyed by
employee and month, a later answer re-sends only its own months onwards, so earlier months
keep what the earlier answer said.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from corp_carbon.domain.bookings import BookingRecord, CommuteResponse, Segment
from corp_carbon.domain.vocabulary import ActivityKind, DistanceSource, Mode

MONTHS_PER_YEAR = 12
CAR_MODES = frozenset({Mode.CAR, Mode.TAXI, Mode.MOTORBIKE})


def _month(start: date, offset: int) -> date:
    index = start.year * 12 + start.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def who(response: CommuteResponse) -> str:
    traveller = response.traveller
    return traveller.employee_number or (traveller.email or "").lower() or response.key


def expected_commutes(response: CommuteResponse, months: int) -> list[BookingRecord]:
    """The monthly commute bookings an answer implies (empty legs: fully remote months)."""
    first = response.submitted_at.date().replace(day=1)
    one_way = response.one_way_km or Decimal(0)
    yearly_trips = 2 * response.office_days_per_week * response.weeks_per_year
    bookings = []
    for offset in range(months):
        month = _month(first, offset)
        segments = []
        for leg in response.legs:
            km = one_way * leg.share_pct / 100 * yearly_trips / MONTHS_PER_YEAR
            car = leg.mode in CAR_MODES
            segments.append(
                Segment(
                    key=leg.mode.value,
                    mode=leg.mode,
                    travel_date=month,
                    kind=ActivityKind.COMMUTE,
                    distance_km=km.quantize(Decimal("0.001")),
                    distance_source=response.distance_source or DistanceSource.DECLARED,
                    fuel=response.car_fuel if car else None,
                    occupants=(response.car_occupants or 1) if car else 1,
                    journey=leg.mode.value,
                    notes=(
                        f"expected from commute survey answer {response.key}: "
                        f"{one_way} km one way, {leg.share_pct}% by {leg.mode.value}, "
                        f"{response.office_days_per_week} office days a week, "
                        f"{response.weeks_per_year} weeks a year",
                        *response.notes,
                    ),
                )
            )
        bookings.append(
            BookingRecord(
                key=f"commute:{who(response)}:{month:%Y-%m}",
                row=response.row,
                traveller=response.traveller,
                segments=tuple(segments),
                modified_at=response.submitted_at,
            )
        )
    return bookings
