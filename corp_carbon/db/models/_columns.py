"""Column shorthands repeated across tables, so every table spells them the same way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from corp_carbon.db.types import UTCDateTime, utcnow

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def created_at() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def updated_at() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


def employee_fk(nullable: bool = False, **kwargs: Any) -> Any:
    return mapped_column(
        sa.ForeignKey("employees.id", ondelete="RESTRICT"), nullable=nullable, **kwargs
    )
