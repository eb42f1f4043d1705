"""GET /api/v1/me/activities: the caller's own trips only, paged by cursor, filtered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity
from corp_carbon.db.models import Assessment as AssessmentRow
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.activities import ActivityView
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ActivityStatus, ImportTrigger, Role
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import ImportRequest
from corp_carbon.services.people.tokens import create_token
from corp_carbon.web.api import activities as views_api_activities
from corp_carbon.web.api.activities import MyActivities, MyActivity
from tests.support import OPERATOR, add_directory
from tests.web.test_api_imports import CONCUR, NAVAN

URL = "/api/v1/me/activities"


@pytest.fixture
def people(
    uow: UnitOfWork, settings: Settings, create_employee: Callable[..., EmployeeProfile]
) -> dict[str, int]:
    """The directory, with the Navan and Concur samples imported (trips of several people,
    one cancelled, one replaced by an exchange, duplicates across the two sources)."""
    ids = add_directory(create_employee)
    for connector, path in (("navan", NAVAN), ("concur-itinerary", CONCUR)):
        request = ImportRequest(
            connector=connector,
            path=path,
            file_name=path.name,
            trigger=ImportTrigger.CLI,
            started_by="test",
        )
        assert not run_import(uow, settings, request).failed
    return ids


def _stored(uow: UnitOfWork, employee_id: int) -> list[tuple[date, int, str]]:
    """The employee's activities as stored, newest first (date desc, id desc)."""
    with uow:
        rows = uow.session.execute(
            sa.select(Activity.travel_date, Activity.id, Activity.status)
            .where(Activity.employee_id == employee_id)
            .order_by(Activity.travel_date.desc(), Activity.id.desc())
        ).all()
    return [(d, i, s.value) for d, i, s in rows]


def _walk(client: FlaskClient, url: str, **headers: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        MyActivities.model_validate(body)
        items.extend(body["items"])
        next_url = body["next"]
    return items


def test_an_employee_sees_only_their_own_trips_newest_first(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int], log_in_as: Callable[..., None]
) -> None:
    mine, theirs = _stored(uow, people["E1001"]), _stored(uow, people["E1003"])
    assert len(mine) >= 3 and theirs  # the samples give both of them trips
    log_in_as(client, people["E1001"], "hr")  # another role sees no one else's trips either
    body = client.get(URL).get_json()
    assert body["next"] is None  # fewer than 50
    assert [(date.fromisoformat(i["date"]), i["id"], i["status"]) for i in body["items"]] == mine
    assert not {i["id"] for i in body["items"]} & {i for _, i, _ in theirs}
    # another employee's trip is not reachable by any parameter either
    assert client.get(f"{URL}?status=cancelled").get_json()["items"] == [
        i for i in body["items"] if i["status"] == "cancelled"
    ]


def test_a_bearer_token_sees_its_employees_trips(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    raw, _ = create_token(uow, OPERATOR, employee="E1003", role=Role.EMPLOYEE, name="app")
    items = _walk(client, URL, Authorization=f"Bearer {raw}")
    assert [i["id"] for i in items] == [i for _, i, _ in _stored(uow, people["E1003"])]


def test_items_carry_figures_and_an_explanation(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int], log_in_as: Callable[..., None]
) -> None:
    log_in_as(client, people["E1003"])
    items = client.get(URL).get_json()["items"]
    by_status: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_status.setdefault(item["status"], []).append(item)
        assert set(item) == {
            "id", "date", "kind", "mode", "origin", "destination", "cabin", "distance_km",
            "distance_source", "status", "kg_co2e", "points", "explanation", "url",
        }  # fmt: skip
        assert item["url"] == f"/trips/{item['id']}"
        assert isinstance(item["explanation"]["summary"], str)
        assert isinstance(item["explanation"]["steps"], list)
    confirmed = by_status["confirmed"]
    assert all(isinstance(i["kg_co2e"], float) and i["kg_co2e"] > 0 for i in confirmed)
    assert all(isinstance(i["points"], int) for i in confirmed)
    flights = [i for i in confirmed if i["mode"] == "air" and i["distance_km"] is not None]
    assert flights and all(isinstance(i["distance_km"], float) for i in flights)
    cancelled = by_status["cancelled"]
    assert cancelled
    for item in cancelled:
        if item["kg_co2e"] is None:
            assert item["explanation"]["summary"] == "Not scored: this trip was cancelled."


def test_pages_follow_next_without_repeats_or_gaps(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int], log_in_as: Callable[..., None]
) -> None:
    log_in_as(client, people["E1001"])
    stored = _stored(uow, people["E1001"])
    first = client.get(f"{URL}?per_page=2").get_json()
    assert len(first["items"]) == 2
    assert first["next"].startswith(f"{URL}?")
    assert "per_page=2" in first["next"] and "cursor=" in first["next"]
    items = _walk(client, f"{URL}?per_page=2")
    assert [i["id"] for i in items] == [i for _, i, _ in stored]
    one_by_one = _walk(client, f"{URL}?per_page=1")
    assert [i["id"] for i in one_by_one] == [i for _, i, _ in stored]
    exact = client.get(f"{URL}?per_page={len(stored)}").get_json()
    assert len(exact["items"]) == len(stored) and exact["next"] is None


def test_filters_by_date_and_status_and_next_keeps_them(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int], log_in_as: Callable[..., None]
) -> None:
    log_in_as(client, people["E1001"])
    stored = _stored(uow, people["E1001"])
    dates = sorted({d for d, _, _ in stored})
    low, high = dates[0], dates[-1]
    if len(dates) > 2:
        low, high = dates[1], dates[-2]
    url = f"{URL}?from={low}&to={high}&per_page=1"
    items = _walk(client, url)
    assert [i["id"] for i in items] == [i for d, i, _ in stored if low <= d <= high]
    first = client.get(url).get_json()
    if first["next"]:
        assert f"from={low}" in first["next"] and f"to={high}" in first["next"]
    for status in ActivityStatus:
        found = _walk(client, f"{URL}?status={status.value}")
        assert [i["id"] for i in found] == [i for _, i, s in stored if s == status.value]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("per_page=501", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=ten", "per_page"),
        ("cursor=abc", "cursor"),
        ("page=2", "page"),
    ],
)
def test_bad_parameters_are_400_naming_them(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
    query: str,
    named: str,
) -> None:
    log_in_as(client, add_directory(create_employee)["E1001"])
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    message = response.get_json()["error"]["message"]
    assert named in message
    if named == "per_page":
        assert "500" in message


def test_per_page_500_is_allowed_and_nobody_signed_in_is_401(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    assert client.get(URL).status_code == 401
    log_in_as(client, add_directory(create_employee)["E1005"])
    assert client.get(f"{URL}?per_page=500").get_json() == {"items": [], "next": None}


def test_missing_trails_go_through_the_hook(
    client: FlaskClient,
    uow: UnitOfWork,
    people: dict[str, int],
    log_in_as: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bulk imports store no trail; the hook (services.trails, to be wired) fills it in."""
    trail = (
        {"step": "summary", "text": "Rail instead of a flight: 33,628 points."},
        {"step": "distance", "text": "606 km, estimated", "km": 605.822},
    )
    seen: list[int] = []

    def fill(session: Any, trips: list[ActivityView]) -> list[ActivityView]:
        seen.extend(t.id for t in trips)
        return [replace(t, explanation=trail, plain=str(trail[0]["text"])) for t in trips]

    monkeypatch.setattr(views_api_activities, "fill_missing_trails", fill)
    log_in_as(client, people["E1001"])
    items = client.get(f"{URL}?per_page=2&status=confirmed").get_json()["items"]
    assert seen[:2] == [i["id"] for i in items]
    for item in items:
        assert item["explanation"] == {
            "summary": "Rail instead of a flight: 33,628 points.",
            "steps": [{"step": "distance", "text": "606 km, estimated", "km": 605.822}],
        }


def test_each_item_is_what_its_model_says_with_trails_stored_or_rebuilt(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int], log_in_as: Callable[..., None]
) -> None:
    """Items are written without the model: the model reads each back to the same JSON, and a
    trail rebuilt for a trip stored without one (bulk imports) is the trail stored."""
    log_in_as(client, people["E1003"])
    stored = _walk(client, f"{URL}?per_page=3")
    assert stored and any(i["explanation"]["steps"] for i in stored)
    for item in stored:
        assert MyActivity.model_validate(item).model_dump(mode="json") == item
    with uow:
        uow.session.execute(sa.update(AssessmentRow).values(explanation=[]))
        uow.commit()
    assert _walk(client, f"{URL}?per_page=3") == stored
