"""Fewer index writes per imported segment

An import writes an activity and an assessment per segment; each index on them is one more
write per row (PostgreSQL spent about 11 s per 100,000 segments on the rows and their
indexes). Two indexes held almost nothing but NULLs, and one repeated another:

- ``activities.replaced_by_id`` and ``activities.duplicate_of_id`` are set on the rare
  activity a ticket exchange replaced or another source duplicated; their indexes are now
  partial (``WHERE ... IS NOT NULL``), so a new activity adds no entry to them. Every lookup
  of them is by equality (the foreign keys' own checks included), which implies NOT NULL, so
  both databases still use them.
- ``ix_assessments_activity_id`` is dropped: the unique key on (activity_id,
  methodology_version_id, factor_set_id, radiative_forcing) and
  ``ix_assessments_current_figures`` both lead with the activity.
  ``tests/integration/test_query_plans.py`` checks the pages' plans on PostgreSQL.

Revision ID: a1b2c3d4e5f6
Revises: e717fa07cdec
Create Date: 2026-12-03 13:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1b2c3d4e5f6"
down_revision: str | None = "e717fa07cdec"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PARTIAL = ("replaced_by_id", "duplicate_of_id")


def upgrade() -> None:
    for column in _PARTIAL:
        name = f"ix_activities_{column}"
        op.drop_index(name, table_name="activities")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "activities", [column], postgresql_where=where, sqlite_where=where)
    op.drop_index("ix_assessments_activity_id", table_name="assessments")


def downgrade() -> None:
    op.create_index("ix_assessments_activity_id", "assessments", ["activity_id"])
    for column in _PARTIAL:
        name = f"ix_activities_{column}"
        op.drop_index(name, table_name="activities")
        op.create_index(name, "activities", [column])
