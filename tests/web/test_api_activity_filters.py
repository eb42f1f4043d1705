"""GET /api/v1/me/activities?mode=&kind=&from=&to=: filters that really filter, on every page,
and a 422 naming the filter whose value cannot be read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from corp_carbon.db.models import Activity
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, Mode, Verification

URL = "/api/v1/me/activities"


def _add(uow: UnitOfWork, employee_id: int, rows: list[tuple[date, ActivityKind, Mode]]) -> None:
    with uow:
        for day, kind, mode in rows:
            uow.session.add(
                Activity(
                    employee_id=employee_id,
                    kind=kind,
                    mode=mode,
                    cabin=Cabin.ECONOMY if mode is Mode.AIR else None,
                    origin="LHR" if mode is Mode.AIR else "Home",
                    destination="CDG" if mode is Mode.AIR else "Office",
                    travel_date=day,
                    distance_km=Decimal("12.000"),
                    verification=Verification.SELF_REPORTED,
                )
            )
        uow.commit()


def _walk(client: FlaskClient, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.get_data(as_text=True)
        items.extend(response.get_json()["items"])
        next_url = response.get_json()["next"]
    return items


@pytest.fixture
def mine(uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]) -> tuple[int, int]:
    me, other = create_employee(), create_employee()
    rows = [(date(2025, 3, d), ActivityKind.COMMUTE, Mode.BIKE) for d in range(1, 8)]
    rows += [(date(2025, 3, d), ActivityKind.COMMUTE, Mode.BUS) for d in range(1, 4)]
    rows += [(date(2025, 5, d), ActivityKind.BUSINESS_TRAVEL, Mode.AIR) for d in range(1, 5)]
    rows += [(date(2025, 5, 9), ActivityKind.BUSINESS_TRAVEL, Mode.BUS)]
    _add(uow, me.id, rows)
    _add(uow, other.id, [(date(2025, 3, 2), ActivityKind.COMMUTE, Mode.BIKE)])
    return me.id, other.id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mode=bike", 7),
        ("mode=bus", 4),
        ("kind=commute", 10),
        ("kind=business_travel", 5),
        ("mode=bus&kind=business_travel", 1),
        ("mode=bike&from=2025-03-03&to=2025-03-05", 3),
        ("kind=business_travel&from=2025-05-02", 4),
        ("mode=ferry", 0),
    ],
)
def test_filters_hold_on_every_page(
    client: FlaskClient,
    log_in_as: Callable[..., None],
    mine: tuple[int, int],
    query: str,
    expected: int,
) -> None:
    log_in_as(client, mine[0])
    items = _walk(client, f"{URL}?{query}&per_page=2")
    assert len(items) == expected
    wanted = dict(part.split("=") for part in query.split("&"))
    for item in items:
        assert item["mode"] == wanted.get("mode", item["mode"])
        assert item["kind"] == wanted.get("kind", item["kind"])
        assert wanted.get("from", "0") <= item["date"] <= wanted.get("to", "9")
    first = client.get(f"{URL}?{query}&per_page=2").get_json()
    if first["next"]:
        for part in query.split("&"):
            assert part in first["next"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("mode=plane", "mode"),
        ("kind=holiday", "kind"),
        ("from=2025-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2025-06-01&to=2025-05-01", "from"),
        ("status=booked", "status"),
    ],
)
def test_a_filter_value_it_cannot_read_is_422_naming_it(
    client: FlaskClient,
    log_in_as: Callable[..., None],
    mine: tuple[int, int],
    query: str,
    named: str,
) -> None:
    log_in_as(client, mine[0])
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)
    message = response.get_json()["error"]["message"]
    assert message.startswith(named)


def test_the_openapi_document_lists_the_filters(client: FlaskClient) -> None:
    operation = client.get("/api/v1/openapi.json").get_json()["paths"][URL]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"mode", "kind", "from", "to"} <= names
    assert "422" in operation["responses"]
