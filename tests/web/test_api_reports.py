"""GET /api/v1/reports/summary: the hand-computed fixture through the API, the roles, and
400s that name the parameter."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from tests.report_fixture import seed

URL = "/api/v1/reports/summary"
OTHER = "Other (fewer than 5)"


@pytest.fixture
def officer(
    client: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> FlaskClient:
    seed(uow)
    log_in_as(client, create_employee(roles=("sustainability",)).id, "sustainability")
    return client


def test_summary_by_department(officer: FlaskClient) -> None:
    reply = officer.get(f"{URL}?from=2026-01-01&to=2026-12-31&group_by=department")
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["from"] == "2026-01-01" and body["group_by"] == ["department"]
    assert body["min_group_size"] == 5
    assert [(r["key"], r["other"], r["employees"]) for r in body["rows"]] == [
        ({"department": "Finance"}, False, 5),
        ({"department": OTHER}, True, 9),
    ]
    assert body["rows"][0]["figures"] == {
        "kg_co2e": 750.0, "avoided_kg_co2e": 1.5, "points": 1500, "activities": 6,
        "distance_km": 5005.0,
    }  # fmt: skip
    assert body["business_travel"]["kg_co2e"] == 800.0
    assert body["commuting"]["kg_co2e"] == 16.0
    assert body["total"]["activities"] == 15


def test_summary_by_haul_and_cabin(officer: FlaskClient) -> None:
    reply = officer.get(f"{URL}?from=2026-01-01&to=2026-12-31&group_by=mode,haul_cabin")
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["group_by"] == ["mode", "haul_cabin"]
    # Sales rail (5 people) shows; short-haul economy (4) and business (1) flights, the
    # bike (the business flyer) and the car commutes (4) are small: 9 people in Other.
    assert [(r["key"], r["employees"], r["figures"]["kg_co2e"]) for r in body["rows"]] == [
        ({"mode": "rail", "haul_cabin": "Not a flight"}, 5, 50.0),
        ({"mode": OTHER, "haul_cabin": OTHER}, 9, 766.0),
    ]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("to=2026-12-31", "from"),
        ("from=2026-13-01&to=2026-12-31", "from"),
        ("from=2026-01-01", "to"),
        ("from=2026-02-01&to=2026-01-01", "from"),
        ("from=2026-01-01&to=2026-12-31&group_by=month,haul", "group_by"),
        ("from=2026-01-01&to=2026-12-31&colour=red", "colour"),
    ],
)
def test_bad_parameters_are_named(officer: FlaskClient, query: str, named: str) -> None:
    reply = officer.get(f"{URL}?{query}")
    assert reply.status_code == 400
    assert named in reply.get_json()["error"]["message"]


def test_employees_are_refused(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    log_in_as(client, create_employee().id)
    assert client.get(f"{URL}?from=2026-01-01&to=2026-12-31").status_code == 403
