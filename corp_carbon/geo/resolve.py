"""Where a trip starts and ends, read from what a person or an export wrote.

A flight starts and ends at airports: a code in capitals is an airport or is refused, and a
city name is read as its airport(s), never as the town centre. Any other trip starts at a
station or a place: station names are read as the city they serve, a lone name as the
most likely city of that name. Whatever was read differently from the words given, or could
as well have been a namesake, is said (``Resolution.notes``), never guessed silently.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from corp_carbon.geo import airports
from corp_carbon.geo.names import (
    city_candidates,
    key,
    named_station,
    official_names,
    rivals,
    strip_station_words,
)
from corp_carbon.geo.places import Place, UnknownPlace, airport, great_circle_km, is_code

#: a ground trip between two named places farther apart than this is suspect: one name is
#: probably a namesake abroad ("Roma Termini" read as Roma, Lesotho, for a train to Milan).
NAMESAKE_KM = Decimal(2000)

#: a town smaller than this loses its name to an airport named after it ('Heathrow').
AIRPORT_BEATS_TOWN = 100_000

_COUNTRY = re.compile(r"^(?P<name>.+?)\s*(?:\((?P<paren>[A-Z]{2})\)|,\s*(?P<comma>[A-Z]{2}))$")


@dataclass(frozen=True, slots=True)
class Resolution:
    """A place as read from ``text``; ``read_as`` says how when not literally, ``rivals``
    are namesakes the text could as well have meant."""

    text: str
    place: Place
    read_as: str | None = None
    rivals: tuple[Place, ...] = ()

    @property
    def check(self) -> str | None:
        if not self.rivals:
            return None
        others = ", ".join(p.describe() for p in self.rivals)
        return (
            f"please check {self.text!r}: read as {self.place.describe()}; "
            f"it could also be {others}"
        )

    def notes(self) -> tuple[str, ...]:
        return tuple(n for n in (self.read_as, self.check) if n)

    def settled(self) -> Resolution:
        """The same reading once the other end of the trip has confirmed it."""
        return Resolution(self.text, self.place, self.read_as)


def label(place: Place) -> str:
    """How to write a place so that it reads back as itself: 'LHR', 'Rome (IT)'."""
    return place.code if place.kind == "airport" else f"{place.name} ({place.country})"


@lru_cache(maxsize=50_000)
def ground(text: str, country: str | None = None) -> Resolution:
    """A station, city or airport code for a trip on the ground (or a hotel's town)."""
    value = text.strip()
    if not value:
        raise UnknownPlace("place: empty")
    match = _COUNTRY.match(value)
    if match:
        value, country = match["name"], match["paren"] or match["comma"]
    if is_code(value) and country is None:
        found = airport(value)
        if found is not None:
            return Resolution(text, found)
    station = named_station(value)
    if station is not None and country in (None, station[0].country):
        candidates = city_candidates(station[0].city, frozenset({station[0].country}))
        if candidates and candidates[0].place.country == station[0].country:
            return Resolution(text, candidates[0].place)
    stem, hints = strip_station_words(value)
    if country is not None:
        hints = frozenset({country})
    words = stem.split()
    while words:
        candidates = city_candidates(" ".join(words), hints)
        if country is not None:
            candidates = tuple(c for c in candidates if c.place.country == country)
        if (
            candidates
            and candidates[0].population < AIRPORT_BEATS_TOWN
            and len(words) == len(stem.split())
        ):
            by_name = airports.named(value)
            if len(by_name) == 1:  # 'Heathrow' is the airport, not the town in Florida
                return Resolution(text, by_name[0])
        if candidates:
            if hints and candidates[0].place.country in hints:
                candidates = tuple(c for c in candidates if c.place.country in hints)
            # the first words are the city, the rest a station or district: "London Euston"
            return Resolution(text, candidates[0].place, rivals=rivals(candidates))
        words = words[:-1]
    if country is None and not is_code(value):
        by_name = airports.named(value)
        if len(by_name) == 1:
            return Resolution(text, by_name[0])
    if is_code(value) and country is None:
        raise UnknownPlace(f"{value!r}: not a known airport code, station or city", value)
    found = airport(value) if country is None and len(value) in (3, 4) else None
    if found is not None:  # a code in small letters: 'lhr'
        return Resolution(text, found)
    where = f" in {country}" if country else ""
    raise UnknownPlace(
        f"place {text!r}: no airport code, station or city of that name{where}", text
    )


@lru_cache(maxsize=50_000)
def air(text: str) -> tuple[Resolution, ...]:
    """The airport(s) a flight from or to ``text`` may use, the main one first."""
    value = text.strip()
    if is_code(value):
        found = airport(value)
        if found is None:
            raise UnknownPlace(f"airport code {value!r}: not a known IATA or ICAO airport")
        return (Resolution(text, found),)
    try:
        city = ground(value)
    except UnknownPlace:
        city = None
    if city is not None and city.place.kind == "airport":
        return (city,)
    name = key(strip_station_words(value)[0])
    if city is not None:
        own = airports.of_city(city.place, name)  # Paris: CDG, ORY
        if own:
            return tuple(
                Resolution(text, p, _airport_of(value, p, city.place), city.rivals) for p in own
            )
    by_name = airports.named(value)  # 'Heathrow', 'Charles de Gaulle'
    if by_name:
        return tuple(Resolution(text, port) for port in by_name)
    if city is not None:
        near = airports.nearest(city.place)  # Bath: Bristol
        if near is None:
            raise UnknownPlace(
                f"{value!r} ({city.place.describe()}): no airport with scheduled flights "
                f"within {airports.SERVED_WITHIN_KM} km; give the airport's code"
            )
        return (Resolution(text, near, _airport_of(value, near, city.place), city.rivals),)
    found = airport(value)  # a code in small letters: 'lhr'
    if found is not None:
        return (Resolution(text, found),)
    raise UnknownPlace(f"{value!r}: not an airport code, nor a city with an airport", value)


def _airport_of(text: str, port: Place, city: Place) -> str:
    return f"{text!r} read as {port.code} ({port.name}), the airport serving {city.describe()}"


def flight(origin: str, destination: str) -> tuple[Resolution, Resolution]:
    """The two airports of a flight: of the airports each end may use, the pair with the
    shortest route (London to Paris: the closest of Heathrow, Gatwick, ... to CDG or Orly)."""
    starts, ends = air(origin), air(destination)
    pairs = [(a, b) for a in starts for b in ends if a.place != b.place] or [(starts[0], ends[0])]
    return min(pairs, key=lambda pair: great_circle_km(pair[0].place, pair[1].place))


def ground_pair(origin: str, destination: str) -> tuple[Resolution, Resolution, str | None]:
    """Both ends of a ground trip. When they land in different countries more than
    ``NAMESAKE_KM`` apart, one is likely a namesake abroad: it is read in the other end's
    country when that brings the trip within reach (the note says so). Ends in one country
    confirm each other, so their namesake warnings are dropped."""
    start, end = ground(origin), ground(destination)
    note = None
    if start.place.country != end.place.country and _far(start.place, end.place):
        for text, other, first_is_origin in ((origin, end, True), (destination, start, False)):
            try:
                again = ground(text, other.place.country)
            except UnknownPlace:
                continue
            if not _far(again.place, other.place):
                first = start if first_is_origin else end
                note = f"{text!r} read as {again.place.describe()}, not {first.place.describe()}"
                start, end = (again, end) if first_is_origin else (start, again)
                break
    if start.place.country == end.place.country:
        start, end = start.settled(), end.settled()
    return start, end, note


def _far(a: Place, b: Place) -> bool:
    return great_circle_km(a, b) > NAMESAKE_KM


def suggest(text: str, *, limit: int = 5) -> tuple[str, ...]:
    """Places the user may have meant ("did you mean"), written so they read back as
    themselves: the namesakes of an ambiguous name, or names spelt like an unknown one."""
    try:
        found = ground(text)
        if found.rivals:
            return tuple(label(p) for p in (found.place, *found.rivals))[:limit]
        return ()
    except UnknownPlace:
        pass
    stem = strip_station_words(text)[0] or key(text)
    close = difflib.get_close_matches(stem, official_names(), n=limit * 2, cutoff=0.75)
    seen: list[str] = []
    for name in close:
        for candidate in city_candidates(name)[:2]:
            choice = label(candidate.place)
            if choice not in seen:
                seen.append(choice)
    return tuple(seen[:limit])


def with_suggestions(exc: UnknownPlace) -> UnknownPlace:
    """The same refusal, naming what the user may have meant when a name is misspelt
    (codes get none: a wrong code is not a near miss of a town)."""
    if not exc.text or is_code(exc.text.strip()):
        return exc
    options = suggest(exc.text, limit=3)
    if not options:
        return exc
    return UnknownPlace(f"{exc.message}; did you mean {' or '.join(options)}?", exc.text)
