"""Signing out of a browser session, whichever way it was started (SSO or development login).

The session itself is the web layer's signed cookie, which a copy could replay after sign-out;
so signing out raises the employee's session version, and a cookie carrying an older version
no longer counts (on every device: "sign out" signs out everywhere). The audit record stays.
"""

from __future__ import annotations

import sqlalchemy as sa

from corp_carbon.db.models import Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import Actor
from corp_carbon.services.audit import entries as audit


def sign_out(uow: UnitOfWork, actor: Actor, employee_id: int, method: str | None) -> None:
    """Revokes the employee's sessions and records ``auth.logout``, naming how the session was
    started."""
    with uow:
        revoke_sessions(uow.session, employee_id)
        audit.record(
            uow.session,
            actor,
            "auth.logout",
            target_type="employee",
            target_id=employee_id,
            detail={"method": method},
        )
        uow.commit()


def revoke_sessions(session: sa.orm.Session, employee_id: int) -> None:
    """Every browser session of ``employee_id`` stops counting (flushes, never commits)."""
    session.execute(
        sa.update(Employee)
        .where(Employee.id == employee_id)
        .values(session_version=Employee.session_version + 1)
    )
