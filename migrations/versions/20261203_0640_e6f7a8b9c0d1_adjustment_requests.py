"""Adjustments above a set size wait for a second person

An HR token credited its own account 300,000 points. Nobody adjusts their own balance any
more, and an adjustment of more than ``[ledger] second_person_above`` points is recorded as
a request that a second HR administrator approves (posting it) or rejects.

Revision ID: e6f7a8b9c0d1
Revises: d5e6f7a8b9c0
Create Date: 2026-12-03 06:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from corp_carbon.db.types import UTCDateTime

revision: str = "e6f7a8b9c0d1"
down_revision: str | None = "d5e6f7a8b9c0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "adjustment_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting",
                "approved",
                "rejected",
                name="adjustment_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_label", sa.String(length=320), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_label", sa.String(length=320), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("points <> 0", name=op.f("ck_adjustment_requests_points_not_zero")),
        sa.CheckConstraint(
            "length(trim(reason)) > 0", name=op.f("ck_adjustment_requests_reason_not_blank")
        ),
        sa.CheckConstraint(
            "(status = 'awaiting') = (decided_at IS NULL)",
            name=op.f("ck_adjustment_requests_decided_unless_awaiting"),
        ),
        sa.CheckConstraint(
            "(status = 'approved') = (transaction_id IS NOT NULL)",
            name=op.f("ck_adjustment_requests_posted_when_approved"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_adjustment_requests_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["employees.id"],
            name=op.f("fk_adjustment_requests_requested_by_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["employees.id"],
            name=op.f("fk_adjustment_requests_decided_by_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_adjustment_requests_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adjustment_requests")),
        sa.UniqueConstraint("request_key", name=op.f("uq_adjustment_requests_request_key")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_adjustment_requests_transaction_id")),
    )
    op.create_index(
        op.f("ix_adjustment_requests_employee_id"),
        "adjustment_requests",
        ["employee_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_adjustment_requests_employee_id"), table_name="adjustment_requests")
    op.drop_table("adjustment_requests")
