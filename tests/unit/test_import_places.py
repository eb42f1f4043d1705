"""Where an imported segment starts and ends: airports for flights, stations and towns on the
ground, with a row warning whenever a name had to be guessed."""

from __future__ import annotations

from datetime import date

import pytest

from corp_carbon.domain.bookings import Segment
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.vocabulary import Mode
from corp_carbon.geo.segments import PlaceProblem, locate

METHODOLOGY = Methodology(factor_set="desnz-2024")


def _segment(mode: Mode, origin: str, destination: str) -> Segment:
    return Segment(
        key="1", mode=mode, travel_date=date(2025, 5, 12), origin=origin, destination=destination
    )


def test_a_flight_between_city_names_flies_between_their_airports() -> None:
    located = locate(_segment(Mode.AIR, "Paris", "Tokyo"), METHODOLOGY)
    assert located.origin is not None and located.destination is not None
    assert (located.origin.name, located.destination.name) == ("CDG", "HND")
    assert any(note.startswith("'Paris' read as CDG") for note in located.notes)
    assert not located.warnings  # a city's own airport needs no check


@pytest.mark.parametrize("code", ["QQX", "QZJ"])
def test_a_flight_to_a_code_that_is_no_airport_is_rejected(code: str) -> None:
    with pytest.raises(PlaceProblem) as raised:
        locate(_segment(Mode.AIR, "LHR", code), METHODOLOGY)
    assert (raised.value.field, raised.value.reason) == (
        "destination",
        f"unknown airport code {code!r}",
    )


def test_a_hotel_in_a_town_of_several_countries_is_kept_with_a_warning() -> None:
    located = locate(_segment(Mode.HOTEL, "", "Birmingham"), METHODOLOGY)
    assert located.destination is not None and located.destination.country == "GB"
    [warning] = located.warnings
    assert warning.field == "destination"
    assert warning.reason.startswith("please check 'Birmingham': read as Birmingham (GB)")


def test_a_place_that_is_not_found_is_a_row_warning() -> None:
    located = locate(_segment(Mode.RAIL, "Xyzzyville", "London Euston"), METHODOLOGY)
    assert located.distance_km is None
    assert [(w.field, w.reason) for w in located.warnings] == [
        ("origin", "place 'Xyzzyville' not found: please check")
    ]
