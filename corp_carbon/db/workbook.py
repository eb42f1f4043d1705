"""Read functions behind the ESG workbook: the period's activities streamed, commute coverage,
and the stored descriptions of factor sets and the methodology.

The activities are read once, in travel-date order, through a server-side cursor on
PostgreSQL (``yield_per``), so a year of a million activities never sits in memory: each row
becomes a detail row and adds to every breakdown as it passes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import (
    Activity,
    CommuteProfile,
    Employee,
    FactorSetRecord,
    ImportSource,
    MethodologyVersion,
)
from corp_carbon.db.models import Assessment as AssessmentRow
from corp_carbon.db.queries import COUNTABLE, current_assessment_of
from corp_carbon.domain.inventory import DetailRow
from corp_carbon.domain.vocabulary import ActivityKind, CalculationMethod

#: rows fetched per round trip of the server-side cursor.
STREAM_BATCH = 5000


class Scope(NamedTuple):
    """Which activities a report covers: travel dates (inclusive) and optionally one
    department (at the time of travel)."""

    date_from: date
    date_to: date
    department: str | None = None


class PublishedSet(NamedTuple):
    """A factor set as pinned in the database when first used (the catalogue may lack it)."""

    id: str
    publisher: str
    title: str
    year: int
    version: str
    source_url: str
    licence: str


class StoredVersion(NamedTuple):
    version: int
    parameters: dict[str, Any]
    note: str
    created_at: datetime


def _in_scope(scope: Scope) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [
        Activity.status.in_(COUNTABLE),
        Activity.travel_date >= scope.date_from,
        Activity.travel_date <= scope.date_to,
    ]
    if scope.department is not None:
        conditions.append(Activity.department == scope.department)
    return conditions


def detail_rows(
    session: Session, scope: Scope, employee_key: Callable[[str], str]
) -> Iterator[DetailRow]:
    """The confirmed activities of the scope with their current assessment (None figures when
    unassessed), oldest first; ``employee_key`` turns an employee's public id into the
    pseudonymous key the row shows."""
    row = AssessmentRow
    current = current_assessment_of(
        session,
        row.factor_set_id,
        row.factor_id,
        row.kg_co2e,
        row.baseline,
        row.baseline_kg_co2e,
        row.avoided_kg_co2e,
        row.points,
        row.haul,
    )
    query = (
        sa.select(
            Activity.id,
            Activity.employee_id,
            Employee.public_id,
            Activity.department,
            Activity.office,
            Activity.travel_date,
            Activity.kind,
            Activity.mode,
            Activity.origin,
            Activity.destination,
            Activity.distance_km,
            Activity.distance_source,
            Activity.cabin,
            Activity.nights,
            Activity.occupants,
            Activity.method,
            Activity.spend_amount,
            Activity.spend_currency,
            *current.c,
            Activity.status,
            Activity.verification,
            ImportSource.connector,
            Activity.import_run_id,
        )
        .select_from(Activity)
        .join(Employee, Employee.id == Activity.employee_id)
        .outerjoin(current.source, current.on)
        .outerjoin(ImportSource, ImportSource.id == Activity.source_id)
        .where(*_in_scope(scope))
        .order_by(Activity.travel_date, Activity.id)
    )
    keys: dict[str, str] = {}
    result = session.execute(query.execution_options(yield_per=STREAM_BATCH))
    try:
        for r in result:
            public_id = r[2]
            key = keys.get(public_id)
            if key is None:
                key = keys[public_id] = employee_key(public_id)
            yield DetailRow(
                r[0], r[1], key, r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
                r[12], r[13], r[14], r[15] or CalculationMethod.DISTANCE, r[16], r[17], r[18],
                r[19], r[20], r[21], r[22], r[23], r[24], r[25], r[26], r[27], r[28], r[29],
            )  # fmt: skip
    finally:
        result.close()  # the server-side cursor, also when the caller stops early


def has_activities(session: Session, scope: Scope) -> bool:
    """Whether any countable activity falls in the scope (a previous period with data)."""
    found = session.scalar(sa.select(Activity.id).where(*_in_scope(scope)).limit(1))
    return found is not None


def count_activities(session: Session, scope: Scope) -> int:
    """How many activities the report's detail will have (for a build's progress)."""
    return (
        session.scalar(sa.select(sa.func.count()).select_from(Activity).where(*_in_scope(scope)))
        or 0
    )


def departments_known(session: Session) -> list[str]:
    """Every department activities were recorded under, for a helpful unknown-department
    message."""
    rows = session.scalars(
        sa.select(Activity.department)
        .where(Activity.department.is_not(None))
        .distinct()
        .order_by(Activity.department)
    )
    return [str(d) for d in rows]


def commute_coverage(session: Session, scope: Scope) -> tuple[int, int]:
    """(headcount, covered) for commuting: employees who were active at some point of the
    period (active now, or deactivated after it began), in the department when one is chosen
    (their current one); covered are those with a commute profile valid by the period's end or
    a countable commute logged in it. An erased employee counts as they did before the
    erasure (it switched them off at its date and kept department and commute profiles), so
    erasing someone changes no report of a period they worked in."""
    began = datetime.combine(scope.date_from, time.min, tzinfo=UTC)
    staff = [sa.or_(Employee.active.is_(True), Employee.deactivated_at >= began)]
    if scope.department is not None:
        staff.append(Employee.department == scope.department)
    profile = sa.exists().where(
        CommuteProfile.employee_id == Employee.id, CommuteProfile.valid_from <= scope.date_to
    )
    logged = sa.exists().where(
        Activity.employee_id == Employee.id,
        Activity.kind == ActivityKind.COMMUTE,
        Activity.status.in_(COUNTABLE),
        Activity.travel_date >= scope.date_from,
        Activity.travel_date <= scope.date_to,
    )
    covered = sa.case((sa.or_(profile, logged), 1), else_=0)
    row = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(covered), 0)).where(*staff)
    ).one()
    return int(row[0]), int(row[1])


def published_sets(session: Session, ids: Collection[str]) -> dict[str, PublishedSet]:
    if not ids:
        return {}
    rows = session.scalars(sa.select(FactorSetRecord).where(FactorSetRecord.id.in_(sorted(ids))))
    return {
        r.id: PublishedSet(r.id, r.publisher, r.title, r.year, r.version, r.source_url, r.licence)
        for r in rows
    }


def newest_version(session: Session) -> StoredVersion | None:
    """The methodology version the current assessments were made under (the newest)."""
    row = session.scalars(
        sa.select(MethodologyVersion).order_by(MethodologyVersion.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return StoredVersion(row.version, dict(row.parameters), row.note, row.created_at)
