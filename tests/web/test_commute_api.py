"""The commute API: profile with history, logging with its rules, evidence, corrections."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import pytest
from flask.testing import FlaskClient
from PIL import Image

from corp_carbon import create_app
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.services.commutes.entries import today
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.people.employees import add_employee
from corp_carbon.web.state import EXTENSION_KEY
from tests.conftest import make_settings
from tests.support import OPERATOR, csrf_token

PROFILE = {"usual_mode": "bike", "one_way_km": 6.5, "office_days_per_week": 3}


def _day(back: int = 0) -> date:
    """A day of this month (``back`` days before today where the month allows)."""
    now = today()
    return max(now - timedelta(days=back), now.replace(day=1))


def _balance(uow: UnitOfWork, employee_id: int) -> int:
    with uow:
        return ledger.balance(uow.session, employee_id)


def _with_csrf(client: FlaskClient) -> FlaskClient:
    """A session client sends the page's CSRF token with its API calls, as the page's
    scripts would."""
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/rewards")
    return client


@pytest.fixture
def employee(employee: FlaskClient) -> FlaskClient:
    return _with_csrf(employee)


@pytest.fixture
def ana(employee: FlaskClient) -> FlaskClient:
    assert employee.put("/api/v1/me/commute-profile", json=PROFILE).status_code == 200
    return employee


def test_profile_put_makes_a_version_and_get_returns_it(employee: FlaskClient) -> None:
    assert employee.get("/api/v1/me/commute-profile").status_code == 404
    saved = employee.put(
        "/api/v1/me/commute-profile",
        json={**PROFILE, "usual_mode": "car", "car_fuel": "bev", "car_occupants": 2,
              "baseline_mode": "car"},
    )  # fmt: skip
    assert saved.status_code == 200, saved.get_data(as_text=True)
    body = employee.get("/api/v1/me/commute-profile").get_json()
    assert body["usual_mode"] == "car"
    assert body["car_fuel"] == "bev"
    assert body["car_occupants"] == 2
    assert body["baseline_mode"] == "car"
    assert body["valid_from"] == today().isoformat()
    # a bike profile drops the car's details and keeps the stated baseline
    again = employee.put("/api/v1/me/commute-profile", json={**PROFILE, "car_fuel": "petrol"})
    assert again.get_json()["car_fuel"] is None
    assert again.get_json()["baseline_mode"] == "car"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"one_way_km": 0}, "one_way_km"),
        ({"office_days_per_week": 9}, "office_days_per_week"),
        ({"usual_mode": "air"}, "usual_mode"),
        ({"usual_mode": "car", "car_occupants": 0}, "car_occupants"),
    ],
)
def test_bad_profile_input_is_422_naming_the_field(
    employee: FlaskClient, change: dict[str, object], field: str
) -> None:
    response = employee.put("/api/v1/me/commute-profile", json={**PROFILE, **change})
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["field"] == field
    assert error["message"].startswith(field)


def test_logging_a_day_prefills_the_distance_and_credits_points(
    ana: FlaskClient, uow: UnitOfWork
) -> None:
    me = ana.get("/api/v1/me").get_json()["id"]
    response = ana.post("/api/v1/me/commutes", json={"date": _day().isoformat(), "mode": "bike"})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert [t["leg"] for t in body["trips"]] == [1, 2]
    assert all(t["distance_km"] == 6.5 for t in body["trips"])
    assert all(t["verification"] == "self_reported" for t in body["trips"])
    assert body["points"] > 0
    assert body["avoided_kg_co2e"] > 0
    assert body["trips"][0]["baseline"] == "driving alone in an average car"
    assert _balance(uow, me) == body["points"]


def test_each_rule_refuses_with_409_naming_it(ana: FlaskClient) -> None:
    now = today()
    cases = [
        ({"date": (now + timedelta(days=1)).isoformat()}, "future_date"),
        ({"date": (now.replace(day=1) - timedelta(days=70)).isoformat()}, "before_window"),
    ]
    for change, rule in cases:
        response = ana.post("/api/v1/me/commutes", json={"mode": "bike", **change})
        assert response.status_code == 409, (rule, response.get_data(as_text=True))
        assert response.get_json()["error"]["rule"] == rule
    first = ana.post("/api/v1/me/commutes", json={"date": _day().isoformat(), "mode": "bus"})
    assert first.status_code == 201
    again = ana.post("/api/v1/me/commutes", json={"date": _day().isoformat(), "mode": "bike"})
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["rule"] == "already_logged"
    assert "already recorded" in error["message"]


@pytest.fixture
def capped(
    db_url: str, tmp_path: Path, log_in_as: Callable[..., None]
) -> Iterator[tuple[FlaskClient, int]]:
    """A client on an app whose methodology caps commutes at 1 trip a day and 2 self-reported
    trips a month, signed in as an employee with a profile."""
    settings = make_settings(
        db_url, tmp_path,
        methodology={"commute_trips_per_day": 1, "self_reported_per_month": 2},
    )  # fmt: skip
    application = create_app(settings)
    application.config["TESTING"] = True
    state = application.extensions[EXTENSION_KEY]
    person = add_employee(state.uow(), OPERATOR, email="cy@example.com", name="Cy")
    client = application.test_client()
    log_in_as(client, person.id)
    _with_csrf(client)
    assert client.put("/api/v1/me/commute-profile", json=PROFILE).status_code == 200
    yield client, person.id
    state.engine.dispose()


def test_the_daily_cap_names_its_rule(capped: tuple[FlaskClient, int]) -> None:
    client, _ = capped
    day = _day().isoformat()
    response = client.post("/api/v1/me/commutes", json={"date": day, "mode": "bike", "legs": 2})
    assert response.status_code == 409
    assert response.get_json()["error"]["rule"] == "per_day_cap"
    assert "Daily cap" in response.get_json()["error"]["message"]
    one_way = client.post("/api/v1/me/commutes", json={"date": day, "mode": "bike", "legs": 1})
    assert one_way.status_code == 201


def test_the_monthly_cap_refuses_self_reported_trips_and_a_photo_lifts_it(
    capped: tuple[FlaskClient, int],
) -> None:
    client, _ = capped
    now = today()
    if now.day >= 3:
        days = [now.replace(day=d).isoformat() for d in (1, 2, 3)]
    else:  # last month, whose correction window is still open
        days = [(now.replace(day=1) - timedelta(days=k)).isoformat() for k in (1, 2, 3)]
    for day in days[:2]:
        ok = client.post("/api/v1/me/commutes", json={"date": day, "mode": "bike", "legs": 1})
        assert ok.status_code == 201, ok.get_data(as_text=True)
    day = days[2]
    refused = client.post("/api/v1/me/commutes", json={"date": day, "mode": "bike", "legs": 1})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["rule"] == "per_month_cap"
    assert "Monthly cap" in refused.get_json()["error"]["message"]
    photo = client.post(
        "/api/v1/me/commute-evidence", data={"photo": (io.BytesIO(_jpeg()), "pass.jpg")}
    )
    assert photo.status_code == 201, photo.get_data(as_text=True)
    backed = client.post(
        "/api/v1/me/commutes",
        json={
            "date": day,
            "mode": "bike",
            "legs": 1,
            "evidence_id": photo.get_json()["evidence_id"],
        },
    )
    assert backed.status_code == 201, backed.get_data(as_text=True)
    assert backed.get_json()["trips"][0]["verification"] == "evidence_attached"


def test_bad_commute_input_is_422_naming_the_field(
    employee: FlaskClient,
) -> None:
    cases = [
        ({"date": "yesterday", "mode": "bike", "distance_km": 3}, "date"),
        ({"date": _day().isoformat(), "mode": "air", "distance_km": 3}, "mode"),
        ({"date": _day().isoformat(), "mode": "bike", "legs": 3, "distance_km": 3}, "legs"),
        ({"date": _day().isoformat(), "mode": "bike"}, "distance_km"),  # no profile yet
        ({"date": _day().isoformat(), "mode": "bike", "distance_km": 3, "evidence_id": 99},
         "evidence_id"),
    ]  # fmt: skip
    for body, field in cases:
        response = employee.post("/api/v1/me/commutes", json=body)
        assert response.status_code == 422, (body, response.get_data(as_text=True))
        assert response.get_json()["error"]["field"] == field


def test_refusals_are_worded_in_chinese(ana: FlaskClient) -> None:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = ana.post("/api/v1/me/commutes?lang=zh-CN", json={"date": tomorrow, "mode": "bike"})
    message = response.get_json()["error"]["message"]
    assert "today" not in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_the_same_idempotency_key_logs_once(ana: FlaskClient, uow: UnitOfWork) -> None:
    me = ana.get("/api/v1/me").get_json()["id"]
    body = {"date": _day().isoformat(), "mode": "walk", "distance_km": 2}
    headers = {"Idempotency-Key": "commute-1"}
    first = ana.post("/api/v1/me/commutes", json=body, headers=headers)
    second = ana.post("/api/v1/me/commutes", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["trips"] == second.get_json()["trips"]
    assert _balance(uow, me) == first.get_json()["points"]


def test_delete_reverses_the_points_and_another_employee_gets_404(
    ana: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    me = ana.get("/api/v1/me").get_json()["id"]
    logged = ana.post(
        "/api/v1/me/commutes", json={"date": _day().isoformat(), "mode": "bike"}
    ).get_json()
    trip = logged["trips"][0]
    before = _balance(uow, me)
    assert before == logged["points"]
    other = create_employee(email="ben@example.com", name="Ben")
    log_in_as(ana, other.id)
    assert ana.delete(f"/api/v1/me/commutes/{trip['id']}").status_code == 404
    log_in_as(ana, me)
    gone = ana.delete(f"/api/v1/me/commutes/{trip['id']}")
    assert gone.status_code == 200, gone.get_data(as_text=True)
    assert gone.get_json()["points"] == 0
    assert _balance(uow, me) == before - trip["points"]
    twice = ana.delete(f"/api/v1/me/commutes/{trip['id']}")
    assert twice.status_code == 409
    assert twice.get_json()["error"]["rule"] == "already_deleted"


def test_delete_outside_the_window_is_409(ana: FlaskClient) -> None:
    logged = ana.post(
        "/api/v1/me/commutes", json={"date": _day().isoformat(), "mode": "bike"}
    ).get_json()
    trip_id = logged["trips"][0]["id"]
    later = today().replace(day=1) + timedelta(days=70)
    with mock.patch("corp_carbon.services.commutes.entries.today", return_value=later):
        response = ana.delete(f"/api/v1/me/commutes/{trip_id}")
    assert response.status_code == 409
    assert response.get_json()["error"]["rule"] == "outside_window"


# --- helpers ----------------------------------------------------------------------------------


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 200)).save(out, format="JPEG")
    return out.getvalue()
