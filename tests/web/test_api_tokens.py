"""API tokens: created hashed, shown once, accepted as bearer credentials by /api/v1/me and
every other route, refused when revoked, expired or belonging to a deactivated employee."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Blueprint, Flask, jsonify
from flask.testing import FlaskClient
from werkzeug.wrappers import Response

from corp_carbon import create_app
from corp_carbon.config import Settings
from corp_carbon.db.base import Base
from corp_carbon.db.models import ApiToken, AuditEvent, Employee, EmployeeRole
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import Conflict, DomainError, NotFound
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.people.employees import add_employee
from corp_carbon.services.people.tokens import (
    TokenInfo,
    authenticate,
    create_token,
    list_tokens,
    revoke_token,
)
from corp_carbon.web.access import current_employee, current_token_id, login_required
from corp_carbon.web.api.me import MyProfile
from corp_carbon.web.blueprint import build_blueprint
from corp_carbon.web.state import EXTENSION_KEY
from tests.support import OPERATOR

ME = "/api/v1/me"


@pytest.fixture
def people(create_employee: Callable[..., EmployeeProfile]) -> dict[str, EmployeeProfile]:
    return {
        "ana": create_employee(
            email="ana@example.com",
            name="Ana Lima",
            employee_number="E100",
            department="Finance",
            office="Lisbon",
        ),
        "hana": create_employee(email="hana@example.com", name="Hana HR", roles=("hr", "admin")),
    }


def _token(uow: UnitOfWork, employee: str, role: Role, **kwargs: Any) -> tuple[str, TokenInfo]:
    return create_token(uow, OPERATOR, employee=employee, role=role, name="travel sync", **kwargs)


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _unauthorised(response: Any) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert "Set-Cookie" not in response.headers


def _stored(uow: UnitOfWork, token_id: int) -> dict[str, Any]:
    """The token's row as stored, column by column."""
    with uow:
        row = uow.session.get(ApiToken, token_id)
        assert row is not None
        return {column.key: getattr(row, column.key) for column in ApiToken.__table__.columns}


# --- /api/v1/me ---------------------------------------------------------------------------------


def test_me_with_a_bearer_token_has_the_token_role_and_the_balance(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    adjustments.adjust(
        uow, OPERATOR, employee="hana@example.com", points=120, reason="welcome", request_key="w1"
    )
    raw, info = _token(uow, "hana@example.com", Role.HR)
    assert raw.startswith("cc_") and len(raw) > 40
    assert info.roles == (Role.EMPLOYEE, Role.HR)
    scoped, _ = _token(uow, "hana@example.com", Role.HR, scopes=("import",))
    assert client.get(ME, headers=_bearer(scoped)).status_code == 403  # made for imports

    response = client.get(ME, headers=_bearer(raw))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    MyProfile.model_validate(body)
    assert body["email"] == "hana@example.com"
    assert body["roles"] == ["employee", "hr"]  # the token's role, not all of Hana's roles
    assert body["balance"] == 120
    assert body["id"] == people["hana"].id
    assert body["public_id"] == people["hana"].public_id


def test_me_fields_for_an_employee_token_and_by_employee_number(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    raw, info = _token(uow, "E100", Role.EMPLOYEE)
    assert info.employee_email == "ana@example.com"
    body = client.get(ME, headers=_bearer(raw)).get_json()
    assert body == {
        "id": people["ana"].id,
        "public_id": people["ana"].public_id,
        "email": "ana@example.com",
        "name": "Ana Lima",
        "employee_number": "E100",
        "department": "Finance",
        "office": "Lisbon",
        "roles": ["employee"],
        "balance": 0,
    }


def test_me_with_the_session_cookie_still_works(
    client: FlaskClient,
    people: dict[str, EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    log_in_as(client, people["hana"].id, "hr", "admin")
    body = client.get(ME).get_json()
    assert body["email"] == "hana@example.com"
    assert body["roles"] == ["employee", "hr", "admin"]


def test_me_without_credentials_is_401_json(client: FlaskClient) -> None:
    _unauthorised(client.get(ME))


def test_the_token_role_limits_what_the_token_may_do(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    raw, _ = _token(uow, "hana@example.com", Role.EMPLOYEE)
    assert client.get(ME, headers=_bearer(raw)).get_json()["roles"] == ["employee"]
    assert client.get("/admin", headers=_bearer(raw)).status_code == 403
    raw_hr, _ = _token(uow, "hana@example.com", Role.HR)
    assert client.get("/admin", headers=_bearer(raw_hr)).status_code == 200


# --- refused tokens ------------------------------------------------------------------------------


def test_unknown_and_malformed_tokens_are_401(
    client: FlaskClient, people: dict[str, EmployeeProfile]
) -> None:
    for header in (
        "Bearer cc_" + "x" * 43,
        "Bearer not-even-ours",
        "Bearer ",
        "Bearer",
        "bearer cc_" + "y" * 43,
        "Bearer cc_" + "z" * 5000,
    ):
        _unauthorised(client.get(ME, headers={"Authorization": header}))


def test_revoked_token_is_401(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    raw, info = _token(uow, "ana@example.com", Role.EMPLOYEE)
    assert client.get(ME, headers=_bearer(raw)).status_code == 200
    revoked = revoke_token(uow, OPERATOR, info.id)
    assert revoked.revoked_at is not None and not revoked.is_active()
    _unauthorised(client.get(ME, headers=_bearer(raw)))
    with pytest.raises(Conflict, match="already revoked"):
        revoke_token(uow, OPERATOR, info.id)
    with pytest.raises(NotFound):
        revoke_token(uow, OPERATOR, info.id + 1000)


def test_expired_token_is_401(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    raw, info = _token(uow, "ana@example.com", Role.EMPLOYEE, expires_in_days=1)
    assert info.expires_at is not None
    assert timedelta(hours=23) < info.expires_at - utcnow() <= timedelta(days=1)
    assert client.get(ME, headers=_bearer(raw)).status_code == 200
    with uow:
        row = uow.session.get(ApiToken, info.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        uow.commit()
    _unauthorised(client.get(ME, headers=_bearer(raw)))


def test_token_of_a_deactivated_employee_is_401(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    raw, _ = _token(uow, "ana@example.com", Role.EMPLOYEE)
    assert client.get(ME, headers=_bearer(raw)).status_code == 200
    with uow:
        employee = uow.session.get(Employee, people["ana"].id)
        assert employee is not None
        employee.active = False
        uow.commit()
    _unauthorised(client.get(ME, headers=_bearer(raw)))
    with pytest.raises(DomainError, match="deactivated"):
        _token(uow, "ana@example.com", Role.EMPLOYEE)


def test_a_role_taken_from_the_employee_is_taken_from_their_tokens(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    raw, _ = _token(uow, "hana@example.com", Role.ADMIN)
    assert client.get(ME, headers=_bearer(raw)).get_json()["roles"] == ["employee", "admin"]
    with uow:
        uow.session.execute(
            sa.delete(EmployeeRole).where(
                EmployeeRole.employee_id == people["hana"].id, EmployeeRole.role == Role.ADMIN
            )
        )
        uow.commit()
    assert client.get(ME, headers=_bearer(raw)).get_json()["roles"] == ["employee"]


def test_a_bad_token_never_falls_back_to_the_session_cookie(
    client: FlaskClient,
    people: dict[str, EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    log_in_as(client, people["hana"].id, "hr")
    assert client.get(ME).status_code == 200
    _unauthorised(client.get(ME, headers=_bearer("cc_wrong")))
    # and an HTML page answers 401 too rather than sending a program to the login page
    assert client.get("/", headers=_bearer("cc_wrong")).status_code == 401


# --- cookies and CSRF ----------------------------------------------------------------------------


def test_token_requests_get_no_session_cookie(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    raw, _ = _token(uow, "ana@example.com", Role.EMPLOYEE)
    api = client.get(ME, headers=_bearer(raw))
    assert api.status_code == 200
    assert "Set-Cookie" not in api.headers
    # the home page renders a logout form whose CSRF token would otherwise start a session
    page = client.get("/", headers=_bearer(raw))
    assert page.status_code == 200
    assert "Ana Lima" in page.get_data(as_text=True)
    assert "Set-Cookie" not in page.headers
    assert client.get_cookie("corp_carbon_session") is None


@pytest.fixture
def probe_app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app plus a state-changing API route, to show CSRF handling of bearer requests."""

    @login_required
    def probe() -> Response:
        employee, token_id = current_employee(), current_token_id()
        assert employee is not None
        return jsonify(employee=employee.email, token_id=token_id)

    def with_probe() -> Blueprint:
        bp = build_blueprint()
        bp.add_url_rule("/api/v1/probe", view_func=probe, endpoint="probe", methods=["POST"])
        return bp

    monkeypatch.setattr("corp_carbon.app.build_blueprint", with_probe)
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    application.extensions[EXTENSION_KEY].engine.dispose()


def test_a_post_with_a_bearer_token_needs_no_csrf_token(
    probe_app: Flask,
    log_in_as: Callable[..., None],
    tmp_path: Path,
) -> None:
    uow = probe_app.extensions[EXTENSION_KEY].uow()
    hana = add_employee(uow, OPERATOR, email="hana@example.com", name="Hana HR", roles=("hr",))
    raw, info = _token(uow, "hana@example.com", Role.HR)
    client = probe_app.test_client()

    by_token = client.post("/api/v1/probe", headers=_bearer(raw), json={})
    assert by_token.status_code == 200, by_token.get_data(as_text=True)
    assert by_token.get_json() == {"employee": "hana@example.com", "token_id": info.id}
    assert "Set-Cookie" not in by_token.headers

    _unauthorised(client.post("/api/v1/probe", headers=_bearer("cc_nope"), json={}))

    log_in_as(client, hana.id, "hr")  # the same POST from a browser session needs the token
    by_cookie = client.post("/api/v1/probe", json={})
    assert by_cookie.status_code == 400
    assert by_cookie.get_json()["error"]["code"] == "bad_request"


# --- creation rules and storage ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("employee", "role"),
    [
        ("ana@example.com", Role.HR),
        ("ana@example.com", Role.ADMIN),
        ("hana@example.com", Role.SUSTAINABILITY),
    ],
)
def test_a_token_cannot_grant_a_role_its_employee_lacks(
    uow: UnitOfWork, people: dict[str, EmployeeProfile], employee: str, role: Role
) -> None:
    with pytest.raises(DomainError, match=f"role '{role.value}'"):
        _token(uow, employee, role)
    with uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_bad_requests_for_tokens_are_refused(
    uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    with pytest.raises(NotFound, match=r"nobody@example\.com"):
        _token(uow, "nobody@example.com", Role.EMPLOYEE)
    with pytest.raises(DomainError, match="name"):
        create_token(uow, OPERATOR, employee="E100", role=Role.EMPLOYEE, name="  ")
    with pytest.raises(DomainError, match="scope 'Import!'"):
        _token(uow, "E100", Role.EMPLOYEE, scopes=("Import!",))
    with pytest.raises(DomainError, match="expires in days"):
        _token(uow, "E100", Role.EMPLOYEE, expires_in_days=0)


def test_tokens_are_stored_hashed_and_listed_without_secrets(
    app: Flask, uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    raw, info = _token(uow, "hana@example.com", Role.ADMIN, scopes=("import scim", "scim"))
    never, _ = _token(uow, "ana@example.com", Role.EMPLOYEE, expires_in_days=None)
    assert info.scopes == ("import", "scim")

    engine = app.extensions[EXTENSION_KEY].engine
    with engine.connect() as connection:
        stored = [
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in connection.execute(sa.select(table))
        ]
    assert stored and not any(raw in text or raw[3:] in text for text in stored)
    assert not any(never in text for text in stored)

    row = _stored(uow, info.id)
    assert row["token_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert row["scopes"] == "import scim"

    with uow:
        listed = list_tokens(uow.session)
        only_ana = list_tokens(uow.session, employee_id=people["ana"].id)
        audit = uow.session.execute(
            sa.select(AuditEvent.actor_label, AuditEvent.target_id, AuditEvent.detail)
            .where(AuditEvent.action == "token.create")
            .order_by(AuditEvent.id)
        ).all()
    assert [t.id for t in listed] == [info.id, info.id + 1]
    assert listed[0] == info
    assert [t.employee_email for t in only_ana] == ["ana@example.com"]
    assert only_ana[0].expires_at is None
    assert [(label, target) for label, target, _ in audit] == [
        ("test-operator", str(info.id)),
        ("test-operator", str(info.id + 1)),
    ]
    assert audit[0][2]["role"] == "admin"
    assert audit[0][2]["scopes"] == ["import", "scim"]


def test_last_used_at_is_written_at_most_once_a_minute(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    raw, info = _token(uow, "ana@example.com", Role.EMPLOYEE)
    assert info.last_used_at is None

    assert client.get(ME, headers=_bearer(raw)).status_code == 200
    first = _stored(uow, info.id)["last_used_at"]
    assert first is not None and utcnow() - first < timedelta(seconds=30)

    assert client.get(ME, headers=_bearer(raw)).status_code == 200
    assert _stored(uow, info.id)["last_used_at"] == first  # no write within the minute

    earlier = utcnow() - timedelta(minutes=5)
    with uow:
        uow.session.execute(
            sa.update(ApiToken).where(ApiToken.id == info.id).values(last_used_at=earlier)
        )
        uow.commit()
    assert client.get(ME, headers=_bearer(raw)).status_code == 200
    later = _stored(uow, info.id)["last_used_at"]
    assert later is not None and later > earlier + timedelta(minutes=4)


def test_authenticate_returns_the_profile_with_the_token_roles_and_the_token_id(
    uow: UnitOfWork, people: dict[str, EmployeeProfile]
) -> None:
    raw, info = _token(uow, "hana@example.com", Role.HR)
    with uow:
        found = authenticate(uow.session, raw)
        assert authenticate(uow.session, raw + "x") is None
        assert authenticate(uow.session, "") is None
    assert found is not None
    profile, token_id = found
    assert token_id == info.id
    assert profile.id == people["hana"].id
    assert profile.roles == (Role.EMPLOYEE, Role.HR)


def test_me_is_in_the_openapi_document(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/me"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/MyProfile"
    schema = document["components"]["schemas"]["MyProfile"]
    assert set(schema["properties"]) == set(MyProfile.model_fields)
    assert "401" in operation["responses"]
