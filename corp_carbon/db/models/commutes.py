"""Commutes the employee logs on their page, and the evidence photos behind them.

A logged commute is an ``Activity`` (kind commute); ``CommuteEntry`` says which submission
made it (the request key that makes a resent form write nothing) and which photo backs it.
A photo is kept as a file named by its content hash; the row is who sent it and when.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from corp_carbon.db.base import Base
from corp_carbon.db.models._columns import created_at, employee_fk


class CommuteEvidence(Base):
    """An evidence photo an employee uploaded (re-encoded, without metadata)."""

    __tablename__ = "commute_evidence"
    __table_args__ = (sa.CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = employee_fk(index=True)
    #: the stored file in the ``[commute] evidence_folder``: the hash of its content + ".jpg".
    file_name: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = created_at()


class CommuteEntry(Base):
    """One logged commute trip: the activity, the submission it came from, its photo."""

    __tablename__ = "commute_entries"
    __table_args__ = (
        # a resent submission cannot log the same trip twice, even when both arrive at once
        sa.UniqueConstraint("request_key", "leg_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = employee_fk(index=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activities.id", ondelete="RESTRICT"), unique=True
    )
    #: the client's key of the submission (a form rendering, or the API's Idempotency-Key).
    request_key: Mapped[str] = mapped_column(sa.String(200))
    #: which trip of the submission: "<date>/<leg>" (leg 1 there, 2 back).
    leg_key: Mapped[str] = mapped_column(sa.String(20))
    evidence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("commute_evidence.id"), index=True
    )
    created_at: Mapped[datetime] = created_at()
