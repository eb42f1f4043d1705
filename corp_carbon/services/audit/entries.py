"""Writing to the append-only audit log, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from corp_carbon.db.models import AuditEvent
from corp_carbon.domain.people import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    target_type: str | None = None,
    target_id: object = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Adds an audit event; it commits or rolls back with the action it describes."""
    session.add(
        AuditEvent(
            actor_id=actor.employee_id,
            actor_label=actor.label,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            ip=actor.ip,
            detail=detail or {},
        )
    )
