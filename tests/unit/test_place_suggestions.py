"""Place suggestions while typing: largest first, each reading back as itself."""

from __future__ import annotations

from corp_carbon.geo import resolve
from corp_carbon.geo.suggest import suggest


def test_the_start_of_a_name_suggests_the_largest_places_first() -> None:
    found = suggest("Lond")
    assert found[0].value == "London (GB)" and found[0].kind == "city"
    assert "London (CA)" in [s.value for s in found]
    assert len(found) <= 10


def test_an_airport_code_in_capitals_comes_first() -> None:
    assert suggest("LHR")[0].value == "LHR"
    assert suggest("LHR")[0].kind == "airport"


def test_too_little_text_suggests_nothing() -> None:
    assert suggest("L") == ()
    assert suggest("   ") == ()


def test_accents_and_case_do_not_matter_and_values_read_back() -> None:
    found = suggest("zuri")
    assert found[0].value == "Zürich (CH)"
    for s in found[:3]:
        assert resolve.ground(s.value).place.country == s.country
