"""Creating and looking up employees."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from corp_carbon.db.models import Employee, EmployeeRole
from corp_carbon.db.queries import to_profile
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.email_address import canonical_email
from corp_carbon.domain.errors import Conflict, DomainError
from corp_carbon.domain.people import Actor, EmployeeProfile, parse_roles
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.people import grades


def add_employee(
    uow: UnitOfWork,
    actor: Actor,
    *,
    email: str,
    name: str,
    employee_number: str | None = None,
    department: str | None = None,
    office: str | None = None,
    roles: tuple[str, ...] = (),
    grade: str | None = None,
) -> EmployeeProfile:
    """Creates an employee (how an operator makes the first administrator before SSO);
    ``grade``: the travel-policy grade (at most 64 characters)."""
    clean_email = canonical_email(email)
    clean_name = name.strip()
    if not clean_name:
        raise DomainError("name: must not be empty")
    number = (employee_number or "").strip() or None
    clean_grade = grades.clean_grade(grade)
    role_set = parse_roles(list(roles))
    with uow:
        session = uow.session
        clash = session.scalars(
            sa.select(Employee).where(
                sa.or_(
                    Employee.email == clean_email,
                    Employee.employee_number == number if number else sa.false(),
                )
            )
        ).first()
        if clash is not None:
            field = "email" if clash.email == clean_email else "employee number"
            raise Conflict(f"an employee with this {field} already exists (id {clash.id})")
        employee = Employee(
            email=clean_email,
            name=clean_name,
            employee_number=number,
            department=(department or "").strip() or None,
            office=(office or "").strip() or None,
            grade=clean_grade,
        )
        employee.roles = [EmployeeRole(role=r) for r in role_set if r is not Role.EMPLOYEE]
        session.add(employee)
        try:
            session.flush()
        except IntegrityError as exc:  # a concurrent insert won the race
            raise Conflict("an employee with this email or employee number already exists") from exc
        audit.record(
            session,
            actor,
            "employee.create",
            target_type="employee",
            target_id=employee.id,
            detail={"roles": [r.value for r in role_set]},
        )
        profile = to_profile(employee)
        uow.commit()
    return profile
