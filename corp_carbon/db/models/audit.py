"""Append-only audit log: who did what to what, when and from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from corp_carbon.db.base import Base
from corp_carbon.db.models._columns import JSONType, created_at, employee_fk


class AuditEvent(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at()
    actor_id: Mapped[int | None] = employee_fk(nullable=True, index=True)
    #: who, as shown: an email, "cli:<user>", "token:<name>" or "system".
    actor_label: Mapped[str] = mapped_column(sa.String(320))
    #: dotted verb, e.g. "employee.create", "ledger.adjust", "employee.view".
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(64))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
