"""The airports a city is served by, for a flight given as city names.

From ``data/airports.csv``: OurAirports' large and medium airports with scheduled service
and an IATA code (public domain; see ``data/README.md``). A city's airports are those whose
municipality carries its name (the large ones when there are any); a town without one is
served by the nearest such airport within ``SERVED_WITHIN_KM``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from typing import Protocol

from corp_carbon.domain.geo import haversine_km
from corp_carbon.geo.names import key
from corp_carbon.geo.places import Place, great_circle_km

#: a town is served by an airport this close when none carries its name.
SERVED_WITHIN_KM = Decimal(100)


@dataclass(frozen=True, slots=True)
class Airport:
    place: Place
    large: bool
    municipality: str


@lru_cache(maxsize=1)
def _airports() -> tuple[Airport, ...]:
    text = files("corp_carbon.geo").joinpath("data", "airports.csv").read_text(encoding="utf-8")
    return tuple(
        Airport(
            place=Place(
                code=row["iata"],
                name=row["name"],
                kind="airport",
                country=row["country"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
            ),
            large=row["type"] == "large",
            municipality=row["municipality"],
        )
        for row in csv.DictReader(text.splitlines())
    )


@lru_cache(maxsize=1)
def _by_municipality() -> dict[tuple[str, str], tuple[Airport, ...]]:
    found: dict[tuple[str, str], list[Airport]] = {}
    for airport in _airports():
        found.setdefault((key(airport.municipality), airport.place.country), []).append(airport)
    return {k: tuple(v) for k, v in found.items()}


@lru_cache(maxsize=20_000)
def of_city(city: Place, *names: str) -> tuple[Place, ...]:
    """The airports whose municipality is ``city`` (by its name or any of ``names``), the
    large ones only when it has any: London is LHR, LGW, STN, LTN, not London City."""
    table = _by_municipality()
    for name in (city.name, *names):
        found = table.get((key(name), city.country))
        if found:
            large = tuple(a.place for a in found if a.large)
            return large or tuple(a.place for a in found)
    return ()


@lru_cache(maxsize=20_000)
def nearest(city: Place) -> Place | None:
    """The airport serving a town without its own, within ``SERVED_WITHIN_KM``."""
    found = min(_airports(), key=lambda a: _rank(city, a)).place
    return found if great_circle_km(city, found) <= SERVED_WITHIN_KM else None


def _rank(city: Place, airport: Airport) -> float:
    """Nearest first, a large airport counting as if 30 km nearer than a medium one."""
    lat = city.lat - airport.place.lat
    lon = (city.lon - airport.place.lon) * math.cos(math.radians(city.lat))
    degrees = math.hypot(lat, lon)
    return degrees * 111 - (30 if airport.large else 0)


@lru_cache(maxsize=1)
def _names() -> tuple[tuple[str, Place], ...]:
    return tuple((f" {key(a.place.name)} ", a.place) for a in _airports())


@lru_cache(maxsize=20_000)
def named(text: str) -> tuple[Place, ...]:
    """Airports whose name contains the words given: 'Heathrow', 'Charles de Gaulle'."""
    wanted = f" {key(text)} "
    if len(wanted) < 6:
        return ()
    return tuple(place for name, place in _names() if wanted in name)


class Located(Protocol):
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...


def nearest_km(place: Located) -> Decimal:
    """Great-circle km from ``place`` to the nearest airport with scheduled service, for
    judging whether a flight was a realistic alternative to a train."""
    return _nearest_km(round(place.lat, 4), round(place.lon, 4))


@lru_cache(maxsize=20_000)
def _nearest_km(lat: float, lon: float) -> Decimal:
    scale = math.cos(math.radians(lat))
    found = min(
        _airports(),
        key=lambda a: math.hypot(a.place.lat - lat, (a.place.lon - lon) * scale),
    ).place
    return haversine_km(lat, lon, found.lat, found.lon).quantize(Decimal("0.1"))
