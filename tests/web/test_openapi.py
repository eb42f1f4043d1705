"""The OpenAPI document as tools read it, and the server refusing what the document refuses.

Every route under /api/v1 is in the document with its methods and path parameters (taken
from the URL map, so a new route cannot be forgotten), the SCIM routes too; the document is
valid OpenAPI 3.1. Numbers beyond what the database holds are a 404 (ids) or a 400 naming
the parameter, never a 500, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import OpenAPIV31SpecValidator

from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people.tokens import create_token
from corp_carbon.web.api.openapi import path_template
from tests.support import OPERATOR

DOCUMENT = "/api/v1/openapi.json"
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
TOO_BIG = 2**31
HUGE = "99999999999999999999"
IGNORED = {"HEAD", "OPTIONS"}
#: SCIM's catch-alls answer 404 in SCIM's own format; they are not operations.
SCIM_CATCH_ALLS = {"scim_root", "scim_root_slash", "scim_not_found"}


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    found: dict[str, Any] = client.get(DOCUMENT).get_json()
    return found


@pytest.fixture
def hr_token(uow: UnitOfWork, create_employee: Callable[..., object]) -> dict[str, str]:
    create_employee(email="hana@example.com", name="Hana", roles=("hr",))
    raw, _ = create_token(uow, OPERATOR, employee="hana@example.com", role=Role.HR, name="t")
    return {"Authorization": f"Bearer {raw}"}


def _rules(app: Flask, prefix: str) -> list[Any]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(prefix) and rule.endpoint.split(".")[-1] not in SCIM_CATCH_ALLS
    ]


def _path_parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"}


# --- the document ---------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1_in_openapi_syntax(document: dict[str, Any]) -> None:
    OpenAPIV31SpecValidator(document).validate()
    assert document["openapi"] == "3.1.0"
    assert not [path for path in document["paths"] if re.search(r"[<>:]", path)]
    for path, operations in document["paths"].items():
        named = set(re.findall(r"\{(\w+)\}", path))
        for method, operation in operations.items():
            declared = _path_parameters(operation)
            assert set(declared) == named, (method, path)
            assert all(p["required"] for p in declared.values())


def test_every_api_route_is_documented_with_its_methods_and_parameters(
    app: Flask, document: dict[str, Any]
) -> None:
    paths = document["paths"]
    methods: dict[str, set[str]] = {}
    for rule in _rules(app, "/api/v1"):
        template, _ = path_template(rule.rule)
        assert template in paths, f"{rule.rule} ({rule.endpoint}) is not in the document"
        methods.setdefault(template, set()).update(m.lower() for m in rule.methods - IGNORED)
        for operation in paths[template].values():
            assert set(_path_parameters(operation)) == set(rule.arguments)
    api_paths = {p: set(ops) for p, ops in paths.items() if p.startswith("/api/v1")}
    assert api_paths == methods


def test_record_ids_are_bounded_integers_in_the_document(document: dict[str, Any]) -> None:
    redemption = document["paths"]["/api/v1/redemptions/{redemption_id}"]["get"]
    assert _path_parameters(redemption)["redemption_id"]["schema"] == ID
    run = document["paths"]["/api/v1/imports/{run_id}"]["get"]
    assert _path_parameters(run)["run_id"]["schema"] == ID
    page = next(p for p in run["parameters"] if p["name"] == "page")
    assert page["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_the_scim_routes_are_documented(app: Flask, document: dict[str, Any]) -> None:
    paths = document["paths"]
    routed = {path_template(rule.rule)[0]: rule for rule in _rules(app, "/scim/v2")}
    scim = {p: ops for p, ops in paths.items() if p.startswith("/scim/v2")}
    assert set(scim) == set(routed)
    for path, operations in scim.items():
        assert {m.upper() for m in operations} <= routed[path].methods
        for operation in operations.values():
            assert operation["tags"] == ["scim"]
            assert operation["security"] == [{"bearer": []}]
            for reply in operation["responses"].values():
                assert set(reply.get("content", {"application/scim+json": 0})) == {
                    "application/scim+json"
                }
    assert set(paths["/scim/v2/Users/{public_id}"]) == {"get", "put", "patch", "delete"}
    assert set(paths["/scim/v2/Users"]) == {"get", "post"}


def test_the_upload_and_the_idempotency_key_are_declared(document: dict[str, Any]) -> None:
    push = document["paths"]["/api/v1/imports"]["post"]
    form = push["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file", "connector"]
    assert "navan" in form["properties"]["connector"]["enum"]
    assert form["properties"]["file"]["contentMediaType"] == "application/octet-stream"
    assert form["properties"]["source"]["maxLength"] == 120
    adjust = document["paths"]["/api/v1/ledger/adjustments"]["post"]
    key = next(p for p in adjust["parameters"] if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and key["required"] is False  # the server makes one up


def test_the_schema_refuses_what_the_server_refuses(
    document: dict[str, Any], operator: FlaskClient
) -> None:
    compare = {p["name"]: p for p in document["paths"]["/api/v1/compare"]["get"]["parameters"]}
    assert compare["to"]["schema"]["minLength"] == 1
    ledger = document["paths"]["/api/v1/me/ledger"]["get"]
    assert ledger["parameters"][0]["schema"]["minimum"] == 1
    for url, name in [
        ("/api/v1/compare?from=LHR&to=", "to"),
        ("/api/v1/estimate?mode=rail&from=London&to=", "to"),
        ("/api/v1/estimate?mode=car&distance_km=10&cabin=", "cabin"),
        ("/api/v1/me/ledger?page=-2", "page"),
        ("/api/v1/me/ledger?page=0", "page"),
        (f"/api/v1/me/ledger?page={HUGE}", "page"),
        ("/api/v1/me/activities?cursor=2024-01-01.2147483648", "cursor"),
        ("/api/v1/audit?before=2147483648", "before"),
    ]:
        response = operator.get(url)
        assert response.status_code == 400, (url, response.get_data(as_text=True))
        assert response.get_json()["error"]["message"].startswith(name), url


# --- numbers the database cannot hold ---------------------------------------------------------


def test_an_id_beyond_the_database_range_is_404_on_every_route(
    app: Flask, operator: FlaskClient
) -> None:
    """Every route taking a record id uses the bounded ``id`` converter (one place)."""
    checked = []
    for rule in app.url_map.iter_rules():
        converters = re.findall(r"<(\w+)(?:\([^)]*\))?:\w+>", rule.rule)
        assert "int" not in converters, f"{rule.rule}: use <id:…> for a record id"
        if "id" not in converters:
            continue
        url = re.sub(r"<id:\w+>", str(TOO_BIG), rule.rule)
        url = re.sub(r"<any\(([^,)]+)[^)]*\):\w+>", lambda m: m.group(1).strip(), url)
        for method in sorted(rule.methods - IGNORED):
            response = operator.open(url, method=method)
            assert response.status_code == 404, (method, url, response.status_code)
            checked.append(rule.endpoint)
    assert {"carbon.api_redemption", "carbon.api_import_run", "carbon.trip_detail"} <= set(checked)


def test_a_page_beyond_range_never_reaches_the_database(operator: FlaskClient) -> None:
    for url in ("/", "/points", "/admin/imports"):
        response = operator.get(f"{url}?page={HUGE}")
        assert response.status_code == 200, (url, response.status_code)


def test_scim_start_index_beyond_range_is_an_empty_page(
    client: FlaskClient, uow: UnitOfWork, create_employee: Callable[..., object]
) -> None:
    create_employee(email="it@example.com", name="IT", roles=("admin",))
    raw, _ = create_token(uow, OPERATOR, employee="it@example.com", role=Role.ADMIN, name="idp")
    response = client.get(
        f"/scim/v2/Users?startIndex={HUGE}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json().get("Resources", []) == []


def test_body_numbers_and_keys_beyond_the_columns_are_400_naming_the_field(
    client: FlaskClient, hr_token: dict[str, str]
) -> None:
    cases = [
        ("/api/v1/redemptions", {"reward_id": 2**40}, {"Idempotency-Key": "k1"}, "reward_id"),
        ("/api/v1/rewards", {"name": "Bike", "cost_points": 10, "stock": 2**40}, {}, "stock"),
        ("/api/v1/rewards", {"name": "Bike", "cost_points": 2**70}, {}, "cost_points"),
        (
            "/api/v1/ledger/adjustments",
            {"employee": "hana@example.com", "points": 2**40, "reason": "typo"},
            {},
            "points",
        ),
        (
            "/api/v1/ledger/adjustments",
            {"employee": "hana@example.com", "points": 5, "reason": "typo"},
            {"Idempotency-Key": "k" * 250},
            "Idempotency-Key",
        ),
    ]
    for url, body, headers, field in cases:
        response = client.post(url, json=body, headers={**hr_token, **headers})
        assert response.status_code == 400, (url, body, response.get_data(as_text=True))
        assert response.get_json()["error"]["message"].startswith(field), url


# --- 405 ------------------------------------------------------------------------------------


def test_a_405_says_which_methods_are_allowed(operator: FlaskClient) -> None:
    api = operator.put("/api/v1/rewards")
    assert api.status_code == 405
    assert set(api.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert api.get_json()["error"]["code"] == "method_not_allowed"
    page = operator.delete("/points")
    assert page.status_code == 405
    assert "GET" in page.headers["Allow"]
    assert page.mimetype == "text/html"
