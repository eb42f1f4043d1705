"""Data quality of a period, for the overview and the ESG workbook: aggregates in the database.

Import runs belong to the period by when they started (UTC), activities by their travel date.
Travellers waiting for an employee record are counted as they are now: they wait whatever
period is asked.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from connectors import UnknownConnector, connector_class
from corp_carbon.db.models import Activity, ImportRun, ImportSource, PendingRecord
from corp_carbon.db.queries import COUNTABLE
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.data_quality import (
    BASES,
    NO_DISTANCE,
    SPEND_BASED,
    DataQuality,
    DistanceShare,
    RunCounts,
    RunQuality,
    SourceQuality,
    share,
)
from corp_carbon.domain.vocabulary import CalculationMethod, ImportRunStatus, Mode
from corp_carbon.services.reports.programme import period_bounds

__all__ = ["DataQuality", "connector_words", "data_quality"]

#: the ImportRun column behind each RunCounts field, in its order.
_COUNT_COLUMNS = (
    ImportRun.rows_read,
    ImportRun.imported,
    ImportRun.updated,
    ImportRun.rejected,
    ImportRun.duplicates,
    ImportRun.waiting,
    ImportRun.cancelled,
)


@cache
def connector_words(name: str) -> str:
    """A connector as people know it ("SAP Concur itinerary export"), its name if it is gone."""
    try:
        title = connector_class(name).title
    except UnknownConnector:
        return name
    return title.split(" (")[0]


def data_quality(uow: UnitOfWork, date_from: date, date_to: date) -> DataQuality:
    """Per source and run: rows read, imported, updated, rejected, duplicates, waiting and
    cancelled; how the period's distances were obtained; flights without a cabin; and the
    travellers whose bookings wait for an employee record."""
    start, end = period_bounds(date_from, date_to)
    with uow:
        session = uow.session
        in_period = sa.and_(
            ImportRun.started_at >= start, ImportRun.started_at < end, ImportRun.dry_run.is_(False)
        )
        sources = _sources(session, in_period)
        runs = _runs(session, in_period)
        distances, activities = _distances(session, date_from, date_to)
        flights, without_cabin = _flights(session, date_from, date_to)
        records, travellers = _waiting(session)
    return DataQuality(
        date_from=date_from,
        date_to=date_to,
        sources=sources,
        runs=runs,
        activities=activities,
        distances=distances,
        flights=flights,
        flights_without_cabin=without_cabin,
        waiting_records=records,
        waiting_travellers=travellers,
    )


def _sources(session: Session, in_period: sa.ColumnElement[bool]) -> tuple[SourceQuality, ...]:
    rows = session.execute(
        sa.select(
            ImportSource.name,
            ImportRun.connector,
            sa.func.count(),
            *(sa.func.sum(column) for column in _COUNT_COLUMNS),
        )
        .join(ImportSource, ImportSource.id == ImportRun.source_id)
        .where(in_period)
        .group_by(ImportSource.name, ImportRun.connector)
        .order_by(ImportSource.name, ImportRun.connector)
    ).all()
    return tuple(
        SourceQuality(
            source=name,
            connector=connector_words(connector),
            runs=int(runs),
            counts=RunCounts(*(int(value or 0) for value in counts)),
        )
        for name, connector, runs, *counts in rows
    )


def _runs(session: Session, in_period: sa.ColumnElement[bool]) -> tuple[RunQuality, ...]:
    rows = session.execute(
        sa.select(
            ImportRun.id,
            ImportRun.started_at,
            ImportSource.name,
            ImportRun.connector,
            ImportRun.file_name,
            ImportRun.status,
            *_COUNT_COLUMNS,
        )
        .join(ImportSource, ImportSource.id == ImportRun.source_id)
        .where(in_period)
        .order_by(ImportRun.started_at, ImportRun.id)
    ).all()
    return tuple(
        RunQuality(
            run_id=run_id,
            started_at=started_at,
            source=name,
            connector=connector_words(connector),
            file_name=file_name,
            status=ImportRunStatus(status),
            counts=RunCounts(*(int(value) for value in counts)),
        )
        for run_id, started_at, name, connector, file_name, status, *counts in rows
    )


def _travelled(date_from: date, date_to: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        Activity.status.in_(COUNTABLE),
        Activity.travel_date >= date_from,
        Activity.travel_date <= date_to,
    )


def _distances(
    session: Session, date_from: date, date_to: date
) -> tuple[tuple[DistanceShare, ...], int]:
    """Activities by how their distance was obtained (spend-based first: they have none)."""
    basis = sa.case(
        (Activity.method == CalculationMethod.SPEND, SPEND_BASED),
        (Activity.distance_source.is_(None), NO_DISTANCE),
        else_=sa.cast(Activity.distance_source, sa.String),
    )
    counted: dict[str, int] = {
        str(key): int(n)
        for key, n in session.execute(
            sa.select(basis, sa.func.count())
            .where(_travelled(date_from, date_to), Activity.mode != Mode.HOTEL)
            .group_by(basis)
        )
    }
    whole = sum(counted.values())
    shares = tuple(
        DistanceShare(b, counted[b], share(counted[b], whole)) for b in BASES if counted.get(b)
    )
    return shares, whole


def _flights(session: Session, date_from: date, date_to: date) -> tuple[int, int]:
    flights, without = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(Activity.cabin.is_(None)),
        ).where(_travelled(date_from, date_to), Activity.mode == Mode.AIR)
    ).one()
    return int(flights), int(without or 0)


def _waiting(session: Session) -> tuple[int, int]:
    """Unresolved waiting records, and the distinct (employee number, email) they name."""
    unresolved = PendingRecord.resolved_at.is_(None)
    records = session.scalar(sa.select(sa.func.count()).where(unresolved)) or 0
    named = (
        sa.select(PendingRecord.employee_number, PendingRecord.email)
        .where(unresolved)
        .distinct()
        .subquery()
    )
    travellers = session.scalar(sa.select(sa.func.count()).select_from(named)) or 0
    return int(records), int(travellers)
