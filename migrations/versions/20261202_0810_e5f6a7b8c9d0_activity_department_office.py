"""Department and office at the time of travel on each activity

Reports group trips by the department and office the traveller had when the trip was
recorded, so a later move does not carry last year's trips along. Existing rows take the
employee's current department and office (the best that is known for them).

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-12-02 08:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5f6a7b8c9d0"
down_revision: str | None = "d4e5f6a7b8c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("department", sa.String(120), nullable=True))
        batch.add_column(sa.Column("office", sa.String(120), nullable=True))
    op.execute(
        "UPDATE activities SET "
        "department = (SELECT e.department FROM employees e WHERE e.id = activities.employee_id), "
        "office = (SELECT e.office FROM employees e WHERE e.id = activities.employee_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("office")
        batch.drop_column("department")
