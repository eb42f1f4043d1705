"""API tokens from the admin pages: listed without secrets, created with the secret shown once
(never cached, logged or stored), within the owner's roles and known scopes, revoked only
after a confirmation; every step in the audit log."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon.db.models import ApiToken, AuditEvent
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people.tokens import create_token, hash_token, revoke_token
from tests.support import OPERATOR, csrf_in, csrf_token

LIST = "/admin/tokens"


@pytest.fixture
def people(
    operator_profile: EmployeeProfile, create_employee: Callable[..., EmployeeProfile]
) -> dict[str, int]:
    olga = create_employee(
        email="olga@example.com",
        name="Olga Officer",
        employee_number="E200",
        roles=("sustainability",),
    )
    return {"admin": operator_profile.id, "olga": olga.id}


@pytest.fixture
def admin(operator: FlaskClient, people: dict[str, int]) -> FlaskClient:
    """Ada signed in, with the other people of these tests in the directory."""
    return operator


def _form(client: FlaskClient, url: str = LIST) -> dict[str, str]:
    html = client.get(url).get_data(as_text=True)
    key = re.search(r'name="form_key" value="([^"]+)"', html)
    assert key, html
    return {"csrf_token": csrf_in(html), "form_key": key.group(1)}


def _create(client: FlaskClient, **fields: Any) -> Any:
    data: dict[str, Any] = {
        **_form(client),
        "employee": "olga@example.com",
        "name": "Navan sync",
        "role": "sustainability",
        "expires_days": "30",
        **fields,
    }
    return client.post(LIST, data=data)


def _secret(html: str) -> str:
    found = re.search(r'id="new-token" type="text" value="([^"]+)"', html)
    assert found, html
    return unescape(found.group(1))


def _rows(uow: UnitOfWork) -> list[ApiToken]:
    with uow:
        rows = list(uow.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))
        uow.session.expunge_all()
    return rows


def _audit(uow: UnitOfWork, *actions: str) -> list[AuditEvent]:
    with uow:
        rows = list(
            uow.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)
            )
        )
        uow.session.expunge_all()
    return rows


# --- who may use it ---------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [(), ("hr",), ("sustainability",)])
def test_only_administrators_get_in(
    client: FlaskClient,
    uow: UnitOfWork,
    people: dict[str, int],
    log_in_as: Callable[..., None],
    roles: tuple[str, ...],
) -> None:
    log_in_as(client, people["admin"], *roles)  # holds admin, but signed in without it
    assert client.get(LIST).status_code == 403
    csrf = csrf_token(client)  # the sign-out form on the home page carries one
    form = {"csrf_token": csrf, "employee": "E200", "role": "employee", "name": "x"}
    assert client.post(LIST, data=form).status_code == 403
    assert client.post(f"{LIST}/1/revoke", data={**form, "confirm": "yes"}).status_code == 403
    assert _rows(uow) == []


def test_forms_need_the_csrf_token(admin: FlaskClient, uow: UnitOfWork) -> None:
    response = admin.post(LIST, data={"employee": "E200", "role": "employee", "name": "x"})
    assert response.status_code == 400
    assert _rows(uow) == []


# --- listing ----------------------------------------------------------------------------------


def test_the_list_shows_tokens_but_never_a_secret(
    admin: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    raw_old, _ = create_token(
        uow,
        OPERATOR,
        employee="E200",
        role=Role.SUSTAINABILITY,
        name="old sync",
        scopes=("import",),
    )
    raw_new, revoked = create_token(
        uow,
        OPERATOR,
        employee="ada@example.com",
        role=Role.ADMIN,
        name="siem",
        expires_in_days=None,
    )
    admin.get("/api/v1/me", headers={"Authorization": f"Bearer {raw_old}"})  # marks it used
    revoke_token(uow, OPERATOR, revoked.id)
    response = admin.get(LIST)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    body = html.split("<tbody>", 1)[1]
    assert body.index("siem") < body.index("old sync")  # newest first
    assert "olga@example.com" in body and "import" in body and "never" in body
    assert ">revoked<" in body and ">active<" in body
    for secret in (raw_old, raw_new, hash_token(raw_old), hash_token(raw_new)):
        assert secret not in html
    assert html.count("Revoke…") == 1  # the revoked one cannot be revoked again
    looks = _audit(uow, "token.view_list")
    assert len(looks) == 1 and looks[0].detail == {"shown": 2}


# --- creating ---------------------------------------------------------------------------------


def test_creating_shows_the_token_once_and_it_works(
    admin: FlaskClient,
    uow: UnitOfWork,
    people: dict[str, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    response = _create(admin, scopes=["import"], employee="E200")  # by employee number
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    html = response.get_data(as_text=True)
    raw = _secret(html)
    assert raw.startswith("cc_")
    assert "the only time the token is shown" in html
    (row,) = _rows(uow)
    assert row.token_hash == hash_token(raw)
    assert (row.employee_id, row.role, row.scopes, row.name) == (
        people["olga"],
        Role.SUSTAINABILITY,
        "import",
        "Navan sync",
    )
    assert row.expires_at is not None
    assert 29 <= (row.expires_at - row.created_at).days <= 30

    # it works for what it was made for, and only for that (issue 15: scopes bind)
    runs = admin.get("/api/v1/imports/999999", headers={"Authorization": f"Bearer {raw}"})
    assert runs.status_code == 404, runs.get_data(as_text=True)  # let in; no such run
    me = admin.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 403
    assert "may only do what its scopes name (import)" in me.get_json()["error"]["message"]

    # never again: not on the list, not in the session cookie, the log lines or the audit log
    assert raw not in admin.get(LIST).get_data(as_text=True)
    with admin.session_transaction() as session:
        assert raw not in repr(dict(session))
    assert raw not in caplog.text
    (created,) = _audit(uow, "token.create")
    assert raw not in repr(created.detail) and created.actor_label == "ada@example.com"
    assert created.ip == "127.0.0.1"
    assert created.detail["scopes"] == ["import"]


def test_a_resent_form_creates_nothing_more(admin: FlaskClient, uow: UnitOfWork) -> None:
    form = _form(admin)
    data = {**form, "employee": "E200", "name": "sync", "role": "employee", "expires_days": "7"}
    assert admin.post(LIST, data=data).status_code == 200
    again = admin.post(LIST, data=data, follow_redirects=True)
    assert "already sent" in again.get_data(as_text=True)
    assert len(_rows(uow)) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"role": "admin"}, "does not hold it"),  # Olga is no administrator
        ({"employee": "nobody@example.com"}, "nobody@example.com"),
        ({"scopes": ["import", "everything"]}, "not one this page offers"),
        ({"expires_days": "0"}, "from 1 to 3650"),
        ({"expires_days": "soon"}, "from 1 to 3650"),
        ({"role": "root"}, "role: choose one of"),
        ({"name": "  "}, "name: must not be empty"),
    ],
)
def test_a_bad_form_is_shown_again_with_the_reason(
    admin: FlaskClient, uow: UnitOfWork, fields: dict[str, Any], message: str
) -> None:
    response = _create(admin, **fields)
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "Nothing was created" in html and message in html
    assert 'value="Navan sync"' in html or fields.get("name")  # what was typed is kept
    assert 'id="new-token"' not in html
    assert _rows(uow) == []


def test_the_form_offers_every_role_and_the_known_scopes(admin: FlaskClient) -> None:
    html = admin.get(LIST).get_data(as_text=True)
    for role in Role:
        assert f'<option value="{role.value}"' in html
    assert 'name="scopes" value="import"' in html and 'name="scopes" value="scim"' in html


# --- revoking ---------------------------------------------------------------------------------


def test_revoking_asks_first_then_stops_the_token(
    admin: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    raw, info = create_token(uow, OPERATOR, employee="E200", role=Role.EMPLOYEE, name="script")
    bearer = {"Authorization": f"Bearer {raw}"}
    assert admin.get("/api/v1/me", headers=bearer).status_code == 200
    form = _form(admin)
    unconfirmed = admin.post(f"{LIST}/{info.id}/revoke", data={"csrf_token": form["csrf_token"]})
    assert unconfirmed.status_code == 302
    assert f"revoke={info.id}" in unconfirmed.headers["Location"]
    assert _rows(uow)[0].revoked_at is None
    question = admin.get(f"{LIST}?revoke={info.id}").get_data(as_text=True)
    assert f"Revoke token {info.id}?" in question and 'name="confirm" value="yes"' in question
    done = admin.post(
        f"{LIST}/{info.id}/revoke",
        data={"csrf_token": form["csrf_token"], "confirm": "yes"},
        follow_redirects=True,
    )
    assert f"Revoked token {info.id} (script)" in done.get_data(as_text=True)
    assert _rows(uow)[0].revoked_at is not None
    assert admin.get("/api/v1/me", headers=bearer).status_code == 401
    twice = admin.post(
        f"{LIST}/{info.id}/revoke",
        data={"csrf_token": form["csrf_token"], "confirm": "yes"},
        follow_redirects=True,
    )
    assert "already revoked" in twice.get_data(as_text=True)
    missing = admin.post(
        f"{LIST}/9999/revoke",
        data={"csrf_token": form["csrf_token"], "confirm": "yes"},
        follow_redirects=True,
    )
    assert "does not exist" in missing.get_data(as_text=True)
    (revoked,) = _audit(uow, "token.revoke")
    assert revoked.actor_label == "ada@example.com" and revoked.target_id == str(info.id)
    assert "no token with that id" in admin.get(f"{LIST}?revoke=9999").get_data(as_text=True)
