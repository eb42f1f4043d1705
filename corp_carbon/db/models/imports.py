"""Import sources, runs, row problems, and records waiting for their employee."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from corp_carbon.db.base import Base
from corp_carbon.db.models._columns import JSONType, created_at
from corp_carbon.db.types import UTCDateTime, enum_type
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger


class ImportSource(Base):
    """A configured origin of bookings: connector, location, schedule and column mapping."""

    __tablename__ = "import_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    connector: Mapped[str] = mapped_column(sa.String(64))
    #: watched folder or sftp:// address; None for upload/push only.
    location: Mapped[str | None] = mapped_column(sa.String(500))
    #: cron expression or "every 15m"; None = not scheduled.
    schedule: Mapped[str | None] = mapped_column(sa.String(100))
    mapping: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at()


class ImportRun(Base):
    __tablename__ = "import_runs"
    __table_args__ = (sa.Index("ix_import_runs_source_sha", "source_id", "file_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("import_sources.id"))
    connector: Mapped[str] = mapped_column(sa.String(64))
    file_name: Mapped[str] = mapped_column(sa.String(500))
    file_size: Mapped[int] = mapped_column(sa.BigInteger)
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    trigger: Mapped[ImportTrigger] = mapped_column(enum_type(ImportTrigger, "trigger"))
    #: who or what started it: an email, a token name, or a schedule id.
    started_by: Mapped[str] = mapped_column(sa.String(320))
    dry_run: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ImportRunStatus] = mapped_column(enum_type(ImportRunStatus, "run_status"))
    started_at: Mapped[datetime] = created_at()
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rows_read: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    waiting: Mapped[int] = mapped_column(default=0)
    #: records re-sent exactly as stored (or older than what is stored): nothing changed.
    unchanged: Mapped[int] = mapped_column(default=0, server_default="0")
    #: highest source row whose batch is committed; a re-run resumes after it.
    last_committed_row: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: the run's raw data (the values quoted in its row problems, the records that waited
    #: for their traveller, a file kept in a watched folder's processed/) was deleted at this
    #: time, ``[privacy] keep_raw_days`` after the run; counts and problems stay.
    raw_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportRowProblem(Base):
    __tablename__ = "import_row_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_runs.id"), index=True)
    row_number: Mapped[int]
    field: Mapped[str] = mapped_column(sa.String(100))
    reason: Mapped[str] = mapped_column(sa.String(500))
    value: Mapped[str | None] = mapped_column(sa.String(500))
    #: False for a warning: the row was stored with a default or without figures.
    rejected: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class PendingRecord(Base):
    """A normalised record whose traveller matched no employee yet; replayed when one appears."""

    __tablename__ = "pending_records"
    __table_args__ = (sa.UniqueConstraint("source_id", "source_record_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("import_sources.id"))
    source_record_key: Mapped[str] = mapped_column(sa.String(200))
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_runs.id"))
    employee_number: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = created_at()
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"))
