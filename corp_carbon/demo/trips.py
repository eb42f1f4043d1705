"""A year of business travel as the agencies export it: flights, trains, hotels, taxis, hire cars.

Trips run from the traveller's office to a destination and back. Flights use real airports
(coordinates from ``airportsdata``, great-circle distance); surface legs carry the distance
the operator states. Afterwards some trips are cancelled, some return tickets exchanged,
and a few flights arrive a second time through the other agency.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import sqlalchemy as sa

from corp_carbon.db.models import Activity, Journey
from corp_carbon.demo.people import Person
from corp_carbon.demo.places import (
    AIRLINES,
    AIRPORT_CARRIERS,
    CABIN_PRICE,
    CABINS_LONG,
    CABINS_SHORT,
    CAR_HIRE,
    CHINESE_AIRLINES,
    DESTINATIONS,
    HOTELS,
    LONG_HAUL_KM,
    MILEAGE,
    NIGHT_GBP,
    PER_GBP,
    STATIONS,
    TAXIS,
    Destination,
    Route,
    SurfaceLeg,
    airports,
    flight_km,
)
from corp_carbon.demo.sources import Feed, Feeds
from corp_carbon.domain import matching
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

TARGET_CANCELLED = 15
TARGET_EXCHANGES = 10
TARGET_DUPLICATES = 3
_CENT = Decimal("0.01")
_COORD = Decimal("0.000001")


_LOCATOR_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: Activity columns copied when a record is cloned (exchange ticket, duplicate).
_CLONED = tuple(
    a.key
    for a in sa.inspect(Activity).column_attrs
    if a.key
    not in (
        "id",
        "created_at",
        "updated_at",
        "journey_id",
        "replaced_by_id",
        "duplicate_of_id",
        "source_id",
        "import_run_id",
        "source_record_key",
        "source_record_hash",
    )
)


def dec6(value: float | str) -> Decimal:
    return Decimal(repr(value) if isinstance(value, float) else value).quantize(_COORD)


def match_key(person: Person, activity: Activity) -> str:
    """Cross-source identity of a segment, as the import pipeline computes it."""
    return matching.match_key(
        person.employee.id, activity.travel_date, activity.mode, activity.origin,
        activity.destination,
    )  # fmt: skip


def clone(activity: Activity, **changes: Any) -> Activity:
    values = {k: getattr(activity, k) for k in _CLONED}
    values.update(changes)
    return Activity(**{k: v for k, v in values.items() if v is not None})


@dataclass
class Trip:
    person: Person
    feed: Feed
    booking: str
    depart: date
    back: date
    #: transport legs of the outbound and the return journey.
    outbound: list[Activity]
    inbound: list[Activity]
    hotel: Activity | None = None
    extras: list[Activity] = field(default_factory=list)
    scripted: bool = False

    def core(self) -> list[Activity]:
        return [*self.outbound, *self.inbound, *([self.hotel] if self.hotel else [])]


@dataclass
class Travel:
    activities: list[Activity]
    journeys: list[Journey]
    #: (original, replacement) per ticket exchange; (duplicate, original) per duplicate.
    exchanges: list[tuple[Activity, Activity]]
    duplicates: list[tuple[Activity, Activity]]
    #: employee id -> days away on business (no commute then).
    busy: dict[int, set[date]]


class _Builder:
    def __init__(self, rng: random.Random, today: date, feeds: Feeds) -> None:
        self.rng, self.feeds = rng, feeds
        self.start, self.end = today - timedelta(days=365), today - timedelta(days=1)
        self.flight_numbers: dict[tuple[str, str, str], int] = {}
        self.taken: dict[int, list[tuple[date, date]]] = {}
        self.journeys: list[Journey] = []
        self.segment = 0

    # --- identifiers ------------------------------------------------------------------------

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def locator(self) -> str:
        return "".join(self.rng.choice(_LOCATOR_ALPHABET) for _ in range(6))

    def ticket(self, carrier: str) -> str | None:
        prefix = AIRLINES[carrier]
        return None if prefix is None else f"{prefix}{self.rng.randint(10**9, 10**10 - 1)}"

    def flight_number(self, carrier: str, origin: str, destination: str) -> str:
        key = (carrier, origin, destination)
        if key not in self.flight_numbers:
            back = self.flight_numbers.get((carrier, destination, origin))
            if back is not None:
                self.flight_numbers[key] = back + 1
            elif carrier in CHINESE_AIRLINES:
                self.flight_numbers[key] = 2 * self.rng.randint(250, 2900) + 1
            else:
                self.flight_numbers[key] = 2 * self.rng.randint(5, 480) + 1
        return f"{carrier} {self.flight_numbers[key]}"

    def money(self, gbp: float, currency: str) -> Decimal:
        amount = Decimal(repr(round(gbp * self.rng.uniform(0.8, 1.3), 2)))
        return (amount * PER_GBP[currency]).quantize(_CENT)

    # --- trips ------------------------------------------------------------------------------

    def dates(self, person: Person, nights: int) -> tuple[date, date] | None:
        """A free slot for the trip: few trips at Christmas or in August, Monday starts."""
        last = min(self.end, person.leaves) if person.leaves else self.end
        span = (last - self.start).days - nights
        if span < 0:
            return None
        taken = self.taken.setdefault(person.employee.id, [])
        for _ in range(8):
            depart = self.start + timedelta(days=self.rng.randint(0, span))
            if depart.weekday() == 5 or (depart.weekday() == 6 and nights < 3):
                depart += timedelta(days=7 - depart.weekday())
            back = depart + timedelta(days=nights)
            quiet = (depart.month, depart.day) >= (12, 20) or (depart.month, depart.day) <= (1, 3)
            if back > last or (quiet and self.rng.random() < 0.85):
                continue
            if depart.month == 8 and self.rng.random() < 0.4:
                continue
            if any(
                depart <= b + timedelta(days=1) and a <= back + timedelta(days=1) for a, b in taken
            ):
                continue
            taken.append((depart, back))
            return depart, back
        return None

    def trip(
        self,
        person: Person,
        dest: Destination,
        route: Route,
        *,
        cabin: Cabin | None = None,
        nights: int | None = None,
        scripted: bool = False,
    ) -> Trip | None:
        rng = self.rng
        office = person.office
        if route.stops:
            haul = sum(flight_km(a, b) for a, b in pairwise(route.stops))
        else:
            haul = sum(Decimal(leg.km) for leg in route.surface)
        long_haul = haul > LONG_HAUL_KM
        if nights is None:
            nights = (
                rng.randint(3, 8)
                if long_haul
                else rng.choices(
                    (0, 1, 2, 3, 4), weights=(10 if haul < 700 else 2, 30, 30, 18, 10)
                )[0]
            )
        slot = self.dates(person, nights)
        if slot is None:
            return None
        depart, back = slot
        if office.name in ("London", "Berlin"):
            feed = self.feeds.concur if rng.random() < 0.85 else self.feeds.navan
        else:
            feed = self.feeds.navan if rng.random() < 0.9 else self.feeds.concur
        trip = Trip(person, feed, self.uuid(), depart, back, [], [], scripted=scripted)
        self.segment = 0
        locator = self.locator()
        if route.stops:
            cabins = CABINS_LONG if long_haul else CABINS_SHORT
            cabin = cabin or rng.choices([c for c, _ in cabins], weights=[w for _, w in cabins])[0]
            if len(route.stops) > 2:
                carrier = AIRPORT_CARRIERS[route.stops[1]][0]
            else:
                ends = AIRPORT_CARRIERS[route.stops[0]] + AIRPORT_CARRIERS[route.stops[-1]]
                carrier = rng.choice(ends)
            ticket = self.ticket(carrier)
            trip.outbound = self.flights(trip, route.stops, depart, carrier, cabin, ticket, locator)
            trip.inbound = self.flights(
                trip, route.stops[::-1], back, carrier, cabin, ticket, locator
            )
        else:
            trip.outbound = self.surface(trip, route.surface, depart, locator)
            trip.inbound = self.surface(
                trip, tuple(leg.reversed() for leg in route.surface[::-1]), back, locator
            )
        if nights > 0 and rng.random() < 0.92:
            trip.hotel = self.hotel(trip, dest, nights)
        self.extras(trip, dest, route, nights)
        return trip

    def _journey(self, person: Person, origin: str, destination: str, day: date) -> Journey:
        journey = Journey(
            employee_id=person.employee.id,
            kind=ActivityKind.BUSINESS_TRAVEL,
            origin=origin,
            destination=destination,
            start_date=day,
            end_date=day,
        )
        self.journeys.append(journey)
        return journey

    def _activity(self, trip: Trip, **fields: Any) -> Activity:
        self.segment += 1
        activity = Activity(
            employee_id=trip.person.employee.id,
            kind=ActivityKind.BUSINESS_TRAVEL,
            occupants=1,
            method=CalculationMethod.DISTANCE,
            status=ActivityStatus.CONFIRMED,
            spend_currency=trip.person.office.currency,
            **fields,
        )
        trip.feed.stamp(activity, f"{trip.booking}:{self.segment}")
        activity.match_key = match_key(trip.person, activity)
        return activity

    def flights(
        self,
        trip: Trip,
        stops: tuple[str, ...],
        day: date,
        carrier: str,
        cabin: Cabin,
        ticket: str | None,
        locator: str,
    ) -> list[Activity]:
        journey = self._journey(trip.person, stops[0], stops[-1], day)
        legs = []
        for index, (origin, destination) in enumerate(pairwise(stops)):
            a, b = airports()[origin], airports()[destination]
            km = flight_km(origin, destination)
            legs.append(
                self._activity(
                    trip,
                    journey=journey,
                    leg_index=index,
                    mode=Mode.AIR,
                    cabin=cabin,
                    origin=origin,
                    destination=destination,
                    origin_lat=dec6(a["lat"]),
                    origin_lon=dec6(a["lon"]),
                    destination_lat=dec6(b["lat"]),
                    destination_lon=dec6(b["lon"]),
                    carrier=carrier,
                    service_number=self.flight_number(carrier, origin, destination),
                    ticket_number=ticket,
                    record_locator=locator,
                    travel_date=day,
                    distance_km=km,
                    distance_source=DistanceSource.COMPUTED,
                    spend_amount=self.money(
                        (45 + 0.085 * float(km)) * CABIN_PRICE[cabin], trip.person.office.currency
                    ),
                )
            )
        return legs

    def surface(
        self, trip: Trip, legs: tuple[SurfaceLeg, ...], day: date, locator: str
    ) -> list[Activity]:
        journey = self._journey(trip.person, legs[0].origin, legs[-1].destination, day)
        made = []
        for index, leg in enumerate(legs):
            (olat, olon), (dlat, dlon) = STATIONS[leg.origin], STATIONS[leg.destination]
            service = None
            if leg.service:
                prefix, low, high = leg.service
                service = f"{prefix}{self.rng.randint(low, high)}"
            per_km = {Mode.RAIL: 0.16, Mode.COACH: 0.06, Mode.FERRY: 0.3}[leg.mode]
            made.append(
                self._activity(
                    trip,
                    journey=journey,
                    leg_index=index,
                    mode=leg.mode,
                    origin=leg.origin,
                    destination=leg.destination,
                    origin_lat=dec6(olat),
                    origin_lon=dec6(olon),
                    destination_lat=dec6(dlat),
                    destination_lon=dec6(dlon),
                    carrier=leg.carrier,
                    service_number=service,
                    record_locator=locator,
                    travel_date=day,
                    distance_km=Decimal(leg.km),
                    distance_source=DistanceSource.GIVEN,
                    spend_amount=self.money(
                        15 + per_km * float(leg.km), trip.person.office.currency
                    ),
                )
            )
        return made

    def hotel(self, trip: Trip, dest: Destination, nights: int) -> Activity:
        chain = self.rng.choice(HOTELS.get(dest.city, ("Marriott", "Hilton", "Novotel", "Hyatt")))
        return self._activity(
            trip,
            mode=Mode.HOTEL,
            destination=dest.city,
            carrier=chain,
            travel_date=trip.depart,
            nights=nights,
            record_locator=self.locator(),
            spend_amount=self.money(
                NIGHT_GBP.get(dest.city, 135) * nights, trip.person.office.currency
            ),
        )

    def extras(self, trip: Trip, dest: Destination, route: Route, nights: int) -> None:
        """Taxis to the airport or station and at the destination; sometimes a hire car."""
        rng, office = self.rng, trip.person.office
        first, last = trip.outbound[0].origin or "", trip.outbound[-1].destination or ""
        by_air = bool(route.stops)
        rides = (
            (0.3 if by_air else 0.12, "Home", first, trip.depart, office.country),
            (0.35, last, f"Hotel, {dest.city}", trip.depart, dest.country),
            (0.2, first, "Home", trip.back, office.country),
        )
        for chance, origin, destination, day, country in rides:
            if rng.random() < chance:
                km = rng.uniform(12, 55) if by_air else rng.uniform(3, 15)
                trip.extras.append(
                    self._activity(
                        trip,
                        mode=Mode.TAXI,
                        origin=origin,
                        destination=destination,
                        carrier=rng.choice(TAXIS.get(country, ("Uber",))),
                        travel_date=day,
                        distance_km=Decimal(repr(round(km, 1))),
                        distance_source=DistanceSource.GIVEN,
                        spend_amount=self.money(4 + 2.0 * km, office.currency),
                    )
                )
        if dest.car_hire and nights >= 1 and rng.random() < 0.3:
            km = rng.uniform(40, 120 * nights + 60)
            fuel = rng.choices(
                (Fuel.PETROL, Fuel.DIESEL, Fuel.HYBRID, Fuel.BEV, Fuel.PHEV),
                weights=(40, 25, 20, 10, 5),
            )[0]
            trip.extras.append(
                self._activity(
                    trip,
                    mode=Mode.CAR,
                    fuel=fuel,
                    vehicle_size=rng.choices(
                        (VehicleSize.SMALL, VehicleSize.MEDIUM, VehicleSize.LARGE),
                        weights=(25, 55, 20),
                    )[0],
                    origin=last,
                    destination=last,
                    carrier=rng.choice(CAR_HIRE.get(dest.country, ("Sixt", "Hertz", "Europcar"))),
                    travel_date=trip.depart,
                    distance_km=Decimal(repr(round(km, 1))),
                    distance_source=DistanceSource.GIVEN,
                    record_locator=self.locator(),
                    spend_amount=self.money(55 * nights + 0.12 * km, office.currency),
                )
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
    builder = _Builder(rng, today, feeds)
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

    _cancel(rng, trips)
    exchanges = _exchange(rng, builder, trips)
    duplicates = _duplicate(rng, builder, trips, feeds)
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


def _cancel(rng: random.Random, trips: list[Trip]) -> None:
    """Whole trips called off: transport and hotel cancelled, no taxis or hire cars taken."""
    candidates = [t for t in trips if not t.scripted]
    rng.shuffle(candidates)
    cancelled = 0
    for trip in candidates:
        if cancelled >= TARGET_CANCELLED:
            break
        reason = rng.choice(
            (
                "meeting postponed",
                "customer cancelled",
                "travel freeze",
                "illness",
                "moved to video call",
            )
        )
        for activity in trip.core():
            activity.status = ActivityStatus.CANCELLED
            activity.note = f"Cancelled: {reason}"
            cancelled += 1
        trip.extras = []


def _exchange(
    rng: random.Random, builder: _Builder, trips: list[Trip]
) -> list[tuple[Activity, Activity]]:
    """Return tickets rebooked one or two days later: old leg replaced, new leg confirmed."""
    pairs: list[tuple[Activity, Activity]] = []
    candidates = [
        t
        for t in trips
        if not t.scripted
        and len(t.inbound) == 1
        and t.inbound[0].status is ActivityStatus.CONFIRMED
    ]
    rng.shuffle(candidates)
    for trip in candidates:
        if len(pairs) >= TARGET_EXCHANGES:
            break
        shift = rng.choice((1, 1, 2))
        new_day = trip.back + timedelta(days=shift)
        last = min(builder.end, trip.person.leaves) if trip.person.leaves else builder.end
        if new_day > last:
            continue
        old = trip.inbound[0]
        journey = old.journey
        assert journey is not None
        assert old.source_record_key is not None
        ticket = builder.ticket(old.carrier or "") if old.mode is Mode.AIR else None
        new = clone(
            old,
            travel_date=new_day,
            ticket_number=ticket,
            note=f"Exchanged ticket; originally {trip.back.isoformat()}",
            journey=journey,
            spend_amount=builder.money(60, trip.person.office.currency)
            + (old.spend_amount or Decimal(0)),
        )
        trip.feed.stamp(new, f"{old.source_record_key}-X1")
        new.match_key = match_key(trip.person, new)
        old.status, old.note = ActivityStatus.REPLACED, f"Ticket exchanged to {new_day.isoformat()}"
        journey.start_date = journey.end_date = new_day
        if trip.hotel is not None and trip.hotel.nights is not None:
            trip.hotel.nights += shift
        for taxi in trip.extras:
            if taxi.travel_date == trip.back and taxi.destination == "Home":
                taxi.travel_date = new_day
        trip.back = new_day
        pairs.append((old, new))
    return pairs


def _duplicate(
    rng: random.Random, builder: _Builder, trips: list[Trip], feeds: Feeds
) -> list[tuple[Activity, Activity]]:
    """Flights Concur already sent that Navan sends again (booked there, ticketed here)."""
    candidates = [
        t.outbound[0]
        for t in trips
        if t.feed is feeds.concur
        and not t.scripted
        and t.outbound[0].mode is Mode.AIR
        and all(a.status is ActivityStatus.CONFIRMED for a in t.core())
    ]
    pairs = []
    for original in rng.sample(candidates, min(TARGET_DUPLICATES, len(candidates))):
        dup = clone(
            original,
            status=ActivityStatus.DUPLICATE,
            leg_index=None,
            note="Same flight as the Concur record; not counted twice",
        )
        feeds.navan.stamp(dup, builder.uuid())
        pairs.append((dup, original))
    return pairs


def _mileage_claims(rng: random.Random, builder: _Builder, people: list[Person]) -> list[Activity]:
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
