"""HR's erasure requests: recorded from a profile with a reason, listed in the queue as
waiting with the date due and who asked; SCIM deletions join the queue too."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon.config import Settings
from corp_carbon.db.models import AuditEvent, Employee, ErasureRequest
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people.tokens import create_token
from corp_carbon.web.state import CarbonState
from tests.conftest import make_settings
from tests.support import OPERATOR, csrf_in
from tests.web.test_admin_employees import main_text

QUEUE = "/admin/employees/erasures"
SCIM_JSON = "application/scim+json"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, privacy={"erase_after_days": 14})


@pytest.fixture
def zoe(create_employee: Callable[..., EmployeeProfile]) -> int:
    return create_employee(
        email="zoe.mueller@example.com",
        name="Zoë Müller",
        employee_number="E1001",
        department="Finance",
    ).id


def _actions(uow: UnitOfWork) -> list[str]:
    with uow:
        return list(uow.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _open(uow: UnitOfWork) -> list[ErasureRequest]:
    with uow:
        found = list(
            uow.session.scalars(sa.select(ErasureRequest).where(ErasureRequest.closed_at.is_(None)))
        )
        uow.session.expunge_all()
    return found


def test_an_erasure_request_is_recorded_and_listed_as_waiting(
    operator: FlaskClient, zoe: int, uow: UnitOfWork
) -> None:
    empty = operator.get(QUEUE)
    assert empty.status_code == 200 and empty.headers["Cache-Control"] == "no-store"
    assert "No erasure requests are waiting" in main_text(empty.get_data(as_text=True))
    profile = operator.get(f"/admin/employees/{zoe}").get_data(as_text=True)
    assert f'href="/admin/employees/{zoe}/erasure"' in profile
    form = operator.get(f"/admin/employees/{zoe}/erasure").get_data(as_text=True)
    due = (datetime.now(UTC) + timedelta(days=14)).strftime("%Y-%m-%d")
    text = main_text(form)
    assert f"The request joins the erasure queue, due on {due}" in text
    assert "14 days from today" in text
    assert "Nothing else changes now." in text
    assert _open(uow) == []  # the form alone records nothing

    url = f"/admin/employees/{zoe}/erasure"
    blank = operator.post(url, data={"csrf_token": csrf_in(form), "reason": "   "})
    assert blank.status_code == 400
    assert "reason: say why the data is to be erased" in main_text(blank.get_data(as_text=True))
    assert operator.post(url, data={"reason": "asked"}).status_code == 400  # no CSRF token
    assert _open(uow) == []

    done = operator.post(
        url,
        data={"csrf_token": csrf_in(form), "reason": "Asked by email on 2 December"},
        follow_redirects=True,
    )
    assert done.request.path == QUEUE
    text = main_text(done.get_data(as_text=True))
    assert f"Erasure request for Zoë Müller recorded: waiting, due on {due}." in text
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert (
        f"Zoë Müller E1001 · Finance {due} Waiting Ada Admin Recorded by HR, {today} "
        "Asked by email on 2 December"
    ) in text
    [stored] = _open(uow)
    assert stored.employee_id == zoe and stored.reason == "Asked by email on 2 December"
    assert "employee.erasure_request" in _actions(uow)
    assert _actions(uow)[-1] == "erasures.view_queue"  # the queue names people: audited

    # the account itself is untouched, and the profile says the request is waiting
    with uow:
        assert uow.session.get(Employee, zoe).active is True  # type: ignore[union-attr]
    profile_text = main_text(operator.get(f"/admin/employees/{zoe}").get_data(as_text=True))
    assert "Erasure requested" in profile_text
    assert f"Waiting: Recorded by HR, asked by Ada Admin on {today}; due on {due}." in profile_text

    twice = operator.post(url, data={"csrf_token": csrf_in(form), "reason": "again"})
    assert twice.status_code == 409
    assert "A request is already waiting" in main_text(twice.get_data(as_text=True))
    assert len(_open(uow)) == 1


def test_a_scim_delete_joins_the_queue_and_a_scim_create_withdraws_it(
    app: Flask,
    operator: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
) -> None:
    client = app.test_client()  # the identity provider, apart from HR's browser
    create_employee(email="it.admin@example.com", name="IT Admin", roles=("admin",))
    raw, _ = create_token(
        uow,
        OPERATOR,
        employee="it.admin@example.com",
        role=Role.ADMIN,
        name="entra",
        scopes=("scim",),
    )
    scim = {"Authorization": f"Bearer {raw}", "Content-Type": SCIM_JSON}
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "bjensen@example.com",
        "displayName": "Babs Jensen",
    }
    created = client.post("/scim/v2/Users", data=json.dumps(user), headers=scim)
    assert created.status_code == 201, created.get_json()
    user_id = created.get_json()["id"]
    assert client.delete(f"/scim/v2/Users/{user_id}", headers=scim).status_code == 204

    text = main_text(operator.get(QUEUE).get_data(as_text=True))
    due = (datetime.now(UTC) + timedelta(days=14)).strftime("%Y-%m-%d")
    assert f"Babs Jensen {due} Waiting IT Admin Deleted by the identity provider (SCIM)" in text
    [request] = _open(uow)
    assert request.channel.value == "scim"

    # HR cannot switch the account back on: the identity provider deleted it
    with uow:
        babs = uow.session.scalars(sa.select(Employee.id).where(Employee.name == "Babs Jensen"))
        babs_id = babs.one()
    confirm = operator.get(f"/admin/employees/{babs_id}/reactivate").get_data(as_text=True)
    assert "Only the identity provider can bring it back" in main_text(confirm)
    refused = operator.post(
        f"/admin/employees/{babs_id}/reactivate",
        data={"csrf_token": csrf_in(confirm)},
        follow_redirects=True,
    )
    assert "Only the identity provider can bring it back" in main_text(
        refused.get_data(as_text=True)
    )

    again = client.post("/scim/v2/Users", data=json.dumps(user), headers=scim)
    assert again.status_code == 201
    assert _open(uow) == []
    with uow:
        closed = uow.session.scalars(sa.select(ErasureRequest)).one()
        assert closed.outcome is not None and closed.outcome.value == "withdrawn"
    assert "No erasure requests are waiting" in main_text(
        operator.get(QUEUE).get_data(as_text=True)
    )


def test_hr_confirms_a_request_and_the_data_is_erased_at_once(
    operator: FlaskClient, zoe: int, uow: UnitOfWork, state: CarbonState
) -> None:
    confirm_url = f"/admin/employees/{zoe}/erase"
    nothing = main_text(operator.get(confirm_url).get_data(as_text=True))
    assert "No erasure request is waiting for Zoë Müller. Record one first" in nothing
    assert "Confirm and erase now" not in nothing

    form = operator.get(f"/admin/employees/{zoe}/erasure").get_data(as_text=True)
    operator.post(
        f"/admin/employees/{zoe}/erasure", data={"csrf_token": csrf_in(form), "reason": "Asked"}
    )
    queue = operator.get(QUEUE).get_data(as_text=True)
    assert f'href="{confirm_url}"' in queue and "Confirm and erase now…" in main_text(queue)

    page = operator.get(confirm_url)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    text = main_text(html)
    assert "Erase the personal data of Zoë Müller?" in text
    assert "Removed at once: name, email, employee number" in text
    assert "so every report adds up as before" in text
    assert "Signing in again through company SSO starts a new, empty account" in text
    assert "This cannot be undone." in text
    [request] = _open(uow)
    assert f'name="request_id" value="{request.id}"' in html
    assert _actions(uow)[-1] == "employee.view"  # the page names the person: audited

    refused = operator.post(confirm_url, data={"request_id": str(request.id)})
    assert refused.status_code == 400  # no CSRF token: nothing happens
    assert len(_open(uow)) == 1

    done = operator.post(
        confirm_url,
        data={"csrf_token": csrf_in(html), "request_id": str(request.id)},
        follow_redirects=True,
    )
    assert done.request.path == QUEUE
    text = main_text(done.get_data(as_text=True))
    with uow:
        erased = uow.session.get(Employee, zoe)
        assert erased is not None and erased.erased_at is not None
        erased_name = erased.name
    assert erased_name.startswith("Erased employee ")
    assert (
        f"Erasure request {request.id} carried out: the personal data is erased. The trips "
        f"and points stay, under the name {erased_name}."
    ) in text
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert (
        f"Recently erased The latest erasures carried out, newest first Request Now called Erased on How {request.id} {erased_name} {today} Confirmed by ada@example.com"
        in text
    )
    assert "Zoë" not in text and "No erasure requests are waiting" in text
    assert operator.get(f"/admin/employees/{zoe}").status_code == 404
    assert operator.get(confirm_url).status_code == 404
    assert "employee.erase" in _actions(uow)


def test_a_stale_confirmation_page_erases_nothing(
    operator: FlaskClient, zoe: int, uow: UnitOfWork
) -> None:
    form = operator.get(f"/admin/employees/{zoe}/erasure").get_data(as_text=True)
    operator.post(
        f"/admin/employees/{zoe}/erasure", data={"csrf_token": csrf_in(form), "reason": "Asked"}
    )
    [request] = _open(uow)
    html = operator.get(f"/admin/employees/{zoe}/erase").get_data(as_text=True)
    other = operator.post(
        f"/admin/employees/{zoe}/erase",
        data={"csrf_token": csrf_in(html), "request_id": str(request.id + 1)},
    )
    assert other.status_code == 404  # not the request the page showed
    bad = operator.post(
        f"/admin/employees/{zoe}/erase", data={"csrf_token": csrf_in(html), "request_id": "x"}
    )
    assert bad.status_code == 400
    assert "request: a record number" in main_text(bad.get_data(as_text=True))
    assert len(_open(uow)) == 1
    with uow:
        assert uow.session.get(Employee, zoe).erased_at is None  # type: ignore[union-attr]


def test_only_hr_and_administrators_reach_the_erasure(
    client: FlaskClient,
    zoe: int,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    officer = create_employee(email="sam@example.com", name="Sam", roles=("sustainability",))
    log_in_as(client, officer.id, "sustainability")
    assert client.get(f"/admin/employees/{zoe}/erase").status_code == 403
    assert client.post(f"/admin/employees/{zoe}/erase", data={"request_id": "1"}).status_code in (
        400,
        403,
    )
