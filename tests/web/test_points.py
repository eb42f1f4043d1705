"""An employee's points: the statement page and GET /api/v1/me/ledger, their own only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flask.testing import FlaskClient

from corp_carbon.db.models import Activity, Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import ActivityKind, Mode, Verification
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger import postings as ledger
from tests.support import csrf_token


def _people(uow: UnitOfWork) -> tuple[int, int, int]:
    with uow:
        zoe = Employee(email="zoe.mueller@example.com", name="Zoë Müller")
        wei = Employee(email="zhang.wei@example.com", name="张伟")
        uow.session.add_all([zoe, wei])
        uow.session.flush()
        trip = Activity(
            employee_id=zoe.id,
            kind=ActivityKind.COMMUTE,
            mode=Mode.BIKE,
            travel_date=date(2025, 3, 3),
            distance_km=Decimal("7.5"),
            verification=Verification.SELF_REPORTED,
        )
        uow.session.add(trip)
        uow.session.flush()
        ledger.earn(
            uow.session, employee_id=zoe.id, activity_id=trip.id, points=1252, methodology_version=1
        )
        uow.commit()
        return zoe.id, wei.id, trip.id


def test_statement_page_shows_balance_running_total_and_the_trip(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    zoe, _, trip = _people(uow)
    adjustments.adjust(
        uow,
        Actor(label="hr"),
        employee="zoe.mueller@example.com",
        points=-200,
        reason="duplicate survey answer",
        request_key="k",
    )
    log_in_as(client, zoe)
    page = client.get("/points").get_data(as_text=True)
    assert '<div class="value">1,052</div>' in page
    assert "Points for a trip" in page
    assert f"/trips/{trip}" in page
    assert "Adjustment by HR: duplicate survey answer" in page
    assert "-200" in page


def test_ledger_api_is_the_callers_own(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    zoe, wei, trip = _people(uow)
    log_in_as(client, zoe)
    body = client.get("/api/v1/me/ledger").get_json()
    assert body["balance"] == 1252
    assert body["next"] is None
    [entry] = body["entries"]
    assert entry["amount"] == 1252
    assert entry["running_balance"] == 1252
    assert entry["kind"] == "earn"
    assert entry["activity_url"] == f"/trips/{trip}"
    log_in_as(client, wei)
    assert client.get("/api/v1/me/ledger").get_json() == {"balance": 0, "entries": [], "next": None}
    assert client.get(f"/trips/{trip}").status_code == 404  # someone else's trip


def test_anonymous_json_gets_401(client: FlaskClient) -> None:
    response = client.get("/api/v1/me/ledger", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_hr_adjusts_points_through_the_api_once_per_key(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    zoe, wei, _ = _people(uow)
    body = {"employee": "ZOE.MUELLER@example.com", "points": 500, "reason": "volunteering day"}
    log_in_as(client, wei)
    assert client.post(
        "/api/v1/ledger/adjustments", json=body, headers={"X-CSRFToken": "x"}
    ).status_code in (400, 403)
    log_in_as(client, wei, "hr")
    token = csrf_token(client, "/points")
    headers = {"Idempotency-Key": "adj-1", "X-CSRFToken": token}
    first = client.post("/api/v1/ledger/adjustments", json=body, headers=headers)
    assert first.status_code == 201
    again = client.post("/api/v1/ledger/adjustments", json=body, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["transaction_id"] == first.get_json()["transaction_id"]
    too_much = client.post(
        "/api/v1/ledger/adjustments",
        headers={"X-CSRFToken": token},
        json={**body, "points": -10_000},
    )
    assert too_much.status_code == 409
    assert too_much.get_json()["error"]["code"] == "insufficient_balance"
    no_reason = client.post(
        "/api/v1/ledger/adjustments", headers={"X-CSRFToken": token}, json={**body, "reason": ""}
    )
    assert no_reason.status_code == 400
    assert "reason" in no_reason.get_json()["error"]["message"]
    log_in_as(client, zoe)
    assert client.get("/api/v1/me/ledger").get_json()["balance"] == 1252 + 500


def test_a_redemption_shows_on_the_statement_with_its_reward(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    from corp_carbon.services.rewards import catalogue, redemptions

    zoe, _, _ = _people(uow)
    hr = Actor(label="hr")
    reward = catalogue.add_reward(uow, hr, name="Bike service", kind="perk", cost_points=1000)
    redemptions.request_redemption(uow, hr, employee_id=zoe, reward_id=reward.id, request_key="r-1")
    log_in_as(client, zoe)
    body = client.get("/api/v1/me/ledger").get_json()
    hold = body["entries"][0]
    assert (hold["amount"], hold["reward"], hold["running_balance"]) == (-1000, "Bike service", 252)
    assert hold["redemption_url"] == f"/api/v1/redemptions/{hold['redemption_id']}"
    assert "Bike service" in client.get("/points").get_data(as_text=True)
