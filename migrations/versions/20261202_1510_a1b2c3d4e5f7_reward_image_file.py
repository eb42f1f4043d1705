"""Uploaded reward pictures: the file name of a reward's picture in the reward-images folder

HR can now upload a picture instead of giving an address. The file is re-encoded on upload
and named by its content's hash, so the row stores that name (the folder comes from the
config, ``[rewards] image_folder``). Existing rows keep their ``image_url``.

Revision ID: a1b2c3d4e5f7
Revises: aa32ad491566
Create Date: 2026-12-02 15:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1b2c3d4e5f7"
down_revision: str | None = "aa32ad491566"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rewards") as batch:
        batch.add_column(sa.Column("image_file", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rewards") as batch:
        batch.drop_column("image_file")
