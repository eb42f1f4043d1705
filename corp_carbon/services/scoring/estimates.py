"""Hypothetical trips: "what would this trip emit and earn?" and "compare before you book".

Used by ``corp-carbon estimate`` / ``compare`` and the matching API endpoints. Nothing is
stored; the methodology is the configured one (or the stored current version when given).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from corp_carbon.catalogue import Catalogue
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.factors import MissingFactor, UnknownFactorSet
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.explain import explain
from corp_carbon.domain.scoring.values import Assessment, Trip
from corp_carbon.domain.vocabulary import (
    CLASSES_BY_MODE,
    ActivityKind,
    Cabin,
    DistanceSource,
    Fuel,
    Mode,
    VehicleSize,
    class_label,
    label,
)
from corp_carbon.geo import places, resolve
from corp_carbon.geo.airports import nearest_km as nearest_airport_km
from corp_carbon.geo.places import UnknownPlace
from corp_carbon.geo.resolve import Resolution

FLIGHT_LIKE = frozenset({Mode.AIR})


@dataclass(frozen=True)
class TripQuery:
    """A trip as a person describes it: words, codes and optional numbers, not yet checked."""

    mode: str
    origin: str | None = None
    destination: str | None = None
    distance_km: str | Decimal | None = None
    cabin: str | None = None
    fuel: str | None = None
    size: str | None = None
    kind: str = ActivityKind.BUSINESS_TRAVEL.value
    occupants: int = 1
    nights: int | None = None
    year: int | None = None
    #: the traveller's travel-policy grade (which cabin or rail class they are entitled to).
    grade: str | None = None


E = TypeVar("E", Mode, Cabin, Fuel, VehicleSize, ActivityKind)


def choice(enum: type[E], field: str, value: str | None) -> E | None:
    """Parses one enum value, or fails naming the bad value and the accepted ones."""
    if value is None or value == "":
        return None
    try:
        return enum(value.strip().lower())
    except ValueError:
        accepted = ", ".join(m.value for m in enum)
        raise DomainError(f"{field} {value!r}: accepted: {accepted}") from None


#: what the classes of each mode are called, in the error naming them.
CLASS_NAMES = {Mode.AIR: "a flight's cabins", Mode.RAIL: "a train's classes"}


def travel_class(mode: Mode, value: str | None) -> Cabin | None:
    """A flight's cabin or a train's class, checked against the mode: ``--mode rail --cabin
    business`` fails naming the classes a train has; other modes have no class at all."""
    if value is None or value.strip() == "":
        return None
    accepted = CLASSES_BY_MODE.get(mode, ())
    if not accepted:
        raise DomainError(f"cabin {value!r}: a {label(mode).lower()} trip has no class of travel")
    found = next((c for c in accepted if c.value == value.strip().lower()), None)
    if found is None:
        words = ", ".join(c.value for c in accepted)
        raise DomainError(f"cabin {value!r}: accepted: {words} ({CLASS_NAMES[mode]})")
    return found


def build_trip(query: TripQuery, methodology: Methodology) -> Trip:
    mode = choice(Mode, "mode", query.mode)
    if mode is None:
        raise DomainError(f"mode: required; accepted: {', '.join(m.value for m in Mode)}")
    start, end, read = ends(query.origin, query.destination, mode)
    origin = start.place if start else None
    destination = end.place if end else None
    given = _decimal_km(query.distance_km)
    great_circle = places.great_circle_km(origin, destination) if origin and destination else None
    route = f"{origin.code}-{destination.code}" if origin and destination else ""
    if given is not None:
        distance, source, note = given, DistanceSource.GIVEN, "as given"
    elif great_circle is None:
        if mode is Mode.HOTEL:
            distance, source, note = None, None, ""
        else:
            raise DomainError("distance: give an origin and a destination, or a distance in km")
    elif mode in FLIGHT_LIKE:
        distance, source = great_circle, DistanceSource.COMPUTED
        note = f"great-circle distance {route}"
    else:
        detour = methodology.detour(mode)
        distance = (great_circle * detour).quantize(Decimal("0.001"))
        source = DistanceSource.ESTIMATED
        note = f"estimated: great circle {route} {great_circle} km x detour factor {detour}"
    route_km = great_circle
    if route_km is None and distance is not None and mode not in FLIGHT_LIKE:
        route_km = (distance / methodology.detour(mode)).quantize(Decimal("0.001"))
    elif route_km is None:
        route_km = distance
    return Trip(
        mode=mode,
        kind=choice(ActivityKind, "kind", query.kind) or ActivityKind.BUSINESS_TRAVEL,
        distance_km=distance,
        distance_source=source,
        distance_note=note,
        cabin=travel_class(mode, query.cabin),
        fuel=choice(Fuel, "fuel", query.fuel),
        vehicle_size=choice(VehicleSize, "size", query.size),
        occupants=max(1, query.occupants),
        nights=query.nights,
        origin_country=origin.country if origin else None,
        destination_country=destination.country if destination else None,
        route_km=route_km,
        year=query.year or date.today().year,
        place_notes=read,
        grade=(query.grade or "").strip() or None,
        origin_airport_km=nearest_airport_km(origin) if origin and mode in GROUND else None,
        destination_airport_km=(
            nearest_airport_km(destination) if destination and mode in GROUND else None
        ),
    )


#: trips compared with a flight: whether an airport is near their ends matters.
GROUND = frozenset({Mode.RAIL, Mode.COACH})


def ends(
    origin: str | None, destination: str | None, mode: Mode
) -> tuple[Resolution | None, Resolution | None, tuple[str, ...]]:
    """The places a trip starts and ends at, and what the trail should say about how they
    were read: a flight's airports, a station's city, a namesake to check."""
    notes: list[str] = []
    start: Resolution | None
    end: Resolution | None
    if origin and destination:
        if mode in FLIGHT_LIKE:
            start, end = resolve.flight(origin, destination)
        else:
            start, end, reread = resolve.ground_pair(origin, destination)
            notes += [reread] if reread else []
    else:
        start = _one(origin, mode) if origin else None
        end = _one(destination, mode) if destination else None
    for found in (start, end):
        if found is not None:
            placed = _placed(found)
            notes += [placed] if placed else []
            notes += found.notes()
    return start, end, tuple(notes)


def _one(text: str, mode: Mode) -> Resolution:
    return resolve.air(text)[0] if mode in FLIGHT_LIKE else resolve.ground(text)


def _placed(found: Resolution) -> str | None:
    """Where a named station or place was put, when its words are not the place's name."""
    place = found.place
    if place.kind == "airport" or found.read_as:
        return None
    if found.text.strip().casefold() == place.name.casefold():
        return None
    return f"{found.text.strip()!r} placed at {place.describe()}"


def _decimal_km(value: str | Decimal | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        km = Decimal(str(value))
    except ArithmeticError:
        raise DomainError(f"distance-km {value!r}: not a number") from None
    if not km.is_finite() or km < 0 or km > 40_000:
        raise DomainError(f"distance-km {value!r}: must be between 0 and 40,000 km")
    return km


def estimate(
    query: TripQuery,
    methodology: Methodology,
    catalogue: Catalogue,
    *,
    factor_set: str | None = None,
    radiative_forcing: bool | None = None,
) -> Assessment:
    if factor_set is not None and factor_set not in catalogue.factor_sets:
        accepted = ", ".join(sorted(catalogue.factor_sets))
        raise UnknownFactorSet(f"factor set {factor_set!r}: accepted: {accepted}")
    chosen = methodology
    if factor_set is not None:
        chosen = replace(chosen, factor_set=factor_set)
    if radiative_forcing is not None:
        chosen = replace(chosen, radiative_forcing=radiative_forcing)
    scorer = Scorer(chosen, catalogue.factor_sets, catalogue.rate_cards)
    try:
        return scorer.assess(build_trip(query, chosen))
    except UnknownPlace as exc:
        raise resolve.with_suggestions(exc) from None


#: the options of "compare before you book": each flight cabin, rail (standard, and first
#: class where the methodology gives it a figure of its own), coach, car by fuel.
COMPARE_OPTIONS: tuple[tuple[Mode, str | None, str | None], ...] = (
    (Mode.AIR, "economy", None),
    (Mode.AIR, "premium_economy", None),
    (Mode.AIR, "business", None),
    (Mode.AIR, "first", None),
    (Mode.RAIL, None, None),
    (Mode.RAIL, "first", None),
    (Mode.COACH, None, None),
    (Mode.CAR, None, "petrol"),
    (Mode.CAR, None, "diesel"),
    (Mode.CAR, None, "hybrid"),
    (Mode.CAR, None, "phev"),
    (Mode.CAR, None, "bev"),
)


#: surface options (rail, coach, car) are offered up to this great-circle distance; beyond it
#: (an ocean, a continent) only flights are a sensible way to go.
SURFACE_MAX_KM = Decimal(3000)


def compare(
    origin: str,
    destination: str,
    methodology: Methodology,
    catalogue: Catalogue,
    grade: str | None = None,
) -> list[Assessment]:
    """Every sensible way to make the trip, lowest emissions first."""
    scorer = Scorer(methodology, catalogue.factor_sets, catalogue.rate_cards)
    try:
        start, end, _ = resolve.ground_pair(origin, destination)
    except UnknownPlace as exc:
        raise resolve.with_suggestions(exc) from None
    surface = places.great_circle_km(start.place, end.place) <= SURFACE_MAX_KM
    flying = _flight_offered(origin, destination)
    results = []
    seen_air_factors: set[str] = set()
    standard_rail: Decimal | None = None
    for mode, cabin, fuel in COMPARE_OPTIONS:
        if (mode is Mode.AIR and not flying) or (mode is not Mode.AIR and not surface):
            continue
        query = TripQuery(
            mode=mode.value, origin=origin, destination=destination, cabin=cabin, fuel=fuel,
            grade=grade,
        )  # fmt: skip
        try:
            result = scorer.assess(build_trip(query, methodology))
        except MissingFactor:
            continue  # e.g. a set without coach factors: that option is not offered
        factor = result.actual.factor
        if mode is Mode.AIR and factor is not None:
            if factor.key in seen_air_factors:
                continue  # the set has no factor of its own for this cabin on this route
            seen_air_factors.add(factor.key)
        if mode is Mode.RAIL and cabin is None:
            standard_rail = result.kg_co2e
        elif mode is Mode.RAIL and result.kg_co2e == standard_rail:
            continue  # first class weighs as much as standard here: nothing to choose
        results.append(result)
    return sorted(results, key=lambda a: (a.kg_co2e, _option_label(a)))


#: no flight is offered between places closer than this (Frankfurt to FRA is 12 km).
FLIGHT_MIN_KM = Decimal(100)


def _flight_offered(origin: str, destination: str) -> bool:
    """A flight is an option when both ends have airports at least ``FLIGHT_MIN_KM`` apart."""
    try:
        start, end = resolve.flight(origin, destination)
    except UnknownPlace:
        return False
    return places.great_circle_km(start.place, end.place) >= FLIGHT_MIN_KM


def _option_label(a: Assessment) -> str:
    trip = a.trip
    if trip.mode is Mode.AIR and trip.cabin:
        factor = a.actual.factor
        if factor is not None and f".{trip.cabin.value}." not in factor.key:
            return "Flight, average passenger"
        return f"Flight, {label(trip.cabin).lower()}"
    if trip.mode is Mode.RAIL and trip.cabin:
        return f"{label(trip.mode)}, {(class_label(trip.mode, trip.cabin) or '').lower()}"
    if trip.mode is Mode.CAR and trip.fuel:
        return f"Car, {label(trip.fuel).lower()}"
    return label(trip.mode)


def to_json(a: Assessment) -> dict[str, Any]:
    """The stable JSON shape of an assessment (CLI --json and the API)."""
    trip = a.trip
    baseline = a.baseline
    return {
        "option": _option_label(a),
        "mode": trip.mode.value,
        "cabin": trip.cabin.value if trip.cabin else None,
        "fuel": trip.fuel.value if trip.fuel else None,
        "kg_co2e": float(a.kg_co2e),
        "distance_km": float(trip.distance_km) if trip.distance_km is not None else None,
        "distance_source": trip.distance_source.value if trip.distance_source else None,
        "factor_set": a.factor_set.id,
        "factor_set_version": a.factor_set.version,
        "factor_id": a.factor_id,
        "factor_value": float(a.actual.factor.value) if a.actual.factor else 0.0,
        "factor_unit": a.actual.factor.unit if a.actual.factor else None,
        "radiative_forcing": a.radiative_forcing,
        "haul": a.actual.haul,
        "baseline": baseline.code if baseline else None,
        "baseline_description": baseline.description if baseline else None,
        "baseline_kg_co2e": float(baseline.emission.kg_co2e) if baseline else None,
        "avoided_kg_co2e": float(a.avoided_kg_co2e),
        "points": a.points,
        "points_rule": a.points_rule,
        "methodology_version": a.methodology.version,
        "explanation": explain(a),
    }
