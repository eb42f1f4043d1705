"""Signing out of a browser session, whichever way it was started (SSO or development login).

The session itself is the web layer's cookie; what outlives it is the audit record here.
"""

from __future__ import annotations

from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import Actor
from corp_carbon.services.audit import entries as audit


def sign_out(uow: UnitOfWork, actor: Actor, employee_id: int, method: str | None) -> None:
    """Records ``auth.logout`` for ``employee_id``, naming how the session was started."""
    with uow:
        audit.record(
            uow.session,
            actor,
            "auth.logout",
            target_type="employee",
            target_id=employee_id,
            detail={"method": method},
        )
        uow.commit()
