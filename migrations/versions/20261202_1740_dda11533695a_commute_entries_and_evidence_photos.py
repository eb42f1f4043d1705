"""Commute entries and evidence photos: commutes employees log on their page

A row per logged trip (its activity, the submission key that makes a resend write nothing,
the photo behind it), and a row per uploaded evidence photo (the file lives outside the
database, named by its content hash).

Revision ID: dda11533695a
Revises: 8c8b1d7d70b0
Create Date: 2026-12-02 17:40:26.358548+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from corp_carbon.db.types import UTCDateTime

revision: str = "dda11533695a"
down_revision: str | None = "8c8b1d7d70b0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commute_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_commute_evidence_size_positive")),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_commute_evidence_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commute_evidence")),
    )
    with op.batch_alter_table("commute_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commute_evidence_employee_id"), ["employee_id"], unique=False
        )

    op.create_table(
        "commute_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=False),
        sa.Column("leg_key", sa.String(length=20), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_commute_entries_activity_id_activities"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_commute_entries_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["commute_evidence.id"],
            name=op.f("fk_commute_entries_evidence_id_commute_evidence"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commute_entries")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_commute_entries_activity_id")),
        sa.UniqueConstraint(
            "request_key", "leg_key", name=op.f("uq_commute_entries_request_key_leg_key")
        ),
    )
    with op.batch_alter_table("commute_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commute_entries_employee_id"), ["employee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commute_entries_evidence_id"), ["evidence_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("commute_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commute_entries_evidence_id"))
        batch_op.drop_index(batch_op.f("ix_commute_entries_employee_id"))

    op.drop_table("commute_entries")
    with op.batch_alter_table("commute_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commute_evidence_employee_id"))

    op.drop_table("commute_evidence")
