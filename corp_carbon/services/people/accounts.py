"""Switching an employee's account off and on again, from HR's pages or through SCIM.

Both follow one rule (``apply_active``): deactivating stamps ``deactivated_at`` (once),
reactivating clears it. A deactivated employee cannot sign in (SSO, the development login,
an open session at its next request, API tokens); their points balance stays and imported
trips are still matched to them and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from corp_carbon.db.models import Employee
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.db.types import utcnow
from corp_carbon.domain.directory import status_change_refusal
from corp_carbon.domain.errors import Conflict, NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.services.audit import entries as audit


@dataclass(frozen=True)
class StatusChange:
    employee_id: int
    name: str
    active: bool
    #: False when the account already was so (a second click, or someone else was quicker).
    changed: bool
    deactivated_at: datetime | None


def apply_active(employee: Employee, active: bool, now: datetime) -> bool:
    """Sets the account on or off with its timestamp; True when that changed it."""
    changed = employee.active != active
    if active and not employee.active:
        employee.deactivated_at = None
    elif not active and (employee.active or employee.deactivated_at is None):
        employee.deactivated_at = now
    employee.active = active
    return changed


def set_active(uow: UnitOfWork, actor: Actor, employee_id: int, *, active: bool) -> StatusChange:
    """HR or an administrator switches an account off (``active=False``) or on again; the
    change is audit-logged. Refused (409, saying why) for one's own account and for an
    account the identity provider deleted."""
    with uow:
        session = uow.session
        begin_write(session)
        employee = session.scalar(
            sa.select(Employee).where(Employee.id == employee_id).with_for_update()
        )
        if employee is None or employee.erased_at is not None:
            raise NotFound(f"employee {employee_id} does not exist")
        refusal = status_change_refusal(
            deactivate=not active,
            is_self=actor.employee_id == employee.id,
            scim_erasure_due_at=employee.erasure_due_at,
        )
        if refusal is not None:
            raise Conflict(refusal)
        changed = apply_active(employee, active, utcnow())
        if changed:
            audit.record(
                session,
                actor,
                "employee.reactivate" if active else "employee.deactivate",
                target_type="employee",
                target_id=employee.id,
                detail={"active": active},
            )
        result = StatusChange(
            employee_id=employee.id,
            name=employee.name,
            active=employee.active,
            changed=changed,
            deactivated_at=employee.deactivated_at,
        )
        uow.commit()
    return result
