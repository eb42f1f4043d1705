"""SCIM create, replace, patch and filter on the shared table of good and bad addresses
(tests/email_cases.py): what HR can add from the CLI, the IdP can provision, in one spelling."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people.tokens import create_token
from tests.email_cases import BAD, GOOD, SPELLINGS
from tests.support import OPERATOR

USERS = "/scim/v2/Users"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def call(
    client: FlaskClient, uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]
) -> Any:
    create_employee(email="it.admin@example.com", name="IT Admin", roles=("admin",))
    raw, _ = create_token(
        uow,
        OPERATOR,
        employee="IT.Admin@Example.com",  # a look-up by email in another spelling
        role=Role.ADMIN,
        name="entra",
        scopes=("scim",),
    )
    headers = {"Authorization": f"Bearer {raw}", "Content-Type": "application/scim+json"}

    def send(method: str, url: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        data = None if body is None else json.dumps(body)
        response = client.open(url, method=method, data=data, headers=headers)
        return response.status_code, dict(response.get_json() or {})

    return send


def _user(user_name: str, email: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [USER_SCHEMA], "userName": user_name}
    if email is not None:
        body["emails"] = [{"value": email, "type": "work", "primary": True}]
    return body


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def test_every_good_address_is_created_replaced_and_patched_in_one_spelling(call: Any) -> None:
    for number, (raw, stored) in enumerate(GOOD):
        status, created = call("POST", USERS, _user(raw, raw))
        assert status == 201, (raw, created)
        assert created["userName"] == stored
        assert created["emails"][0]["value"] == stored
        url = f"{USERS}/{created['id']}"
        assert call("GET", url)[1]["userName"] == stored

        status, replaced = call("PUT", url, _user(f"moved{number}@example.com"))
        assert (status, replaced["userName"]) == (200, f"moved{number}@example.com"), raw
        operation = {"op": "replace", "path": "userName", "value": raw}
        status, patched = call("PATCH", url, _patch(operation))
        assert (status, patched["userName"]) == (200, stored), (raw, patched)


@pytest.mark.parametrize(("raw", "stored"), SPELLINGS)
def test_a_username_filter_finds_any_spelling(call: Any, raw: str, stored: str) -> None:
    assert call("POST", USERS, _user(stored))[0] == 201
    status, found = call("GET", f'{USERS}?filter=userName eq "{raw.strip()}"')
    assert status == 200
    assert [u["userName"] for u in found["Resources"]] == [stored]
    status, again = call("POST", USERS, _user(raw))
    assert (status, again.get("scimType")) == (409, "uniqueness")


def test_every_bad_address_is_a_400_naming_the_reason_and_changes_nothing(call: Any) -> None:
    status, created = call("POST", USERS, _user("kim@example.test"))
    assert status == 201
    url = f"{USERS}/{created['id']}"
    for raw, reason in BAD:
        attempts = {
            "create": call("POST", USERS, _user(raw)),
            "create emails": call("POST", USERS, _user("new@corp.local", raw)),
            "replace": call("PUT", url, _user(raw)),
            "patch": call(
                "PATCH", url, _patch({"op": "replace", "path": "userName", "value": raw})
            ),
            "patch path-less": call(
                "PATCH", url, _patch({"op": "replace", "value": {"userName": raw}})
            ),
        }
        for what, (status, error) in attempts.items():
            assert (status, error.get("scimType")) == (400, "invalidValue"), (what, raw, error)
            assert reason in error["detail"], (what, raw, error["detail"])
    assert call("GET", url)[1]["userName"] == "kim@example.test"
    assert call("GET", f'{USERS}?filter=userName eq "new@corp.local"')[1]["totalResults"] == 0
