"""Four eyes on large adjustments: one HR administrator asks, another approves or rejects.

An outside probe had an HR token credit its own account 300,000 points. Nobody adjusts their
own balance (``adjustments.refuse_own_account``), and an adjustment of more than
``[ledger] second_person_above`` points, credit or debit, is recorded as a request instead of
being posted. A second person, neither the one who asked nor the employee it credits,
approves it (which posts it, in the same transaction) or rejects it (which posts nothing).
Each step is audit-logged; the request stays as the record of who asked and who decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from corp_carbon.config import Settings
from corp_carbon.db.models import AdjustmentRequest, Employee
from corp_carbon.db.queries import employee_by_reference
from corp_carbon.db.session import UnitOfWork, begin_write, lock_row
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import Conflict, DomainError, NotFound, SecondPersonNeeded
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import AdjustmentStatus
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger.postings import Posted

MAX_NOTE = 500


@dataclass(frozen=True)
class AdjustmentView:
    id: int
    employee: str  # the email of the employee it credits or debits
    points: int
    reason: str
    status: AdjustmentStatus
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    transaction_id: int | None


@dataclass(frozen=True)
class Outcome:
    """Posted at once (``posted``), or waiting for a second person (``waiting``);
    ``created`` is false when the same request key was seen before."""

    posted: Posted | None
    waiting: AdjustmentView | None
    created: bool


def needs_second_person(settings: Settings, points: int) -> bool:
    return abs(points) > settings.ledger.second_person_above


def request_adjustment(
    uow: UnitOfWork,
    settings: Settings,
    actor: Actor,
    *,
    employee: str,
    points: int,
    reason: str,
    request_key: str,
) -> Outcome:
    """Posts a small adjustment at once; records a large one for a second person."""
    if not needs_second_person(settings, points):
        posted = adjustments.adjust(
            uow, actor, employee=employee, points=points, reason=reason, request_key=request_key
        )
        return Outcome(posted, None, posted.created)
    clean, key = adjustments.checked(points, reason, request_key)
    with uow:
        session = uow.session
        begin_write(session)
        target = employee_by_reference(session, employee)
        adjustments.refuse_own_account(actor, target)
        earlier = session.scalar(
            sa.select(AdjustmentRequest).where(AdjustmentRequest.request_key == key)
        )
        if earlier is not None:
            if (earlier.employee_id, earlier.points, earlier.reason) != (target.id, points, clean):
                raise Conflict("request key: already used for another adjustment")
            return Outcome(None, _view(session, earlier.id), False)
        waiting = AdjustmentRequest(
            employee_id=target.id,
            points=points,
            reason=clean,
            request_key=key,
            requested_by_id=actor.employee_id,
            requested_by_label=actor.label,
            decision_note="",
        )
        session.add(waiting)
        try:
            session.flush()
        except IntegrityError as exc:  # the same key, sent twice at once
            raise Conflict("request key: this adjustment is being recorded already") from exc
        detail = {"points": points, "reason": clean, "request": waiting.id}
        audit.record(
            session, actor, "ledger.adjust_requested", target_type="employee",
            target_id=target.id, detail=detail,
        )  # fmt: skip
        view = _view(session, waiting.id)
        uow.commit()
    return Outcome(None, view, True)


def decide(
    uow: UnitOfWork, actor: Actor, request_id: int, *, approve: bool, note: str = ""
) -> AdjustmentView:
    """Approves (posting it) or rejects a waiting adjustment, as a second person."""
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise DomainError(f"note: at most {MAX_NOTE} characters")
    if not approve and not note:
        raise DomainError("note: say why the adjustment is rejected")
    with uow:
        session = uow.session
        waiting = lock_row(session, AdjustmentRequest, request_id)
        if waiting is None:
            raise NotFound(f"no adjustment request {request_id}")
        if waiting.status is not AdjustmentStatus.AWAITING:
            raise Conflict(f"adjustment request {request_id} was {waiting.status.value} already")
        if _same_person(actor, waiting):
            raise SecondPersonNeeded(
                "a second person decides an adjustment: not the one who asked for it"
            )
        target = session.get(Employee, waiting.employee_id)
        assert target is not None
        adjustments.refuse_own_account(actor, target)
        if approve:
            posted = adjustments.post_adjustment(
                session, actor, target, waiting.points, waiting.reason, waiting.request_key,
                detail={"request": waiting.id, "requested_by": waiting.requested_by_label},
            )  # fmt: skip
            waiting.transaction_id = posted.transaction_id
        else:
            detail = {"points": waiting.points, "request": waiting.id, "note": note}
            audit.record(
                session, actor, "ledger.adjust_rejected", target_type="employee",
                target_id=target.id, detail=detail,
            )  # fmt: skip
        waiting.status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED
        waiting.decided_by_id, waiting.decided_by_label = actor.employee_id, actor.label
        waiting.decided_at, waiting.decision_note = utcnow(), note
        session.flush()
        view = _view(session, waiting.id)
        uow.commit()
    return view


def waiting_requests(uow: UnitOfWork, actor: Actor) -> list[AdjustmentView]:
    """The adjustments waiting for a second person, oldest first. They name people and their
    points, so the look is on the record."""
    with uow:
        ids = uow.session.scalars(
            sa.select(AdjustmentRequest.id)
            .where(AdjustmentRequest.status == AdjustmentStatus.AWAITING)
            .order_by(AdjustmentRequest.requested_at, AdjustmentRequest.id)
        ).all()
        views = [_view(uow.session, request_id) for request_id in ids]
        detail = {"waiting": len(views)}
        audit.record(uow.session, actor, "ledger.view_adjustment_requests", detail=detail)
        uow.commit()
    return views


def one_request(uow: UnitOfWork, actor: Actor, request_id: int) -> AdjustmentView:
    """One request, waiting or decided (a look at one person's points, on the record)."""
    with uow:
        if uow.session.get(AdjustmentRequest, request_id) is None:
            raise NotFound(f"no adjustment request {request_id}")
        view = _view(uow.session, request_id)
        audit.record(uow.session, actor, "ledger.view_adjustment_requests",
                     target_type="adjustment_request", target_id=request_id)  # fmt: skip
        uow.commit()
    return view


def _same_person(actor: Actor, waiting: AdjustmentRequest) -> bool:
    if actor.employee_id is not None and waiting.requested_by_id is not None:
        return actor.employee_id == waiting.requested_by_id
    return actor.label == waiting.requested_by_label


def _view(session: Session, request_id: int) -> AdjustmentView:
    target = aliased(Employee)
    row = session.execute(
        sa.select(AdjustmentRequest, target.email)
        .join(target, target.id == AdjustmentRequest.employee_id)
        .where(AdjustmentRequest.id == request_id)
    ).one()
    found: AdjustmentRequest = row[0]
    return AdjustmentView(
        id=found.id,
        employee=row[1],
        points=found.points,
        reason=found.reason,
        status=found.status,
        requested_by=found.requested_by_label,
        requested_at=found.requested_at,
        decided_by=found.decided_by_label,
        decided_at=found.decided_at,
        decision_note=found.decision_note,
        transaction_id=found.transaction_id,
    )
