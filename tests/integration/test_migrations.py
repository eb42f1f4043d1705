"""Migrations reach every model on both databases, and agree with the models exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import corp_carbon.db.models  # noqa: F401
from corp_carbon.db import migrate
from corp_carbon.db.base import Base
from corp_carbon.db.session import make_engine


def test_upgrade_creates_every_table_and_downgrade_removes_them(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    assert migrate.current_revision(empty_db_url) == migrate.head_revision(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        migrate.downgrade(empty_db_url, "base")
        engine.dispose()
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(empty_db_url)  # and back up again, cleanly
        engine.dispose()
        assert set(Base.metadata.tables) <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_models_and_migrations_agree(db_url: str) -> None:
    """No pending autogenerate diff: every model change has its migration."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_activities_take_the_current_department_and_office(empty_db_url: str) -> None:
    """Rows stored before the snapshot columns existed get the employee's post of the day."""
    migrate.upgrade(empty_db_url, "d4e5f6a7b8c9")
    engine = make_engine(empty_db_url)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    try:
        meta = sa.MetaData()
        employees = sa.Table("employees", meta, autoload_with=engine)
        activities = sa.Table("activities", meta, autoload_with=engine)
        with engine.begin() as connection:
            connection.execute(
                employees.insert(),
                [
                    {"id": 1, "public_id": "p1", "email": "a@example.com", "name": "A",
                     "department": "Sales", "office": "Berlin", "active": True,
                     "leaderboard_opt_in": False, "name_derived": False,
                     "created_at": now, "updated_at": now},
                ],
            )  # fmt: skip
            connection.execute(
                activities.insert(),
                [
                    {"employee_id": 1, "kind": "business_travel", "mode": "rail",
                     "travel_date": date(2026, 1, 5), "occupants": 1, "method": "distance",
                     "status": "confirmed", "verification": "self_reported",
                     "created_at": now, "updated_at": now},
                ],
            )  # fmt: skip
        engine.dispose()
        migrate.upgrade(empty_db_url)
        with engine.connect() as connection:
            posts = connection.execute(sa.text("SELECT department, office FROM activities"))
            assert [tuple(row) for row in posts] == [("Sales", "Berlin")]
    finally:
        engine.dispose()
