"""Where a segment starts and ends, and how far it goes, for the import pipeline.

Flights need known airports (or the export's coordinates when the code is unknown, e.g.
a new or a mistyped code next to good coordinates); ground trips take station or place
names. Distances the source gives win; otherwise great-circle, times the methodology's detour
factor for ground modes. Each fallback is written into the segment's notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from corp_carbon import places
from corp_carbon.domain.bookings import Segment
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.geo import haversine_km
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring import ZERO_EMISSION_MODES
from corp_carbon.domain.vocabulary import CalculationMethod, DistanceSource, Mode


@dataclass(frozen=True, slots=True)
class Point:
    name: str
    country: str | None
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Located:
    """A segment's ends and distance, with what was assumed."""

    origin: Point | None
    destination: Point | None
    distance_km: Decimal | None
    distance_source: DistanceSource | None
    notes: tuple[str, ...]


class PlaceProblem(Exception):
    """A segment that cannot be used: which field, and why."""

    def __init__(self, field: str, reason: str, value: str | None) -> None:
        super().__init__(reason)
        self.field, self.reason, self.value = field, reason, value


@lru_cache(maxsize=50_000)
def _airport(code: str) -> Point | None:
    found = places.airport(code)
    return None if found is None else Point(found.code, found.country, found.lat, found.lon)


@lru_cache(maxsize=50_000)
def _place(text: str) -> Point | None:
    try:
        found = places.resolve(text, prefer_airport=False)
    except DomainError:
        return None
    return Point(found.name, found.country, found.lat, found.lon)


def _end(
    segment: Segment, which: str, notes: list[str]
) -> tuple[Point | None, PlaceProblem | None]:
    text: str | None = getattr(segment, which)
    lat, lon = getattr(segment, f"{which}_lat"), getattr(segment, f"{which}_lon")
    given = None
    if lat is not None and lon is not None:
        country = places.country_at(float(lat), float(lon))
        given = Point(text or "", country, float(lat), float(lon))
    if not text:
        return given, None
    if segment.mode is Mode.AIR:
        found = _airport(text)
        if found is None and given is not None:
            notes.append(f"airport code {text} unknown: position taken from the export")
            return given, None
        if found is None:
            return None, PlaceProblem(which, f"unknown airport code {text!r}", text)
        return found, None
    found = _place(text)
    if found is None and given is None:
        notes.append(f"place {text!r} not found")
    return found or given, None


@lru_cache(maxsize=50_000)
def _named_pair(origin: str, destination: str) -> tuple[Point, Point, str | None] | None:
    """Two place names of a ground trip, read so that a namesake abroad does not turn a
    train to Milan into a trip from Lesotho (``places.closer_pair``)."""
    try:
        start = places.resolve(origin, prefer_airport=False)
        end = places.resolve(destination, prefer_airport=False)
    except DomainError:
        return None
    start, end, note = places.closer_pair(origin, destination, start, end)
    return (
        Point(start.name, start.country, start.lat, start.lon),
        Point(end.name, end.country, end.lat, end.lon),
        note,
    )


def locate(segment: Segment, methodology: Methodology) -> Located:
    """The segment's ends and distance; raises PlaceProblem when a flight cannot be placed."""
    notes: list[str] = []
    origin, problem = _end(segment, "origin", notes)
    if problem:
        raise problem
    destination, problem = _end(segment, "destination", notes)
    if problem:
        raise problem
    if (
        segment.mode is not Mode.AIR
        and segment.origin
        and segment.destination
        and segment.origin_lat is None
        and segment.destination_lat is None
    ):
        pair = _named_pair(segment.origin, segment.destination)
        if pair is not None:
            origin, destination, note = pair
            if note:
                notes.append(note)
    distance, source = segment.distance_km, segment.distance_source
    if distance is not None:
        source = source or DistanceSource.GIVEN
    elif segment.mode is not Mode.HOTEL and origin is not None and destination is not None:
        great_circle = _great_circle(origin.lat, origin.lon, destination.lat, destination.lon)
        if not great_circle:
            notes.append("starts and ends at the same place: distance unknown")
        elif segment.mode is Mode.AIR:
            distance, source = great_circle, DistanceSource.COMPUTED
        else:
            detour = methodology.detour(segment.mode)
            distance = (great_circle * detour).quantize(Decimal("0.001"))
            source = DistanceSource.ESTIMATED
            notes.append(f"distance estimated: great circle {great_circle} km x detour {detour}")
    return Located(origin, destination, distance, source, tuple(notes))


def route_km(first: Point | None, last: Point | None) -> Decimal | None:
    """Great-circle km between a journey's ends (flight baselines are judged on it)."""
    if first is None or last is None:
        return None
    return _great_circle(first.lat, first.lon, last.lat, last.lon)


@lru_cache(maxsize=100_000)
def _great_circle(lat1: float, lon1: float, lat2: float, lon2: float) -> Decimal:
    """``haversine_km``, kept per pair of points: an export flies the same few thousand
    routes over and over, and each segment asks for its own and its journey's distance."""
    return haversine_km(lat1, lon1, lat2, lon2)


def spend_based(segment: Segment, located: Located) -> bool:
    """Spend decides when no distance can be had (GHG Protocol spend-based fallback): expense
    lines marked so, and trips that have a price but no distance."""
    if segment.method is CalculationMethod.SPEND:
        return True
    return (
        located.distance_km is None
        and segment.mode is not Mode.HOTEL
        and segment.mode not in ZERO_EMISSION_MODES
        and segment.spend_amount is not None
        and segment.spend_amount > 0
        and segment.spend_currency is not None
    )
