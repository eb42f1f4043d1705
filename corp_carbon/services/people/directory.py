"""HR's employee directory: one search over name, email, employee number and department.

A directory line is what the company's phone book shows (name, email, number, department,
office, whether the account is on); opening a profile is the look at a person's records,
and that is audited (``profiles.look_at_employee``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import Employee, ErasureRequest
from corp_carbon.db.text_search import contains_text, lower_text
from corp_carbon.domain.directory import DirectoryQuery, StatusFilter


@dataclass(frozen=True)
class DirectoryEntry:
    id: int
    name: str
    email: str
    employee_number: str | None
    department: str | None
    office: str | None
    active: bool
    #: an erasure request is waiting for this person (HR's or the identity provider's).
    erasure_requested: bool


@dataclass(frozen=True)
class DirectoryPage:
    entries: list[DirectoryEntry]
    #: employees matching the query, on every page.
    total: int


def search_employees(
    session: Session, query: DirectoryQuery, *, limit: int, offset: int
) -> DirectoryPage:
    """The employees matching ``query``, by name (case-insensitive), ``limit`` from ``offset``;
    erased people are no longer in the directory."""
    condition = _matching(query)
    total = session.scalar(sa.select(sa.func.count(Employee.id)).where(condition)) or 0
    waiting = (
        sa.select(ErasureRequest.id)
        .where(ErasureRequest.employee_id == Employee.id, ErasureRequest.closed_at.is_(None))
        .exists()
    )
    rows = session.execute(
        sa.select(Employee, waiting)
        .where(condition)
        .order_by(lower_text(Employee.name), Employee.id)
        .limit(limit)
        .offset(offset)
    ).all()
    entries = [
        DirectoryEntry(
            id=employee.id,
            name=employee.name,
            email=employee.email,
            employee_number=employee.employee_number,
            department=employee.department,
            office=employee.office,
            active=employee.active,
            erasure_requested=bool(requested),
        )
        for employee, requested in rows
    ]
    return DirectoryPage(entries=entries, total=total)


def _matching(query: DirectoryQuery) -> sa.ColumnElement[bool]:
    conditions: list[sa.ColumnElement[bool]] = [Employee.erased_at.is_(None)]
    if query.status is StatusFilter.ACTIVE:
        conditions.append(Employee.active.is_(True))
    elif query.status is StatusFilter.DEACTIVATED:
        conditions.append(Employee.active.is_(False))
    if query.department:
        conditions.append(Employee.department == query.department)
    if query.text:
        conditions.append(
            sa.or_(
                contains_text(Employee.name, query.text),
                contains_text(Employee.email, query.text),
                contains_text(Employee.employee_number, query.text),
                contains_text(Employee.department, query.text),
            )
        )
    return sa.and_(*conditions)


def departments(session: Session) -> list[str]:
    """Every department someone in the directory belongs to, for the filter, by name."""
    names = session.scalars(
        sa.select(Employee.department)
        .where(Employee.department.is_not(None), Employee.erased_at.is_(None))
        .distinct()
    )
    return sorted((name for name in names if name), key=str.lower)
