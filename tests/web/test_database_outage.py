"""A database that cannot be reached answers 503 with Retry-After: JSON on the API, a page
drawn without the database for people (in their language), one log line without a password;
the same app serves again once the database is back. SQLite here (its folder moved away);
PostgreSQL stopped for real in tests/system/test_database_faults.py."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon import create_app
from corp_carbon.db import migrate
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services import outage
from corp_carbon.services.people.employees import add_employee
from corp_carbon.services.people.tokens import create_token
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.conftest import make_settings
from tests.support import OPERATOR, sign_in_session


@pytest.fixture
def outage_app(tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    """An app on an SQLite file in a folder of its own, which the test can move away."""
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite:///{folder / 'carbon.sqlite'}"
    migrate.upgrade(url)
    app = create_app(make_settings(url, tmp_path))
    app.config["TESTING"] = True
    yield app, folder
    app.extensions[EXTENSION_KEY].engine.dispose()


def _go_away(app: Flask, folder: Path) -> Path:
    """Moves the database's folder away and drops the pooled connections: no new one opens."""
    away = folder.with_name("away")
    folder.rename(away)
    state: CarbonState = app.extensions[EXTENSION_KEY]
    state.engine.dispose()
    return away


def _signed_in(app: Flask) -> FlaskClient:
    state: CarbonState = app.extensions[EXTENSION_KEY]
    profile = add_employee(state.uow(), OPERATOR, email="ana@example.com", name="Ana Lima")
    client = app.test_client()
    sign_in_session(client, profile.id)
    return client


def test_api_and_pages_answer_503_then_recover(
    outage_app: tuple[Flask, Path], caplog: pytest.LogCaptureFixture
) -> None:
    app, folder = outage_app
    client = _signed_in(app)
    assert client.get("/api/v1/me").status_code == 200
    away = _go_away(app, folder)

    with caplog.at_level(logging.WARNING):
        api = client.get("/api/v1/me")
    assert api.status_code == 503
    assert api.headers["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    assert api.get_json()["error"]["code"] == "database_unavailable"
    logged = [r for r in caplog.records if r.name == "corp_carbon.web"]
    assert len(logged) == 1 and logged[0].exc_info is None
    assert "unable to open database file" in logged[0].getMessage()

    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.status_code == 503 and page.headers["Retry-After"]
    text = page.get_data(as_text=True)
    assert '<html lang="en">' in text and "Back to my account" in text
    assert "Sign out" not in text  # nobody was looked up: the page never asked the database
    assert "Sign in" not in text  # and signing in would need it too

    chinese = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 503
    assert '<html lang="zh-CN">' in (zh := chinese.get_data(as_text=True))
    assert "返回我的碳账户" in zh

    assert client.get("/healthz").headers["Retry-After"]

    away.rename(folder)  # the database is back: the same app serves again
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/").status_code == 200


def test_a_schema_fault_is_still_a_500(tmp_path: Path) -> None:
    """SQLite's "no such table" is not an outage: no 503 that would make clients wait."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    app = create_app(make_settings(url, tmp_path))
    try:
        client = app.test_client()
        sign_in_session(client, 1)
        response = client.get("/api/v1/me")
        assert response.status_code == 500
        assert response.get_json()["error"]["code"] == "internal_error"
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()


def test_where_and_reason_never_show_the_password() -> None:
    url = "postgresql+psycopg://carbon:s3cret@db.example.com:6432/carbon"
    assert outage.where(url) == "PostgreSQL at db.example.com:6432, database carbon, user carbon"
    error = RuntimeError("password authentication failed: s3cret\nDETAIL: more")
    assert outage.reason(error, url) == "password authentication failed: ***"


def test_the_openapi_document_names_the_503(outage_app: tuple[Flask, Path]) -> None:
    app, _ = outage_app
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    common = document["components"]["responses"]["DatabaseUnavailable"]
    assert "Retry-After" in common["headers"]
    me = document["paths"]["/api/v1/me"]["get"]["responses"]
    assert me["503"] == {"$ref": "#/components/responses/DatabaseUnavailable"}


def test_scim_answers_503_in_its_own_format(outage_app: tuple[Flask, Path]) -> None:
    app, folder = outage_app
    state: CarbonState = app.extensions[EXTENSION_KEY]
    add_employee(state.uow(), OPERATOR, email="it@example.com", name="IT", roles=("admin",))
    raw, _ = create_token(state.uow(), OPERATOR, employee="it@example.com", role=Role.ADMIN,
                          name="idp", scopes=("scim",))  # fmt: skip
    client = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/scim/v2/Users", headers=headers).status_code == 200
    away = _go_away(app, folder)
    response = client.get("/scim/v2/Users", headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    assert response.mimetype == "application/scim+json"
    assert response.get_json()["status"] == "503"
    away.rename(folder)
    assert client.get("/scim/v2/Users", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), True),
        (
            sa.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")),
            True,
        ),
        (
            sa.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: x")),
            False,
        ),
        (sa.exc.OperationalError("SELECT 1", {}, psycopg.OperationalError("conn refused")), True),
        (sa.exc.InterfaceError("SELECT 1", {}, psycopg.InterfaceError("connection closed")), True),
        (sa.exc.IntegrityError("INSERT", {}, psycopg.IntegrityError("duplicate key")), False),
        (RuntimeError("boom"), False),
    ],
)
def test_what_counts_as_an_outage(error: Exception, expected: bool) -> None:
    assert outage.is_outage(error) is expected
    wrapped = outage.Interrupted("import run 1 stopped")
    wrapped.__cause__ = error
    assert outage.is_outage(wrapped) is expected  # through what caused it
