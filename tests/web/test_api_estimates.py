"""The estimates API: /api/v1/estimate, /api/v1/compare and the OpenAPI document describing them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from corp_carbon import create_app
from corp_carbon.web.api.openapi import path_template
from corp_carbon.web.api.schemas.estimates import Comparison, Estimate
from tests.conftest import make_settings

ESTIMATE = "/api/v1/estimate"
COMPARE = "/api/v1/compare"


def _error(response: Any, status: int) -> dict[str, str]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, dict[str, str]] = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return body["error"]


def test_lhr_jfk_economy_matches_the_desnz_reference_example(employee: FlaskClient) -> None:
    response = employee.get(
        ESTIMATE,
        query_string={
            "mode": "air",
            "from": "LHR",
            "to": "JFK",
            "cabin": "economy",
            "factor_set": "desnz-2024",
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["kg_co2e"] == pytest.approx(1108.577, rel=0.001)
    assert body["haul"] == "long_haul"
    assert body["factor_id"] == "21_316_3170_11_1"
    assert body["factor_set"] == "desnz-2024"
    assert body["methodology_version"] >= 1  # the stored current version, not the unstored 0
    Estimate.model_validate(body)
    assert set(body) == {f.alias or name for name, f in Estimate.model_fields.items()}


def test_a_petrol_commute_by_distance(employee: FlaskClient) -> None:
    response = employee.get(
        f"{ESTIMATE}?distance_km=25&mode=car&fuel=petrol&factor_set=desnz-2024&kind=commute"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["kg_co2e"] == 4.113
    assert body["distance_km"] == 25.0
    assert body["distance_source"] == "given"


def test_radiative_forcing_can_be_switched_off(employee: FlaskClient) -> None:
    query = "mode=air&from=LHR&to=JFK&cabin=economy&factor_set=desnz-2024"
    with_rf = employee.get(f"{ESTIMATE}?{query}&rf=true").get_json()
    without = employee.get(f"{ESTIMATE}?{query}&rf=false").get_json()
    assert with_rf["radiative_forcing"] is True and without["radiative_forcing"] is False
    assert without["kg_co2e"] < with_rf["kg_co2e"]


@pytest.mark.parametrize("code", ["QQZ", "QQX", "QZJ"])
def test_unknown_airport_is_a_422_naming_the_code(employee: FlaskClient, code: str) -> None:
    """QQX and QZJ are GeoNames alternate names of Bath and Loimaa: a flight to a code
    that is no airport is refused, never flown to a namesake town."""
    error = _error(employee.get(f"{ESTIMATE}?mode=air&from=LHR&to={code}&cabin=economy"), 422)
    assert error["code"] == "unknown_place"
    assert error["message"] == f"airport code {code!r}: not a known IATA or ICAO airport"


def test_a_misspelt_place_is_refused_with_what_it_may_have_meant(employee: FlaskClient) -> None:
    error = _error(employee.get(f"{ESTIMATE}?mode=rail&from=London&to=Edinbrugh"), 422)
    assert error["message"].startswith(
        "place 'Edinbrugh': no airport code, station or city of that name; "
        "did you mean Edinburgh (GB) or "
    )
    error = _error(employee.get(f"{COMPARE}?from=Edinbrugh&to=London"), 422)
    assert "did you mean Edinburgh (GB)" in error["message"]


def test_a_flight_from_a_city_name_uses_its_airport_and_says_so(employee: FlaskClient) -> None:
    body = employee.get(f"{ESTIMATE}?mode=air&from=Paris&to=Tokyo&cabin=economy").get_json()
    places = [step["text"] for step in body["explanation"] if step["step"] == "place"]
    assert any(text.startswith("'Paris' read as CDG") for text in places), places
    assert any(text.startswith("'Tokyo' read as HND") for text in places), places
    assert 9700 < body["distance_km"] < 9750  # CDG-HND, not the town centres


def test_unknown_factor_set_is_a_404_listing_the_accepted_ones(employee: FlaskClient) -> None:
    error = _error(employee.get(f"{ESTIMATE}?mode=rail&distance_km=100&factor_set=desnz-1999"), 404)
    assert error["code"] == "unknown_factor_set"
    assert "desnz-1999" in error["message"]
    for accepted in ("desnz-2024", "desnz-2025", "epa-2025"):
        assert accepted in error["message"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("mode=spaceship&distance_km=10", "spaceship"),
        ("mode=air&from=LHR&to=JFK&cabin=deluxe", "deluxe"),
        ("mode=car&distance_km=10&occupants=two", "occupants"),
        ("mode=hotel&nights=1.5", "nights"),
        ("mode=rail&distance_km=10&year=last", "year"),
        ("mode=rail&distance_km=10&rf=maybe", "rf"),
        ("mode=rail&distance_km=ten", "ten"),
        ("mode=rail&from=London", "distance_km"),
        ("mode=rail&distance_km=10&cabn=first", "cabn"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(
    employee: FlaskClient, query: str, named: str
) -> None:
    error = _error(employee.get(f"{ESTIMATE}?{query}"), 400)
    assert named in error["message"]


def test_anonymous_json_requests_get_401(client: FlaskClient) -> None:
    for url in (f"{ESTIMATE}?mode=rail&distance_km=10", f"{COMPARE}?from=LHR&to=CDG"):
        assert _error(client.get(url), 401)["code"] == "unauthorized"


def test_compare_lists_rail_with_points_and_flights_without(employee: FlaskClient) -> None:
    response = employee.get(COMPARE, query_string={"from": "LHR", "to": "CDG"})
    assert response.status_code == 200
    body = response.get_json()
    Comparison.model_validate(body)
    assert (body["from"], body["to"]) == ("LHR", "CDG")
    assert body["methodology_version"] >= 1
    options = body["options"]
    assert {o["factor_set"] for o in options} == {body["factor_set"]}
    kgs = [o["kg_co2e"] for o in options]
    assert kgs == sorted(kgs)
    rail = next(o for o in options if o["mode"] == "rail")
    assert rail["points"] > 0
    assert any(o["mode"] == "air" and o["points"] == 0 for o in options)


def test_compare_needs_both_places(employee: FlaskClient) -> None:
    assert "to" in _error(employee.get(f"{COMPARE}?from=LHR"), 400)["message"]
    assert _error(employee.get(f"{COMPARE}?from=LHR&to=QQZ"), 422)["code"] == "unknown_place"


def test_openapi_document_is_valid_and_describes_the_endpoints(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")  # public: no sign-in
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "/"}]
    assert {ESTIMATE, COMPARE} <= set(document["paths"])
    estimate = document["paths"][ESTIMATE]["get"]
    params = {p["name"]: p for p in estimate["parameters"]}
    assert "air" in params["mode"]["schema"]["enum"]
    assert params["cabin"]["schema"]["enum"] == [
        "economy", "premium_economy", "business", "first", "standard", "sleeper"
    ]  # fmt: skip
    assert "sleeper" in params["cabin"]["description"]
    assert "bev" in params["fuel"]["schema"]["enum"]
    assert "large" in params["size"]["schema"]["enum"]
    assert params["kind"]["schema"]["enum"] == ["business_travel", "commute"]
    assert {"desnz-2024", "desnz-2025", "epa-2025"} <= set(params["factor_set"]["schema"]["enum"])
    schemas = document["components"]["schemas"]
    ok = estimate["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Estimate"}
    assert {"kg_co2e", "factor_id", "points", "explanation"} <= set(
        schemas["Estimate"]["properties"]
    )
    assert {"from", "to", "options"} <= set(schemas["Comparison"]["properties"])
    error = estimate["responses"]["404"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
    assert "$defs" not in str(document)
    assert estimate["security"] == [{"session": []}, {"bearer": []}]  # browser or API token


def test_every_documented_path_is_a_route(app: Any, client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    rules = {path_template(rule.rule)[0] for rule in app.url_map.iter_rules()}
    assert set(document["paths"]) <= rules


def test_openapi_server_url_is_the_mount_prefix(db_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(db_url, tmp_path, app={"url_prefix": "/carbon"}))
    try:
        document = app.test_client().get("/carbon/api/v1/openapi.json").get_json()
        assert document["servers"] == [{"url": "/carbon"}]
        assert ESTIMATE in document["paths"]
    finally:
        app.extensions["corp_carbon"].engine.dispose()
