"""Builds the demo's trips leg by leg: identifiers, dates, prices and the journeys they form.

Flights use real airports (coordinates from ``airportsdata``, great-circle distance); surface
legs carry the distance the operator states.
"""

from __future__ import annotations

import random
import uuid
import zlib
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

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
    HOTELS,
    LONG_HAUL_KM,
    NIGHT_GBP,
    NIGHT_SERVICE,
    NIGHT_TRAIN_ONE_IN,
    PER_GBP,
    RAIL_CLASS_PRICE,
    RAIL_FIRST_ONE_IN,
    SLEEPER_KM,
    STATIONS,
    TAXIS,
    Destination,
    Route,
    SurfaceLeg,
    airports,
    flight_km,
)
from corp_carbon.demo.sources import Feeds
from corp_carbon.demo.trip_records import Trip, dec6, match_key
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    Cabin,
    CalculationMethod,
    DistanceSource,
    Fuel,
    Mode,
    VehicleSize,
)

_CENT = Decimal("0.01")
_COORD = Decimal("0.000001")


_LOCATOR_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class TripBuilder:
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
            department=trip.person.employee.department,
            office=trip.person.employee.office,
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
            cabin = rail_class(trip.booking, leg) if leg.mode is Mode.RAIL else None
            if leg.service:
                prefix, low, high = leg.service
                drawn = self.rng.randint(low, high)
                if cabin is Cabin.SLEEPER and leg.carrier in NIGHT_SERVICE:
                    prefix, first, last = NIGHT_SERVICE[leg.carrier]
                    drawn = first + (drawn - low) % (last - first + 1)
                service = f"{prefix}{drawn}"
            per_km = {Mode.RAIL: 0.16, Mode.COACH: 0.06, Mode.FERRY: 0.3}[leg.mode]
            per_km *= RAIL_CLASS_PRICE[cabin] if cabin else 1.0
            made.append(
                self._activity(
                    trip,
                    journey=journey,
                    leg_index=index,
                    mode=leg.mode,
                    cabin=cabin,
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


def rail_class(booking: str, leg: SurfaceLeg) -> Cabin:
    """A train's class, drawn from the booking's id (not the shared generator, so the rest of
    the demo stays as it was): a sleeper berth on a night train over ``SLEEPER_KM``, first
    class on about one booking in eight, else standard."""
    if Decimal(leg.km) > SLEEPER_KM and _draw(booking, "night") % NIGHT_TRAIN_ONE_IN == 0:
        return Cabin.SLEEPER
    return Cabin.FIRST if _draw(booking, "class") % RAIL_FIRST_ONE_IN == 0 else Cabin.STANDARD


def _draw(booking: str, what: str) -> int:
    return zlib.crc32(f"{booking}:{what}".encode())
