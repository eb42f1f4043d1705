"""Station and place names resolve to where a traveller means, never to a namesake.

Reference positions are the stations' own (OpenStreetMap, rounded to about 100 m). The
shipped data places a station at its city's GeoNames point, so each row states how far that
may be: a few km for a central station, more (with the reason) for one built outside.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from corp_carbon.domain.geo import haversine_km
from corp_carbon.geo import resolve
from corp_carbon.geo.places import UnknownPlace

#: name, expected country, reference latitude and longitude, tolerance km (and why, if > 5)
TABLE: list[tuple[str, str, float, float, float]] = [
    # Europe: stations, with the city, without it, local spelling and English
    ("London St Pancras", "GB", 51.5305, -0.1260, 5),
    ("St Pancras", "GB", 51.5305, -0.1260, 5),
    ("London King's Cross", "GB", 51.5320, -0.1233, 5),
    ("London Euston", "GB", 51.5282, -0.1337, 5),
    ("Manchester Piccadilly", "GB", 53.4774, -2.2309, 5),
    ("Edinburgh Waverley", "GB", 55.9520, -3.1890, 5),
    ("Paris Gare du Nord", "FR", 48.8809, 2.3553, 5),
    ("Gare du Nord", "FR", 48.8809, 2.3553, 5),
    ("Paris Gare de Lyon", "FR", 48.8443, 2.3744, 5),
    ("Lyon Part-Dieu", "FR", 45.7606, 4.8594, 5),
    ("Frankfurt (Main) Hbf", "DE", 50.1070, 8.6632, 5),
    ("Frankfurt", "DE", 50.1070, 8.6632, 5),
    ("Ulm", "DE", 48.3994, 9.9827, 5),
    ("Ulm Hbf", "DE", 48.3994, 9.9827, 5),
    ("München Hbf", "DE", 48.1402, 11.5600, 5),
    ("Berlin Hbf", "DE", 52.5251, 13.3694, 5),
    ("Hamburg Hbf", "DE", 53.5530, 10.0069, 5),
    ("Köln Hbf", "DE", 50.9430, 6.9589, 5),
    ("Wien Hbf", "AT", 48.1850, 16.3760, 5),
    ("Zürich HB", "CH", 47.3782, 8.5402, 5),
    ("Basel SBB", "CH", 47.5476, 7.5897, 5),
    ("Amsterdam Centraal", "NL", 52.3791, 4.9003, 5),
    ("Bruxelles-Midi", "BE", 50.8357, 4.3365, 5),
    ("Brussels Midi", "BE", 50.8357, 4.3365, 5),
    ("Roma Termini", "IT", 41.9010, 12.5011, 5),
    ("Roma", "IT", 41.9010, 12.5011, 5),
    ("Milano Centrale", "IT", 45.4864, 9.2046, 5),
    ("Venezia Santa Lucia", "IT", 45.4411, 12.3210, 5),
    ("Firenze Santa Maria Novella", "IT", 43.7765, 11.2480, 5),
    ("Madrid Puerta de Atocha", "ES", 40.4066, -3.6892, 5),
    ("Barcelona Sants", "ES", 41.3790, 2.1400, 5),
    ("Praha hl.n.", "CZ", 50.0831, 14.4353, 5),
    ("Warszawa Centralna", "PL", 52.2289, 21.0031, 5),
    ("Budapest Keleti", "HU", 47.5003, 19.0838, 5),
    ("Stockholm Central", "SE", 59.3303, 18.0586, 5),
    ("København H", "DK", 55.6727, 12.5646, 5),
    # United States
    ("New York Penn Station", "US", 40.7506, -73.9935, 5),
    ("Washington Union Station", "US", 38.8973, -77.0063, 5),
    ("Chicago Union Station", "US", 41.8787, -87.6403, 5),
    ("Boston South Station", "US", 42.3523, -71.0552, 5),
    ("Philadelphia 30th Street Station", "US", 39.9557, -75.1820, 5),
    ("Los Angeles Union Station", "US", 34.0562, -118.2365, 5),
    # China: the high-speed stations lie outside the centre that GeoNames gives the city
    ("Shanghai Hongqiao", "CN", 31.1942, 121.3203, 16),  # 14 km west of the centre
    ("Beijing South", "CN", 39.8652, 116.3786, 7),  # 5 km south
    ("Beijing West", "CN", 39.8944, 116.3219, 8),  # 7 km west
    ("Guangzhou South", "CN", 22.9886, 113.2689, 16),  # 14 km south
    ("Nanjing South", "CN", 31.9683, 118.7972, 12),  # 10 km south
    ("上海", "CN", 31.2222, 121.4581, 5),
    # Japan
    ("Tokyo Station", "JP", 35.6812, 139.7671, 8),  # GeoNames' Tokyo is Shinjuku, 7 km west
    ("Shin-Osaka", "JP", 34.7335, 135.5001, 5),
    ("Kyoto Station", "JP", 34.9858, 135.7588, 5),
    ("Nagoya Station", "JP", 35.1709, 136.8815, 5),
    ("Shin-Yokohama", "JP", 35.5075, 139.6176, 10),  # 9 km from Yokohama's centre
]


def _km(found: resolve.Resolution, lat: float, lon: float) -> Decimal:
    return haversine_km(found.place.lat, found.place.lon, lat, lon)


@pytest.mark.parametrize(("name", "country", "lat", "lon", "within"), TABLE)
def test_a_station_or_city_name_resolves_to_its_place(
    name: str, country: str, lat: float, lon: float, within: float
) -> None:
    found = resolve.ground(name)
    assert found.place.country == country, found.place.describe()
    assert _km(found, lat, lon) <= Decimal(within), found.place.describe()


@pytest.mark.parametrize(
    ("origin", "destination"),
    [
        ("London St Pancras", "Paris Gare du Nord"),
        ("St Pancras", "Gare du Nord"),
        ("Frankfurt (Main) Hbf", "Roma Termini"),
        ("Ulm", "München Hbf"),
        ("Madrid Puerta de Atocha", "Barcelona Sants"),
        ("Bruxelles-Midi", "Amsterdam Centraal"),
        ("New York Penn Station", "Washington Union Station"),
        ("Shanghai Hongqiao", "Beijing South"),
        ("Tokyo Station", "Shin-Osaka"),
    ],
)
def test_a_pair_of_stations_is_as_far_apart_as_the_stations(origin: str, destination: str) -> None:
    reference = {name: (lat, lon) for name, _, lat, lon, _ in TABLE}
    expected = haversine_km(*reference[origin], *reference[destination])
    start, end, _ = resolve.ground_pair(origin, destination)
    got = haversine_km(start.place.lat, start.place.lon, end.place.lat, end.place.lon)
    assert abs(got - expected) <= expected * Decimal("0.15"), (got, expected)


@pytest.mark.parametrize("code", ["QQX", "QZJ", "Q9Z", "XXXX"])
def test_a_code_in_capitals_is_an_airport_or_refused(code: str) -> None:
    with pytest.raises(UnknownPlace, match=f"airport code '{code}': not a known IATA or ICAO"):
        resolve.air(code)
    with pytest.raises(UnknownPlace, match=f"'{code}': not a known airport code"):
        resolve.ground(code)  # nor a town that lists the code among its names


@pytest.mark.parametrize(
    ("text", "airports"),
    [
        ("London", {"LHR", "LGW", "STN", "LTN"}),
        ("Paris", {"CDG", "ORY"}),
        ("Frankfurt (Main) Hbf", {"FRA"}),
        ("Ulm", {"STR"}),  # no airport of its own: the one serving it
        ("Heathrow", {"LHR"}),  # the airport, not Heathrow (Florida)
        ("lhr", {"LHR"}),
        ("KJFK", {"JFK"}),
    ],
)
def test_a_flight_end_is_always_an_airport(text: str, airports: set[str]) -> None:
    found = resolve.air(text)
    assert {f.place.code for f in found} == airports
    assert all(f.place.kind == "airport" for f in found)


def test_a_city_name_flight_uses_the_shortest_pair_and_says_which() -> None:
    start, end = resolve.flight("London", "Paris")
    assert (start.place.code, end.place.code) == ("LGW", "CDG")
    assert start.read_as == (
        "'London' read as LGW (London Gatwick Airport), the airport serving London (GB)"
    )


def test_a_name_of_several_cities_asks_for_a_check_unless_the_other_end_settles_it() -> None:
    alone = resolve.ground("Birmingham")
    assert alone.place.describe() == "Birmingham (GB)"
    assert alone.check is not None and "Birmingham (US)" in alone.check
    start, end, _ = resolve.ground_pair("Birmingham", "London Euston")
    assert start.check is None and end.check is None  # both in Great Britain
    assert resolve.suggest("Birmingham")[:2] == ("Birmingham (GB)", "Birmingham (US)")
    assert resolve.ground("Birmingham (US)").place.country == "US"


def test_an_unknown_name_gets_spelling_suggestions() -> None:
    with pytest.raises(UnknownPlace):
        resolve.ground("Edinbrugh")
    assert "Edinburgh (GB)" in resolve.suggest("Edinbrugh")


@pytest.mark.parametrize(("mode", "country"), [("hotel", "DE"), ("rail", "DE")])
def test_a_town_named_like_an_airport_code_is_the_town(mode: str, country: str) -> None:
    """ "Ulm" once became ULM, New Ulm Municipal Airport (US): a hotel night in Minnesota."""
    from corp_carbon.domain.methodology import Methodology
    from corp_carbon.services.scoring.estimates import TripQuery, build_trip

    query = TripQuery(mode=mode, origin="München Hbf", destination="Ulm", nights=1)
    trip = build_trip(query, Methodology(factor_set="desnz-2024"))
    assert trip.destination_country == country
