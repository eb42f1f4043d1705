"""Erasure requests: HR records one, a SCIM delete queues one, and HR's queue lists them.

The erasure itself (``services/people/erase``) runs when HR confirms a request or once it
is due; until then a request is "waiting" with the date it is due. Recording a request
changes nothing else: the account stays on or off as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from corp_carbon.config import Settings
from corp_carbon.db.models import Employee, ErasureRequest
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.db.types import utcnow
from corp_carbon.domain.erasure import ErasureChannel, ErasureOutcome, checked_reason, due_date
from corp_carbon.domain.errors import Conflict, NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.services.audit import entries as audit

#: what a SCIM delete records as its reason (pages show the channel in words of their own).
SCIM_REASON = "Deleted by the identity provider (SCIM)"


@dataclass(frozen=True)
class ErasureView:
    """An open erasure request, as HR's queue and the profile show it."""

    id: int
    employee_id: int
    employee_name: str
    employee_number: str | None
    department: str | None
    channel: ErasureChannel
    reason: str
    #: who asked: their name when they are an employee here, else the audit log's label.
    requested_by: str
    requested_at: datetime
    due_at: datetime
    #: HR confirmed it ("Confirm and erase now") but the erasure has not run yet.
    confirmed_at: datetime | None = None


@dataclass(frozen=True)
class ErasedView:
    """A request that was carried out, as the queue's "Recently erased" list shows it: the
    erased row's name (its report key) and who erased it, never the person's name."""

    request_id: int
    employee_id: int
    erased_name: str
    channel: ErasureChannel
    requested_at: datetime
    erased_at: datetime
    #: who confirmed it; None: it was erased when due (or by an operator's command).
    confirmed_by: str | None


def _open_requests() -> sa.Select[ErasureRequest, Employee, str]:
    asker = aliased(Employee)
    return (
        sa.select(ErasureRequest, Employee, asker.name)
        .join(Employee, Employee.id == ErasureRequest.employee_id)
        .outerjoin(asker, asker.id == ErasureRequest.requested_by_id)
        .where(ErasureRequest.closed_at.is_(None))
    )


def _view(request: ErasureRequest, employee: Employee, asker_name: str | None) -> ErasureView:
    return ErasureView(
        id=request.id,
        employee_id=employee.id,
        employee_name=employee.name,
        employee_number=employee.employee_number,
        department=employee.department,
        channel=request.channel,
        reason=request.reason,
        requested_by=asker_name or request.requested_by_label,
        requested_at=request.requested_at,
        due_at=request.due_at,
        confirmed_at=request.confirmed_at,
    )


def open_request(session: Session, employee_id: int) -> ErasureView | None:
    """The employee's waiting erasure request, if any."""
    row = session.execute(_open_requests().where(ErasureRequest.employee_id == employee_id)).first()
    return _view(row[0], row[1], row[2]) if row is not None else None


def erasure_queue(uow: UnitOfWork, actor: Actor) -> list[ErasureView]:
    """Every waiting request, the one due first at the top. It names people and why their
    data goes, so the look is on the record."""
    with uow:
        session = uow.session
        rows = session.execute(
            _open_requests().order_by(ErasureRequest.due_at, ErasureRequest.id)
        ).all()
        queue = [_view(request, employee, asker) for request, employee, asker in rows]
        audit.record(session, actor, "erasures.view_queue", detail={"open": len(queue)})
        uow.commit()
    return queue


def recently_erased(session: Session, *, limit: int = 10) -> list[ErasedView]:
    """The latest erasures carried out, newest first."""
    rows = session.execute(
        sa.select(ErasureRequest, Employee.name)
        .join(Employee, Employee.id == ErasureRequest.employee_id)
        .where(ErasureRequest.outcome == ErasureOutcome.ERASED)
        .order_by(ErasureRequest.closed_at.desc(), ErasureRequest.id.desc())
        .limit(limit)
    ).all()
    return [
        ErasedView(
            request_id=request.id,
            employee_id=request.employee_id,
            erased_name=name,
            channel=request.channel,
            requested_at=request.requested_at,
            erased_at=request.closed_at,
            confirmed_by=request.confirmed_by_label,
        )
        for request, name in rows
        if request.closed_at is not None
    ]


def request_erasure(
    uow: UnitOfWork,
    settings: Settings,
    actor: Actor,
    employee_id: int,
    *,
    reason: str,
    channel: ErasureChannel = ErasureChannel.HR,
) -> ErasureView:
    """Records a request to erase ``employee_id``'s personal data (HR's, or with
    ``channel=EMPLOYEE`` the person's own), due ``[privacy] erase_after_days`` from now;
    409 when one is already waiting."""
    clean_reason = checked_reason(reason)
    with uow:
        session = uow.session
        begin_write(session)
        employee = session.scalar(
            sa.select(Employee).where(Employee.id == employee_id).with_for_update()
        )
        if employee is None or employee.erased_at is not None:
            raise NotFound(f"employee {employee_id} does not exist")
        waiting = open_request(session, employee.id)
        if waiting is not None:
            raise Conflict(
                f"An erasure request for {employee.name} is already waiting: asked by "
                f"{waiting.requested_by} on {waiting.requested_at:%Y-%m-%d}, due on "
                f"{waiting.due_at:%Y-%m-%d}."
            )
        now = utcnow()
        request = ErasureRequest(
            employee_id=employee.id,
            channel=channel,
            reason=clean_reason,
            requested_by_id=actor.employee_id,
            requested_by_label=actor.label,
            requested_at=now,
            due_at=due_date(now, settings.privacy.erase_after_days),
        )
        session.add(request)
        try:
            session.flush()
        except IntegrityError as exc:  # a concurrent request won the race
            raise Conflict(f"An erasure request for {employee.name} is already waiting.") from exc
        audit.record(
            session,
            actor,
            "employee.erasure_request",
            target_type="employee",
            target_id=employee.id,
            detail={
                "request_id": request.id,
                "due_at": request.due_at.isoformat(),
                "channel": channel.value,
            },
        )
        found = open_request(session, employee.id)
        assert found is not None
        uow.commit()
    return found


def queue_scim_deletion(session: Session, actor: Actor, employee: Employee) -> None:
    """A SCIM delete's place in the queue (unless a request is waiting already), due when
    the employee's ``erasure_due_at`` says; in the caller's transaction."""
    assert employee.erasure_due_at is not None
    if open_request(session, employee.id) is not None:
        return
    session.add(
        ErasureRequest(
            employee_id=employee.id,
            channel=ErasureChannel.SCIM,
            reason=SCIM_REASON,
            requested_by_id=actor.employee_id,
            requested_by_label=actor.label,
            due_at=employee.erasure_due_at,
        )
    )
    session.flush()


def withdraw_scim_deletion(session: Session, employee_id: int) -> None:
    """The identity provider created the person again: its deletion's request is withdrawn
    (a request HR recorded stays)."""
    session.execute(
        sa.update(ErasureRequest)
        .where(
            ErasureRequest.employee_id == employee_id,
            ErasureRequest.channel == ErasureChannel.SCIM,
            ErasureRequest.closed_at.is_(None),
        )
        .values(closed_at=utcnow(), outcome=ErasureOutcome.WITHDRAWN)
    )
