"""Read functions: ORM rows in, domain values out. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from corp_carbon.db.models import (
    Activity,
    Employee,
    EmployeeRole,
    LedgerEntry,
    LedgerTransaction,
    MethodologyVersion,
)
from corp_carbon.db.models import Assessment as AssessmentRow
from corp_carbon.domain.activities import ActivityView, DepartmentTotal, ModeTotal
from corp_carbon.domain.email_address import lookup_key
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ActivityKind, ActivityStatus, Mode, Role, TransactionKind

COUNTABLE = (ActivityStatus.CONFIRMED,)


def to_profile(employee: Employee) -> EmployeeProfile:
    return _profile(employee, employee.role_names)


def _profile(employee: Any, role_names: list[str]) -> EmployeeProfile:
    """The profile of an employee's row or of its columns read by name."""
    return EmployeeProfile(
        id=employee.id,
        public_id=employee.public_id,
        email=employee.email,
        name=employee.name,
        employee_number=employee.employee_number,
        department=employee.department,
        office=employee.office,
        roles=tuple(Role(name) for name in role_names),
        active=employee.active,
        session_version=employee.session_version or 0,
    )


def profile_by_id(session: Session, employee_id: int) -> EmployeeProfile | None:
    """``to_profile`` of the employee, read as columns in one statement: every signed-in
    request asks, and loading the ORM row and then its roles took two statements."""
    rows = session.execute(
        sa.select(
            Employee.id,
            Employee.public_id,
            Employee.email,
            Employee.name,
            Employee.employee_number,
            Employee.department,
            Employee.office,
            Employee.active,
            Employee.session_version,
            EmployeeRole.role,
        )
        .outerjoin(EmployeeRole, EmployeeRole.employee_id == Employee.id)
        .where(Employee.id == employee_id)
    ).all()
    if not rows:
        return None
    held = {row.role for row in rows if row.role is not None} | {Role.EMPLOYEE}
    return _profile(rows[0], [role.value for role in Role if role in held])


def employee_by_reference(session: Session, reference: str) -> Employee:
    """An employee by email (case-insensitive) or employee number; NotFound naming it."""
    value = reference.strip()
    if not value:
        raise DomainError("employee: give an email or an employee number")
    found = session.scalar(
        sa.select(Employee).where(
            sa.or_(Employee.email == lookup_key(value), Employee.employee_number == value)
        )
    )
    if found is None:
        raise NotFound(f"employee {reference!r}: no employee with this email or number")
    return found


def list_profiles(
    session: Session, *, search: str = "", active_only: bool = True, limit: int = 50
) -> list[EmployeeProfile]:
    query = sa.select(Employee).order_by(Employee.name, Employee.id).limit(limit)
    if active_only:
        query = query.where(Employee.active.is_(True), Employee.erased_at.is_(None))
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Employee.name).like(pattern),
                Employee.email.like(pattern),
                sa.func.lower(sa.func.coalesce(Employee.department, "")).like(pattern),
            )
        )
    return [to_profile(e) for e in session.scalars(query)]


def profiles_with_extra_roles(session: Session) -> list[EmployeeProfile]:
    """Active employees holding any role beyond 'employee' (HR, sustainability, admin)."""
    query = (
        sa.select(Employee)
        .where(
            Employee.active.is_(True),
            Employee.erased_at.is_(None),
            Employee.id.in_(sa.select(EmployeeRole.employee_id)),
        )
        .order_by(Employee.name, Employee.id)
    )
    return [to_profile(e) for e in session.scalars(query)]


@cache
def current_assessment() -> Any:
    """Join condition: the activity's scoring assessment under the newest methodology
    version it was assessed under. Made once (SQL constructs are immutable): making its
    alias and subquery took longer than running the pages' statement that uses it.

    Not simply the newest version: right after a methodology change no stored trip has an
    assessment under it yet, and pages and reports must keep showing the figures the trips
    last had (each naming its version) rather than nothing until they are assessed again.
    """
    mine = aliased(AssessmentRow)
    latest = (
        sa.select(sa.func.max(mine.methodology_version_id))
        .where(mine.activity_id == Activity.id, mine.comparison.is_(False))
        .correlate(Activity)
        .scalar_subquery()
    )
    return sa.and_(
        AssessmentRow.activity_id == Activity.id,
        AssessmentRow.comparison.is_(False),
        AssessmentRow.methodology_version_id == latest,
    )


@dataclass(frozen=True)
class CurrentAssessment:
    """Each activity's current assessment, to join to a query of activities: ``source`` on
    ``on`` (an outer join keeps unassessed activities), the chosen columns as ``c.<name>``
    (in their order when iterated)."""

    source: Any
    on: Any
    c: Any


def current_assessment_of(session: Session, *columns: Any) -> CurrentAssessment:
    """``current_assessment``'s rule for queries over many activities (a period, a
    department). On PostgreSQL a LATERAL subquery of ``columns`` reads each activity's row
    by index (``ix_assessments_current_figures``; from the index alone when ``columns`` are
    among its figures), so the cost follows the activities asked for: the plain join, with
    its correlated maximum, hashes the whole assessments table, every year of it, for a
    one-month report. SQLite has no LATERAL: the plain join there."""
    if session.get_bind().dialect.name == "postgresql":
        current = (
            sa.select(*columns)
            .where(AssessmentRow.activity_id == Activity.id, AssessmentRow.comparison.is_(False))
            .order_by(AssessmentRow.methodology_version_id.desc())
            .limit(1)
            .lateral("current_assessment")
        )
        return CurrentAssessment(current, sa.true(), current.c)
    picked = sa.select(*columns).selected_columns  # the columns themselves, by name
    return CurrentAssessment(AssessmentRow, current_assessment(), picked)


def _own_activities(employee_id: int) -> Any:
    """An employee's activities with their current assessment, newest first: the columns an
    ``ActivityView`` shows (a page lists 25 to 500; ORM rows cost more than the query)."""
    return (
        sa.select(*_VIEW_COLUMNS)
        .outerjoin(AssessmentRow, current_assessment())
        .where(Activity.employee_id == employee_id)
        .order_by(Activity.travel_date.desc(), Activity.id.desc())
    )


#: what ``_activity_view`` reads: the activity's columns, then its current assessment's.
_VIEW_COLUMNS = (
    Activity.id,
    Activity.travel_date,
    Activity.kind,
    Activity.mode,
    Activity.origin,
    Activity.destination,
    Activity.cabin,
    Activity.distance_km,
    Activity.distance_source,
    Activity.status,
    Activity.carrier,
    Activity.service_number,
    Activity.nights,
    Activity.method,
    Activity.note,
    AssessmentRow.id.label("assessment_id"),
    AssessmentRow.kg_co2e,
    AssessmentRow.points,
    AssessmentRow.baseline,
    AssessmentRow.explanation,
    AssessmentRow.factor_set_id,
)


def _filtered(
    query: Any,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    status: ActivityStatus | None = None,
    mode: Mode | None = None,
    kind: ActivityKind | None = None,
) -> Any:
    """``query`` narrowed to the filters given; the list and its count share this, so a page
    never says "97 trips" beside an empty list. Every filter sits on top of the employee's
    (employee_id, travel_date) index: a year of one person's trips is a few hundred rows."""
    if date_from is not None:
        query = query.where(Activity.travel_date >= date_from)
    if date_to is not None:
        query = query.where(Activity.travel_date <= date_to)
    if status is not None:
        query = query.where(Activity.status == status)
    if mode is not None:
        query = query.where(Activity.mode == mode)
    if kind is not None:
        query = query.where(Activity.kind == kind)
    return query


def activities_for(
    session: Session,
    employee_id: int,
    *,
    limit: int = 100,
    offset: int = 0,
    activity_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    mode: Mode | None = None,
    kind: ActivityKind | None = None,
) -> list[ActivityView]:
    """The employee's own activities with their current assessment, newest first."""
    query = _own_activities(employee_id).limit(limit).offset(offset)
    if activity_id is not None:
        query = query.where(Activity.id == activity_id)
    query = _filtered(query, date_from=date_from, date_to=date_to, mode=mode, kind=kind)
    return [_activity_view(row) for row in session.execute(query)]


def activities_page(
    session: Session,
    employee_id: int,
    *,
    limit: int,
    date_from: date | None = None,
    date_to: date | None = None,
    status: ActivityStatus | None = None,
    mode: Mode | None = None,
    kind: ActivityKind | None = None,
    after: tuple[date, int] | None = None,
) -> list[ActivityView]:
    """The employee's own activities, newest first (date, then id), after a cursor: pages
    neither repeat nor skip a trip when new imports arrive between two requests."""
    query = _filtered(
        _own_activities(employee_id).limit(limit),
        date_from=date_from,
        date_to=date_to,
        status=status,
        mode=mode,
        kind=kind,
    )
    if after is not None:
        day, last_id = after
        query = query.where(
            sa.or_(
                Activity.travel_date < day,
                sa.and_(Activity.travel_date == day, Activity.id < last_id),
            )
        )
    return [_activity_view(row) for row in session.execute(query)]


def _activity_view(row: Any) -> ActivityView:
    """An ``ActivityView`` of a row of ``_VIEW_COLUMNS`` (no assessment: its columns None)."""
    steps = tuple(row.explanation) if row.assessment_id is not None else ()
    plain = next((str(step["text"]) for step in steps if step.get("step") == "summary"), "")
    return ActivityView(
        id=row.id,
        travel_date=row.travel_date,
        kind=row.kind,
        mode=row.mode,
        origin=row.origin,
        destination=row.destination,
        cabin=row.cabin,
        distance_km=row.distance_km,
        distance_source=row.distance_source,
        status=row.status,
        carrier=row.carrier,
        service_number=row.service_number,
        nights=row.nights,
        kg_co2e=row.kg_co2e,
        points=row.points,
        baseline=row.baseline,
        plain=plain,
        explanation=steps,
        factor_set=row.factor_set_id,
        method=row.method,
        note=row.note,
    )


def count_activities(
    session: Session,
    employee_id: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    mode: Mode | None = None,
    kind: ActivityKind | None = None,
) -> int:
    """How many of the employee's activities ``activities_for`` lists with the same filters."""
    query = _filtered(
        sa.select(sa.func.count()).select_from(Activity).where(Activity.employee_id == employee_id),
        date_from=date_from,
        date_to=date_to,
        mode=mode,
        kind=kind,
    )
    return session.scalar(query) or 0


def mode_totals(session: Session, employee_id: int | None = None) -> list[ModeTotal]:
    """Confirmed trips and distance per mode, for one employee or everyone."""
    query = (
        sa.select(Activity.mode, sa.func.count(), sa.func.sum(Activity.distance_km))
        .where(Activity.status.in_(COUNTABLE))
        .group_by(Activity.mode)
        .order_by(Activity.mode)
    )
    if employee_id is not None:
        query = query.where(Activity.employee_id == employee_id)
    return [
        ModeTotal(mode=mode, trips=int(trips), distance_km=km or Decimal("0.000"))
        for mode, trips, km in session.execute(query)
    ]


def department_totals(session: Session, *, min_group_size: int) -> list[DepartmentTotal]:
    """Per-department trips and distance; departments under ``min_group_size`` are suppressed."""
    headcount = dict(
        session.execute(
            sa.select(Employee.department, sa.func.count())
            .where(Employee.erased_at.is_(None))
            .group_by(Employee.department)
        ).all()
    )
    trips = session.execute(
        sa.select(
            Employee.department,
            sa.func.count().filter(Activity.kind == ActivityKind.BUSINESS_TRAVEL),
            sa.func.count().filter(Activity.kind == ActivityKind.COMMUTE),
            sa.func.sum(Activity.distance_km),
        )
        .join(Activity, Activity.employee_id == Employee.id)
        .where(Activity.status.in_(COUNTABLE))
        .group_by(Employee.department)
    ).all()
    by_department = {row[0]: row[1:] for row in trips}
    totals = []
    for department, people in sorted(headcount.items(), key=lambda item: str(item[0])):
        name = department or "(no department)"
        business, commute, km = by_department.get(department, (0, 0, None))
        small = people < min_group_size
        totals.append(
            DepartmentTotal(
                department=name,
                employees=people,
                business_trips=None if small else int(business),
                commute_trips=None if small else int(commute),
                distance_km=None if small else (km or Decimal("0.000")),
                suppressed=small,
            )
        )
    return totals


@dataclass(frozen=True)
class Credited:
    """What the ledger credited for one activity (caps and reversals applied)."""

    points: int
    #: the points cap that cut it ("per_month:all"), and the points before it.
    cap: str | None
    uncapped_points: int | None
    methodology_version: int | None
    reversed: bool


def credited_for(session: Session, activity_id: int) -> Credited | None:
    """The activity's earning in the ledger, None when it earned nothing (yet)."""
    reversal = aliased(LedgerTransaction)
    row = session.execute(
        sa.select(
            LedgerEntry.amount,
            LedgerTransaction.cap,
            LedgerTransaction.uncapped_points,
            MethodologyVersion.version,
            sa.exists().where(reversal.reverses_id == LedgerTransaction.id),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .outerjoin(AssessmentRow, AssessmentRow.id == LedgerTransaction.assessment_id)
        .outerjoin(
            MethodologyVersion, MethodologyVersion.id == AssessmentRow.methodology_version_id
        )
        .where(
            LedgerTransaction.activity_id == activity_id,
            LedgerTransaction.kind == TransactionKind.EARN,
            LedgerEntry.amount > 0,
        )
    ).first()
    if row is None:
        return None
    points, cap, uncapped, version, undone = row
    return Credited(int(points), cap, uncapped, version, bool(undone))


def grade_of(session: Session, employee_id: int) -> str | None:
    """The employee's travel-policy grade (None: not recorded)."""
    return session.scalar(sa.select(Employee.grade).where(Employee.id == employee_id))
