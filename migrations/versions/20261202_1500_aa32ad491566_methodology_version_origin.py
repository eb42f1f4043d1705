"""Where each methodology version came from: the configuration or the methodology page

Versions stored so far were all taken from the configuration. From now on the configuration
replaces the current version only when it changed since the last version taken from it, so a
version saved on the page is not overwritten by an unchanged configuration.

A plain ADD COLUMN (no table rebuild) on both databases: the table's append-only triggers
stay in place, and no stored row is updated.

Revision ID: aa32ad491566
Revises: 3e9e441b3fc4
Create Date: 2026-12-02 15:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "aa32ad491566"
down_revision: str | None = "3e9e441b3fc4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "methodology_versions",
        sa.Column("origin", sa.String(16), nullable=False, server_default="configuration"),
    )


def downgrade() -> None:
    op.drop_column("methodology_versions", "origin")
