"""Reports asked for on the reports page and built in the background."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from corp_carbon.db.base import Base
from corp_carbon.db.models._columns import JSONType, created_at, employee_fk
from corp_carbon.db.types import UTCDateTime, enum_type
from corp_carbon.domain.vocabulary import ReportStatus


class ReportJob(Base):
    """One asked-for report: what was asked, how far the build got, and the file it made.

    The row is the job's only state, so any process can show its progress, and a build cut
    short by a restart is seen as such rather than waiting forever.
    """

    __tablename__ = "report_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = employee_fk(nullable=True, index=True)
    #: period, factor sets, department and format, as asked (ReportOptions.to_json()).
    options: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[ReportStatus] = mapped_column(enum_type(ReportStatus, "report_status"))
    requested_at: Mapped[datetime] = created_at()
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: refreshed while the build runs; a running row whose heartbeat stopped was cut short.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: rows written so far and the rows the report will have (activities + aggregates).
    done: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: the download's file name (under the reports folder) and size.
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    file_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    error: Mapped[str | None] = mapped_column(sa.Text)
