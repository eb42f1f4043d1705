"""Activities by travel date: a report of a period reads that period

Reports, the company overview and the report API sum the confirmed activities of a period.
Without an index leading with the travel date, a one-month report read every activity ever
stored (the date indexes there lead with the employee or the department); with it, the
month's rows are a range of ``ix_activities_travel_date``, and each one's assessment is
read by the activity's index (``queries.current_assessment_of``).
``tests/integration/test_query_plans.py`` checks the plans on PostgreSQL.

Revision ID: e717fa07cdec
Revises: f7a8b9c0d1e2
Create Date: 2026-12-03 09:50:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "e717fa07cdec"
down_revision: str | None = "f7a8b9c0d1e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_activities_travel_date", "activities", ["travel_date"])


def downgrade() -> None:
    op.drop_index("ix_activities_travel_date", table_name="activities")
