"""SCIM 2.0 provisioning (/scim/v2): access, every operation, RFC 7644 examples, Entra- and
Okta-shaped payloads, deletion with scheduled erasure, and bookings waiting for an employee."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, AuditEvent, Employee, PendingRecord
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ImportTrigger, Role
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import ImportRequest
from corp_carbon.services.people import tokens
from corp_carbon.services.people.tokens import create_token
from tests.support import OPERATOR, add_directory

USERS = "/scim/v2/Users"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_JSON = "application/scim+json"
NAVAN = (
    Path(__file__).resolve().parents[1]
    / "connectors"
    / "golden"
    / "navan"
    / "navan_bookings_export.csv"
)

#: RFC 7644 §3.3, the creation example (userName made an email address: corp-carbon keys
#: employees by email).
RFC_CREATE = {
    "schemas": [USER_SCHEMA],
    "userName": "Bjensen@Example.com",
    "externalId": "bjensen",
    "name": {
        "formatted": "Ms. Barbara J Jensen III",
        "familyName": "Jensen",
        "givenName": "Barbara",
    },
}


# --- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
def admin(create_employee: Callable[..., EmployeeProfile]) -> int:
    return create_employee(email="it.admin@example.com", name="IT Admin", roles=("admin",)).id


def _token(uow: UnitOfWork, *scopes: str, role: Role = Role.ADMIN, name: str = "entra") -> str:
    raw, _ = create_token(
        uow, OPERATOR, employee="it.admin@example.com", role=role, name=name, scopes=scopes
    )
    return raw


@pytest.fixture
def auth(uow: UnitOfWork, admin: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {_token(uow, 'scim')}"}


class Scim:
    """The test client speaking SCIM with a token (and never a cookie)."""

    def __init__(self, client: FlaskClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def call(
        self, method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> TestResponse:
        response = self.client.open(
            url,
            method=method,
            data=None if body is None else json.dumps(body),
            headers={**self.headers, "Content-Type": SCIM_JSON, **(headers or {})},
        )
        assert "Set-Cookie" not in response.headers
        if response.status_code != 204 and response.status_code != 304:
            assert response.mimetype == SCIM_JSON, response.get_data(as_text=True)
        return response

    def create(self, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        response = self.call("POST", USERS, body)
        assert response.status_code == status, response.get_json()
        return dict(response.get_json())

    def get(self, user_id: str, status: int = 200) -> dict[str, Any]:
        response = self.call("GET", f"{USERS}/{user_id}")
        assert response.status_code == status, response.get_json()
        return dict(response.get_json())

    def patch(self, user_id: str, *operations: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = self.call(
            "PATCH", f"{USERS}/{user_id}", {"schemas": [PATCH_OP], "Operations": list(operations)}
        )
        assert response.status_code == status, response.get_json()
        return dict(response.get_json())

    def put(self, user_id: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = self.call("PUT", f"{USERS}/{user_id}", body)
        assert response.status_code == status, response.get_json()
        return dict(response.get_json())

    def search(self, query: str, status: int = 200) -> dict[str, Any]:
        response = self.call("GET", f"{USERS}?{query}")
        assert response.status_code == status, response.get_json()
        return dict(response.get_json())


@pytest.fixture
def scim(client: FlaskClient, auth: dict[str, str]) -> Scim:
    return Scim(client, auth)


def _employee(uow: UnitOfWork, **where: Any) -> Employee:
    with uow:
        query = sa.select(Employee)
        for name, value in where.items():
            query = query.where(getattr(Employee, name) == value)
        found = uow.session.scalars(query).one()
        uow.session.expunge(found)
        return found


def _audit(uow: UnitOfWork, prefix: str = "employee.scim") -> list[AuditEvent]:
    with uow:
        events = list(
            uow.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.action.startswith(prefix))
                .order_by(AuditEvent.id)
            )
        )
        uow.session.expunge_all()
        return events


def _error(response: TestResponse, status: int, scim_type: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = dict(response.get_json())
    assert body["schemas"] == [ERROR_SCHEMA]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"]
    return body


# --- access -------------------------------------------------------------------------------------


def test_without_a_token_is_a_scim_401_even_for_a_post(client: FlaskClient, admin: int) -> None:
    for method in ("GET", "POST"):
        response = client.open(USERS, method=method, json=RFC_CREATE)
        _error(response, 401)
        assert response.mimetype == SCIM_JSON
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_401(client: FlaskClient, admin: int) -> None:
    _error(client.get(USERS, headers={"Authorization": "Bearer cc_nope"}), 401)


def test_tokens_need_the_scim_scope_or_to_be_an_unscoped_admin_token(
    client: FlaskClient, uow: UnitOfWork, admin: int
) -> None:
    def status(raw: str) -> int:
        return client.get(USERS, headers={"Authorization": f"Bearer {raw}"}).status_code

    assert status(_token(uow, "scim")) == 200
    assert status(_token(uow, "scim", role=Role.EMPLOYEE, name="okta")) == 200
    assert status(_token(uow)) == 200  # an administrator's token made without scopes
    body = _error(
        client.get(USERS, headers={"Authorization": f"Bearer {_token(uow, 'import')}"}), 403
    )
    assert "scim" in body["detail"]
    assert status(_token(uow, role=Role.EMPLOYEE, name="plain")) == 403


def test_a_signed_in_administrator_without_a_token_is_refused(
    client: FlaskClient, admin: int, log_in_as: Any
) -> None:
    log_in_as(client, admin, "admin")
    _error(client.get(USERS), 401)


def test_every_scim_route_has_an_access_rule(app: Any) -> None:
    rules = {
        rule.rule: getattr(app.view_functions[rule.endpoint], "access_rule", None)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/scim/")
    }
    assert rules
    assert set(rules.values()) == {"token-scope:scim|token-role:admin"}


# --- create -------------------------------------------------------------------------------------


def test_rfc7644_create_example(scim: Scim, uow: UnitOfWork) -> None:
    response = scim.call("POST", USERS, RFC_CREATE)
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"].startswith("emp_")
    assert response.headers["Location"] == f"http://localhost{USERS}/{body['id']}"
    assert response.headers["ETag"] == body["meta"]["version"]
    assert body["userName"] == "bjensen@example.com"
    assert body["externalId"] == "bjensen"
    assert body["name"] == {"givenName": "Barbara", "familyName": "Jensen"}
    assert "displayName" not in body  # none of its own: the name is name.formatted
    assert body["active"] is True
    assert body["emails"] == [{"value": "bjensen@example.com", "type": "work", "primary": True}]
    assert body["meta"]["resourceType"] == "User"
    assert body["meta"]["location"] == response.headers["Location"]
    assert body["meta"]["created"] and body["meta"]["lastModified"]
    stored = _employee(uow, public_id=body["id"])
    assert (stored.email, stored.scim_external_id, stored.given_name, stored.family_name) == (
        "bjensen@example.com",
        "bjensen",
        "Barbara",
        "Jensen",
    )
    assert stored.name == "Ms. Barbara J Jensen III"
    [event] = _audit(uow)
    assert event.action == "employee.scim_create"
    assert event.target_id == str(stored.id)
    assert event.actor_label.startswith("api token ") and "(entra)" in event.actor_label
    assert event.actor_id is not None


def test_the_same_username_in_any_case_is_a_uniqueness_conflict(scim: Scim) -> None:
    scim.create(RFC_CREATE)
    body = _error(
        scim.call("POST", USERS, {**RFC_CREATE, "userName": "BJENSEN@example.com"}),
        409,
        "uniqueness",
    )
    assert "userName eq" in body["detail"]


def test_an_employee_number_taken_is_a_uniqueness_conflict(scim: Scim) -> None:
    scim.create({**RFC_CREATE, ENTERPRISE: {"employeeNumber": "701984"}})
    _error(
        scim.call(
            "POST",
            USERS,
            {
                "schemas": [USER_SCHEMA],
                "userName": "other@example.com",
                ENTERPRISE: {"employeeNumber": "701984"},
            },
        ),
        409,
        "uniqueness",
    )


def test_an_employee_hr_created_is_a_conflict_then_found_by_filter_and_taken_over(
    scim: Scim, uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]
) -> None:
    create_employee(email="bjensen@example.com", name="B. Jensen", employee_number="E7")
    _error(scim.call("POST", USERS, RFC_CREATE), 409, "uniqueness")
    found = scim.search('filter=userName eq "BJensen@example.com"')
    assert found["totalResults"] == 1
    user_id = found["Resources"][0]["id"]
    assert found["Resources"][0][ENTERPRISE]["employeeNumber"] == "E7"
    scim.patch(user_id, {"op": "replace", "path": "externalId", "value": "bjensen"})
    assert _employee(uow, email="bjensen@example.com").scim_external_id == "bjensen"


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"schemas": [USER_SCHEMA]}, "invalidValue"),  # userName is required
        ({"schemas": [USER_SCHEMA], "userName": "bjensen"}, "invalidValue"),  # not an email
        (
            {"schemas": [USER_SCHEMA], "userName": "a@example.com", "active": "maybe"},
            "invalidValue",
        ),
        (
            {"schemas": [USER_SCHEMA], "userName": "a@example.com", "displayName": "x" * 201},
            "invalidValue",
        ),
        ([1, 2], "invalidSyntax"),
    ],
)
def test_invalid_creations_are_400_with_a_scim_type(scim: Scim, body: Any, scim_type: str) -> None:
    _error(scim.call("POST", USERS, body), 400, scim_type)


def test_a_body_that_is_not_json_is_invalid_syntax(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    response = client.post(USERS, data="{", headers={**auth, "Content-Type": SCIM_JSON})
    _error(response, 400, "invalidSyntax")


# --- read and list ------------------------------------------------------------------------------


def test_get_by_id_and_attributes_parameters(scim: Scim) -> None:
    created = scim.create(RFC_CREATE)
    assert scim.get(created["id"]) == created
    only = scim.call("GET", f"{USERS}/{created['id']}?attributes=userName").get_json()
    assert set(only) == {"schemas", "id", "userName"}
    without = scim.call("GET", f"{USERS}/{created['id']}?excludedAttributes=name,emails").get_json()
    assert "name" not in without and "emails" not in without and "userName" in without
    _error(scim.call("GET", f"{USERS}/emp_0000000000000000"), 404)


def test_if_none_match_answers_304(scim: Scim) -> None:
    created = scim.create(RFC_CREATE)
    response = scim.call(
        "GET", f"{USERS}/{created['id']}", headers={"If-None-Match": created["meta"]["version"]}
    )
    assert response.status_code == 304


def test_list_filters(scim: Scim) -> None:
    one = scim.create({**RFC_CREATE, ENTERPRISE: {"employeeNumber": "E-1"}})
    scim.create({"schemas": [USER_SCHEMA], "userName": "other@example.com", "externalId": "other"})

    def ids(query: str) -> list[str]:
        return [r["id"] for r in scim.search(query)["Resources"]]

    assert ids('filter=userName eq "BJENSEN@EXAMPLE.COM"') == [one["id"]]
    assert ids('filter=emails.value eq "bjensen@example.com"') == [one["id"]]
    assert ids('filter=externalId eq "bjensen"') == [one["id"]]
    assert ids('filter=externalId eq "BJENSEN"') == []  # externalId is case-exact
    assert ids(f'filter=id eq "{one["id"]}"') == [one["id"]]
    assert ids(f'filter={ENTERPRISE}:employeeNumber eq "e-1"') == [one["id"]]
    empty = scim.search('filter=userName eq "nobody@example.com"')
    assert empty["totalResults"] == 0 and empty.get("Resources", []) == []
    for unsupported in (
        "title pr",
        'userName sw "b"',
        'displayName eq "x"',
        'userName eq "a@b.co" or userName eq "c@d.co"',
    ):
        _error(scim.call("GET", f"{USERS}?filter={unsupported}"), 400, "invalidFilter")
    _error(scim.call("GET", f"{USERS}?filter=userName eq"), 400, "invalidFilter")


def test_list_paging(scim: Scim, admin: int) -> None:
    created = [
        scim.create({"schemas": [USER_SCHEMA], "userName": f"user{i}@example.com"})["id"]
        for i in range(5)
    ]
    everyone = scim.search("")
    assert everyone["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert everyone["totalResults"] == 6  # with the administrator
    page = scim.search("startIndex=3&count=2")
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (6, 3, 2)
    assert [r["id"] for r in page["Resources"]] == created[1:3]
    counted = scim.search("count=0")
    assert counted["totalResults"] == 6 and counted["itemsPerPage"] == 0
    assert scim.search("startIndex=0&count=1")["startIndex"] == 1
    _error(scim.call("GET", f"{USERS}?count=many"), 400, "invalidValue")


def test_search_with_post(scim: Scim) -> None:
    created = scim.create(RFC_CREATE)
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName eq "bjensen@example.com"',
        "attributes": ["userName"],
        "startIndex": 1,
        "count": 10,
    }
    for url in ("/scim/v2/Users/.search", "/scim/v2/.search"):
        found = scim.call("POST", url, body).get_json()
        assert found["totalResults"] == 1
        assert found["Resources"] == [
            {"schemas": [USER_SCHEMA], "id": created["id"], "userName": "bjensen@example.com"}
        ]


# --- replace ------------------------------------------------------------------------------------


def test_put_replaces_what_it_names_keeps_what_it_leaves_out_and_null_clears(
    scim: Scim, uow: UnitOfWork
) -> None:
    created = scim.create(
        {
            **RFC_CREATE,
            ENTERPRISE: {"employeeNumber": "701984", "department": "Tours", "costCenter": "CC-1"},
        }
    )
    replaced = scim.put(
        created["id"],
        {
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "id": created["id"],
            "userName": "barbara.jensen@example.com",
            "displayName": "Babs Jensen",
            "active": False,
            ENTERPRISE: {"department": "Finance", "costCenter": None},
        },
    )
    assert replaced["userName"] == "barbara.jensen@example.com"
    assert replaced["displayName"] == "Babs Jensen"
    assert replaced["active"] is False
    assert replaced["externalId"] == "bjensen"  # not named: kept
    assert replaced[ENTERPRISE] == {"employeeNumber": "701984", "department": "Finance"}
    assert replaced["meta"]["version"] != created["meta"]["version"]
    stored = _employee(uow, public_id=created["id"])
    assert stored.cost_centre is None and stored.deactivated_at is not None
    assert _audit(uow)[-1].detail["changed"] == [
        "email",
        "name",
        "name_derived",
        "department",
        "cost_centre",
        "active",
    ]


def test_put_and_patch_honour_if_match(scim: Scim) -> None:
    created = scim.create(RFC_CREATE)
    stale = 'W/"0000"'
    body = {"schemas": [USER_SCHEMA], "userName": "bjensen@example.com", "displayName": "B"}
    _error(scim.call("PUT", f"{USERS}/{created['id']}", body, {"If-Match": stale}), 412, None)
    ok = scim.call(
        "PUT", f"{USERS}/{created['id']}", body, {"If-Match": created["meta"]["version"]}
    )
    assert ok.status_code == 200
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "displayName", "value": "C"}],
    }
    _error(
        scim.call(
            "PATCH", f"{USERS}/{created['id']}", patch, {"If-Match": created["meta"]["version"]}
        ),
        412,
    )
    _error(scim.call("DELETE", f"{USERS}/{created['id']}", None, {"If-Match": stale}), 412)


def test_a_change_to_a_taken_username_is_a_conflict(scim: Scim) -> None:
    scim.create({"schemas": [USER_SCHEMA], "userName": "taken@example.com"})
    created = scim.create(RFC_CREATE)
    _error(
        scim.call(
            "PUT",
            f"{USERS}/{created['id']}",
            {"schemas": [USER_SCHEMA], "userName": "Taken@example.com"},
        ),
        409,
        "uniqueness",
    )


def test_an_unchanged_replace_writes_nothing(scim: Scim, uow: UnitOfWork) -> None:
    created = scim.create(RFC_CREATE)
    again = scim.put(created["id"], RFC_CREATE)
    assert again["meta"]["version"] == created["meta"]["version"]
    assert [e.action for e in _audit(uow)] == ["employee.scim_create"]


# --- patch --------------------------------------------------------------------------------------


def test_rfc7644_patch_examples(scim: Scim, uow: UnitOfWork) -> None:
    """RFC 7644 §3.5.2.1-3 examples on a User; emails, nickName and addresses are accepted
    and not kept (corp-carbon's email is the userName)."""
    user_id = scim.create(RFC_CREATE)["id"]
    # §3.5.2.1 add without a path
    scim.patch(
        user_id,
        {
            "op": "add",
            "value": {"emails": [{"value": "babs@jensen.org", "type": "home"}], "nickname": "Babs"},
        },
    )
    # §3.5.2.2 remove with a value filter, and remove a whole attribute
    scim.patch(
        user_id, {"op": "remove", "path": 'emails[type eq "work" and value ew "example.com"]'}
    )
    scim.patch(user_id, {"op": "remove", "path": "x509Certificates"})
    # §3.5.2.3 replace with a path and a filter, and a sub-attribute through a filter
    scim.patch(
        user_id,
        {
            "op": "replace",
            "path": 'addresses[type eq "work"]',
            "value": {"type": "work", "streetAddress": "911 Universal City Plaza"},
        },
        {
            "op": "replace",
            "path": 'addresses[type eq "work"].streetAddress',
            "value": "1010 Broadway Ave",
        },
    )
    # §3.5.2.3 replace without a path
    body = scim.patch(
        user_id,
        {
            "op": "replace",
            "value": {
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
                "nickName": "Babs",
                "displayName": "Babs Jensen",
            },
        },
    )
    assert body["displayName"] == "Babs Jensen"
    assert body["emails"] == [{"value": "bjensen@example.com", "type": "work", "primary": True}]
    assert body["userName"] == "bjensen@example.com"
    assert [e.action for e in _audit(uow)] == ["employee.scim_create", "employee.scim_update"]


def test_patch_operations_on_kept_attributes(scim: Scim, uow: UnitOfWork) -> None:
    user_id = scim.create({"schemas": [USER_SCHEMA], "userName": "kim@example.com"})["id"]
    body = scim.patch(
        user_id,
        {"op": "add", "path": "name.givenName", "value": "Kim"},
        {"op": "add", "path": "name.familyName", "value": "Lee"},
        {"op": "add", "path": f"{ENTERPRISE}:department", "value": "Sales"},
    )
    assert body["name"] == {"givenName": "Kim", "familyName": "Lee"}
    assert "displayName" not in body  # none of its own: the name parts are shown
    assert _employee(uow, public_id=user_id).name == "Kim Lee"
    body = scim.patch(user_id, {"op": "remove", "path": f"{ENTERPRISE}:department"})
    assert ENTERPRISE not in body
    _error(
        scim.call(
            "PATCH",
            f"{USERS}/{user_id}",
            {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "active"}]},
        ),
        400,
        "invalidValue",
    )
    _error(
        scim.call(
            "PATCH",
            f"{USERS}/{user_id}",
            {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "id", "value": "x"}]},
        ),
        400,
        "mutability",
    )
    _error(
        scim.call(
            "PATCH",
            f"{USERS}/{user_id}",
            {"schemas": [PATCH_OP], "Operations": [{"op": "jump", "path": "active"}]},
        ),
        400,
        "invalidValue",
    )
    _error(
        scim.call("PATCH", f"{USERS}/{user_id}", {"schemas": [PATCH_OP], "Operations": []}),
        400,
        "invalidValue",
    )


def test_manager_by_id(scim: Scim, uow: UnitOfWork) -> None:
    boss = scim.create({"schemas": [USER_SCHEMA], "userName": "boss@example.com"})["id"]
    worker = scim.create(
        {
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "userName": "worker@example.com",
            ENTERPRISE: {"manager": {"value": boss}},
        }
    )
    assert worker[ENTERPRISE]["manager"] == {
        "value": boss,
        "$ref": f"http://localhost{USERS}/{boss}",
    }
    assert _employee(uow, public_id=worker["id"]).manager_id == _employee(uow, public_id=boss).id
    _error(
        scim.call(
            "PATCH",
            f"{USERS}/{worker['id']}",
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    {
                        "op": "replace",
                        "path": f"{ENTERPRISE}:manager",
                        "value": {"value": "emp_unknown"},
                    }
                ],
            },
        ),
        400,
        "invalidValue",
    )
    _error(
        scim.call(
            "PATCH",
            f"{USERS}/{worker['id']}",
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": worker["id"]}
                ],
            },
        ),
        400,
        "invalidValue",
    )
    scim.call("DELETE", f"{USERS}/{boss}")
    assert "manager" not in scim.get(worker["id"]).get(ENTERPRISE, {})


# --- Entra ID and Okta ---------------------------------------------------------------------------

#: what Microsoft Entra ID sends with its default attribute mappings
ENTRA_CREATE = {
    "schemas": [USER_SCHEMA, ENTERPRISE],
    "externalId": "mjohnson",
    "userName": "Marcus.Johnson@example.com",
    "active": True,
    "displayName": "Marcus Johnson",
    "title": "Account Executive",
    "preferredLanguage": "en-US",
    "emails": [{"primary": True, "type": "work", "value": "marcus.johnson@example.com"}],
    "name": {"givenName": "Marcus", "familyName": "Johnson"},
    "addresses": [{"type": "work", "locality": "San Francisco", "country": "US", "primary": False}],
    "phoneNumbers": [{"type": "work", "value": "+1 415 555 0100"}],
    ENTERPRISE: {"employeeNumber": "E1006", "department": "Sales"},
}


def test_entra_shaped_provisioning(scim: Scim, uow: UnitOfWork) -> None:
    # Entra first looks the user up, then creates it
    assert scim.search('filter=userName eq "Marcus.Johnson%40example.com"')["totalResults"] == 0
    created = scim.create(ENTRA_CREATE)
    boss = scim.create({"schemas": [USER_SCHEMA], "userName": "boss@example.com"})["id"]
    # Entra's PATCH: capitalised ops, string booleans, extension paths, manager by id
    body = scim.patch(
        created["id"],
        {"op": "Replace", "path": "displayName", "value": "Marcus A. Johnson"},
        {"op": "Add", "path": f"{ENTERPRISE}:costCenter", "value": "CC-900"},
        {
            "op": "Replace",
            "path": 'emails[type eq "work"].value',
            "value": "marcus.johnson@example.com",
        },
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss},
    )
    assert body["displayName"] == "Marcus A. Johnson"
    assert body[ENTERPRISE]["costCenter"] == "CC-900"
    assert body[ENTERPRISE]["manager"]["value"] == boss
    # deprovisioning in Entra: a soft delete, {"op":"Replace","path":"active","value":"False"}
    body = scim.patch(created["id"], {"op": "Replace", "path": "active", "value": "False"})
    assert body["active"] is False
    stored = _employee(uow, public_id=created["id"])
    assert stored.active is False and stored.deactivated_at is not None
    assert stored.erasure_due_at is None  # deactivated, not deleted
    assert scim.get(created["id"])["active"] is False
    body = scim.patch(created["id"], {"op": "Replace", "path": "active", "value": "True"})
    assert body["active"] is True
    assert _employee(uow, public_id=created["id"]).deactivated_at is None


#: what Okta's SCIM 2.0 app template sends
OKTA_CREATE = {
    "schemas": [USER_SCHEMA],
    "userName": "carmen.ruiz@example.com",
    "name": {"givenName": "Carmen", "familyName": "Ruiz"},
    "emails": [{"primary": True, "value": "carmen.ruiz@example.com", "type": "work"}],
    "displayName": "Carmen Ruiz",
    "locale": "es-ES",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}


def test_okta_shaped_provisioning(scim: Scim, uow: UnitOfWork) -> None:
    assert (
        scim.search('filter=userName eq "carmen.ruiz@example.com"&startIndex=1&count=100')[
            "totalResults"
        ]
        == 0
    )
    created = scim.create(OKTA_CREATE)
    assert "password" not in created and "groups" not in created
    # Okta updates a profile with PUT of the whole user
    replaced = scim.put(
        created["id"],
        {
            **OKTA_CREATE,
            "id": created["id"],
            "name": {"givenName": "Carmen", "familyName": "Ruiz Díaz"},
            "displayName": "Carmen Ruiz Díaz",
        },
    )
    assert replaced["displayName"] == "Carmen Ruiz Díaz"
    # and deactivates with a path-less PATCH
    body = scim.patch(created["id"], {"op": "replace", "value": {"active": False}})
    assert body["active"] is False
    assert _employee(uow, public_id=created["id"]).active is False


def test_a_deactivated_employee_can_no_longer_use_api_tokens(scim: Scim, uow: UnitOfWork) -> None:
    created = scim.create(OKTA_CREATE)
    raw, _ = create_token(
        uow, OPERATOR, employee="carmen.ruiz@example.com", role=Role.EMPLOYEE, name="app"
    )
    with uow:
        assert tokens.authenticate(uow.session, raw) is not None
    scim.patch(created["id"], {"op": "replace", "value": {"active": False}})
    with uow:
        assert tokens.authenticate(uow.session, raw) is None


# --- delete -------------------------------------------------------------------------------------


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    from tests.conftest import make_settings

    return make_settings(db_url, tmp_path, privacy={"erase_after_days": 7})


def test_delete_deactivates_schedules_erasure_and_hides_the_user(
    scim: Scim, uow: UnitOfWork
) -> None:
    created = scim.create(RFC_CREATE)
    before = utcnow()
    response = scim.call("DELETE", f"{USERS}/{created['id']}")
    assert response.status_code == 204 and response.get_data() == b""
    stored = _employee(uow, public_id=created["id"])
    assert stored.active is False and stored.deactivated_at is not None
    assert stored.erasure_due_at is not None
    assert before + timedelta(days=7) <= stored.erasure_due_at <= utcnow() + timedelta(days=7)
    assert stored.erased_at is None  # the erasure job does that
    _error(scim.call("GET", f"{USERS}/{created['id']}"), 404)
    _error(scim.call("DELETE", f"{USERS}/{created['id']}"), 404)
    _error(
        scim.call(
            "PATCH",
            f"{USERS}/{created['id']}",
            {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "active", "value": True}],
            },
        ),
        404,
    )
    assert scim.search('filter=userName eq "bjensen@example.com"')["totalResults"] == 0
    event = _audit(uow)[-1]
    assert event.action == "employee.scim_delete"
    assert event.detail["erasure_due_at"] == stored.erasure_due_at.isoformat()


def test_a_deleted_user_created_again_comes_back_under_a_new_id(
    scim: Scim, uow: UnitOfWork
) -> None:
    """RFC 7644 §3.6: a deleted resource takes no part in conflicts."""
    created = scim.create(RFC_CREATE)
    row_id = _employee(uow, public_id=created["id"]).id
    scim.call("DELETE", f"{USERS}/{created['id']}")
    again = scim.create({**RFC_CREATE, "displayName": "Barbara Jensen"})
    assert again["id"] != created["id"] and again["active"] is True
    stored = _employee(uow, public_id=again["id"])
    assert stored.id == row_id and stored.erasure_due_at is None and stored.deactivated_at is None
    _error(scim.call("GET", f"{USERS}/{created['id']}"), 404)
    assert _audit(uow)[-1].action == "employee.scim_restore"


def test_erase_after_days_is_a_privacy_setting() -> None:
    from corp_carbon.config import load_settings

    assert load_settings({}, environ={}).privacy.erase_after_days == 30
    loaded = load_settings({}, environ={"CORP_CARBON_PRIVACY_ERASE_AFTER_DAYS": "0"})
    assert loaded.privacy.erase_after_days == 0


# --- bookings waiting for their employee --------------------------------------------------------


def test_a_scim_create_imports_the_bookings_waiting_for_the_employee(
    scim: Scim, uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile], settings: Settings
) -> None:
    add_directory(create_employee, skip=("E1006",))  # marcus.johnson@example.com left out
    report = run_import(
        uow,
        settings,
        ImportRequest(
            connector="navan",
            path=NAVAN,
            file_name=NAVAN.name,
            trigger=ImportTrigger.CLI,
            started_by="test",
        ),
    )
    assert report.counts["waiting"] > 0
    with uow:
        waiting = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(PendingRecord)
            .where(PendingRecord.resolved_at.is_(None))
        )
    assert waiting and waiting > 0

    created = scim.create(ENTRA_CREATE)

    marcus = _employee(uow, public_id=created["id"])
    with uow:
        unresolved = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(PendingRecord)
            .where(PendingRecord.resolved_at.is_(None))
        )
        activities = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(Activity)
            .where(Activity.employee_id == marcus.id)
        )
    assert unresolved == 0
    assert activities and activities > 0


# --- discovery and unknown URLs -------------------------------------------------------------------


def test_discovery_endpoints(scim: Scim) -> None:
    config = scim.call("GET", "/scim/v2/ServiceProviderConfig").get_json()
    assert config["patch"] == {"supported": True}
    assert config["filter"] == {"supported": True, "maxResults": 200}
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = scim.call("GET", "/scim/v2/ResourceTypes").get_json()
    assert [t["id"] for t in types["Resources"]] == ["User"]
    assert types["Resources"][0]["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert scim.call("GET", "/scim/v2/ResourceTypes/User").get_json()["endpoint"] == "/Users"
    schemas = scim.call("GET", "/scim/v2/Schemas").get_json()
    ids = [s["id"] for s in schemas["Resources"]]
    assert ids[:2] == [USER_SCHEMA, ENTERPRISE]
    user = scim.call("GET", f"/scim/v2/Schemas/{USER_SCHEMA}").get_json()
    assert [a["name"] for a in user["attributes"]] == [
        "userName",
        "name",
        "displayName",
        "userType",  # the travel-policy grade ([scim] grade_attribute)
        "active",
        "emails",
    ]
    enterprise = scim.call("GET", f"/scim/v2/Schemas/{ENTERPRISE}").get_json()
    assert [a["name"] for a in enterprise["attributes"]] == [
        "employeeNumber",
        "costCenter",
        "organization",
        "department",
        "manager",
    ]
    _error(scim.call("GET", "/scim/v2/Schemas/urn:nope"), 404)
    _error(scim.call("GET", "/scim/v2/ResourceTypes/Group"), 404)
    for url in ("/scim/v2/ServiceProviderConfig", "/scim/v2/Schemas", "/scim/v2/ResourceTypes"):
        _error(scim.call("POST", url, {}), 405)
    _error(scim.call("DELETE", USERS), 405)
    _error(scim.call("GET", "/scim/v2/Groups"), 404)
    _error(scim.call("GET", "/scim/v2/"), 404)


def test_organization_is_kept_apart_from_the_office(
    scim: Scim, uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]
) -> None:
    create_employee(email="lars.overgard@example.com", name="Lars", office="Berlin")
    user_id = scim.search('filter=userName eq "lars.overgard@example.com"')["Resources"][0]["id"]
    body = scim.patch(
        user_id, {"op": "add", "path": f"{ENTERPRISE}:organization", "value": "Example GmbH"}
    )
    assert body[ENTERPRISE]["organization"] == "Example GmbH"
    stored = _employee(uow, public_id=user_id)
    assert (stored.organization, stored.office) == ("Example GmbH", "Berlin")
