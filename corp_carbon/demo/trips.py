"""A year of business travel as the agencies export it: flights, trains, hotels, taxis, hire cars.

Trips run from the traveller's office to a destination and back. Flights use real airports
(coordinates from ``airportsdata``, great-circle distance); surface legs carry the distance
the operator states. Afterwards some trips are cancelled, some return tickets exchanged,
and a few flights arrive a second time through the other agency.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from corp_carbon.db.models import Activity
from corp_carbon.demo.people import Person
from corp_carbon.demo.places import (
    DESTINATIONS,
    MILEAGE,
    Destination,
    Route,
)
from corp_carbon.demo.sources import Feeds
from corp_carbon.demo.trip_builder import TripBuilder
from corp_carbon.demo.trip_changes import cancel_some, duplicate_some, exchange_some
from corp_carbon.demo.trip_records import Travel, Trip
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    Cabin,
    CalculationMethod,
    DistanceSource,
    Fuel,
    Mode,
    VehicleSize,
    Verification,
)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _pick(rng: random.Random, items: tuple[Any, ...]) -> Any:
    return rng.choices(items, weights=[i.weight for i in items])[0]


def _find(office: str, city: str, match: str) -> tuple[Destination, Route]:
    dest = next(d for d in DESTINATIONS[office] if d.city == city)
    route = next(r for r in dest.routes if match in (r.tag, " ".join(r.stops)))
    return dest, route


def build_business_travel(
    rng: random.Random, people: list[Person], today: date, feeds: Feeds
) -> Travel:
    builder = TripBuilder(rng, today, feeds)
    trips: list[Trip] = []
    by_handle = {p.handle: p for p in people if p.handle}

    def pick(office: str, *departments: str) -> Person:
        fitting = [
            p
            for p in people
            if p.office.name == office
            and not p.handle
            and p.leaves is None
            and (not departments or p.department.name in departments)
        ]
        return rng.choice(fitting or [p for p in people if p.leaves is None])

    # Scripted trips, so the rarer cases are always there: sail & rail with a ferry crossing,
    # a first-class and a premium-economy connection, a coach.
    script: list[tuple[Person, str, str, str, Cabin | None]] = [
        (by_handle["jose.alvarez"], "London", "Dublin", "sailrail", None),
        (pick("London", "Sales EMEA", "Marketing"), "London", "Dublin", "sailrail", None),
        (pick("London", "Sales EMEA", "Legal"), "London", "New York", "LHR JFK", Cabin.FIRST),
        (by_handle["zhang.wei"], "Shanghai", "Berlin", "PVG FRA BER", Cabin.PREMIUM_ECONOMY),
        (
            pick("Berlin", "Sales EMEA", "Engineering"),
            "Berlin",
            "Shanghai",
            "BER FRA PVG",
            Cabin.BUSINESS,
        ),
        (pick("Berlin"), "Berlin", "Hamburg", "coach", None),
    ]
    for person, office, city, match, cabin in script:
        dest, route = _find(office, city, match)
        for _ in range(5):  # the calendar is nearly empty yet, so this rarely needs a retry
            trip = builder.trip(person, dest, route, cabin=cabin, scripted=True)
            if trip:
                trips.append(trip)
                break

    for person in people:
        mean = person.department.trips_per_year
        if person.department.name.startswith("Sales") and rng.random() < 0.15:
            mean *= 1.8  # the frequent flyers
        count = _poisson(rng, mean)
        if person.handle == "zhang.wei":
            count = max(count, 6)
        for _ in range(count):
            dest = _pick(rng, DESTINATIONS[person.office.name])
            trip = builder.trip(person, dest, _pick(rng, dest.routes))
            if trip:
                trips.append(trip)

    cancel_some(rng, trips)
    exchanges = exchange_some(rng, builder, trips)
    duplicates = duplicate_some(rng, builder, trips, feeds)
    activities: list[Activity] = []
    busy: dict[int, set[date]] = {}
    for trip in trips:
        activities.extend(trip.core())
        activities.extend(trip.extras)
        if trip.outbound[0].status is not ActivityStatus.CANCELLED:
            days = busy.setdefault(trip.person.employee.id, set())
            days.update(
                trip.depart + timedelta(days=n) for n in range((trip.back - trip.depart).days + 1)
            )
    activities.extend(new for _, new in exchanges)
    activities.extend(dup for dup, _ in duplicates)
    for claim in _mileage_claims(rng, builder, people):
        activities.append(claim)
        busy.setdefault(claim.employee_id, set()).add(claim.travel_date)
    return Travel(activities, builder.journeys, exchanges, duplicates, busy)


def _mileage_claims(
    rng: random.Random, builder: TripBuilder, people: list[Person]
) -> list[Activity]:
    """Client visits in the traveller's own car, claimed as mileage (self-reported)."""
    drivers = rng.sample(people, min(len(people), 18))
    claims = []
    for person in drivers:
        for _ in range(rng.randint(1, 2)):
            place, one_way = rng.choice(MILEAGE[person.office.name])
            day = builder.dates(person, 0)
            if day is None:
                continue
            claims.append(
                Activity(
                    employee_id=person.employee.id,
                    department=person.employee.department,
                    office=person.employee.office,
                    kind=ActivityKind.BUSINESS_TRAVEL,
                    mode=Mode.CAR,
                    fuel=rng.choice((Fuel.PETROL, Fuel.DIESEL, Fuel.HYBRID, Fuel.BEV)),
                    vehicle_size=rng.choice((VehicleSize.SMALL, VehicleSize.MEDIUM)),
                    origin=f"{person.office.name} office",
                    destination=place,
                    travel_date=day[0],
                    distance_km=Decimal(2 * one_way),
                    distance_source=DistanceSource.DECLARED,
                    occupants=1,
                    method=CalculationMethod.DISTANCE,
                    status=ActivityStatus.CONFIRMED,
                    verification=Verification.SELF_REPORTED,
                    note="Mileage claim, round trip",
                )
            )
    return claims
