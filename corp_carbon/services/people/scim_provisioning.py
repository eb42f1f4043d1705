"""SCIM 2.0 provisioning use cases: create, read, list, replace, patch and delete employees.

Each write owns its transaction and records an audit event whose actor is the API token.
An employee deleted through SCIM is deactivated (``accounts.apply_active``, the rule HR's
pages follow too) and scheduled for erasure (``[privacy] erase_after_days``, an open request
in HR's queue, ``erasures``); from then on it is no SCIM resource any more (404, left out of
lists and conflict checks, RFC 7644 §3.6), and a later POST with its userName brings the row
back under a new id (withdrawing the queued erasure) rather than failing on the unique
email.

Errors are the ``scim2-models`` exceptions (status + scimType), which the SCIM views answer
with the SCIM error schema.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from scim2_models import (
    InvalidValueException,
    NotFoundException,
    PreconditionFailedException,
    UniquenessException,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from corp_carbon.config import Settings
from corp_carbon.db.models import Employee
from corp_carbon.db.models.people import new_public_id
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bounds import MAX_INT32
from corp_carbon.domain.email_address import lookup_key
from corp_carbon.domain.people import Actor
from corp_carbon.scim.filters import FilterTerm
from corp_carbon.scim.mapping import EmployeeFields, EmployeeRecord, etag
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.imports.pending import replay_pending
from corp_carbon.services.people import erasures
from corp_carbon.services.people.accounts import apply_active

log = logging.getLogger("corp_carbon.scim")

#: the employee fields SCIM writes, as named in the audit log.
_AUDITED = (
    "email",
    "name",
    "name_derived",
    "given_name",
    "family_name",
    "external_id",
    "employee_number",
    "department",
    "cost_centre",
    "organization",
    "manager_public_id",
    "active",
    "grade",
)


@dataclass(frozen=True)
class Page:
    total: int
    start_index: int
    records: list[EmployeeRecord]


def _provisioned() -> sa.ColumnElement[bool]:
    """Employees that are SCIM resources: not deleted through SCIM, not erased."""
    return sa.and_(Employee.erasure_due_at.is_(None), Employee.erased_at.is_(None))


def _record(session: Session, employee: Employee) -> EmployeeRecord:
    manager_public_id = None
    if employee.manager_id is not None:
        manager_public_id = session.scalar(
            sa.select(Employee.public_id).where(Employee.id == employee.manager_id, _provisioned())
        )
    return EmployeeRecord(
        public_id=employee.public_id,
        email=employee.email,
        name=employee.name,
        name_derived=employee.name_derived,
        given_name=employee.given_name,
        family_name=employee.family_name,
        external_id=employee.scim_external_id,
        employee_number=employee.employee_number,
        department=employee.department,
        cost_centre=employee.cost_centre,
        organization=employee.organization,
        manager_public_id=manager_public_id,
        active=employee.active,
        grade=employee.grade,
        created_at=employee.created_at,
        updated_at=employee.updated_at,
    )


def _find(session: Session, public_id: str, *, lock: bool = False) -> Employee:
    query = sa.select(Employee).where(Employee.public_id == public_id, _provisioned())
    if lock:
        query = query.with_for_update()
    employee = session.scalars(query).first()
    if employee is None:
        raise NotFoundException(detail=f"User {public_id} not found")
    return employee


# -- reads ----------------------------------------------------------------------------------------


def get_user(uow: UnitOfWork, public_id: str) -> EmployeeRecord:
    with uow:
        return _record(uow.session, _find(uow.session, public_id))


def list_users(uow: UnitOfWork, term: FilterTerm | None, start_index: int, count: int) -> Page:
    """One page of employees (oldest first), optionally filtered; ``start_index`` is 1-based."""
    start = min(max(start_index, 1), MAX_INT32)  # past any row; an OFFSET the database holds
    query = sa.select(Employee).where(_provisioned())
    if term is not None:
        query = query.where(_matches(term))
    with uow:
        session = uow.session
        total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
        rows: list[Employee] = []
        if count > 0:
            rows = list(session.scalars(query.order_by(Employee.id).offset(start - 1).limit(count)))
        return Page(total=total, start_index=start, records=[_record(session, e) for e in rows])


def _matches(term: FilterTerm) -> sa.ColumnElement[bool]:
    if term.attribute == "userName":  # stored canonical (lower-case): case-insensitive match
        return Employee.email == lookup_key(term.value)
    if term.attribute == "externalId":  # caseExact in RFC 7643
        return Employee.scim_external_id == term.value
    if term.attribute == "id":
        return Employee.public_id == term.value
    return sa.func.lower(Employee.employee_number) == term.value.strip().lower()


# -- writes ---------------------------------------------------------------------------------------


def create_user(
    uow: UnitOfWork, settings: Settings, actor: Actor, fields: EmployeeFields
) -> EmployeeRecord:
    """A new employee (201). The userName or employeeNumber of an existing employee is a
    conflict (409 ``uniqueness``), including one HR or a first SSO login created: the IdP then
    finds it with ``filter=userName eq`` and takes it over with PATCH or PUT."""
    with uow:
        session = uow.session
        begin_write(session)
        existing = session.scalars(
            sa.select(Employee).where(Employee.email == fields.email)
        ).first()
        restored = False
        if existing is not None and existing.erased_at is None and existing.erasure_due_at:
            # deleted through SCIM and waiting for erasure: no conflict (RFC 7644 §3.6); the
            # person is back, so the row is restored under a new id
            employee = existing
            employee.public_id = new_public_id()
            employee.erasure_due_at = None
            employee.roles = []  # back with the employee role only; HR grants the rest again
            erasures.withdraw_scim_deletion(session, employee.id)
            restored = True
        elif existing is not None:
            raise UniquenessException(
                detail=f"userName {fields.email!r} is already taken (filter with "
                f'userName eq "{fields.email}" to find it)'
            )
        else:
            employee = Employee(email=fields.email, name=fields.name)
            session.add(employee)
        _apply(session, employee, fields)
        _flush(session)
        audit.record(
            session,
            actor,
            "employee.scim_restore" if restored else "employee.scim_create",
            target_type="employee",
            target_id=employee.id,
            detail={"scim_id": employee.public_id, "active": employee.active},
        )
        record = _record(session, employee)
        uow.commit()
    _replay(uow, settings)
    return record


def update_user(
    uow: UnitOfWork,
    settings: Settings,
    actor: Actor,
    public_id: str,
    change: Callable[[EmployeeRecord], EmployeeFields],
    *,
    if_match: str | None = None,
) -> EmployeeRecord:
    """PUT or PATCH: ``change`` turns the current record into the new fields (the SCIM
    mapping); the row is locked meanwhile. ``if_match``: the ETag the client last saw."""
    with uow:
        session = uow.session
        begin_write(session)
        employee = _find(session, public_id, lock=True)
        before = _record(session, employee)
        _check_version(before, if_match)
        fields = change(before)
        changed = [name for name in _AUDITED if getattr(before, name) != getattr(fields, name)]
        if not changed:
            return before
        _apply(session, employee, fields)
        _flush(session)
        detail: dict[str, object] = {
            "scim_id": public_id,
            "changed": changed,
            "active": employee.active,
        }
        if "grade" in changed:
            detail["grade"] = {"old": before.grade, "new": fields.grade}
        audit.record(
            session,
            actor,
            "employee.scim_update",
            target_type="employee",
            target_id=employee.id,
            detail=detail,
        )
        record = _record(session, employee)
        uow.commit()
    if {"email", "employee_number"} & set(changed):
        _replay(uow, settings)
    return record


def delete_user(
    uow: UnitOfWork,
    settings: Settings,
    actor: Actor,
    public_id: str,
    *,
    if_match: str | None = None,
) -> None:
    """DELETE: deactivate at once and schedule the erasure of personal data
    (``[privacy] erase_after_days``); the employee is then 404 to SCIM. The row and its
    ledger stay, so totals still add up."""
    with uow:
        session = uow.session
        begin_write(session)
        employee = _find(session, public_id, lock=True)
        _check_version(_record(session, employee), if_match)
        now = utcnow()
        apply_active(employee, False, now)
        employee.erasure_due_at = now + timedelta(days=settings.privacy.erase_after_days)
        erasures.queue_scim_deletion(session, actor, employee)
        audit.record(
            session,
            actor,
            "employee.scim_delete",
            target_type="employee",
            target_id=employee.id,
            detail={"scim_id": public_id, "erasure_due_at": employee.erasure_due_at.isoformat()},
        )
        uow.commit()


# -- helpers --------------------------------------------------------------------------------------


def _check_version(record: EmployeeRecord, if_match: str | None) -> None:
    if if_match is None:
        return
    wanted = {tag.strip() for tag in if_match.split(",")}
    if "*" in wanted:
        return
    current = etag(record)
    # weak comparison (RFC 9110 §8.8.3.2): W/"x" and "x" name the same version
    if current.removeprefix("W/") not in {tag.removeprefix("W/") for tag in wanted}:
        raise PreconditionFailedException(
            detail=f"the User changed since version {if_match} (now {current}); GET it again"
        )


def _apply(session: Session, employee: Employee, fields: EmployeeFields) -> None:
    """Writes ``fields`` to ``employee`` after the checks a database constraint would make
    less clearly (uniqueness, an unknown manager)."""
    if fields.email != employee.email:
        clash = session.scalar(
            sa.select(Employee.id).where(Employee.email == fields.email, Employee.id != employee.id)
        )
        if clash is not None:
            raise UniquenessException(detail=f"userName {fields.email!r} is already taken")
    if fields.employee_number and fields.employee_number != employee.employee_number:
        clash = session.scalar(
            sa.select(Employee.id).where(
                Employee.employee_number == fields.employee_number,
                Employee.id != employee.id if employee.id is not None else sa.true(),
            )
        )
        if clash is not None:
            raise UniquenessException(
                detail=f"employeeNumber {fields.employee_number!r} belongs to another employee"
            )
    manager_id = None
    if fields.manager_public_id is not None:
        manager = aliased(Employee)
        manager_id = session.scalar(
            sa.select(manager.id).where(
                manager.public_id == fields.manager_public_id,
                manager.erasure_due_at.is_(None),
                manager.erased_at.is_(None),
            )
        )
        if manager_id is None:
            raise InvalidValueException(
                detail=f"manager: no User with id {fields.manager_public_id!r}"
            )
        if employee.id is not None and manager_id == employee.id:
            raise InvalidValueException(detail="manager: a User cannot be their own manager")
    employee.email = fields.email
    employee.name = fields.name
    employee.name_derived = fields.name_derived
    employee.given_name = fields.given_name
    employee.family_name = fields.family_name
    employee.scim_external_id = fields.external_id
    employee.employee_number = fields.employee_number
    employee.department = fields.department
    employee.cost_centre = fields.cost_centre
    employee.organization = fields.organization
    employee.manager_id = manager_id
    employee.grade = fields.grade
    apply_active(employee, fields.active, utcnow())


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent request won the race
        raise UniquenessException(detail="userName or employeeNumber is already taken") from exc


def _replay(uow: UnitOfWork, settings: Settings) -> None:
    """Bookings that waited for this employee (by email or number) are imported now."""
    replayed = replay_pending(uow, settings)
    if replayed:
        log.info("SCIM change resolved %d waiting bookings", replayed)
