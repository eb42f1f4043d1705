"""The company overview's figures computed ahead, one row per period."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from corp_carbon.db.base import Base
from corp_carbon.db.models._columns import JSONType
from corp_carbon.db.types import UTCDateTime


class OverviewSnapshot(Base):
    """A period's overview figures as last computed, and the computation asked for or running.

    The figures are the page's own suppressed aggregates (``domain.overview_codec``): no
    group under ``[privacy] min_group_size`` people is stored, and ``settings_key`` names the
    group size (and point value, methodology settings) they were computed under, so a
    snapshot of another size is never shown.
    """

    __tablename__ = "overview_snapshots"
    __table_args__ = (sa.UniqueConstraint("period_first", "period_last"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_first: Mapped[date]
    period_last: Mapped[date]
    #: the preset the period was last asked as ("this-year"), for the page's fallback to the
    #: preset's previous period while today's is computed; None for a from/to period.
    preset: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    #: when the figures were read (None: never computed yet, only asked for).
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the methodology version the figures were scored under (None: the configured policy).
    methodology_version: Mapped[int | None]
    #: the source data's watermark when the figures were read (``domain.overview.Watermark``).
    watermark: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: a digest of the settings that shape the figures (``services.reports.overview``).
    settings_key: Mapped[str | None] = mapped_column(sa.String(64))
    #: the figures (``overview_codec.encode``).
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: a computation was asked for at this time and has not finished.
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: a worker claimed it at this time (None: waiting for one).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: why the last computation failed, in words for the page; cleared by the next success.
    error: Mapped[str | None] = mapped_column(sa.Text)
