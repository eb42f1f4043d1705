"""The standalone service as a browser sees it: health, sign-in, own trips, overview, CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from corp_carbon import create_app
from corp_carbon.db import migrate
from corp_carbon.db.models import Activity, Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.vocabulary import ActivityKind, ActivityStatus, Cabin, Mode, Verification
from tests.conftest import make_settings
from tests.support import csrf_in


def _people(uow: UnitOfWork, departments: dict[str, int]) -> dict[str, int]:
    """Creates employees per department, each with one flight; returns email -> id."""
    ids: dict[str, int] = {}
    with uow:
        for department, count in departments.items():
            for n in range(count):
                email = f"{department.lower()}{n}@example.com"
                employee = Employee(
                    email=email, name=f"{department} Person {n}", department=department
                )
                uow.session.add(employee)
                uow.session.flush()
                uow.session.add(
                    Activity(
                        employee_id=employee.id,
                        kind=ActivityKind.BUSINESS_TRAVEL,
                        mode=Mode.AIR,
                        cabin=Cabin.ECONOMY,
                        origin="BER",
                        destination=f"X{n:02d}",
                        travel_date=date(2025, 4, 7),
                        distance_km=Decimal("930.5"),
                        verification=Verification.SELF_REPORTED,
                    )
                )
                ids[email] = employee.id
        uow.commit()
    return ids


def test_healthz_reports_database_and_schema(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "schema": "ok"}


def test_healthz_is_unavailable_when_migrations_are_pending(db_url: str, tmp_path: Path) -> None:
    migrate.downgrade(db_url, "-1")
    app = create_app(make_settings(db_url, tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "outdated" in response.get_json()["schema"]
    app.extensions["corp_carbon"].engine.dispose()


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = client.get("/login")
    assert page.status_code == 200
    assert "Single sign-on is not configured" in page.get_data(as_text=True)


def test_employee_sees_only_their_own_trips(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    ids = _people(uow, {"Finance": 2})
    log_in_as(client, ids["finance0@example.com"])
    page = client.get("/").get_data(as_text=True)
    assert "Finance Person 0" in page
    assert "(BER) → X00" in page
    assert "X01" not in page  # the colleague's flight
    assert "930.5" in page


def test_cancelled_trips_are_labelled(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    ids = _people(uow, {"Legal": 1})
    with uow:
        activity = uow.session.query(Activity).one()
        activity.status = ActivityStatus.CANCELLED
        uow.commit()
    log_in_as(client, ids["legal0@example.com"])
    assert re.search(r'class="badge cancelled">cancelled<', client.get("/").get_data(as_text=True))


def test_overview_needs_a_role_and_suppresses_small_departments(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    ids = _people(uow, {"Sales": 6, "Legal": 2})
    log_in_as(client, ids["sales0@example.com"])
    assert client.get("/admin").status_code == 403
    log_in_as(client, ids["sales0@example.com"], "sustainability")
    page = client.get("/admin?from=2025-01-01&to=2025-12-31").get_data(as_text=True)
    departments = page[page.index('id="department-heading"') : page.index('id="office-heading"')]
    # Legal (2 people) is hidden; alone it would be the total less Sales, so Sales goes too
    assert "Legal" not in page and "Sales" not in departments
    other = re.search(r"Other \(fewer than 5\)</th>(.*?)</tr>", departments, re.S)
    assert other and ">8<" in other.group(1)


def test_deactivated_employee_loses_the_session(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    ids = _people(uow, {"Ops": 1})
    log_in_as(client, ids["ops0@example.com"])
    assert client.get("/").status_code == 200
    with uow:
        employee = uow.session.get(Employee, ids["ops0@example.com"])
        assert employee is not None
        employee.active = False
        uow.commit()
    assert client.get("/").status_code == 302


def test_development_login_is_refused_unless_enabled(client: FlaskClient) -> None:
    assert client.get("/dev-login").status_code == 404
    assert client.post("/dev-login", data={"employee_id": "1", "role": "admin"}).status_code in (
        400,
        404,
    )


def test_development_login_when_enabled(db_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(db_url, tmp_path, dev_login={"enabled": True}))
    client = app.test_client()
    _ids = _people(app.extensions["corp_carbon"].uow(), {"HR": 1})
    page = client.get("/dev-login").get_data(as_text=True)
    assert "Development login is enabled" in page  # the banner on every page
    assert "HR Person 0" in page
    token = csrf_in(page)
    employee_id = _ids["hr0@example.com"]
    refused = client.post("/dev-login", data={"employee_id": employee_id, "role": "hr"})
    assert refused.status_code == 400  # no CSRF token
    response = client.post(
        "/dev-login", data={"employee_id": employee_id, "role": "hr", "csrf_token": token}
    )
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "HR Person 0 · HR" in home
    assert ">Admin</a>" in home
    app.extensions["corp_carbon"].engine.dispose()


def test_sign_out_needs_csrf_and_clears_the_session(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    ids = _people(uow, {"Ops": 1})
    log_in_as(client, ids["ops0@example.com"])
    page = client.get("/").get_data(as_text=True)
    assert client.post("/logout").status_code == 400
    token = csrf_in(page)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_a_session_cookie_copied_before_sign_out_no_longer_works(
    app: Flask, client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    """Issue 15: the signed cookie, replayed after "Sign out" (from another browser, or
    stolen), was still signed in. Signing out revokes every session of the employee."""
    ids = _people(uow, {"Ops": 1})
    log_in_as(client, ids["ops0@example.com"])
    page = client.get("/").get_data(as_text=True)
    copied = client.get_cookie("corp_carbon_session")
    assert copied is not None
    other = app.test_client()  # the copy, in another browser
    other.set_cookie("corp_carbon_session", copied.value)
    assert other.get("/").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf_in(page)}).status_code == 302
    assert other.get("/").status_code == 302  # sent to sign in again
    assert other.get("/api/v1/me/summary").status_code == 401
    log_in_as(client, ids["ops0@example.com"])  # a new sign-in works again
    assert client.get("/").status_code == 200


def test_session_cookie_flags(db_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(db_url, tmp_path, session={"cookie_secure": True}))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    app.extensions["corp_carbon"].engine.dispose()


def test_unknown_page_and_json_errors(client: FlaskClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "Page not found" in page.get_data(as_text=True)
    api = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert api.get_json() == {
        "error": {"code": "not_found", "message": api.get_json()["error"]["message"]}
    }


def test_sign_in_never_sends_anyone_to_another_site(
    client: FlaskClient, uow: UnitOfWork, log_in_as: Callable[..., None]
) -> None:
    """``next`` after sign-in is a path on this site or nothing: a link crafted to bounce an
    employee from the intranet to a look-alike site lands on their account instead."""
    ids = _people(uow, {"Ops": 1})
    log_in_as(client, ids["ops0@example.com"])
    for crafted in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/x",
                    "javascript:alert(1)", "%2F%2Fevil.example"):  # fmt: skip
        answer = client.get("/login", query_string={"next": crafted})
        assert answer.status_code == 302
        assert answer.headers["Location"] == "/", crafted
    assert client.get("/login?next=/points").headers["Location"] == "/points"
