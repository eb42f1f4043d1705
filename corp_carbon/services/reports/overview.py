"""The company overview's figures of a period, computed from the report database: what the
page showed computed on every request, now computed once and stored (``overview_snapshots``).

Also the cheap questions the page asks on every request: how far the source data has got
(the ``Watermark``), and whether a period is small enough to compute while it waits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from corp_carbon.config import Settings
from corp_carbon.db.models import (
    Activity,
    Assessment,
    ImportRun,
    LedgerTransaction,
    MethodologyVersion,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.overview import BREAKDOWNS, OverviewFigures, Watermark
from corp_carbon.domain.periods import Period
from corp_carbon.domain.programme import ProgrammeFigures
from corp_carbon.services.reports.programme import points_position, programme_figures
from corp_carbon.services.reports.quality import data_quality
from corp_carbon.services.reports.summary import period_summary

UnitsOfWork = Callable[[], UnitOfWork]


def compute_overview(report: UnitsOfWork, settings: Settings, period: Period) -> OverviewFigures:
    """The five breakdowns, the programme (points, money, avoided emissions against both
    baselines), the points position and the data quality of ``period``, every group under
    ``[privacy] min_group_size`` people merged into Other. Reads only."""
    first, last = period.first, period.last
    k = settings.privacy.min_group_size
    summaries = tuple(
        period_summary(report(), first, last, [d], min_group_size=k) for d in BREAKDOWNS
    )
    programme: ProgrammeFigures | None
    problem: str | None = None
    try:
        programme = programme_figures(report(), settings, first, last)
    except DomainError as exc:  # the avoided figures cannot be computed; the rest can
        programme, problem = None, exc.message
    position = (
        programme.position
        if programme is not None
        else points_position(report(), settings, first, last)
    )
    return OverviewFigures(
        period=period,
        summaries=summaries,
        programme=programme,
        avoided_problem=problem,
        position=position,
        quality=data_quality(report(), first, last),
    )


def settings_key(settings: Settings) -> str:
    """A digest of the settings the figures depend on: the group size they were suppressed
    with (a snapshot made under a smaller one must never be shown), the value of a point,
    and the methodology settings. A change makes every stored snapshot unusable."""
    shaping = {
        "min_group_size": settings.privacy.min_group_size,
        "point_value": str(settings.rewards.point_value),
        "point_currency": settings.rewards.point_currency,
        "methodology": settings.methodology.model_dump(mode="json"),
    }
    text = json.dumps(shaping, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def current_watermark(session: Session) -> Watermark:
    """The newest activity, assessment, ledger transaction and methodology version, and the
    last import run to finish: one statement of five lookups on primary keys (and the small
    runs table), cheap enough for every request."""

    def newest(column: InstrumentedAttribute[Any]) -> sa.ScalarSelect[Any]:
        return sa.select(sa.func.max(column)).scalar_subquery()

    activity, assessment, transaction, version, finished = session.execute(
        sa.select(
            newest(Activity.id),
            newest(Assessment.id),
            newest(LedgerTransaction.id),
            newest(MethodologyVersion.version),
            newest(ImportRun.finished_at),
        )
    ).one()
    return Watermark(
        activity=activity or 0,
        assessment=assessment or 0,
        ledger_transaction=transaction or 0,
        methodology_version=version or 0,
        import_finished=finished.isoformat() if finished is not None else "",
    )


def activities_up_to(session: Session, period: Period, limit: int) -> int:
    """The period's activities, counted no further than ``limit + 1``: a range of the
    travel-date index that stops early, so asking costs the same at any company size."""
    in_period = (
        sa.select(sa.literal(1))
        .select_from(Activity)
        .where(Activity.travel_date >= period.first, Activity.travel_date <= period.last)
        .limit(limit + 1)
        .subquery()
    )
    return session.scalar(sa.select(sa.func.count()).select_from(in_period)) or 0
