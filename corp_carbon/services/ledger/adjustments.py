"""A manual correction by HR: one use case, one transaction, on the record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from corp_carbon.db.models import Employee
from corp_carbon.db.queries import employee_by_reference
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.bounds import MAX_INT32, MAX_STORED_KEY
from corp_carbon.domain.errors import DomainError, OwnAccount
from corp_carbon.domain.ledger import InsufficientBalance, Leg, employee_code, system_code
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import AccountKind, TransactionKind
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.ledger.postings import (
    Posted,
    balance_of_account,
    employee_account,
    lock_account,
    lock_code,
    post,
    system_account,
)


def checked(points: int, reason: str, request_key: str) -> tuple[str, str]:
    """The reason as stored and the ledger's idempotency key; DomainError names the field."""
    if not reason.strip():
        raise DomainError("reason: an adjustment needs a reason")
    if points == 0:
        raise DomainError("points: must not be 0")
    if abs(points) > MAX_INT32:  # a correction by hand; also keeps sums far inside bigint
        raise DomainError(f"points: at most {MAX_INT32:,} either way")
    key = f"adjust:{request_key}"
    if len(key) > MAX_STORED_KEY:
        raise DomainError(f"request key: at most {MAX_STORED_KEY - len('adjust:')} characters")
    return reason.strip(), key


def refuse_own_account(actor: Actor, target: Employee) -> None:
    if actor.employee_id == target.id:
        raise OwnAccount("employee: nobody adjusts their own balance; ask another HR administrator")


def adjust(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee: str,
    points: int,
    reason: str,
    request_key: str,
) -> Posted:
    """Posts a manual correction at once: mandatory reason, audit-logged, never below zero.

    People (the API, the CLI) go through ``adjustment_requests.request_adjustment``, which
    holds a large one for a second person; this is the posting itself, and what set-up code
    and tests call."""
    clean, key = checked(points, reason, request_key)
    with uow:
        session = uow.session
        lock_code(session, system_code(AccountKind.ADJUSTMENT))  # a write first (SQLite)
        target = employee_by_reference(session, employee)
        refuse_own_account(actor, target)
        posted = post_adjustment(session, actor, target, points, clean, key)
        uow.commit()
    return posted


def post_adjustment(
    session: Session,
    actor: Actor,
    target: Employee,
    points: int,
    reason: str,
    key: str,
    detail: dict[str, object] | None = None,
) -> Posted:
    """Posts in the caller's transaction (which has taken a write lock); ``detail`` adds to
    the audit entry (a second person's approval names the request)."""
    account_id = employee_account(session, target.id)
    system_account(session, AccountKind.ADJUSTMENT)
    lock_account(session, account_id)
    if points < 0 and balance_of_account(session, account_id) + points < 0:
        raise InsufficientBalance(
            f"{target.email} has {balance_of_account(session, account_id):,} points; "
            f"cannot take {-points:,}"
        )
    posted = post(
        session,
        kind=TransactionKind.ADJUST,
        idempotency_key=key,
        request={"employee": target.id, "points": points, "reason": reason},
        legs=[
            Leg(system_code(AccountKind.ADJUSTMENT), -points),
            Leg(employee_code(target.id), points),
        ],
        reason_code="manual_adjustment",
        memo=reason,
        actor=actor,
    )
    if posted.created:
        audit.record(
            session,
            actor,
            "ledger.adjust",
            target_type="employee",
            target_id=target.id,
            detail={
                "points": points,
                "reason": reason,
                "transaction": posted.transaction_id,
                **(detail or {}),
            },
        )
    return posted
