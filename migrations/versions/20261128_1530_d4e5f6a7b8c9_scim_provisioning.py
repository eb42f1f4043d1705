"""SCIM provisioning: the IdP's external id, name parts, organization and erasure schedule

Employees provisioned through SCIM 2.0 (/scim/v2/Users) keep the IdP's ``externalId``, the
name parts and the enterprise ``organization`` as sent; a SCIM delete deactivates the
employee and sets ``erasure_due_at`` ([privacy] erase_after_days later).

Revision ID: d4e5f6a7b8c9
Revises: c3d9e2f1a7b6
Create Date: 2026-11-28 15:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from corp_carbon.db.types import UTCDateTime

revision: str = "d4e5f6a7b8c9"
down_revision: str | None = "c3d9e2f1a7b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("employees") as batch:
        batch.add_column(sa.Column("scim_external_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("given_name", sa.String(100), nullable=True))
        batch.add_column(sa.Column("family_name", sa.String(100), nullable=True))
        batch.add_column(
            sa.Column("name_derived", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("organization", sa.String(120), nullable=True))
        batch.add_column(sa.Column("erasure_due_at", UTCDateTime(), nullable=True))
        batch.create_index(batch.f("ix_employees_scim_external_id"), ["scim_external_id"])
        batch.create_index(batch.f("ix_employees_erasure_due_at"), ["erasure_due_at"])


def downgrade() -> None:
    with op.batch_alter_table("employees") as batch:
        batch.drop_index(batch.f("ix_employees_erasure_due_at"))
        batch.drop_index(batch.f("ix_employees_scim_external_id"))
        batch.drop_column("erasure_due_at")
        batch.drop_column("organization")
        batch.drop_column("name_derived")
        batch.drop_column("family_name")
        batch.drop_column("given_name")
        batch.drop_column("scim_external_id")
