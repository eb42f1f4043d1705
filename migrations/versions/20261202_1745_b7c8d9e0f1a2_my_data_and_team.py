"""My data and the team page: employees ask for their own erasure; department totals by date

An employee can now ask for the erasure of their own data on the My data page: the request
joins HR's queue with its own channel (``employee``), so HR sees who asked and how. The team
page adds up one department's trips of this year: an index on (department, travel_date)
keeps that a range scan in a database of 100,000 employees, and an index on assessments
carrying the figures lets each trip's current figures be read from the index alone.

Revision ID: b7c8d9e0f1a2
Revises: dda11533695a
Create Date: 2026-12-02 17:45:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "b7c8d9e0f1a2"
down_revision: str | None = "dda11533695a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL_CHECK = "ck_erasure_requests_erasure_channel"


def _channels(*values: str) -> None:
    """The channel's CHECK constraint, accepting ``values``."""
    accepted = ", ".join(f"'{value}'" for value in values)
    with op.batch_alter_table("erasure_requests") as batch:
        batch.drop_constraint(op.f(CHANNEL_CHECK), type_="check")
        batch.create_check_constraint(op.f(CHANNEL_CHECK), f"channel IN ({accepted})")


def upgrade() -> None:
    _channels("hr", "scim", "employee")
    op.create_index(
        "ix_activities_department_date",
        "activities",
        ["department", "travel_date"],
        postgresql_include=["status", "id"],
    )
    op.create_index(
        "ix_assessments_current_figures",
        "assessments",
        ["activity_id", "comparison", "methodology_version_id"],
        postgresql_include=["kg_co2e", "avoided_kg_co2e", "points"],
    )


def downgrade() -> None:
    op.drop_index("ix_assessments_current_figures", table_name="assessments")
    op.drop_index("ix_activities_department_date", table_name="activities")
    op.execute("DELETE FROM erasure_requests WHERE channel = 'employee'")
    _channels("hr", "scim")
