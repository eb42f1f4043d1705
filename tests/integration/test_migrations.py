"""Migrations reach every model on both databases, and agree with the models exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import corp_carbon.db.models  # noqa: F401
from corp_carbon.db import migrate
from corp_carbon.db.base import Base
from corp_carbon.db.models import ErasureRequest
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


def test_assessments_take_the_haul_of_their_trail(empty_db_url: str) -> None:
    """Rows stored before the haul column get the haul of the trail's actual emission (not
    the baseline's); a bulk row without a trail, and a non-flight, keep NULL."""
    migrate.upgrade(empty_db_url, "e5f6a7b8c9d0")
    engine = make_engine(empty_db_url)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    flown = [
        {"step": "haul", "text": "Haul: long-haul", "role": "actual", "haul": "long_haul"},
        {"step": "haul", "text": "Haul: short-haul", "role": "baseline", "haul": "short_haul"},
    ]
    try:
        meta = sa.MetaData()
        tables = {
            name: sa.Table(name, meta, autoload_with=engine)
            for name in ("employees", "activities", "factor_sets", "methodology_versions",
                         "assessments")
        }  # fmt: skip
        with engine.begin() as connection:
            connection.execute(
                tables["employees"].insert(),
                [{"id": 1, "public_id": "p1", "email": "a@example.com", "name": "A",
                  "active": True, "leaderboard_opt_in": False, "name_derived": False,
                  "created_at": now, "updated_at": now}],
            )  # fmt: skip
            connection.execute(
                tables["activities"].insert(),
                [{"id": i, "employee_id": 1, "kind": "business_travel", "mode": mode,
                  "travel_date": date(2026, 1, 5), "occupants": 1, "method": "distance",
                  "status": "confirmed", "verification": "self_reported",
                  "created_at": now, "updated_at": now}
                 for i, mode in ((1, "air"), (2, "air"), (3, "rail"))],
            )  # fmt: skip
            connection.execute(
                tables["factor_sets"].insert(),
                [{"id": "s", "publisher": "T", "title": "T", "year": 2026, "version": "1",
                  "source_url": "https://example.com", "licence": "CC0", "sha256": "0" * 64,
                  "loaded_at": now}],
            )  # fmt: skip
            connection.execute(
                tables["methodology_versions"].insert(),
                [{"id": 1, "version": 1, "factor_set": "s", "radiative_forcing": True,
                  "points_rule": "avoided_grams", "additionality": "reference",
                  "parameters": {}, "note": "", "created_at": now}],
            )  # fmt: skip
            connection.execute(
                tables["assessments"].insert(),
                [{"id": i, "activity_id": i, "methodology_version_id": 1, "factor_set_id": "s",
                  "radiative_forcing": True, "comparison": False, "factor_id": "f",
                  "kg_co2e": 0, "avoided_kg_co2e": 0, "points": 0, "explanation": trail,
                  "created_at": now}
                 for i, trail in ((1, flown), (2, []), (3, [{"step": "summary"}]))],
            )  # fmt: skip
        engine.dispose()
        migrate.upgrade(empty_db_url)
        with engine.connect() as connection:
            hauls = connection.execute(sa.text("SELECT id, haul FROM assessments ORDER BY id"))
            assert [tuple(row) for row in hauls] == [(1, "long_haul"), (2, None), (3, None)]
    finally:
        engine.dispose()


def test_employees_deleted_through_scim_join_the_erasure_queue(empty_db_url: str) -> None:
    """An employee waiting for erasure before the queue existed gets an open request, with
    who deleted them from the audit log; one without an audit event is still queued."""
    migrate.upgrade(empty_db_url, "f6a7b8c9d0e1")
    engine = make_engine(empty_db_url)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    due = datetime(2026, 12, 30, 9, 0, tzinfo=UTC)
    try:
        meta = sa.MetaData()
        employees = sa.Table("employees", meta, autoload_with=engine)
        audit_log = sa.Table("audit_log", meta, autoload_with=engine)
        person = {"active": False, "leaderboard_opt_in": False, "name_derived": False,
                  "created_at": now, "updated_at": now, "deactivated_at": now,
                  "erasure_due_at": due, "erased_at": None}  # fmt: skip
        with engine.begin() as connection:
            connection.execute(
                employees.insert(),
                [
                    {**person, "id": 1, "public_id": "p1", "email": "it@example.com", "name": "IT",
                     "active": True, "deactivated_at": None, "erasure_due_at": None},
                    {**person, "id": 2, "public_id": "p2", "email": "a@example.com", "name": "A"},
                    {**person, "id": 3, "public_id": "p3", "email": "b@example.com", "name": "B"},
                    {**person, "id": 4, "public_id": "p4", "email": "c@example.com", "name": "C",
                     "erased_at": due},
                ],
            )  # fmt: skip
            connection.execute(
                audit_log.insert(),
                [{"at": now, "actor_id": 1, "actor_label": "api token 1 (entra) of it@example.com",
                  "action": "employee.scim_delete", "target_type": "employee", "target_id": "2",
                  "detail": {}}],
            )  # fmt: skip
        engine.dispose()
        migrate.upgrade(empty_db_url)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT employee_id, channel, requested_by_id, requested_by_label, closed_at "
                    "FROM erasure_requests ORDER BY employee_id"
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (2, "scim", 1, "api token 1 (entra) of it@example.com", None),
            (3, "scim", None, "identity provider (SCIM)", None),
        ]
        with engine.connect() as connection:  # the typed columns read back as they were
            stored = connection.execute(
                sa.select(ErasureRequest.requested_at, ErasureRequest.due_at).order_by(
                    ErasureRequest.employee_id
                )
            ).all()
        assert [tuple(row) for row in stored] == [(now, due), (now, due)]
    finally:
        engine.dispose()
