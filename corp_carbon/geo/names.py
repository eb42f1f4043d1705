"""Place names to GeoNames cities, ranked, and station names to the city they serve.

A name can belong to several cities ("Cambridge", "Frankfurt", "Roma"); ``city_candidates``
returns them all, best first, so callers can choose, warn or offer "did you mean". Station
names are read with two shipped tables (``data/station_names.csv``: stations whose name does
not carry their city; ``data/station_words.csv``: words such as "Hbf" or "Gare" and the
countries they point to).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from corp_carbon.geo.gazetteer import City, Gazetteer, open_gazetteer
from corp_carbon.geo.places import Place

#: a match on an alternate name (another language, an old name) counts for this share of
#: the city's population: "Roma" is Rome (2.3 M, alternate) before Roma, Lesotho (official).
ALTERNATE_WEIGHT = 0.2
#: a runner-up namesake this large relative to the first choice makes a name ambiguous.
AMBIGUOUS_SHARE = 0.1

_NON_WORD = re.compile(r"[^\w]+")
_CODE = re.compile(r"^[A-Z0-9]{3,4}$")


def key(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: 'Zürich HB' and 'zurich-hb' meet."""
    lowered = text.casefold()
    if lowered.isalnum():  # one plain word, the common case: nothing to take out
        return lowered if lowered.isascii() else _folded(lowered).strip()
    if not lowered.isascii():
        lowered = _folded(lowered)
    return " ".join(_NON_WORD.sub(" ", lowered.replace("'", "").replace("’", "")).split())


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed == text:
        return text
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class Candidate:
    place: Place
    population: int
    official: bool  # the city's own name, not one of its alternate names

    @property
    def weight(self) -> float:
        return self.population * (1.0 if self.official else ALTERNATE_WEIGHT)


@lru_cache(maxsize=1)
def _gazetteer() -> Gazetteer:
    """Alternate names that look like codes ("QQX", Bath's rail code) are left out of the
    index: a code is not a name."""
    return open_gazetteer(key, lambda name: _CODE.match(name) is not None)


@lru_cache(maxsize=1)
def official_names() -> tuple[str, ...]:
    """The keys of the cities' own names (for spelling suggestions)."""
    return _gazetteer().official_keys()


def _place(city: City) -> Place:
    return Place(
        code=city.name, name=city.name, kind="city", country=city.country, lat=city.lat,
        lon=city.lon,
    )  # fmt: skip


@lru_cache(maxsize=50_000)
def city_candidates(name: str, countries: frozenset[str] = frozenset()) -> tuple[Candidate, ...]:
    """Every city called ``name``, best first: in ``countries`` (when given) first, then by
    population, an official name counting more than an alternate one."""
    gazetteer = _gazetteer()
    found = []
    for ident, official in gazetteer.ids_named(key(name)):
        city = gazetteer.city(ident)
        found.append(Candidate(_place(city), city.population, official))
    found.sort(key=lambda c: (c.place.country not in countries, -c.weight, c.place.name))
    return tuple(found)


def rivals(candidates: tuple[Candidate, ...]) -> tuple[Place, ...]:
    """Namesakes of the first candidate big enough that the choice deserves a check."""
    if len(candidates) < 2:
        return ()
    first = candidates[0]
    return tuple(
        c.place
        for c in candidates[1:]
        if c.weight >= first.weight * AMBIGUOUS_SHARE
        and (c.place.country != first.place.country or _far(c.place, first.place))
    )[:5]


def _far(a: Place, b: Place) -> bool:
    return abs(a.lat - b.lat) + abs(a.lon - b.lon) > 0.5  # roughly 50 km: another town


@dataclass(frozen=True, slots=True)
class StationName:
    station: str
    city: str
    country: str


def _rows(name: str) -> list[dict[str, str]]:
    text = files("corp_carbon.geo").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def station_names() -> dict[str, StationName]:
    return {
        key(row["name"]): StationName(row["name"], row["city"], row["country"])
        for row in _rows("station_names.csv")
    }


@lru_cache(maxsize=1)
def station_words() -> tuple[tuple[str, frozenset[str]], ...]:
    """Longest first, so "centraal station" is stripped before "station"."""
    words = [
        (key(row["word"]), frozenset(row["countries"].split()))
        for row in _rows("station_words.csv")
    ]
    return tuple(sorted(words, key=lambda w: -len(w[0])))


def named_station(text: str) -> tuple[StationName, str] | None:
    """A known station at the end of the text ('London St Pancras'), with what precedes it."""
    folded = key(text)
    for name, station in station_names().items():
        if folded == name or folded.endswith(" " + name):
            return station, folded[: -len(name)].strip()
    return None


def strip_station_words(text: str) -> tuple[str, frozenset[str]]:
    """'Frankfurt (Main) Hbf' -> ('frankfurt main', {DE, AT, CH}): the place name left once
    the words that say "station" are taken off its end, and the countries they suggest."""
    folded = key(text)
    hints: frozenset[str] = frozenset()
    changed = True
    while changed:
        changed = False
        for word, countries in station_words():
            if folded.endswith(" " + word):
                folded = folded[: -len(word)].strip()
                hints |= countries
                changed = True
                break
    return folded, hints
