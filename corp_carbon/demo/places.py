"""Where the demo company travels: destinations per office, routes, stations, carriers, prices.

Flights name real airports (coordinates from ``airportsdata``); surface legs carry the
distance the operator states and the coordinates of their stations.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import airportsdata

from corp_carbon.domain.geo import haversine_km
from corp_carbon.domain.vocabulary import Cabin, Mode

LONG_HAUL_KM = 3700


@dataclass(frozen=True)
class SurfaceLeg:
    mode: Mode
    origin: str
    destination: str
    km: str
    carrier: str
    #: service-number prefix and range, e.g. ("ICE ", 500, 599); None for ferries.
    service: tuple[str, int, int] | None

    def reversed(self) -> SurfaceLeg:
        return SurfaceLeg(
            self.mode, self.destination, self.origin, self.km, self.carrier, self.service
        )


@dataclass(frozen=True)
class Route:
    weight: float
    stops: tuple[str, ...] = ()
    surface: tuple[SurfaceLeg, ...] = ()
    tag: str = ""


@dataclass(frozen=True)
class Destination:
    city: str
    country: str
    weight: float
    routes: tuple[Route, ...]
    car_hire: bool = False


def _air(stops: str, weight: float = 1.0) -> Route:
    return Route(weight, stops=tuple(stops.split()))


def _ground(weight: float, *legs: SurfaceLeg, tag: str = "") -> Route:
    return Route(weight, surface=legs, tag=tag)


# Station and terminal coordinates (WGS84), so surface legs can be mapped and compared.
STATIONS: dict[str, tuple[str, str]] = {
    "London St Pancras": ("51.531900", "-0.126300"),
    "Paris Gare du Nord": ("48.880900", "2.355300"),
    "Bruxelles-Midi": ("50.835800", "4.336000"),
    "Amsterdam Centraal": ("52.379100", "4.900300"),
    "London King's Cross": ("51.532000", "-0.123300"),
    "Edinburgh Waverley": ("55.952100", "-3.189300"),
    "London Euston": ("51.528200", "-0.133700"),
    "Manchester Piccadilly": ("53.477400", "-2.230900"),
    "London Victoria Coach Station": ("51.492500", "-0.149000"),
    "Manchester Shudehill": ("53.485000", "-2.239000"),
    "Holyhead": ("53.307500", "-4.631000"),
    "Dublin Port": ("53.346400", "-6.195700"),
    "Berlin Hbf": ("52.525100", "13.369400"),
    "München Hbf": ("48.140200", "11.560000"),
    "Frankfurt (Main) Hbf": ("50.107100", "8.663600"),
    "Hamburg Hbf": ("53.553000", "10.006900"),
    "Berlin ZOB": ("52.507200", "13.280000"),
    "Hamburg ZOB": ("53.551700", "10.011700"),
    "Shanghai Hongqiao": ("31.194500", "121.319000"),
    "Beijing South": ("39.865200", "116.378600"),
    "Hangzhou East": ("30.290800", "120.212500"),
    "Nanjing South": ("31.968100", "118.797700"),
}

EUROSTAR_PARIS = SurfaceLeg(
    Mode.RAIL, "London St Pancras", "Paris Gare du Nord", "492", "Eurostar", ("ES ", 9002, 9059)
)
EUROSTAR_BRUSSELS = SurfaceLeg(
    Mode.RAIL, "London St Pancras", "Bruxelles-Midi", "373", "Eurostar", ("ES ", 9110, 9159)
)
EUROSTAR_AMSTERDAM = SurfaceLeg(
    Mode.RAIL, "London St Pancras", "Amsterdam Centraal", "541", "Eurostar", ("ES ", 9114, 9126)
)
LNER_EDINBURGH = SurfaceLeg(
    Mode.RAIL, "London King's Cross", "Edinburgh Waverley", "632", "LNER", ("1S", 10, 40)
)
AVANTI_MANCHESTER = SurfaceLeg(
    Mode.RAIL, "London Euston", "Manchester Piccadilly", "296", "Avanti West Coast", ("1H", 10, 90)
)
NX_MANCHESTER = SurfaceLeg(
    Mode.COACH,
    "London Victoria Coach Station",
    "Manchester Shudehill",
    "335",
    "National Express",
    ("NX ", 540, 560),
)
AVANTI_HOLYHEAD = SurfaceLeg(
    Mode.RAIL, "London Euston", "Holyhead", "423", "Avanti West Coast", ("1D", 80, 89)
)
STENA_DUBLIN = SurfaceLeg(Mode.FERRY, "Holyhead", "Dublin Port", "107", "Stena Line", None)
ICE_MUNICH = SurfaceLeg(
    Mode.RAIL, "Berlin Hbf", "München Hbf", "623", "Deutsche Bahn", ("ICE ", 500, 599)
)
ICE_FRANKFURT = SurfaceLeg(
    Mode.RAIL, "Berlin Hbf", "Frankfurt (Main) Hbf", "545", "Deutsche Bahn", ("ICE ", 370, 399)
)
ICE_HAMBURG = SurfaceLeg(
    Mode.RAIL, "Berlin Hbf", "Hamburg Hbf", "289", "Deutsche Bahn", ("ICE ", 700, 799)
)
IC_AMSTERDAM = SurfaceLeg(
    Mode.RAIL, "Berlin Hbf", "Amsterdam Centraal", "649", "NS International", ("IC ", 140, 149)
)
FLIX_HAMBURG = SurfaceLeg(
    Mode.COACH, "Berlin ZOB", "Hamburg ZOB", "290", "FlixBus", ("N", 100, 199)
)
G_BEIJING = SurfaceLeg(
    Mode.RAIL, "Shanghai Hongqiao", "Beijing South", "1318", "China Railway", ("G", 1, 20)
)
G_HANGZHOU = SurfaceLeg(
    Mode.RAIL, "Shanghai Hongqiao", "Hangzhou East", "159", "China Railway", ("G", 7301, 7399)
)
G_NANJING = SurfaceLeg(
    Mode.RAIL, "Shanghai Hongqiao", "Nanjing South", "301", "China Railway", ("G", 7001, 7099)
)

DESTINATIONS: dict[str, tuple[Destination, ...]] = {
    "London": (
        Destination("Berlin", "DE", 10, (_air("LHR BER", 8), _air("LGW BER", 2))),
        Destination("Munich", "DE", 5, (_air("LHR MUC"),), car_hire=True),
        Destination("Frankfurt", "DE", 5, (_air("LHR FRA"),), car_hire=True),
        Destination("Paris", "FR", 10, (_ground(7, EUROSTAR_PARIS), _air("LHR CDG", 3))),
        Destination("Brussels", "BE", 3, (_ground(1, EUROSTAR_BRUSSELS),)),
        Destination("Amsterdam", "NL", 6, (_air("LHR AMS", 8), _ground(2, EUROSTAR_AMSTERDAM))),
        Destination("Madrid", "ES", 3, (_air("LHR MAD"),), car_hire=True),
        Destination(
            "Dublin",
            "IE",
            5,
            (_air("LHR DUB", 9.4), _ground(0.6, AVANTI_HOLYHEAD, STENA_DUBLIN, tag="sailrail")),
            car_hire=True,
        ),
        Destination(
            "Edinburgh", "GB", 6, (_ground(6, LNER_EDINBURGH), _air("LHR EDI", 4)), car_hire=True
        ),
        Destination(
            "Manchester",
            "GB",
            5,
            (_ground(8, AVANTI_MANCHESTER), _ground(1.5, NX_MANCHESTER, tag="coach")),
            car_hire=True,
        ),
        Destination("Zurich", "CH", 2, (_air("LHR ZRH"),)),
        Destination("New York", "US", 6, (_air("LHR JFK"),)),
        Destination("Boston", "US", 3, (_air("LHR BOS"),), car_hire=True),
        Destination("San Francisco", "US", 4, (_air("LHR SFO"),), car_hire=True),
        Destination("Singapore", "SG", 3, (_air("LHR SIN", 7), _air("LHR DXB SIN", 3))),
        Destination("Hong Kong", "HK", 2, (_air("LHR HKG"),)),
        Destination("Shanghai", "CN", 6, (_air("LHR PVG", 8), _air("LHR FRA PVG", 2))),
        Destination("Dubai", "AE", 2, (_air("LHR DXB"),)),
        Destination("Tokyo", "JP", 1, (_air("LHR NRT"),)),
    ),
    "Berlin": (
        Destination("London", "GB", 10, (_air("BER LHR"),)),
        Destination("Munich", "DE", 8, (_ground(6, ICE_MUNICH), _air("BER MUC", 4)), car_hire=True),
        Destination(
            "Frankfurt", "DE", 6, (_ground(6, ICE_FRANKFURT), _air("BER FRA", 4)), car_hire=True
        ),
        Destination(
            "Hamburg",
            "DE",
            5,
            (_ground(8.5, ICE_HAMBURG), _ground(1.5, FLIX_HAMBURG, tag="coach")),
            car_hire=True,
        ),
        Destination("Paris", "FR", 5, (_air("BER CDG"),)),
        Destination("Amsterdam", "NL", 4, (_air("BER AMS", 7), _ground(3, IC_AMSTERDAM))),
        Destination("Madrid", "ES", 2, (_air("BER MAD"),)),
        Destination("Dublin", "IE", 1, (_air("BER DUB"),)),
        Destination("Zurich", "CH", 3, (_air("BER ZRH"),)),
        Destination("Copenhagen", "DK", 2, (_air("BER CPH"),)),
        Destination("Shanghai", "CN", 5, (_air("BER FRA PVG", 6), _air("BER MUC PVG", 4))),
        Destination("Singapore", "SG", 3, (_air("BER FRA SIN"),)),
        Destination("New York", "US", 3, (_air("BER FRA JFK"), _air("BER MUC JFK"))),
        Destination("San Francisco", "US", 2, (_air("BER FRA SFO"),), car_hire=True),
    ),
    "Shanghai": (
        Destination("Beijing", "CN", 12, (_ground(5.5, G_BEIJING), _air("SHA PEK", 4.5))),
        Destination("Hangzhou", "CN", 6, (_ground(1, G_HANGZHOU),)),
        Destination("Nanjing", "CN", 4, (_ground(1, G_NANJING),)),
        Destination("Guangzhou", "CN", 5, (_air("SHA CAN", 6), _air("PVG CAN", 4)), car_hire=True),
        Destination("Shenzhen", "CN", 5, (_air("SHA SZX", 6), _air("PVG SZX", 4)), car_hire=True),
        Destination("Hong Kong", "HK", 5, (_air("PVG HKG"),)),
        Destination("Singapore", "SG", 5, (_air("PVG SIN"),)),
        Destination("Tokyo", "JP", 3, (_air("PVG NRT"),)),
        Destination("Berlin", "DE", 4, (_air("PVG FRA BER", 7), _air("PVG MUC BER", 3))),
        Destination("London", "GB", 4, (_air("PVG LHR"),)),
        Destination("Frankfurt", "DE", 3, (_air("PVG FRA"),)),
        Destination("San Francisco", "US", 2, (_air("PVG SFO"),)),
    ),
}

#: IATA airline code -> 3-digit ticket prefix (None: ticketless low-cost carrier).
AIRLINES: dict[str, str | None] = {
    "BA": "125",
    "VS": "932",
    "U2": None,
    "LH": "220",
    "EW": "104",
    "AF": "057",
    "KL": "074",
    "IB": "075",
    "EI": "053",
    "LX": "724",
    "SK": "117",
    "MU": "781",
    "FM": "774",
    "CA": "999",
    "CZ": "784",
    "ZH": "479",
    "SQ": "618",
    "CX": "160",
    "JL": "131",
    "EK": "176",
    "UA": "016",
    "AA": "001",
}
CHINESE_AIRLINES = ("MU", "FM", "CA", "CZ", "ZH")
#: the carriers based at an airport; a nonstop flight is operated by one of either end's.
AIRPORT_CARRIERS: dict[str, tuple[str, ...]] = {
    "LHR": ("BA", "VS"),
    "LGW": ("BA", "U2"),
    "EDI": ("BA",),
    "BER": ("LH", "EW", "U2"),
    "MUC": ("LH",),
    "FRA": ("LH",),
    "CDG": ("AF",),
    "AMS": ("KL",),
    "MAD": ("IB",),
    "DUB": ("EI",),
    "ZRH": ("LX",),
    "CPH": ("SK",),
    "PVG": ("MU", "FM"),
    "SHA": ("MU", "FM"),
    "PEK": ("CA",),
    "CAN": ("CZ",),
    "SZX": ("ZH", "CZ"),
    "HKG": ("CX",),
    "SIN": ("SQ",),
    "NRT": ("JL",),
    "DXB": ("EK",),
    "JFK": ("AA", "UA"),
    "BOS": ("AA",),
    "SFO": ("UA",),
}
CABINS_SHORT = ((Cabin.ECONOMY, 86), (Cabin.PREMIUM_ECONOMY, 2), (Cabin.BUSINESS, 12))
CABINS_LONG = (
    (Cabin.ECONOMY, 55),
    (Cabin.PREMIUM_ECONOMY, 15),
    (Cabin.BUSINESS, 27),
    (Cabin.FIRST, 3),
)
CABIN_PRICE = {
    Cabin.ECONOMY: 1.0,
    Cabin.PREMIUM_ECONOMY: 1.8,
    Cabin.BUSINESS: 3.6,
    Cabin.FIRST: 6.5,
}
#: rail: about one trip in eight is first class, the rest standard; of journeys with a leg
#: longer than SLEEPER_KM, one in three is made overnight in a sleeper berth.
RAIL_FIRST_ONE_IN = 8
NIGHT_TRAIN_ONE_IN = 3
SLEEPER_KM = 900
RAIL_CLASS_PRICE = {Cabin.STANDARD: 1.0, Cabin.FIRST: 1.7, Cabin.SLEEPER: 1.4}
#: the night trains on a carrier's long routes: China Railway's sleeper EMUs (动卧) are D-trains.
NIGHT_SERVICE = {"China Railway": ("D", 701, 712)}
PER_GBP = {"GBP": Decimal("1"), "EUR": Decimal("1.17"), "CNY": Decimal("9.2")}
TAXIS = {
    "GB": ("Addison Lee", "Uber"),
    "DE": ("FREENOW", "Uber"),
    "CN": ("DiDi",),
    "US": ("Uber", "Lyft"),
    "FR": ("G7", "Uber"),
    "SG": ("Grab",),
    "IE": ("FREENOW",),
}
HOTELS = {
    "Berlin": ("Motel One", "Adina", "Hilton"),
    "Munich": ("Motel One", "Marriott"),
    "Hamburg": ("Motel One", "Scandic"),
    "Frankfurt": ("Motel One", "Marriott"),
    "London": ("Premier Inn", "citizenM", "Hilton"),
    "Edinburgh": ("Premier Inn", "Motel One"),
    "Manchester": ("Premier Inn", "Motel One"),
    "Paris": ("Novotel", "Pullman", "ibis"),
    "Beijing": ("Atour", "Hilton", "Jinjiang Inn"),
    "Hangzhou": ("Atour", "Jinjiang Inn"),
    "Nanjing": ("Atour", "Jinjiang Inn"),
    "Guangzhou": ("Atour", "Marriott"),
    "Shenzhen": ("Atour", "Hilton"),
    "Tokyo": ("APA Hotel", "Hilton"),
}
NIGHT_GBP = {
    "London": 190,
    "New York": 290,
    "San Francisco": 260,
    "Boston": 250,
    "Zurich": 240,
    "Singapore": 220,
    "Tokyo": 190,
    "Hong Kong": 210,
    "Dubai": 180,
    "Paris": 180,
    "Amsterdam": 170,
    "Dublin": 170,
    "Copenhagen": 170,
    "Munich": 150,
    "Beijing": 110,
    "Hangzhou": 80,
    "Nanjing": 75,
    "Guangzhou": 85,
    "Shenzhen": 95,
    "Manchester": 110,
}
CAR_HIRE = {"CN": ("eHi", "CAR Inc."), "US": ("Hertz", "Enterprise")}
MILEAGE = {
    "London": (("Reading", 68), ("Cambridge", 98), ("Oxford", 92), ("Milton Keynes", 85)),
    "Berlin": (("Potsdam", 35), ("Leipzig", 190), ("Dresden", 193), ("Magdeburg", 150)),
    "Shanghai": (("Suzhou", 100), ("Wuxi", 135), ("Ningbo", 220)),
}


@cache
def airports() -> dict[str, airportsdata.Airport]:
    return airportsdata.load("IATA")


def flight_km(origin: str, destination: str) -> Decimal:
    a, b = airports()[origin], airports()[destination]
    return haversine_km(float(a["lat"]), float(a["lon"]), float(b["lat"]), float(b["lon"]))
