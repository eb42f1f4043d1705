"""Erasing a person's personal data: HR confirms a request, a due request is erased by the
scheduler, or an operator erases from the command line.

``erase_employee`` does it in one transaction (``erase_steps``, the employee row last): the
person's name, email, numbers, SSO link, tokens, roles, evidence photos, notes, waiting
import records and what named them in the audit log and the ledger's memos are removed or
replaced by their report key; their trips, assessments and points stay under that key, so
every report adds up as before. Photo files go after the commit (a file that cannot be
removed then is removed by the retention job, which sweeps files no row names). Erasing an
erased person does nothing. The erasure's own audit entry says who, when and which request,
and names no one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import CommuteEvidence, Employee, ErasureRequest
from corp_carbon.db.session import UnitOfWork, begin_write
from corp_carbon.db.types import utcnow
from corp_carbon.domain.email_address import lookup_key, quoted
from corp_carbon.domain.erasure import ErasureChannel, ErasureOutcome
from corp_carbon.domain.errors import Conflict, DomainError, NotFound
from corp_carbon.domain.people import SYSTEM, Actor
from corp_carbon.domain.redaction import Identifiers
from corp_carbon.domain.reporting import pseudonym
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.commutes.evidence import remove_photos
from corp_carbon.services.people.erase_steps import STEPS, Erasing

log = logging.getLogger("corp_carbon.erasure")

#: why an erasure happened: HR confirmed it, it fell due, or an operator ran the command.
Trigger = Literal["confirmed", "due", "operator"]
#: the reason an operator's erasure records when they give none.
OPERATOR_REASON = "Erased by an operator on the command line"


class ErasureDeferred(DomainError):
    """HR's confirmation is recorded, but the erasure could not be done at once."""

    http_status = 503
    code = "erasure_deferred"


@dataclass(frozen=True)
class Erased:
    employee_id: int
    request_id: int | None
    #: the name the erased row now carries ("Erased employee <report key>").
    name: str
    erased_at: datetime
    #: the person was erased already: nothing was done this time.
    already: bool = False
    #: rows each step changed or removed (trips kept, tokens, photos, ...).
    counts: dict[str, int] = field(default_factory=dict)
    #: photo files that could not be removed now (the retention job removes them later).
    photos_left: int = 0


def _identifiers(settings: Settings, employee: Employee) -> Identifiers:
    return Identifiers(
        key=pseudonym(settings.pseudonym_secret, employee.public_id),
        name=employee.name,
        email=employee.email,
        employee_number=employee.employee_number,
        sso_subject=employee.sso_subject,
        scim_external_id=employee.scim_external_id,
        given_name=employee.given_name,
        family_name=employee.family_name,
    )


def _open_request(session: sa.orm.Session, employee_id: int) -> ErasureRequest | None:
    return session.scalar(
        sa.select(ErasureRequest)
        .where(ErasureRequest.employee_id == employee_id, ErasureRequest.closed_at.is_(None))
        .with_for_update()
    )


def erase_employee(
    uow: UnitOfWork,
    settings: Settings,
    actor: Actor,
    employee_id: int,
    *,
    trigger: Trigger,
    request_id: int | None = None,
    reason: str | None = None,
) -> Erased:
    """Erases ``employee_id``'s personal data under their waiting request (``request_id``,
    when given, must be it). An operator's erasure records a request of its own when none is
    waiting. 404: no such employee; 409: no request waiting, another one than expected, or
    the actor's own data."""
    with uow:
        session = uow.session
        begin_write(session)
        employee = session.scalar(
            sa.select(Employee).where(Employee.id == employee_id).with_for_update()
        )
        if employee is None:
            raise NotFound(f"employee {employee_id} does not exist")
        if employee.erased_at is not None:
            return Erased(employee.id, None, employee.name, employee.erased_at, already=True)
        if actor.employee_id == employee.id:
            raise Conflict(
                "Nobody erases their own data here: ask another HR officer or administrator."
            )
        now = utcnow()
        request = _open_request(session, employee.id)
        if request is None and trigger != "operator":
            raise Conflict(f"No erasure request is waiting for {employee.name}: record one first.")
        if request is not None and request_id is not None and request.id != request_id:
            raise Conflict(
                f"The erasure request for {employee.name} changed since the page was opened: "
                "open the queue again."
            )
        if request is None:
            request = ErasureRequest(
                employee_id=employee.id,
                channel=ErasureChannel.OPERATOR,
                reason=" ".join((reason or OPERATOR_REASON).split())[:500],
                requested_by_id=actor.employee_id,
                requested_by_label=actor.label,
                requested_at=now,
                due_at=now,
            )
            session.add(request)
            session.flush()
        erasing = Erasing(session, employee, request, _identifiers(settings, employee), now)
        *steps, last = STEPS
        for step in steps:
            step(erasing)
        request.closed_at = now
        request.outcome = ErasureOutcome.ERASED
        audit.record(
            session,
            actor,
            "employee.erase",
            target_type="employee",
            target_id=employee.id,
            detail={
                "request_id": request.id,
                "channel": request.channel.value,
                "trigger": trigger,
                **erasing.counts,
            },
        )
        last(erasing)
        done = Erased(employee.id, request.id, employee.name, now, counts=dict(erasing.counts))
        uow.commit()
    left = _remove_files(uow, settings, erasing.photos)
    log.info("erased employee %s (request %s, %s)", done.employee_id, done.request_id, trigger)
    return replace(done, photos_left=left)


def _remove_files(uow: UnitOfWork, settings: Settings, names: set[str]) -> int:
    """Deletes the photo files no evidence row names any more; how many could not be."""
    if not names:
        return 0
    with uow:
        used = set(
            uow.session.scalars(
                sa.select(CommuteEvidence.file_name).where(CommuteEvidence.file_name.in_(names))
            )
        )
    return remove_photos(settings.commute_evidence_dir, names - used)


def confirm_and_erase(
    uow: UnitOfWork, settings: Settings, actor: Actor, employee_id: int, request_id: int
) -> Erased:
    """HR's "Confirm and erase now": the confirmation is recorded first (who, when), then
    the erasure runs. Should the erasure fail, the request stays confirmed and the next
    erasure job erases it (503 says so)."""
    with uow:
        session = uow.session
        begin_write(session)
        request = session.scalar(
            sa.select(ErasureRequest).where(ErasureRequest.id == request_id).with_for_update()
        )
        if request is None or request.employee_id != employee_id:
            raise NotFound(f"erasure request {request_id} does not exist")
        if request.closed_at is not None:
            raise Conflict(f"Erasure request {request_id} is closed already ({request.outcome}).")
        if actor.employee_id == employee_id:
            raise Conflict(
                "Nobody erases their own data here: ask another HR officer or administrator."
            )
        if request.confirmed_at is None:
            request.confirmed_at = utcnow()
            request.confirmed_by_id = actor.employee_id
            request.confirmed_by_label = actor.label
            audit.record(
                session,
                actor,
                "employee.erasure_confirm",
                target_type="employee",
                target_id=employee_id,
                detail={"request_id": request_id},
            )
        uow.commit()
    try:
        return erase_employee(
            uow, settings, actor, employee_id, trigger="confirmed", request_id=request_id
        )
    except DomainError:
        raise
    except Exception as exc:
        log.exception("erasure of employee %s (request %s) failed", employee_id, request_id)
        raise ErasureDeferred(
            f"The erasure is confirmed but could not be done now ({type(exc).__name__}); "
            "the erasure job will try again within 15 minutes."
        ) from exc


@dataclass(frozen=True)
class DueRun:
    erased: list[Erased]
    failed: list[int]


def erase_due(uow: UnitOfWork, settings: Settings, *, now: datetime | None = None) -> DueRun:
    """The scheduler's erasures: every waiting request that is due or that HR confirmed, each
    in its own transaction (one that fails is logged, left waiting and tried next time)."""
    moment = now or utcnow()
    with uow:
        waiting = uow.session.execute(
            sa.select(ErasureRequest.id, ErasureRequest.employee_id, ErasureRequest.confirmed_at)
            .where(
                ErasureRequest.closed_at.is_(None),
                sa.or_(ErasureRequest.due_at <= moment, ErasureRequest.confirmed_at.is_not(None)),
            )
            .order_by(ErasureRequest.due_at, ErasureRequest.id)
        ).all()
    erased: list[Erased] = []
    failed: list[int] = []
    for request_id, employee_id, confirmed_at in waiting:
        trigger: Trigger = "confirmed" if confirmed_at is not None else "due"
        try:
            erased.append(
                erase_employee(
                    uow, settings, SYSTEM, employee_id, trigger=trigger, request_id=request_id
                )
            )
        except Exception:
            log.exception("erasure request %s (employee %s) failed", request_id, employee_id)
            failed.append(request_id)
    return DueRun(erased, failed)


def find_by_email(uow: UnitOfWork, email: str) -> tuple[int, str]:
    """The (id, name) of the employee with this email; 404 naming the email."""
    with uow:
        found = uow.session.execute(
            sa.select(Employee.id, Employee.name).where(
                Employee.email == lookup_key(email), Employee.erased_at.is_(None)
            )
        ).first()
    if found is None:
        raise NotFound(
            f"no employee with the email {quoted(email.strip())} (an erased employee is not "
            "found by their old email)"
        )
    return int(found[0]), str(found[1])
