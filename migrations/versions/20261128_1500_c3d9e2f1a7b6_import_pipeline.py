"""import pipeline: booking keys and source timestamps on activities, unchanged count on runs

Also widens factor_sets.version, which a publisher's version text can exceed.

A booking is re-sent whole, so its segments are found by (source, booking key); an older copy
of a booking (by the source's modification time) never overwrites a newer one.

Revision ID: c3d9e2f1a7b6
Revises: b7e1a2c3d4f5
Create Date: 2026-11-28 15:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from corp_carbon.db.types import UTCDateTime

revision: str = "c3d9e2f1a7b6"
down_revision: str | None = "b7e1a2c3d4f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a publisher's version text can be long ("2025 flat file (version number not stated ...)")
    with op.batch_alter_table("factor_sets") as batch:
        batch.alter_column("version", type_=sa.String(200), existing_type=sa.String(40))
    with op.batch_alter_table("import_row_problems") as batch:
        batch.add_column(
            sa.Column("rejected", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("source_booking_key", sa.String(200), nullable=True))
        batch.add_column(sa.Column("source_modified_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_activities_source_booking", ["source_id", "source_booking_key"])
    with op.batch_alter_table("import_runs") as batch:
        batch.add_column(sa.Column("unchanged", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("factor_sets") as batch:
        batch.alter_column("version", type_=sa.String(40), existing_type=sa.String(200))
    with op.batch_alter_table("import_row_problems") as batch:
        batch.drop_column("rejected")
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("unchanged")
    with op.batch_alter_table("activities") as batch:
        batch.drop_index("ix_activities_source_booking")
        batch.drop_column("source_modified_at")
        batch.drop_column("source_booking_key")
