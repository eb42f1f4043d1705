"""Where a segment starts and ends, and how far it goes, for the import pipeline.

Flights need known airports (or the export's coordinates when the code is unknown, e.g.
a new or a mistyped code next to good coordinates); a city name is read as its airport, never
its town centre. Ground trips take station or place names; a name that could be a namesake
elsewhere, or is not found, is kept with a row warning (``Located.warnings``). Distances
the source gives win; otherwise great-circle, times the methodology's detour factor for
ground modes. Each fallback is written into the segment's notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from corp_carbon.domain.bookings import Segment
from corp_carbon.domain.geo import haversine_km
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.values import ZERO_EMISSION_MODES
from corp_carbon.domain.vocabulary import CalculationMethod, DistanceSource, Mode
from corp_carbon.geo import places, resolve
from corp_carbon.geo.places import UnknownPlace


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
    #: names kept but worth a check (a namesake, not found): row warnings of the import
    warnings: tuple[PlaceProblem, ...] = ()


class PlaceProblem(Exception):
    """A segment that cannot be used: which field, and why."""

    def __init__(self, field: str, reason: str, value: str | None) -> None:
        super().__init__(reason)
        self.field, self.reason, self.value = field, reason, value


def _point(found: resolve.Resolution) -> Point:
    place = found.place
    return Point(
        place.code if place.kind == "airport" else place.name, place.country, place.lat, place.lon
    )


@lru_cache(maxsize=50_000)
def _airport(text: str) -> tuple[Point, tuple[str, ...]] | str:
    """The airport a flight end names (its notes), or why there is none."""
    try:
        found = resolve.air(text)[0]
    except UnknownPlace as exc:
        return f"unknown airport code {text!r}" if places.is_code(text) else exc.message
    return _point(found), found.notes()


@lru_cache(maxsize=50_000)
def _place(text: str) -> tuple[Point, tuple[str, ...]] | None:
    try:
        found = resolve.ground(text)
    except UnknownPlace:
        return None
    return _point(found), found.notes()


def _end(
    segment: Segment, which: str, notes: list[str], warnings: list[PlaceProblem]
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
        if isinstance(found, str) and given is not None:
            notes.append(f"airport code {text} unknown: position taken from the export")
            return given, None
        if isinstance(found, str):
            return None, PlaceProblem(which, found, text)
        notes.extend(found[1])
        return found[0], None
    located = _place(text)
    if located is None and given is None:
        notes.append(f"place {text!r} not found")
        warnings.append(PlaceProblem(which, f"place {text!r} not found: please check", text))
    if located is None:
        return given, None
    for note in located[1]:
        notes.append(note)
        warnings.append(PlaceProblem(which, note, text))
    return located[0], None


#: a note about one end of a segment: (field, note, the value it is about)
EndNote = tuple[str, str, str]


@lru_cache(maxsize=50_000)
def _named_pair(origin: str, destination: str) -> tuple[Point, Point, tuple[EndNote, ...]] | None:
    """Two place names of a ground trip, read so that a namesake abroad does not turn a
    train to Milan into a trip from Lesotho (``resolve.ground_pair``); with the notes."""
    try:
        start, end, note = resolve.ground_pair(origin, destination)
    except UnknownPlace:
        return None
    notes: list[EndNote] = []
    if note:
        field = "origin" if start.place != resolve.ground(origin).place else "destination"
        notes.append((field, note, origin if field == "origin" else destination))
    notes += [("origin", n, origin) for n in start.notes()]
    notes += [("destination", n, destination) for n in end.notes()]
    return _point(start), _point(end), tuple(notes)


@lru_cache(maxsize=50_000)
def _flight(origin: str, destination: str) -> tuple[Point, Point, tuple[EndNote, ...]] | None:
    """Both airports of a flight given by names or codes: the pair with the shortest route."""
    try:
        start, end = resolve.flight(origin, destination)
    except UnknownPlace:
        return None
    notes = [("origin", n, origin) for n in start.notes()]
    notes += [("destination", n, destination) for n in end.notes()]
    return _point(start), _point(end), tuple(notes)


def locate(segment: Segment, methodology: Methodology) -> Located:
    """The segment's ends and distance; raises PlaceProblem when a flight cannot be placed."""
    notes: list[str] = []
    warnings: list[PlaceProblem] = []
    named = (
        segment.origin
        and segment.destination
        and segment.origin_lat is None
        and segment.destination_lat is None
    )
    origin: Point | None
    destination: Point | None
    pair = None
    if named and segment.origin and segment.destination:
        if segment.mode is Mode.AIR:
            pair = _flight(segment.origin, segment.destination)
        else:
            pair = _named_pair(segment.origin, segment.destination)
    if pair is not None:
        origin, destination, pair_notes = pair
        for field, note, value in pair_notes:
            notes.append(note)
            if segment.mode is not Mode.AIR or note.startswith("please check"):
                warnings.append(PlaceProblem(field, note, value))
    else:
        origin, problem = _end(segment, "origin", notes, warnings)
        if problem:
            raise problem
        destination, problem = _end(segment, "destination", notes, warnings)
        if problem:
            raise problem
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
    return Located(origin, destination, distance, source, tuple(notes), tuple(warnings))


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
