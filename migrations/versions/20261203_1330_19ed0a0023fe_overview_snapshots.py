"""The company overview's figures computed ahead

At 100,000 employees one month of the overview took ~100 s to add up and "this year" never
answered inside the server's timeout. The scheduler now computes the figures of the page's
preset periods ahead (and any other period asked for, in the background) and stores them
here; the page reads them and says how old they are.

Revision ID: 19ed0a0023fe
Revises: a1b2c3d4e5f6
Create Date: 2026-12-03 13:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from corp_carbon.db.types import UTCDateTime

revision: str = "19ed0a0023fe"
down_revision: str | None = "a1b2c3d4e5f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "overview_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("preset", sa.String(length=40), nullable=True),
        sa.Column("computed_at", UTCDateTime(), nullable=True),
        sa.Column("methodology_version", sa.Integer(), nullable=True),
        sa.Column("watermark", _json(), nullable=True),
        sa.Column("settings_key", sa.String(length=64), nullable=True),
        sa.Column("figures", _json(), nullable=True),
        sa.Column("requested_at", UTCDateTime(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overview_snapshots")),
        sa.UniqueConstraint(
            "period_first",
            "period_last",
            name=op.f("uq_overview_snapshots_period_first_period_last"),
        ),
    )
    op.create_index(
        op.f("ix_overview_snapshots_preset"), "overview_snapshots", ["preset"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_overview_snapshots_preset"), table_name="overview_snapshots")
    op.drop_table("overview_snapshots")
