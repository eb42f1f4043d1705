"""The "compare before you book" page."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def test_the_form_alone_and_the_nav_link(employee: FlaskClient) -> None:
    response = employee.get("/compare")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'placeholder="LHR, London or Paris Gare du Nord"' in page
    assert 'name="from"' in page and 'name="to"' in page
    assert "<table" not in page
    assert 'href="/compare" aria-current="page">Compare</a>' in page


def test_london_to_edinburgh_lists_the_options_lowest_first(employee: FlaskClient) -> None:
    response = employee.get("/compare?from=London&to=Edinburgh")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "London (GB) → Edinburgh (GB)" in page
    rows = _rows(page)
    assert len(rows) >= 5
    kgs = [
        float(re.search(r'class="kg-figure">([\d,.]+)<', row).group(1).replace(",", ""))  # type: ignore[union-attr]
        for row in rows
    ]
    assert kgs == sorted(kgs)
    assert "Rail" in page and "Coach" in page and "Car, petrol" in page
    widths = [float(w) for w in re.findall(r'<rect width="([\d.]+)%"', page)]
    assert max(widths) == 100.0
    assert "An economy flight" in page  # what rail is compared with
    assert re.search(r"methodology version [1-9]", page)
    assert "desnz-" in page
    assert "1 point for each gram of CO2e" in page
    assert 'value="London"' in page and 'value="Edinburgh"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "from=London&to=Xyzzyville",
            "place &#39;Xyzzyville&#39;: no airport code, station or city of that name",
        ),
        ("from=London&to=", "Enter both"),
        ("from=LHR&to=lhr", "the same place"),
        ("from=London&to=" + "x" * 101, "at most 100 characters"),
    ],
)
def test_problems_are_shown_inline(employee: FlaskClient, query: str, message: str) -> None:
    response = employee.get(f"/compare?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="flash error" role="alert"' in page
    assert message in page
    assert "<table" not in page
    assert 'placeholder="LHR, London or Paris Gare du Nord"' in page


def test_atlantis_is_a_real_town_and_the_page_says_which(employee: FlaskClient) -> None:
    """GeoNames knows Atlantis, Western Cape; showing the resolved place makes that visible."""
    page = employee.get("/compare?from=London&to=Atlantis").get_data(as_text=True)
    assert "London (GB) → Atlantis (ZA)" in page


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/compare?from=London&to=Edinburgh")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_station_names_are_read_as_their_cities_not_namesakes(employee: FlaskClient) -> None:
    """ "St Pancras → Gare du Nord" once became "Sète (FR) → Gare (FR)", 765 km."""
    page = employee.get("/compare?from=St+Pancras&to=Gare+du+Nord").get_data(as_text=True)
    assert "London (GB) → Paris (FR)" in page
    rail = next(row for row in _rows(page) if "<td>Rail</td>" in row)
    km = float(re.findall(r'class="num">([\d,]+)<', rail)[0].replace(",", ""))
    assert 380 < km < 480  # 344 km great circle times the rail detour factor


def test_no_flight_is_offered_between_places_a_few_km_apart(employee: FlaskClient) -> None:
    page = employee.get("/compare?from=Frankfurt&to=FRA").get_data(as_text=True)
    assert "Frankfurt am Main (DE) → FRA (Frankfurt am Main International Airport, DE)" in page
    rows = _rows(page)
    assert rows and not [row for row in rows if "<td>Flight" in row]


@pytest.mark.parametrize(
    ("query", "choices"),
    [  # a name of several cities: the user chooses, the page does not guess
        ("from=Cambridge&to=Paris", ["Cambridge (GB)", "Cambridge (US)"]),
        ("from=London&to=Edinbrugh", ["Edinburgh (GB)"]),  # a typo: what it may have meant
    ],
)
def test_did_you_mean_instead_of_a_guess(
    employee: FlaskClient, query: str, choices: list[str]
) -> None:
    page = employee.get(f"/compare?{query}").get_data(as_text=True)
    assert "Did you mean" in page
    assert "<table" not in page
    for choice in choices:
        assert f">{choice}</a>" in page
    link = re.search(r'href="(/compare\?[^"]+)">' + re.escape(choices[0]), page)
    assert link is not None
    chosen = employee.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Did you mean" not in chosen and "<table" in chosen


# --- suggestions while typing, places as read, no short flights, did you mean -------------


def test_place_suggestions_while_typing(employee: FlaskClient) -> None:
    body = employee.get("/api/v1/places?q=Lon").get_json()
    values = [place["value"] for place in body["places"]]
    assert values[0] == "London (GB)"
    assert body["places"][0] == {
        "value": "London (GB)", "name": "London", "country": "GB", "kind": "city",
    }  # fmt: skip
    assert len(values) <= 10 and len(set(values)) == len(values)
    assert [p["value"] for p in employee.get("/api/v1/places?q=LHR").get_json()["places"]] == [
        "LHR"
    ]
    assert employee.get("/api/v1/places?q=L").get_json()["places"] == []  # too short to help
    assert len(employee.get("/api/v1/places?q=Lon&limit=3").get_json()["places"]) == 3
    for bad in ("", "?q=Lon&limit=0", "?q=Lon&limit=x", "?q=Lon&near=GB"):
        response = employee.get(f"/api/v1/places{bad}")
        assert response.status_code == 400
        message = response.get_json()["error"]["message"]
        assert any(name in message for name in ("q", "limit", "near"))
    # a suggestion reads back as the place it names
    chosen = employee.get("/compare?from=London+(GB)&to=Edinburgh+(GB)").get_data(as_text=True)
    assert "London (GB) → Edinburgh (GB)" in chosen and "<table" in chosen


def test_the_form_offers_suggestions_without_needing_them(employee: FlaskClient) -> None:
    page = employee.get("/compare").get_data(as_text=True)
    assert 'list="places-from"' in page and '<datalist id="places-from"></datalist>' in page
    assert 'data-places="/api/v1/places"' in page
    assert 'src="/static/carbon/js/compare.js"' in page
    with employee.get("/static/carbon/js/compare.js") as script:
        assert script.status_code == 200 and b"datalist" in script.data
    assert "cdn" not in page.lower()


def test_the_places_as_read_are_shown(employee: FlaskClient) -> None:
    page = employee.get("/compare?from=St+Pancras&to=Gare+du+Nord").get_data(as_text=True)
    assert "We read St Pancras as London (GB)." in page
    assert "We read Gare du Nord as Paris (FR)." in page


def test_no_flight_under_100_km_says_why(employee: FlaskClient) -> None:
    page = employee.get("/compare?from=Frankfurt&to=FRA").get_data(as_text=True)
    assert 'id="no-flight"' in page and "under 100 km" in page
    assert "Flights are offered only between places at least 100 km apart." in page
    far = employee.get("/compare?from=London&to=Edinburgh").get_data(as_text=True)
    assert 'id="no-flight"' not in far and "<td>Flight" in far
    chinese = employee.get("/compare?from=Frankfurt&to=FRA&lang=zh-CN").get_data(as_text=True)
    assert "No flight is offered" not in chinese and "100" in chinese


def test_an_ambiguous_name_asks_in_words_in_both_languages(employee: FlaskClient) -> None:
    page = employee.get("/compare?from=Cambridge&to=Paris").get_data(as_text=True)
    assert "Several places are called Cambridge. Did you mean one of these?" in page
    unknown = employee.get("/compare?from=London&to=Edinbrugh").get_data(as_text=True)
    assert "We know no place called Edinbrugh. Did you mean one of these?" in unknown
    chinese = employee.get("/compare?from=Cambridge&to=Paris&lang=zh-CN").get_data(as_text=True)
    assert "Did you mean" not in chinese and "Several places" not in chinese
    assert ">Cambridge (US)</a>" in chinese


def test_what_each_option_is_compared_with_is_in_chinese_too(employee: FlaskClient) -> None:
    page = employee.get("/compare?from=London&to=Edinburgh&lang=zh-CN").get_data(as_text=True)
    assert "经济舱航班" in page  # what rail is compared with
    for english in ("An economy flight", "No lower-carbon choice", "same size", "policy"):
        assert english not in page
