"""The travel-policy grade over SCIM: read from ``[scim] grade_attribute`` (``userType`` by
default, ``title`` or the enterprise ``division`` when configured) on POST, PUT and PATCH, and
returned in the User resource."""

from __future__ import annotations

from pathlib import Path

import pytest

from corp_carbon.config import ConfigError, Settings, load_settings
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import Actor
from corp_carbon.services.people import employees
from tests.conftest import make_settings
from tests.web import test_scim as base
from tests.web.test_scim import ENTERPRISE, RFC_CREATE, USER_SCHEMA, Scim, _audit, _employee, _error

admin, auth, scim = base.admin, base.auth, base.scim
DIVISION = f"{ENTERPRISE}:division"


@pytest.fixture
def grade_attribute() -> str:
    return "userType"


@pytest.fixture
def settings(db_url: str, tmp_path: Path, grade_attribute: str) -> Settings:
    return make_settings(db_url, tmp_path, scim={"grade_attribute": grade_attribute})


def _grade(uow: UnitOfWork, user_id: str) -> str | None:
    return _employee(uow, public_id=user_id).grade


def test_user_type_carries_the_grade_by_default(scim: Scim, uow: UnitOfWork) -> None:
    created = scim.create({**RFC_CREATE, "userType": "director"})
    user_id = created["id"]
    assert created["userType"] == "director"
    assert _grade(uow, user_id) == "director"
    assert scim.get(user_id)["userType"] == "director"

    # PUT: named replaces, left out keeps, null clears
    body = {"schemas": [USER_SCHEMA], "userName": RFC_CREATE["userName"]}
    assert scim.put(user_id, {**body, "userType": "executive"})["userType"] == "executive"
    assert scim.put(user_id, body)["userType"] == "executive"
    assert "userType" not in scim.put(user_id, {**body, "userType": None})
    assert _grade(uow, user_id) is None

    # PATCH: add, replace (with and without a path), remove
    scim.patch(user_id, {"op": "add", "path": "userType", "value": "manager"})
    assert _grade(uow, user_id) == "manager"
    scim.patch(user_id, {"op": "Replace", "value": {"userType": " staff "}})  # Okta, Entra
    assert _grade(uow, user_id) == "staff"
    scim.patch(user_id, {"op": "replace", "path": "userType", "value": "director"})
    assert scim.get(user_id)["userType"] == "director"
    assert "userType" not in scim.patch(user_id, {"op": "remove", "path": "userType"})
    assert _grade(uow, user_id) is None

    changes = [e.detail.get("grade") for e in _audit(uow) if "grade" in e.detail]
    assert changes == [
        {"old": "director", "new": "executive"},
        {"old": "executive", "new": None},
        {"old": None, "new": "manager"},
        {"old": "manager", "new": "staff"},
        {"old": "staff", "new": "director"},
        {"old": "director", "new": None},
    ]


def test_an_over_long_grade_is_refused_naming_the_attribute(scim: Scim) -> None:
    response = scim.call("POST", base.USERS, {**RFC_CREATE, "userType": "x" * 65})
    body = _error(response, 400, "invalidValue")
    assert "userType" in body["detail"] and "64" in body["detail"]


@pytest.mark.parametrize("grade_attribute", ["title"])
def test_title_when_configured(scim: Scim, uow: UnitOfWork) -> None:
    created = scim.create({**RFC_CREATE, "title": "Director", "userType": "Employee"})
    assert _grade(uow, created["id"]) == "Director"
    assert created["title"] == "Director" and "userType" not in created  # not kept
    scim.patch(created["id"], {"op": "replace", "path": "title", "value": "Manager"})
    assert _grade(uow, created["id"]) == "Manager"
    user = scim.call("GET", f"/scim/v2/Schemas/{USER_SCHEMA}").get_json()
    assert "title" in [a["name"] for a in user["attributes"]]


@pytest.mark.parametrize("grade_attribute", [DIVISION])
def test_the_enterprise_division_when_configured(scim: Scim, uow: UnitOfWork) -> None:
    created = scim.create({**RFC_CREATE, ENTERPRISE: {"division": "band-4", "department": "R&D"}})
    assert created[ENTERPRISE] == {"division": "band-4", "department": "R&D"}
    body = {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": RFC_CREATE["userName"]}
    scim.put(created["id"], {**body, ENTERPRISE: {"division": "band-5"}})
    assert _grade(uow, created["id"]) == "band-5"
    scim.patch(created["id"], {"op": "remove", "path": DIVISION})
    stored = _employee(uow, public_id=created["id"])
    assert (stored.grade, stored.department) == (None, "R&D")
    enterprise = scim.call("GET", f"/scim/v2/Schemas/{ENTERPRISE}").get_json()
    assert "division" in [a["name"] for a in enterprise["attributes"]]


@pytest.mark.parametrize("grade_attribute", [""])
def test_not_read_when_configured_off_and_what_hr_set_stays(scim: Scim, uow: UnitOfWork) -> None:
    employees.add_employee(
        uow, Actor(label="hr"), email="bjensen@example.com", name="B", grade="director"
    )
    user_id = scim.search('filter=userName eq "bjensen@example.com"')["Resources"][0]["id"]
    replaced = scim.put(
        user_id, {"schemas": [USER_SCHEMA], "userName": "bjensen@example.com", "userType": "x"}
    )
    assert "userType" not in replaced
    assert _grade(uow, user_id) == "director"


@pytest.mark.parametrize(
    ("configured", "kept"),
    [
        ("usertype", "userType"),
        ("division", DIVISION),
        (DIVISION.upper(), DIVISION),
        ("", ""),
    ],
)
def test_grade_attribute_setting(configured: str, kept: str) -> None:
    settings = load_settings({"scim": {"grade_attribute": configured}})
    assert settings.scim.grade_attribute == kept


def test_an_unknown_grade_attribute_names_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"'department'.*'userType', 'title'") as info:
        load_settings({"scim": {"grade_attribute": "department"}})
    assert "grade_attribute" in str(info.value)
