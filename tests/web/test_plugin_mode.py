"""corp-carbon mounted inside a host intranet app that has its own routes, errors and database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask, jsonify
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

import corp_carbon
from corp_carbon.db import migrate
from corp_carbon.db.base import Base as CarbonBase
from corp_carbon.db.migrate import include_object
from corp_carbon.domain.people import Actor
from corp_carbon.services.people.employees import add_employee
from tests.conftest import make_settings


class HostBase(DeclarativeBase):
    pass


class Order(HostBase):
    """A table of the host application, living in the same database as corp-carbon."""

    __tablename__ = "host_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str]


def _host_app(db_url: str) -> tuple[Flask, sa.Engine]:
    host = Flask("intranet")
    host.secret_key = "host-secret"
    engine = sa.create_engine(db_url)
    HostBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Order(item="stapler"))
        session.commit()

    @host.get("/")
    def index() -> str:
        return "intranet home"

    @host.get("/orders")
    def orders() -> object:
        with Session(engine) as session:
            return jsonify([o.item for o in session.scalars(sa.select(Order))])

    @host.errorhandler(404)
    def host_not_found(_exc: object) -> tuple[str, int]:
        return "host 404 page", 404

    return host, engine


def test_mounted_under_a_prefix_beside_the_host(
    db_url: str, tmp_path: Path, log_in_as: Callable[..., None]
) -> None:
    host, host_engine = _host_app(db_url)
    # The host's own table shares the database; migrating corp-carbon leaves it alone.
    migrate.upgrade(db_url)
    settings = make_settings(db_url, tmp_path)
    corp_carbon.init_app(host, settings)
    client = host.test_client()

    assert client.get("/").get_data(as_text=True) == "intranet home"
    assert client.get("/orders").get_json() == ["stapler"]
    assert client.get("/nothing-here").get_data(as_text=True) == "host 404 page"
    assert client.get("/carbon/healthz").get_json()["status"] == "ok"
    assert client.get("/healthz").status_code == 404

    # Links and redirects inside corp-carbon carry the prefix.
    assert client.get("/carbon/").headers["Location"].startswith("/carbon/login")
    profile = add_employee(
        host.extensions["corp_carbon"].uow(),
        Actor(label="test"),
        email="zoe@example.com",
        name="Zoë Müller",
    )
    log_in_as(client, profile.id)
    page = client.get("/carbon/").get_data(as_text=True)
    assert "Hello, Zoë Müller" in page
    assert 'href="/carbon/static/carbon/carbon.css"' in page
    with client.get("/carbon/static/carbon/carbon.css") as stylesheet:
        assert stylesheet.status_code == 200

    # The host keeps its own secret key and cookie settings.
    assert host.secret_key == "host-secret"
    assert host.config["SESSION_COOKIE_NAME"] == "session"

    # Our migrations never try to drop the host's table.
    with host_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        diff = compare_metadata(context, CarbonBase.metadata)
    assert diff == []
    host.extensions["corp_carbon"].engine.dispose()
    host_engine.dispose()


def test_explicit_prefix_and_factory(db_url: str, tmp_path: Path) -> None:
    host = Flask("portal")
    corp_carbon.init_app(host, make_settings(db_url, tmp_path), url_prefix="/sustainability/carbon")
    assert host.test_client().get("/sustainability/carbon/healthz").status_code == 200
    standalone = corp_carbon.create_app(make_settings(db_url, tmp_path))
    assert standalone.test_client().get("/healthz").status_code == 200
    for app in (host, standalone):
        app.extensions["corp_carbon"].engine.dispose()
