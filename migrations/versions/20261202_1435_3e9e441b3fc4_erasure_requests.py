"""Erasure requests: HR's queue of people whose personal data is to be erased

HR records a request (who asked, why) on an employee's profile; a SCIM delete queues one
too. At most one request per employee is open (a partial unique index). Employees already
deleted through SCIM and waiting for erasure get their request here, with who deleted them
taken from the audit log where it names them.

Revision ID: 3e9e441b3fc4
Revises: f6a7b8c9d0e1
Create Date: 2026-12-02 14:35:05+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from corp_carbon.db.types import UTCDateTime

revision: str = "3e9e441b3fc4"
down_revision: str | None = "f6a7b8c9d0e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: what a SCIM delete records as its reason (the pages show it in words of their own).
SCIM_REASON = "Deleted by the identity provider (SCIM)"
SCIM_LABEL = "identity provider (SCIM)"


def upgrade() -> None:
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "hr",
                "scim",
                name="erasure_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_label", sa.String(length=320), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "erased",
                "withdrawn",
                name="erasure_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.CheckConstraint(
            "(closed_at IS NULL) = (outcome IS NULL)",
            name=op.f("ck_erasure_requests_closed_with_outcome"),
        ),
        sa.CheckConstraint(
            "length(trim(reason)) > 0", name=op.f("ck_erasure_requests_reason_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_erasure_requests_employee_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["employees.id"],
            name=op.f("fk_erasure_requests_requested_by_id_employees"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    op.create_index(
        "uq_erasure_requests_open_employee",
        "erasure_requests",
        ["employee_id"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    _queue_scim_deletions()


def _queue_scim_deletions() -> None:
    """One open request per employee deleted through SCIM and not erased yet."""
    employees = sa.table(
        "employees",
        sa.column("id", sa.Integer),
        sa.column("deactivated_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
        sa.column("erasure_due_at", UTCDateTime()),
        sa.column("erased_at", UTCDateTime()),
    )
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", UTCDateTime()),
        sa.column("actor_id", sa.Integer),
        sa.column("actor_label", sa.String),
        sa.column("action", sa.String),
        sa.column("target_id", sa.String),
    )
    requests = sa.table(
        "erasure_requests",
        sa.column("employee_id", sa.Integer),
        sa.column("channel", sa.String),
        sa.column("reason", sa.String),
        sa.column("requested_by_id", sa.Integer),
        sa.column("requested_by_label", sa.String),
        sa.column("requested_at", UTCDateTime()),
        sa.column("due_at", UTCDateTime()),
    )
    connection = op.get_bind()
    waiting = connection.execute(
        sa.select(employees).where(
            employees.c.erasure_due_at.is_not(None), employees.c.erased_at.is_(None)
        )
    ).all()
    rows = []
    for employee in waiting:
        deleted = connection.execute(
            sa.select(audit.c.at, audit.c.actor_id, audit.c.actor_label)
            .where(
                audit.c.action == "employee.scim_delete",
                audit.c.target_id == str(employee.id),
            )
            .order_by(audit.c.id.desc())
            .limit(1)
        ).first()
        rows.append(
            {
                "employee_id": employee.id,
                "channel": "scim",
                "reason": SCIM_REASON,
                "requested_by_id": deleted.actor_id if deleted else None,
                "requested_by_label": deleted.actor_label if deleted else SCIM_LABEL,
                "requested_at": (
                    deleted.at if deleted else employee.deactivated_at or employee.updated_at
                ),
                "due_at": employee.erasure_due_at,
            }
        )
    if rows:
        connection.execute(requests.insert(), rows)


def downgrade() -> None:
    op.drop_index("uq_erasure_requests_open_employee", table_name="erasure_requests")
    op.drop_table("erasure_requests")
