"""Points policy: travel-policy grades, rail classes and points caps

An employee's grade (from an SSO claim, SCIM or the HR file) decides the cabin or rail class
the travel policy entitled them to, so cabin credit is given only where the higher class was
allowed. Trains now carry their class (standard, first, a sleeper berth). An earning cut by a
points cap records the cap and the points it would have earned without it, so the trip can
say which cap applied (the ledger stays append-only: new columns, no rewrite).

Revision ID: c4d5e6f7a8b9
Revises: b7c8d9e0f1a2
Create Date: 2026-12-02 21:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4d5e6f7a8b9"
down_revision: str | None = "b7c8d9e0f1a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CABIN_CHECK = "ck_activities_cabin"
OLD_CABINS = ("economy", "premium_economy", "business", "first")
NEW_CABINS = (*OLD_CABINS, "standard", "sleeper")


def _cabins(old: Sequence[str], new: Sequence[str]) -> None:
    """The cabin column's CHECK constraint, accepting ``new`` instead of ``old``."""
    before, after = _check(old), _check(new)
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f(CABIN_CHECK), "activities", type_="check")
        op.create_check_constraint(op.f(CABIN_CHECK), "activities", after)
        return
    # SQLite cannot alter a CHECK, and rebuilding the table inside the migration's transaction
    # breaks the foreign keys of every row pointing at it. A CHECK does not change how rows
    # are stored, so the table's definition is edited in place: SQLite's documented procedure
    # for changing constraints (https://sqlite.org/lang_altertable.html, section 7).
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'activities'"
    ).scalar_one()
    if before not in sql:
        raise RuntimeError(f"activities: the constraint {before!r} was not found")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'activities'",
        (sql.replace(before, after),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    bind.exec_driver_sql("PRAGMA integrity_check")


def _check(values: Sequence[str]) -> str:
    return "cabin IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    op.add_column("employees", sa.Column("grade", sa.String(length=64), nullable=True))
    # plain ADD COLUMN: a batch rebuild would drop the ledger's append-only triggers on SQLite
    op.add_column("ledger_transactions", sa.Column("cap", sa.String(length=60), nullable=True))
    op.add_column("ledger_transactions", sa.Column("uncapped_points", sa.Integer(), nullable=True))
    _cabins(OLD_CABINS, NEW_CABINS)


def downgrade() -> None:
    op.execute("UPDATE activities SET cabin = 'economy' WHERE cabin = 'standard'")
    op.execute("UPDATE activities SET cabin = 'first' WHERE cabin = 'sleeper'")
    _cabins(NEW_CABINS, OLD_CABINS)
    with op.batch_alter_table("employees") as batch:
        batch.drop_column("grade")
    # plain DROP COLUMN (SQLite 3.35+): no rebuild of the append-only table
    op.drop_column("ledger_transactions", "uncapped_points")
    op.drop_column("ledger_transactions", "cap")
