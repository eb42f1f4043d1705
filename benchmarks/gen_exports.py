"""Seeded generator of realistic booking exports for the import benchmark.

    .venv/bin/python benchmarks/gen_exports.py --segments 1000000 --out /tmp/exports

It writes N segments, split between a SAP Concur itinerary export (one row per segment,
``concur-itinerary``) and a Navan booking export (one row per booking with a ``segments``
column, ``navan``), 60/40 by default, in exactly the column layouts of the golden samples in
``tests/connectors/golden/``. Next to them it writes ``manifest.json``: what was generated
(per file: segments, rows, bad rows, cancelled segments, waiting segments, cross-source
duplicates, exchanges), which the benchmark checks the import counts against.

What is in the files:

- ``--employees`` travellers (default 100,000), in 24 offices; how often each one travels
  follows a heavy-tailed (Pareto) draw, so a fifth of them make most of the trips.
  ``employee_table()`` gives the same people, for the benchmark to load into ``employees``.
- Flights between real IATA airports from ``airportsdata``: the busiest hubs weighted by
  traffic, plus a seeded tail of 200 smaller airports; 60 % of trips stay in the office's
  region (time-zone continent). Round trips (75 %), connections through a hub (30 %), cabins
  (economy 80 %, 1 % missing: a warning), miles given on most Concur flight rows.
- Rail between station names of 50 European, US, Chinese and Japanese cities (resolved by
  the pipeline through GeoNames), some with a change of train; hotels and car hires attached
  to trips.
- About 1 % cancelled trips or bookings; about 1 % of air trips exchanged (Concur: an EXCH
  coupon and its reissue; Navan: the booking re-sent later in the file under the same uuid
  with a changed flight); about 3 % of Concur air trips also booked through Navan (the Navan
  copy becomes a duplicate); 0.3 % of bookings by travellers who are not employees (they
  wait); 0.5 % bad rows, each a one-segment booking with exactly one rejecting fault.

Every segment counts once towards N (bad rows as one segment each; both copies of a re-sent
Navan booking), so an import of the two files reads exactly N segments. Cross-source match
keys are kept unique except for the intended duplicates, so the expected duplicate count is
exact.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import heapq
import itertools
import json
import math
import random
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

GENERATOR_VERSION = 3
SEED = 7
CONCUR_FILE = "concur_itinerary.csv"
NAVAN_FILE = "navan_bookings.csv"
MANIFEST = "manifest.json"

CONCUR_HEADER = [
    "TripId",
    "TripStatus",
    "UserLoginID",
    "EmployeeID",
    "NameFirst",
    "NameLast",
    "TextName",
    "BookingSource",
    "RecordLocator",
    "SegmentType",
    "LegId",
    "Vendor",
    "VendorName",
    "FlightNumber",
    "TrainNumber",
    "StartCityCode",
    "EndCityCode",
    "StartRailStationName",
    "EndRailStationName",
    "StartDateLocal",
    "EndDateLocal",
    "ClassOfService",
    "Cabin",
    "SegmentStatus",
    "Miles",
    "TicketNumber",
    "ExchangedTicketNumber",
    "CouponStatus",
    "TotalFare",
    "TotalFareCurrency",
    "CarbonEmissionLbs",
    "DateCancelledUtc",
    "DateModifiedUtc",
]
NAVAN_HEADER = [
    "uuid",
    "bookingId",
    "bookingType",
    "bookingStatus",
    "created",
    "lastModified",
    "cancelledAt",
    "startDate",
    "endDate",
    "passengers.person.name",
    "passengers.person.email",
    "passengers.person.employeedId",
    "passengers.person.department",
    "passengers.person.costCenter",
    "origin.airportCode",
    "origin.city",
    "origin.country",
    "destination.airportCode",
    "destination.city",
    "destination.country",
    "routeType",
    "segments",
    "cabin",
    "fareClass",
    "vendor",
    "confirmationNumber",
    "etickets",
    "flightMiles",
    "trainMiles",
    "carbonEmissions",
    "currency",
    "grandTotal",
    "usdGrandTotal",
    "exchangeAmount",
    "exchangeFee",
    "tripUuids",
]

START = date(2024, 1, 8)
DAYS = 715  # departures up to mid-December 2025 (factor sets exist for 2024 and 2025)
MILE_KM = 1.609344
EARTH_RADIUS_KM = 6371.0088

#: busiest airports, weighted by millions of passengers a year (approximate).
HUBS = {
    "ATL": 104, "DXB": 87, "DFW": 81, "LHR": 79, "HND": 78, "DEN": 77, "IST": 76, "LAX": 75,
    "ORD": 73, "DEL": 73, "CDG": 67, "JFK": 62, "CAN": 63, "AMS": 62, "PVG": 54, "SIN": 59,
    "FRA": 59, "MAD": 60, "ICN": 56, "BKK": 51, "PEK": 52, "SFO": 50, "SEA": 50, "MUC": 41,
    "BCN": 50, "LGW": 40, "YYZ": 45, "SYD": 40, "HKG": 40, "DOH": 46, "FCO": 40, "BOM": 50,
    "BLR": 37, "ZRH": 31, "DUB": 33, "CPH": 29, "OSL": 27, "ARN": 25, "VIE": 30, "BRU": 22,
    "LIS": 33, "MXP": 28, "GRU": 44, "MEX": 48, "BOS": 40, "EWR": 49, "MIA": 52, "IAD": 25,
    "YVR": 25, "NRT": 35, "KIX": 25, "MNL": 45, "KUL": 48, "CGK": 55, "SZX": 52, "CTU": 45,
    "WAW": 18, "PRG": 13, "BER": 23, "HAM": 15, "MAN": 28, "EDI": 14, "LYS": 10, "NCE": 14,
    "ATH": 28, "TLV": 21, "JNB": 20, "NBO": 9, "CAI": 26, "AUH": 23, "MEL": 35, "AKL": 17,
    "GIG": 15, "BOG": 38, "SCL": 25, "LIM": 24, "ORY": 32, "STR": 10, "DUS": 20, "GVA": 17,
}  # fmt: skip
#: where connections are made, by region (time-zone continent).
CONNECT = {
    "Europe": ["FRA", "LHR", "AMS", "CDG", "MUC", "IST", "ZRH"],
    "America": ["ATL", "ORD", "DFW", "DEN", "JFK", "EWR", "YYZ"],
    "Asia": ["DXB", "DOH", "SIN", "HKG", "ICN", "PVG", "HND"],
    "Australia": ["SYD", "SIN"],
    "Pacific": ["AKL", "SYD"],
    "Africa": ["JNB", "CAI", "DXB"],
}
CARRIERS = {
    "Europe": ["LH", "BA", "AF", "KL", "LX", "IB", "EI", "SK", "OS", "TP", "U2", "FR", "TK"],
    "America": ["UA", "AA", "DL", "AC", "AS", "B6", "WN", "AM", "LA"],
    "Asia": ["SQ", "CX", "NH", "JL", "CA", "MU", "CZ", "EK", "QR", "AI", "KE"],
    "Australia": ["QF", "VA"],
    "Pacific": ["NZ", "QF"],
    "Africa": ["SA", "ET", "MS", "KQ"],
}
#: office: (city, airport, currency, rail region or "", station, weight)
OFFICES = [
    ("London", "LHR", "GBP", "europe", "London St Pancras International", 15),
    ("New York", "JFK", "USD", "us", "New York Penn Station", 10),
    ("San Francisco", "SFO", "USD", "", "", 8),
    ("Berlin", "BER", "EUR", "europe", "Berlin Hbf", 6),
    ("Munich", "MUC", "EUR", "europe", "München Hbf", 5),
    ("Paris", "CDG", "EUR", "europe", "Paris Gare du Nord", 6),
    ("Shanghai", "PVG", "CNY", "china", "Shanghai Hongqiao", 6),
    ("Singapore", "SIN", "SGD", "", "", 5),
    ("Bangalore", "BLR", "INR", "", "", 6),
    ("Madrid", "MAD", "EUR", "europe", "Madrid Puerta de Atocha", 3),
    ("Dublin", "DUB", "EUR", "", "", 4),
    ("Amsterdam", "AMS", "EUR", "europe", "Amsterdam Centraal", 3),
    ("Zurich", "ZRH", "CHF", "europe", "Zürich HB", 3),
    ("Tokyo", "HND", "JPY", "japan", "Tokyo Station", 4),
    ("Sydney", "SYD", "AUD", "", "", 3),
    ("Toronto", "YYZ", "CAD", "", "", 3),
    ("Sao Paulo", "GRU", "BRL", "", "", 2),
    ("Dubai", "DXB", "AED", "", "", 2),
    ("Chicago", "ORD", "USD", "", "", 4),
    ("Boston", "BOS", "USD", "us", "Boston South Station", 3),
    ("Seattle", "SEA", "USD", "", "", 3),
    ("Stockholm", "ARN", "SEK", "europe", "Stockholm Central", 2),
    ("Warsaw", "WAW", "PLN", "europe", "Warszawa Centralna", 2),
    ("Mexico City", "MEX", "MXN", "", "", 2),
]
#: rail stations by region: (station name as exports write it, latitude, longitude).
STATIONS = {
    "europe": [
        ("London St Pancras International", 51.531, -0.126), ("Paris Gare du Nord", 48.881, 2.355),
        ("Berlin Hbf", 52.525, 13.369), ("München Hbf", 48.140, 11.558),
        ("Hamburg Hbf", 53.553, 10.007), ("Frankfurt (Main) Hbf", 50.107, 8.663),
        ("Köln Hbf", 50.943, 6.959), ("Amsterdam Centraal", 52.379, 4.900),
        ("Brussels Midi", 50.836, 4.336), ("Zürich HB", 47.378, 8.540),
        ("Madrid Puerta de Atocha", 40.407, -3.691), ("Barcelona Sants", 41.379, 2.140),
        ("Milano Centrale", 45.486, 9.204), ("Rome Termini", 41.901, 12.501),
        ("Wien Hbf", 48.185, 16.376), ("Stockholm Central", 59.330, 18.058),
        ("Göteborg Central", 57.709, 11.973), ("Warszawa Centralna", 52.229, 21.003),
        ("Lyon Part-Dieu", 45.760, 4.859), ("Manchester Piccadilly", 53.477, -2.231),
        ("Edinburgh Waverley", 55.952, -3.189), ("Rotterdam Centraal", 51.925, 4.469),
        ("Stuttgart Hbf", 48.784, 9.182), ("Düsseldorf Hbf", 51.220, 6.794),
        ("Marseille Saint-Charles", 43.303, 5.380), ("Lille Europe", 50.639, 3.075),
        ("Basel SBB", 47.547, 7.590), ("Geneva Cornavin", 46.210, 6.142),
        ("Praha hlavní nádraží", 50.083, 14.435), ("Kraków Główny", 50.068, 19.947),
        ("København H", 55.673, 12.565), ("Birmingham New Street", 52.478, -1.899),
    ],
    "us": [
        ("New York Penn Station", 40.750, -73.993), ("Boston South Station", 42.352, -71.055),
        ("Washington Union Station", 38.897, -77.006),
        ("Philadelphia 30th Street", 39.956, -75.182),
    ],
    "china": [
        ("Shanghai Hongqiao", 31.194, 121.320), ("Beijing South", 39.865, 116.379),
        ("Guangzhou South", 22.989, 113.269), ("Shenzhen North", 22.610, 114.029),
        ("Nanjing South", 31.968, 118.797), ("Hangzhou East", 30.291, 120.213),
    ],
    "japan": [
        ("Tokyo Station", 35.681, 139.767), ("Osaka Station", 34.702, 135.495),
        ("Kyoto Station", 34.985, 135.758), ("Nagoya Station", 35.170, 136.881),
    ],
}  # fmt: skip
TRAINS = {
    "europe": ["ICE", "TGV", "EC", "IC", "RJ", "AVE", "FR", "EST"],
    "us": ["NE", "AE"],
    "china": ["G", "D"],
    "japan": ["NZM", "HKR"],
}
HOTELS = ["Marriott", "Hilton", "Hyatt", "Novotel", "Premier Inn", "Holiday Inn", "Ibis"]
CARS = [("ZE", "Hertz"), ("ZI", "Avis"), ("SX", "Sixt"), ("ZL", "National")]
FIRST = ["Zoë", "James", "Wei", "Priya", "José", "Aoife", "Marcus", "Anna", "Li", "Sofia",
         "Ahmed", "Yuki", "Lukas", "Emma", "Chen", "Ravi", "Olivia", "Mateo", "Hannah", "Noah",
         "Fatima", "Jan", "Elena", "Tom", "Mei", "Sara", "David", "Ines", "Kenji", "Lea"]  # fmt: skip
LAST = ["Müller", "Smith", "Zhang", "Raman", "Álvarez", "O'Connor", "Johnson", "Schmidt",
        "Wang", "Garcia", "Tanaka", "Kowalski", "Brown", "Li", "Patel", "Rossi", "Dubois",
        "Nguyen", "Jensen", "Silva", "Khan", "Novak", "Fischer", "Lee", "Martin", "Weber"]  # fmt: skip
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "Operations", "Legal", "HR",
               "Support", "Product", "Research", "Consulting", "Executive"]  # fmt: skip
CABINS = [("E", "ECONOMY", 80), ("W", "PREMIUM_ECONOMY", 7), ("C", "BUSINESS", 11),
          ("F", "FIRST", 1), ("", "", 1)]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    number: str
    email: str
    first: str
    last: str
    department: str
    office: int


def _fold_ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


def employee_table(count: int, seed: int = SEED) -> list[Person]:
    """The employees the exports refer to (ids 1..count), the same for the same seed."""
    rng = random.Random(seed * 1_000_003 + 11)
    offices = [o[5] for o in OFFICES]
    people = []
    for i in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{_fold_ascii(first)}.{_fold_ascii(last)}.{i}@corp.example"
        office = rng.choices(range(len(OFFICES)), weights=offices)[0]
        people.append(Person(i, f"E{i:06d}", email, first, last, rng.choice(DEPARTMENTS), office))
    return people


@dataclass(slots=True)
class Seg:
    """One abstract segment, written out in either source's format."""

    mode: str  # air, rail, hotel, car
    origin: str  # IATA code (air, hotel, car) or station name (rail)
    destination: str
    start: datetime
    end: datetime
    leg: int = 1
    carrier: str = ""
    number: str = ""
    km: float | None = None


@dataclass(slots=True)
class Trip:
    person: Person | None  # None: a traveller who is not an employee
    stranger: tuple[str, str, str, str] | None  # (number, email, first, last) of a non-employee
    segs: list[Seg]
    cancelled: bool = False
    cabin: int = 0
    currency: str = "EUR"
    booked: datetime = datetime(2024, 1, 1)
    locator: str = ""


@dataclass
class FileStats:
    path: str = ""
    rows: int = 0
    segments: int = 0
    bad_rows: int = 0
    cancelled: int = 0
    waiting: int = 0
    duplicates: int = 0
    exchanges: int = 0
    by_mode: dict[str, int] = field(default_factory=dict)


@dataclass
class Manifest:
    version: int
    seed: int
    segments: int
    employees: int
    concur_share: float
    concur: FileStats
    navan: FileStats
    seconds: float = 0.0

    @staticmethod
    def load(path: Path) -> Manifest:
        data = json.loads(path.read_text())
        data["concur"] = FileStats(**data["concur"])
        data["navan"] = FileStats(**data["navan"])
        return Manifest(**data)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class World:
    """Airports, routes and people, drawn from one seeded generator."""

    def __init__(self, employees: int, seed: int) -> None:
        import airportsdata

        self.rng = random.Random(seed)
        data = airportsdata.load("IATA")
        hubs = {code: w for code, w in HUBS.items() if code in data}
        others = sorted(
            code for code, r in data.items()
            if code not in hubs and r.get("city") and r.get("tz") and code.isalpha()
        )  # fmt: skip
        tail = self.rng.sample(others, 200)
        self.codes = list(hubs) + tail
        weights = [float(w) for w in hubs.values()] + [1.5] * len(tail)
        self.where = {c: (float(data[c]["lat"]), float(data[c]["lon"])) for c in self.codes}
        self.region = {c: str(data[c]["tz"]).split("/")[0] for c in self.codes}
        self.city = {c: str(data[c]["city"]) for c in self.codes}
        self.country = {c: str(data[c]["country"]) for c in self.codes}
        by_region: dict[str, list[tuple[str, float]]] = {}
        for code, w in zip(self.codes, weights, strict=True):
            by_region.setdefault(self.region[code], []).append((code, w))
        self.pick_all = self._picker(list(zip(self.codes, weights, strict=True)))
        self.pick_region = {r: self._picker(items) for r, items in by_region.items()}
        self.people = employee_table(employees, seed)
        # heavy-tailed travel frequency: a fifth of the people make most of the trips
        freq = [self.rng.paretovariate(1.2) for _ in self.people]
        self.cum = []
        total = 0.0
        for f in freq:
            total += f
            self.cum.append(total)
        self.total = total
        self.stations = {
            r: [(name, (lat, lon)) for name, lat, lon in items] for r, items in STATIONS.items()
        }

    def _picker(self, items: list[tuple[str, float]]) -> tuple[list[str], list[float], float]:
        codes, cum, total = [], [], 0.0
        for code, w in items:
            total += w
            codes.append(code)
            cum.append(total)
        return codes, cum, total

    def draw(self, picker: tuple[list[str], list[float], float]) -> str:
        codes, cum, total = picker
        return codes[bisect.bisect_right(cum, self.rng.random() * total)]

    def person(self) -> Person:
        return self.people[bisect.bisect_right(self.cum, self.rng.random() * self.total)]


class TripMaker:
    """Draws trips: flights (with connections, hotels, cars) and rail journeys."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.rng = world.rng

    def _day(self) -> date:
        return START + timedelta(days=self.rng.randrange(DAYS))

    def _at(self, day: date, lo: int = 6, hi: int = 21) -> datetime:
        return datetime(day.year, day.month, day.day, self.rng.randint(lo, hi),
                        self.rng.choice((0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55)))  # fmt: skip

    def _flight(self, a: str, b: str, when: datetime, leg: int, carrier: str) -> Seg:
        km = _km(self.w.where[a], self.w.where[b])
        hours = 0.75 + km / 800
        return Seg("air", a, b, when, when + timedelta(hours=hours), leg, carrier,
                   str(self.rng.randint(1, 9999)), km)  # fmt: skip

    def _flights(self, home: str, dest: str, out: date, back: date | None) -> list[Seg]:
        region, there = self.w.region[home], self.w.region[dest]
        carriers = CARRIERS.get(region, CARRIERS["Europe"])
        if there != region:
            carriers = carriers + CARRIERS.get(there, [])
        carrier = self.rng.choice(carriers)
        hub = None
        if self.rng.random() < 0.3:
            options = [h for h in CONNECT.get(region, []) if h not in (home, dest)]
            hub = self.rng.choice(options) if options else None
        segs: list[Seg] = []
        for leg, (a, b, day) in enumerate(((home, dest, out), (dest, home, back)), start=1):
            if day is None:
                break
            when = self._at(day, 6, 19)
            if hub is None:
                segs.append(self._flight(a, b, when, leg, carrier))
            else:
                first = self._flight(a, hub, when, leg, carrier)
                second = self._flight(
                    hub, b, first.end + timedelta(minutes=self.rng.randint(55, 180)), leg, carrier
                )
                segs += [first, second]
        return segs

    def _stay(self, place: str, day: date, nights: int) -> Seg:
        checkin = datetime(day.year, day.month, day.day, 15)
        out = day + timedelta(days=nights)
        return Seg("hotel", place, "", checkin, datetime(out.year, out.month, out.day, 11))

    def _car(self, place: str, day: date, days: int) -> Seg:
        pick = self._at(day, 8, 18)
        return Seg("car", place, place, pick, pick + timedelta(days=days))

    def trip(self, person: Person | None) -> list[Seg]:
        office = OFFICES[person.office if person else self.rng.randrange(len(OFFICES))]
        rail_region = office[3]
        if rail_region and self.rng.random() < 0.35:
            return self._rail_trip(rail_region, office[4])
        home = office[1]
        region = self.w.region[home]
        for _ in range(20):
            if self.rng.random() < 0.6 and region in self.w.pick_region:
                dest = self.w.draw(self.w.pick_region[region])
            else:
                dest = self.w.draw(self.w.pick_all)
            if dest != home and _km(self.w.where[home], self.w.where[dest]) > 150:
                break
        out = self._day()
        nights = self.rng.choice((1, 1, 2, 2, 3, 4, 5, 7))
        if _km(self.w.where[home], self.w.where[dest]) > 4000:
            nights += 2
        back = out + timedelta(days=nights) if self.rng.random() < 0.75 else None
        segs = self._flights(home, dest, out, back)
        if back is not None and self.rng.random() < 0.5:
            segs.append(self._stay(dest, out, nights))
        if self.rng.random() < 0.15:
            segs.append(self._car(dest, out, max(1, nights)))
        return segs

    def _rail_trip(self, region: str, home_station: str) -> list[Seg]:
        stations = self.w.stations[region]
        home = next(s for s in stations if s[0] == home_station)
        near = [s for s in stations if s[0] != home_station and _km(home[1], s[1]) < 900]
        dest = self.rng.choice(near)
        via = None
        if self.rng.random() < 0.15:
            vias = [s for s in stations if s not in (home, dest) and _km(home[1], s[1]) < 700
                    and _km(s[1], dest[1]) < 700]  # fmt: skip
            via = self.rng.choice(vias) if vias else None
        out = self._day()
        nights = self.rng.choice((0, 1, 1, 2, 3))
        back = out + timedelta(days=nights) if self.rng.random() < 0.6 else None
        segs: list[Seg] = []
        for leg, (a, b, day) in enumerate(((home, dest, out), (dest, home, back)), start=1):
            if day is None:
                break
            when = self._at(day, 6, 19)
            stops = [a, via, b] if via is not None else [a, b]
            for x, y in itertools.pairwise(stops):
                km = _km(x[1], y[1])
                end = when + timedelta(hours=0.3 + km / 180)
                word = self.rng.choice(TRAINS[region])
                # "ICE 702" in Europe, the US and Japan; "G1234" in China
                gap = "" if len(word) == 1 else " "
                number = f"{word}{gap}{self.rng.randint(100, 9999)}"
                segs.append(Seg("rail", x[0], y[0], when, end, leg, "", number, km))
                when = end + timedelta(minutes=self.rng.randint(12, 50))
        if nights and back is not None and self.rng.random() < 0.3:
            segs.append(self._stay(_rail_city_code(dest[0]), out, nights))
        return segs


def _rail_city_code(station: str) -> str:
    """Where a hotel at the end of a rail trip is: the city's main airport code."""
    for prefix, code in (
        ("London", "LHR"), ("Paris", "CDG"), ("Berlin", "BER"), ("München", "MUC"),
        ("Hamburg", "HAM"), ("Frankfurt", "FRA"), ("Köln", "CGN"), ("Amsterdam", "AMS"),
        ("Brussels", "BRU"), ("Zürich", "ZRH"), ("Madrid", "MAD"), ("Barcelona", "BCN"),
        ("Milano", "MXP"), ("Rome", "FCO"), ("Wien", "VIE"), ("Stockholm", "ARN"),
        ("Göteborg", "GOT"), ("Warszawa", "WAW"), ("Lyon", "LYS"), ("Manchester", "MAN"),
        ("Edinburgh", "EDI"), ("Rotterdam", "RTM"), ("Stuttgart", "STR"), ("Düsseldorf", "DUS"),
        ("Marseille", "MRS"), ("Lille", "LIL"), ("Basel", "BSL"), ("Geneva", "GVA"),
        ("Praha", "PRG"), ("Kraków", "KRK"), ("København", "CPH"), ("Birmingham", "BHX"),
        ("New York", "JFK"), ("Boston", "BOS"), ("Washington", "IAD"), ("Philadelphia", "PHL"),
        ("Shanghai", "PVG"), ("Beijing", "PEK"), ("Guangzhou", "CAN"), ("Shenzhen", "SZX"),
        ("Nanjing", "NKG"), ("Hangzhou", "HGH"), ("Tokyo", "HND"), ("Osaka", "KIX"),
        ("Kyoto", "KIX"), ("Nagoya", "NGO"),
    ):  # fmt: skip
        if station.startswith(prefix):
            return code
    return "LHR"


class Generator:
    def __init__(self, segments: int, employees: int, seed: int, concur_share: float) -> None:
        self.segments, self.seed = segments, seed
        self.world = World(employees, seed)
        self.rng = self.world.rng
        self.maker = TripMaker(self.world)
        self.concur_budget = round(segments * concur_share)
        self.navan_budget = segments - self.concur_budget
        self.concur_keys: set[int] = set()  # cross-source match keys of Concur segments
        self.dups: list[Trip] = []  # Concur air trips also booked through Navan
        self.serial = 0
        self.manifest = Manifest(
            GENERATOR_VERSION, seed, segments, employees, concur_share, FileStats(), FileStats()
        )

    # --- shared ---------------------------------------------------------------------------

    def _uuid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def _locator(self) -> str:
        return "".join(self.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6))

    def _ticket(self) -> str:
        self.serial += 1
        return f"{self.rng.randint(1, 999):03d}2{self.serial:09d}"

    def _trip(self) -> Trip:
        known = self.rng.random() >= 0.003
        person = self.world.person() if known else None
        stranger = None
        if person is None:
            n = self.rng.randrange(10**7)
            stranger = (f"C{n:07d}", f"guest{n}@contractor.example", "Guest", f"Visitor{n}")
        segs = self.maker.trip(person)
        office = OFFICES[person.office] if person else OFFICES[0]
        cabin = self.rng.choices(range(len(CABINS)), weights=[c[2] for c in CABINS])[0]
        booked = datetime.combine(
            segs[0].start.date() - timedelta(days=self.rng.randint(2, 60)), datetime.min.time()
        ) + timedelta(seconds=self.rng.randrange(86400))
        return Trip(person, stranger, segs, self.rng.random() < 0.01, cabin, office[2], booked,
                    self._locator())  # fmt: skip

    @staticmethod
    def _key(person: Person, seg: Seg, day: date | None = None) -> int:
        """The pipeline's cross-source match key (employee, date, mode, route), hashed."""
        when = day or seg.start.date()
        dest = "" if seg.mode == "hotel" else _fold_ascii(seg.destination)
        return hash((person.id, when, seg.mode, _fold_ascii(seg.origin), dest))

    def _fit(self, trip: Trip, remaining: int) -> None:
        if len(trip.segs) > remaining:
            del trip.segs[remaining:]

    def _bad_positions(self, good: int, bad: int) -> list[int]:
        return sorted(self.rng.sample(range(max(good, bad)), bad)) if bad else []

    # --- Concur ---------------------------------------------------------------------------

    def concur(self, path: Path) -> None:
        stats = self.manifest.concur
        stats.path = str(path)
        bad = round(self.concur_budget * 0.005)
        good = self.concur_budget - bad
        positions = self._bad_positions(good, bad)
        produced = 0
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(CONCUR_HEADER)
            while produced < good:
                while positions and positions[0] <= produced:
                    positions.pop(0)
                    stats.rows += 1
                    stats.bad_rows += 1
                    out.writerow(self._concur_bad())
                trip = self._trip()
                exchange = (
                    trip.person is not None
                    and not trip.cancelled
                    and trip.segs[0].mode == "air"
                    and self.rng.random() < 0.01
                )
                if exchange and len(trip.segs) + 1 > good - produced:
                    exchange = False
                self._fit(trip, good - produced)
                rows = self._concur_rows(trip, exchange, stats)
                produced += len(rows)
                stats.rows += len(rows)
                out.writerows(rows)
            for _ in positions:  # (none left unless good < bad)
                stats.rows += 1
                stats.bad_rows += 1
                out.writerow(self._concur_bad())
        stats.segments = produced + stats.bad_rows

    def _concur_rows(self, trip: Trip, exchange: bool, stats: FileStats) -> list[list[str]]:
        person = trip.person
        if person is not None:
            number, email, first, last = person.number, person.email, person.first, person.last
        else:
            assert trip.stranger is not None
            number, email, first, last = trip.stranger
        letter = CABINS[trip.cabin][0]
        ticket = self._ticket()
        old_ticket = self._ticket() if exchange else ""
        fare = f"{self.rng.uniform(90, 4200):.2f}"
        modified = trip.booked.strftime("%Y-%m-%dT%H:%M:%S")
        cancelled_at = modified if trip.cancelled else ""
        trip_id = self._uuid()
        rows: list[list[str]] = []
        confirmed = person is not None and not trip.cancelled
        first_air = True
        for seg in trip.segs:
            base = [trip_id, "2" if trip.cancelled else "1", email, number, first, last,
                    f"{_fold_ascii(last).upper()}/{_fold_ascii(first).upper()}", "ConcurTravel",
                    trip.locator]  # fmt: skip
            start = seg.start.strftime("%Y-%m-%dT%H:%M:%S")
            end = seg.end.strftime("%Y-%m-%dT%H:%M:%S")
            if seg.mode == "air":
                miles = "" if self.rng.random() < 0.2 else str(round((seg.km or 0.0) / MILE_KM))
                row = [*base, "Air", str(seg.leg), seg.carrier, "", seg.number, "", seg.origin,
                              seg.destination, "", "", start, end, self.rng.choice("YBMHKLQV"),
                              letter, "HK", miles, ticket, old_ticket, "USED", fare,
                              trip.currency, "", cancelled_at, modified]  # fmt: skip
                if exchange and first_air:
                    # the coupon given up in the exchange: the same flight two days earlier
                    old_start = (seg.start - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
                    old_end = (seg.end - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
                    old = list(row)
                    old[19], old[20], old[25], old[26], old[27] = (
                        old_start,
                        old_end,
                        old_ticket,
                        "",
                        "EXCH",
                    )
                    rows.append(old)
                    stats.by_mode["air"] = stats.by_mode.get("air", 0) + 1
                    stats.cancelled += 1
                    stats.exchanges += 1
                first_air = False
            elif seg.mode == "rail":
                row = [*base, "Rail", str(seg.leg), "", "Rail operator", "", seg.number, "", "",
                              seg.origin, seg.destination, start, end, "2", "", "HK", "", "", "",
                              "", fare, trip.currency, "", cancelled_at, modified]  # fmt: skip
            elif seg.mode == "hotel":
                row = [*base, "Hotel", "", "", self.rng.choice(HOTELS), "", "", seg.origin, "",
                              "", "", start, end, "", "", "HK", "", "", "", "",
                              f"{self.rng.uniform(120, 2400):.2f}", trip.currency, "",
                              cancelled_at, modified]  # fmt: skip
            else:
                vendor, name = self.rng.choice(CARS)
                row = [*base, "Car", "", vendor, name, "", "", seg.origin, seg.destination, "",
                              "", start, end, "", "", "HK", "", "", "", "",
                              f"{self.rng.uniform(60, 900):.2f}", trip.currency, "",
                              cancelled_at, modified]  # fmt: skip
            rows.append(row)
            stats.by_mode[seg.mode] = stats.by_mode.get(seg.mode, 0) + 1
            if person is None:
                stats.waiting += 1
            elif trip.cancelled:
                stats.cancelled += 1
            if confirmed and person is not None:
                self.concur_keys.add(self._key(person, seg))
        if (
            confirmed
            and not exchange
            and trip.segs
            and trip.segs[0].mode == "air"
            and self.rng.random() < 0.03
        ):
            air = [s for s in trip.segs if s.mode == "air"]
            self.dups.append(Trip(person, None, air, False, trip.cabin, trip.currency,
                                  trip.booked + timedelta(hours=2), trip.locator))  # fmt: skip
        return rows

    def _concur_bad(self) -> list[str]:
        """A one-segment trip with exactly one rejecting fault."""
        person = self.world.person()
        day = START + timedelta(days=self.rng.randrange(DAYS))
        start = f"{day.isoformat()}T09:00:00"
        row = [self._uuid(), "1", person.email, person.number, person.first, person.last, "",
               "ConcurTravel", self._locator(), "Air", "1", "LH", "Lufthansa", "100", "", "FRA",
               "LHR", "", "", start, f"{day.isoformat()}T10:30:00", "Y", "E", "HK", "396",
               self._ticket(), "", "USED", "250.00", "EUR", "", "", f"{day.isoformat()}T08:00:00"]  # fmt: skip
        fault = self.rng.randrange(5)
        if fault == 0:
            row[15] = "F1A"  # not an IATA code
        elif fault == 1:
            row[9] = "Boat"  # unknown segment type
        elif fault == 2:
            row[19] = "2025-02-30T09:00:00"  # no such date
        elif fault == 3:
            row[1] = "9"  # unknown trip status
        else:
            row[24] = "abc"  # miles not a number
        return row

    # --- Navan ----------------------------------------------------------------------------

    def navan(self, path: Path) -> None:
        stats = self.manifest.navan
        stats.path = str(path)
        bad = round(self.navan_budget * 0.005)
        good = self.navan_budget - bad
        positions = self._bad_positions(good, bad)
        produced = 0
        resends: list[tuple[int, int, list[str]]] = []  # (row index due, tie, row)
        dups = self.dups
        self.rng.shuffle(dups)
        # spread the duplicates evenly over the file
        dup_every = max(1, int(good / max(1, sum(len(t.segs) for t in dups)) * 1.2))
        next_dup = dup_every
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(NAVAN_HEADER)

            def write(row: list[str]) -> None:
                out.writerow(row)
                stats.rows += 1
                while resends and resends[0][0] <= stats.rows:
                    out.writerow(heapq.heappop(resends)[2])
                    stats.rows += 1

            while produced < good:
                while positions and positions[0] <= produced:
                    positions.pop(0)
                    stats.bad_rows += 1
                    write(self._navan_bad())
                if dups and produced >= next_dup and len(dups[-1].segs) <= good - produced:
                    trip = dups.pop()
                    next_dup += dup_every
                    row = self._navan_flight(trip, trip.segs, self._uuid(), stats)
                    produced += len(trip.segs)
                    stats.duplicates += len(trip.segs)
                    write(row)
                    continue
                trip = self._trip()
                self._unique(trip)
                self._fit(trip, good - produced)
                for booking_segs in self._split(trip):
                    if produced + len(booking_segs) > good:
                        break
                    produced += len(booking_segs)
                    kind = booking_segs[0].mode
                    key = self._uuid()
                    if kind in ("air", "rail"):
                        row = self._navan_flight(trip, booking_segs, key, stats)
                        if (
                            kind == "air"
                            and trip.person is not None
                            and not trip.cancelled
                            and self.rng.random() < 0.01
                            and produced + len(booking_segs) <= good
                        ):
                            again = self._navan_exchange(trip, booking_segs, row, stats)
                            if again is not None:
                                produced += len(booking_segs)
                                due = stats.rows + 1 + self.rng.randint(1, 4000)
                                heapq.heappush(resends, (due, stats.rows, again))
                    else:
                        row = self._navan_other(trip, booking_segs[0], key, stats)
                    write(row)
            while resends:
                out.writerow(heapq.heappop(resends)[2])
                stats.rows += 1
            for _ in positions:
                stats.bad_rows += 1
                out.writerow(self._navan_bad())
                stats.rows += 1
        stats.segments = produced + stats.bad_rows

    def _unique(self, trip: Trip) -> None:
        """Moves a Navan trip by a day until none of its segments has the match key of a
        Concur segment (so only the intended duplicates are duplicates)."""
        if trip.person is None:
            return
        for _ in range(30):
            if not any(self._key(trip.person, s) in self.concur_keys for s in trip.segs):
                return
            for s in trip.segs:
                s.start += timedelta(days=1)
                s.end += timedelta(days=1)
        raise RuntimeError("could not place a Navan trip apart from the Concur ones")

    @staticmethod
    def _split(trip: Trip) -> Iterator[list[Seg]]:
        """Navan books flights, trains, hotels and cars separately."""
        for mode in ("air", "rail"):
            segs = [s for s in trip.segs if s.mode == mode]
            if segs:
                yield segs
        for s in trip.segs:
            if s.mode in ("hotel", "car"):
                yield [s]

    def _navan_person(self, trip: Trip) -> tuple[str, str, str, str]:
        if trip.person is None:
            assert trip.stranger is not None
            number, email, first, last = trip.stranger
            return f"{first} {last}", email, number, ""
        p = trip.person
        email = p.email if self.rng.random() < 0.9 else p.email.title()
        number = p.number if self.rng.random() < 0.75 else ""  # matched by email then
        return f"{p.first} {p.last}", email, number, p.department

    def _navan_flight(self, trip: Trip, segs: list[Seg], key: str, stats: FileStats) -> list[str]:
        air = segs[0].mode == "air"
        name, email, number, department = self._navan_person(trip)
        created = trip.booked
        stamp = created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.rng.randrange(1000):03d}Z"
        items = []
        for s in segs:
            code = f"{s.carrier}{s.number}" if air else s.number
            items.append(f"{s.origin}>{s.destination} {code} {s.start.strftime('%Y-%m-%dT%H:%M')}")
        outbound = [s for s in segs if s.leg == 1]
        dest = outbound[-1].destination
        round_trip = any(s.leg == 2 for s in segs)
        km = sum(s.km or 0.0 for s in segs)
        miles = str(round(km / MILE_KM)) if self.rng.random() < 0.85 else ""
        w = self.world
        if air:
            origin = [segs[0].origin, w.city[segs[0].origin], w.country[segs[0].origin]]
            destination = [dest, w.city[dest], w.country[dest]]
            cabin = CABINS[trip.cabin][1]
        else:
            origin = ["", segs[0].origin.split()[0], ""]
            destination = ["", dest.split()[0], ""]
            cabin = ""
        fare = f"{self.rng.uniform(80, 5000):.2f}"
        for s in segs:
            stats.by_mode[s.mode] = stats.by_mode.get(s.mode, 0) + 1
        self._count(trip, len(segs), stats)
        return [key, f"NVN-{self.rng.randrange(10**7):07d}", "FLIGHT" if air else "RAIL",
                "CANCELED" if trip.cancelled else "TICKETED", stamp, stamp,
                stamp if trip.cancelled else "", segs[0].start.date().isoformat(),
                segs[-1].end.date().isoformat(), name, email, number, department, "CC-100",
                *origin, *destination, "ROUND_TRIP" if round_trip else "ONE_WAY",
                ";".join(items), cabin, "Y" if air else "", "Airline" if air else "Rail",
                trip.locator, self._ticket() if air else "", miles if air else "",
                "" if air else miles, "", trip.currency, fare, fare, "", "",
                self._uuid()]  # fmt: skip

    def _navan_exchange(
        self, trip: Trip, segs: list[Seg], row: list[str], stats: FileStats
    ) -> list[str] | None:
        """The same booking re-sent after an exchange: its first flight moved a day later
        (another flight number), a new e-ticket, a later lastModified."""
        assert trip.person is not None
        moved = segs[0]
        new_day = moved.start + timedelta(days=1)
        if self._key(trip.person, moved, new_day.date()) in self.concur_keys:
            return None
        again = list(row)
        items = again[21].split(";")
        code = f"{moved.carrier}{self.rng.randint(1, 9999)}"
        items[0] = f"{moved.origin}>{moved.destination} {code} {new_day.strftime('%Y-%m-%dT%H:%M')}"
        again[21] = ";".join(items)
        later = trip.booked + timedelta(days=1, seconds=self.rng.randrange(3600))
        again[5] = later.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        again[26] = self._ticket()
        again[33], again[34] = f"{self.rng.uniform(10, 300):.2f}", "0.00"
        stats.exchanges += 1
        for s in segs:
            stats.by_mode[s.mode] = stats.by_mode.get(s.mode, 0) + 1
        self._count(trip, len(segs), stats)
        return again

    def _navan_other(self, trip: Trip, seg: Seg, key: str, stats: FileStats) -> list[str]:
        name, email, number, department = self._navan_person(trip)
        stamp = trip.booked.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        w = self.world
        place = [seg.origin, w.city.get(seg.origin, ""), w.country.get(seg.origin, "")]
        hotel = seg.mode == "hotel"
        stats.by_mode[seg.mode] = stats.by_mode.get(seg.mode, 0) + 1
        self._count(trip, 1, stats)
        fare = f"{self.rng.uniform(60, 2400):.2f}"
        return [key, f"NVN-{self.rng.randrange(10**7):07d}", "HOTEL" if hotel else "CAR",
                "CANCELED" if trip.cancelled else "CONFIRMED", stamp, stamp,
                stamp if trip.cancelled else "", seg.start.date().isoformat(),
                seg.end.date().isoformat(), name, email, number, department, "CC-100",
                *(["", "", ""] if hotel else place), *place, "", "", "", "",
                self.rng.choice(HOTELS) if hotel else self.rng.choice(CARS)[1],
                self._locator(), "", "", "", "", trip.currency, fare, fare, "", "",
                self._uuid()]  # fmt: skip

    @staticmethod
    def _count(trip: Trip, n: int, stats: FileStats) -> None:
        if trip.person is None:
            stats.waiting += n
        elif trip.cancelled:
            stats.cancelled += n

    def _navan_bad(self) -> list[str]:
        """A one-segment booking with exactly one rejecting fault."""
        p = self.world.person()
        day = START + timedelta(days=self.rng.randrange(DAYS))
        stamp = f"{(day - timedelta(days=9)).isoformat()}T10:00:00.000Z"
        item = f"FRA>LHR LH900 {day.isoformat()}T07:00"
        row = [self._uuid(), "NVN-0000000", "FLIGHT", "TICKETED", stamp, stamp, "",
               day.isoformat(), day.isoformat(), f"{p.first} {p.last}", p.email, p.number,
               p.department, "CC-100", "FRA", "Frankfurt", "DE", "LHR", "London", "GB",
               "ONE_WAY", item, "ECONOMY", "Y", "Lufthansa", self._locator(), self._ticket(),
               "396", "", "", "EUR", "240.00", "260.00", "", "", ""]  # fmt: skip
        fault = self.rng.randrange(5)
        if fault == 0:
            row[21] = item.replace(">", "-")  # not FROM>TO
        elif fault == 1:
            row[3] = "PENDING"  # unknown status
        elif fault == 2:
            row[2] = "BOAT"  # unknown booking type
        elif fault == 3:
            row[5] = "yesterday"  # not a date-time
        else:
            row[21] = item.replace("FRA>", "F1A>")  # not an IATA code
        return row


def generate(
    segments: int,
    out: Path,
    *,
    employees: int = 100_000,
    seed: int = SEED,
    concur_share: float = 0.6,
    reuse: bool = True,
) -> Manifest:
    """Writes both exports and the manifest into ``out`` (reused when already generated with
    the same parameters)."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    if reuse and manifest_path.exists():
        try:
            old = Manifest.load(manifest_path)
        except (TypeError, ValueError, KeyError):
            old = None
        if (
            old is not None
            and (old.version, old.seed, old.segments, old.employees, old.concur_share)
            == (GENERATOR_VERSION, seed, segments, employees, concur_share)
            and Path(old.concur.path).exists()
            and Path(old.navan.path).exists()
        ):
            return old
    started = time.perf_counter()
    gen = Generator(segments, employees, seed, concur_share)
    gen.concur(out / CONCUR_FILE)
    gen.navan(out / NAVAN_FILE)
    gen.manifest.seconds = round(time.perf_counter() - started, 1)
    manifest_path.write_text(json.dumps(asdict(gen.manifest), indent=1))
    return gen.manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--concur-share", type=float, default=0.6)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    args = parser.parse_args()
    manifest = generate(
        args.segments,
        args.out,
        employees=args.employees,
        seed=args.seed,
        concur_share=args.concur_share,
        reuse=not args.force,
    )
    json.dump(asdict(manifest), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
