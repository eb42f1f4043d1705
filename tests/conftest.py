"""Shared fixtures: settings, app, client, per-test databases on SQLite and PostgreSQL.

Every test that asks for ``db_url`` (directly or through ``app``/``uow``) runs twice: on a
fresh SQLite file and on a fresh PostgreSQL database cloned from a migrated template.
PostgreSQL is the real server on this machine (CORP_CARBON_TEST_PG, default
127.0.0.1:5432 as user postgres). Missing system parts skip with a reason naming
scripts/install-system-deps.sh; with CORP_CARBON_REQUIRE_SYSTEM=1 (CI) they fail instead.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon import create_app
from corp_carbon.config import Settings, load_settings
from corp_carbon.db import migrate
from corp_carbon.db.models import Employee
from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.services.people.employees import add_employee
from corp_carbon.web.access import (
    SESSION_EMPLOYEE,
    SESSION_LOGIN_METHOD,
    SESSION_ROLES,
    SESSION_VERSION,
)
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.support import OPERATOR, need

#: the place-name index is cached in a scratch folder, never in the contributor's ~/.cache;
#: one folder for every worker and every subprocess the tests start (writes are atomic).
os.environ.setdefault(
    "CORP_CARBON_CACHE_DIR", os.path.join(tempfile.gettempdir(), "corp-carbon-test-cache")
)
PG_SERVER = os.environ.get("CORP_CARBON_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
#: the roles the ``operator`` fixture holds and signs in with.
OPERATOR_ROLES = ("admin", "hr", "sustainability")
#: unique per test process, so concurrent test runs on one server never share a template
WORKER = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    engine = sa.create_engine(
        f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        need("PostgreSQL", False, f"not reachable at {PG_SERVER}: {exc.orig}")
    yield engine
    engine.dispose()


def _create_database(admin: sa.Engine, name: str, template: str | None = None) -> None:
    clause = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))


def _drop_database(admin: sa.Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_template(pg_admin: sa.Engine) -> Iterator[str]:
    """A database migrated once per test session; each test gets a copy of it."""
    name = f"cc_template_{WORKER}"
    _create_database(pg_admin, name)
    migrate.upgrade(f"{PG_SERVER}/{name}")
    yield name
    _drop_database(pg_admin, name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def pg_database(
    request: pytest.FixtureRequest, pg_admin: sa.Engine
) -> Iterator[Callable[..., str]]:
    """Factory: a fresh empty (or template-cloned) PostgreSQL database, dropped after the test."""
    created: list[str] = []

    def make(template: str | None = None) -> str:
        name = f"cc_t_{uuid.uuid4().hex[:12]}"
        _create_database(pg_admin, name, template)
        created.append(name)
        return f"{PG_SERVER}/{name}"

    yield make
    for name in created:
        _drop_database(pg_admin, name)


@pytest.fixture
def pg_url(pg_database: Callable[..., str], pg_template: str) -> str:
    """A migrated PostgreSQL database of its own, for the tests that are PostgreSQL's only."""
    return pg_database(template=pg_template)


@pytest.fixture
def pg_uow(pg_url: str) -> Iterator[UnitOfWork]:
    """A unit of work on ``pg_url``, without an app."""
    engine = make_engine(pg_url)
    yield UnitOfWork(make_session_factory(engine))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_db_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database with no tables at all, on each backend."""
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    make: Callable[..., str] = request.getfixturevalue("pg_database")
    return make()


@pytest.fixture
def db_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A migrated database of its own for this test, on each backend."""
    if db_backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "test.sqlite"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    pg_template_name: str = request.getfixturevalue("pg_template")
    make: Callable[..., str] = request.getfixturevalue("pg_database")
    return make(template=pg_template_name)


#: the scoring arithmetic most tests are written in: 1 point per gram avoided (a point worth
#: EUR 0.001), business class
#: allowed to everyone on long flights, no airport or class rules. Tests of the points policy,
#: the travel policy and rail classes (tests/integration/test_points_policy.py) and everything
#: built on the demo database use the shipped defaults (``shipped=True``).
GRAMS_ARITHMETIC: dict[str, Any] = {
    "points_rule": "avoided_grams",
    "travel_policy": [{"grades": [], "mode": "air", "cabin": "business"}],
    "airport_max_km": 0,
    "new_commute_months": 0,
    "rail_first_class_space": 1.0,
    "rail_sleeper_space": 1.0,
}


def make_settings(
    db_url: str, tmp_path: Path, *, shipped: bool = False, **sections: dict[str, Any]
) -> Settings:
    data: dict[str, dict[str, Any]] = {
        "app": {"mode": "development", "secret_key": "test-secret", "instance_path": str(tmp_path)},
        "database": {"url": db_url},
        "session": {"cookie_secure": False},
        "logging": {"format": "text", "level": "WARNING"},
    }
    if not shipped:
        data["methodology"] = dict(GRAMS_ARITHMETIC)
        data["rewards"] = {"point_value": "0.001"}  # a tonne avoided is worth EUR 1
    for section, values in sections.items():
        data.setdefault(section, {}).update(values)
    return load_settings(data, environ={})


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    application.extensions[EXTENSION_KEY].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def state(app: Flask) -> CarbonState:
    carbon_state: CarbonState = app.extensions[EXTENSION_KEY]
    return carbon_state


@pytest.fixture
def uow(state: CarbonState) -> UnitOfWork:
    return state.uow()


@pytest.fixture
def log_in_as(state: CarbonState) -> Callable[..., None]:
    """Puts an employee in the test client's session, as a completed login would (with the
    employee's current session version, as ``access.log_in`` writes it)."""

    def log_in(client: FlaskClient, employee_id: int, *roles: str) -> None:
        with state.uow() as uow:
            version = uow.session.scalar(
                sa.select(Employee.session_version).where(Employee.id == employee_id)
            )
        with client.session_transaction() as session:
            session[SESSION_EMPLOYEE] = employee_id
            session[SESSION_ROLES] = ["employee", *roles]
            session[SESSION_LOGIN_METHOD] = "test"
            session[SESSION_VERSION] = version or 0

    return log_in


@pytest.fixture
def create_employee(uow: UnitOfWork) -> Callable[..., EmployeeProfile]:
    """Factory: adds an employee as an operator would (through the service, audit-logged).

    ``create_employee(email=..., name=..., roles=(...), employee_number=..., department=...)``;
    without an email or a name each call makes up a new one."""
    numbers = itertools.count(1)

    def create(email: str | None = None, name: str | None = None, **fields: Any) -> EmployeeProfile:
        number = next(numbers)
        return add_employee(
            uow,
            OPERATOR,
            email=email or f"employee{number}@example.com",
            name=name or f"Employee {number}",
            **fields,
        )

    return create


@pytest.fixture
def operator_profile(create_employee: Callable[..., EmployeeProfile]) -> EmployeeProfile:
    """Ada Admin (ada@example.com), who holds every operator role: admin, hr, sustainability."""
    return create_employee(email="ada@example.com", name="Ada Admin", roles=OPERATOR_ROLES)


@pytest.fixture
def operator(
    client: FlaskClient, operator_profile: EmployeeProfile, log_in_as: Callable[..., None]
) -> FlaskClient:
    """The test client signed in as Ada Admin, using all her operator roles."""
    log_in_as(client, operator_profile.id, *OPERATOR_ROLES)
    return client


@pytest.fixture
def employee(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> FlaskClient:
    """The test client signed in as Ana Lima (ana@example.com), an ordinary employee."""
    profile = create_employee(email="ana@example.com", name="Ana Lima")
    log_in_as(client, profile.id)
    return client
