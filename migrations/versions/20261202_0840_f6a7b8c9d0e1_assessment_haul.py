"""The flight's haul on each assessment, for reports by haul x cabin

Until now the haul lived only in the explanation trail. Existing rows take it from the
trail's ``haul`` step of the actual emission. Bulk-imported rows store no trail, and their
haul follows the factor set's own rule (territory table or distance bands), which is in the
catalogue files and not in the database: those rows keep NULL until they are assessed again,
and reports show such flights as "haul not recorded" rather than guess.

Revision ID: f6a7b8c9d0e1
Revises: e5f6a7b8c9d0
Create Date: 2026-12-02 08:40:00+00:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "f6a7b8c9d0e1"
down_revision: str | None = "e5f6a7b8c9d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 1000


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("haul", sa.String(32), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, explanation FROM assessments WHERE CAST(explanation AS TEXT) LIKE '%haul%'"
        )
    )
    found = [
        {"i": row.id, "h": haul}
        for row in rows
        if (haul := _actual_haul(row.explanation)) is not None
    ]
    update = sa.text("UPDATE assessments SET haul = :h WHERE id = :i")
    for start in range(0, len(found), _CHUNK):
        connection.execute(update, found[start : start + _CHUNK])


def _actual_haul(explanation: Any) -> str | None:
    """The haul of the trail's actual emission (not the baseline's), if it has one."""
    steps = json.loads(explanation) if isinstance(explanation, str) else explanation
    for step in steps or ():
        if step.get("step") == "haul" and step.get("role") == "actual":
            return str(step["haul"])
    return None


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("haul")
