"""Redemptions: points are held when a reward is requested, and given back on a refund.

A redemption debits the employee's points (a REDEEM transaction, ``redeem:<request key>``) in
the same database transaction that checks the reward's window, the per-person limit, the
stock and the balance, so neither a balance nor a stock can go below zero, however many
requests arrive at once: the employee's ledger account is locked first (a row lock on
PostgreSQL; on SQLite that first write takes the database's write lock), then the reward's
row. A rejected or cancelled redemption is refunded by a REFUND transaction
(``refund:<redemption id>``) that references the hold, and its stock goes back. The statuses
and which change is allowed are in ``corp_carbon.domain.rewards``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.db.models import Redemption, Reward
from corp_carbon.db.session import UnitOfWork, lock_row
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bounds import checked_request_key
from corp_carbon.domain.errors import NotFound, OwnAccount
from corp_carbon.domain.ledger import IdempotencyKeyReused, InsufficientBalance
from corp_carbon.domain.people import Actor
from corp_carbon.domain.rewards import (
    COUNTED,
    LimitReached,
    OutOfStock,
    RewardInactive,
    approved_at_once,
    check_transition,
    hand_over,
    hold_legs,
    limit_text,
    period_start,
    refund_legs,
    rejection_reason,
    unavailable_reason,
)
from corp_carbon.domain.vocabulary import AccountKind, RedemptionStatus, TransactionKind
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.ledger.postings import (
    balance_of_account,
    employee_account,
    lock_account,
    lock_employee_account,
    post,
    system_account,
)
from corp_carbon.services.rewards.views import RedemptionView, Requested, redemption_view

#: the audit action of each status change.
_ACTIONS = {
    RedemptionStatus.APPROVED: "redemption.approve",
    RedemptionStatus.REJECTED: "redemption.reject",
    RedemptionStatus.CANCELLED: "redemption.cancel",
    RedemptionStatus.FULFILLED: "redemption.fulfil",
}


class _KeyTakenMeanwhile(Exception):
    """The hold's idempotency key was committed by a concurrent request during this one."""


def request_redemption(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee_id: int,
    reward_id: int,
    request_key: str,
    auto_approve_below: int = 0,
) -> Requested:
    """Holds the reward's cost and records the redemption, all in one transaction.

    The same ``request_key`` again (also concurrently) returns the first redemption and writes
    nothing. Approved at once when the reward is flagged auto_approve or costs less than
    ``auto_approve_below``; otherwise it waits for HR.
    """
    key = checked_request_key(request_key)
    try:
        with uow:
            result = _request(uow.session, actor, employee_id, reward_id, key, auto_approve_below)
            if result.created:
                uow.commit()
            return result  # a repeat wrote nothing: leaving the block rolls the lock back
    except (IntegrityError, _KeyTakenMeanwhile):
        # a concurrent request with the same key committed first; answer with its redemption
        with uow:
            existing = _by_request_key(uow.session, key)
            if existing is None:
                raise
            return Requested(_same_request(uow.session, existing, employee_id, reward_id), False)


def approve(uow: UnitOfWork, actor: Actor, redemption_id: int) -> RedemptionView:
    """HR approves a requested redemption (the points are already held)."""

    def decide(session: Session, redemption: Redemption) -> dict[str, Any]:
        _decided(redemption, actor)
        return {}

    return _change(uow, actor, redemption_id, RedemptionStatus.APPROVED, decide)


def reject(uow: UnitOfWork, actor: Actor, redemption_id: int, *, reason: str) -> RedemptionView:
    """HR rejects a requested or approved redemption: the points come back, and the stock."""
    text = rejection_reason(reason)

    def decide(session: Session, redemption: Redemption) -> dict[str, Any]:
        refund = _refund(session, actor, redemption, "redemption_rejected", text)
        redemption.note = text
        _decided(redemption, actor)
        return {"reason": text, "refund_transaction": refund}

    return _change(uow, actor, redemption_id, RedemptionStatus.REJECTED, decide)


def cancel(
    uow: UnitOfWork, actor: Actor, redemption_id: int, *, employee_id: int
) -> RedemptionView:
    """The employee withdraws their own redemption while it awaits approval; refunded."""

    def withdraw(session: Session, redemption: Redemption) -> dict[str, Any]:
        refund = _refund(session, actor, redemption, "redemption_cancelled", "cancelled")
        _decided(redemption, actor)
        return {"refund_transaction": refund}

    return _change(
        uow, actor, redemption_id, RedemptionStatus.CANCELLED, withdraw, owner_id=employee_id
    )


def fulfil(
    uow: UnitOfWork,
    actor: Actor,
    redemption_id: int,
    *,
    voucher_code: str | None = None,
    note: str | None = None,
) -> RedemptionView:
    """HR hands over an approved reward, with the voucher code or a note on how."""
    code, text = hand_over(voucher_code, note)

    def hand(session: Session, redemption: Redemption) -> dict[str, Any]:
        redemption.voucher_code = code
        redemption.note = text
        redemption.fulfilled_at = utcnow()
        if redemption.decided_by_id is None:  # auto-approved: HR's hand-over is the decision
            redemption.decided_by_id = actor.employee_id
        return {"voucher_code": code is not None, "note": text}

    return _change(uow, actor, redemption_id, RedemptionStatus.FULFILLED, hand)


# --- the steps: _change owns the transaction, the others only flush ------------------------


def _change(
    uow: UnitOfWork,
    actor: Actor,
    redemption_id: int,
    target: RedemptionStatus,
    apply: Callable[[Session, Redemption], dict[str, Any]],
    *,
    owner_id: int | None = None,
) -> RedemptionView:
    """One status change as a use case: lock, check it is allowed, ``apply`` it, audit, commit.

    ``apply`` writes what the change means and returns the audit detail; ``owner_id``: only
    this employee's redemption may change (someone else's is 404).
    """
    with uow:
        session = uow.session
        redemption = _locked_redemption(session, redemption_id)
        if owner_id is not None and redemption.employee_id != owner_id:
            raise NotFound(f"redemption {redemption_id} does not exist")
        if owner_id is None and actor.employee_id == redemption.employee_id:
            raise OwnAccount(
                f"redemption {redemption_id} is your own: another HR administrator decides it"
            )
        check_transition(redemption.id, redemption.status, target)
        detail = apply(session, redemption)
        redemption.status = target
        session.flush()
        audit.record(
            session,
            actor,
            _ACTIONS[target],
            target_type="redemption",
            target_id=redemption.id,
            detail={"status": redemption.status.value, **detail},
        )
        name = session.scalar(sa.select(Reward.name).where(Reward.id == redemption.reward_id))
        view = redemption_view(redemption, name or "")
        uow.commit()
    return view


def _decided(redemption: Redemption, actor: Actor) -> None:
    redemption.decided_by_id = actor.employee_id
    redemption.decided_at = utcnow()


def _request(
    session: Session,
    actor: Actor,
    employee_id: int,
    reward_id: int,
    key: str,
    auto_approve_below: int,
) -> Requested:
    account_id = lock_employee_account(session, employee_id)  # the first statement: a write
    existing = _by_request_key(session, key)
    if existing is not None:
        return Requested(_same_request(session, existing, employee_id, reward_id), False)
    reward = session.scalar(sa.select(Reward).where(Reward.id == reward_id).with_for_update())
    if reward is None:
        raise NotFound(f"reward {reward_id} does not exist")
    now = utcnow()
    why_not = unavailable_reason(
        reward.name,
        active=reward.active,
        active_from=reward.active_from,
        active_until=reward.active_until,
        now=now,
    )
    if why_not is not None:
        raise RewardInactive(why_not)
    _check_limit(session, reward, employee_id, now)
    if reward.stock is not None and reward.stock <= 0:
        raise OutOfStock(f"{reward.name!r} is out of stock")
    balance = 0 if account_id is None else balance_of_account(session, account_id)
    if balance < reward.cost_points:
        raise InsufficientBalance(
            f"{reward.name!r} costs {reward.cost_points:,} points; "
            f"your balance is {balance:,} points"
        )
    system_account(session, AccountKind.REDEMPTION)
    hold = post(
        session,
        kind=TransactionKind.REDEEM,
        idempotency_key=f"redeem:{key}",
        request={"employee": employee_id, "reward": reward.id, "points": reward.cost_points},
        legs=hold_legs(employee_id, reward.cost_points),
        reason_code="reward_redeemed",
        memo=reward.name[:500],
        actor=actor,
    )
    if not hold.created:
        raise _KeyTakenMeanwhile(key)
    if reward.stock is not None:
        reward.stock -= 1
    approved = approved_at_once(
        auto_approve=reward.auto_approve,
        cost_points=reward.cost_points,
        auto_approve_below=auto_approve_below,
    )
    redemption = Redemption(
        employee_id=employee_id,
        reward_id=reward.id,
        status=RedemptionStatus.APPROVED if approved else RedemptionStatus.REQUESTED,
        request_key=key,
        cost_points=reward.cost_points,
        hold_transaction_id=hold.transaction_id,
        requested_at=now,
        decided_at=now if approved else None,
    )
    session.add(redemption)
    session.flush()
    audit.record(
        session,
        actor,
        "redemption.request",
        target_type="redemption",
        target_id=redemption.id,
        detail={
            "reward": reward.id,
            "points": reward.cost_points,
            "status": redemption.status.value,
            "hold_transaction": hold.transaction_id,
        },
    )
    return Requested(redemption_view(redemption, reward.name), True)


def _check_limit(session: Session, reward: Reward, employee_id: int, now: datetime) -> None:
    if reward.per_person_limit is None:
        return
    query = sa.select(sa.func.count(Redemption.id)).where(
        Redemption.employee_id == employee_id,
        Redemption.reward_id == reward.id,
        Redemption.status.in_(COUNTED),
    )
    start = period_start(reward.limit_period, now)
    if start is not None:
        query = query.where(Redemption.requested_at >= start)
    used = int(session.scalar(query) or 0)
    if used >= reward.per_person_limit:
        raise LimitReached(
            f"{reward.name!r}: limit reached "
            f"({limit_text(reward.per_person_limit, reward.limit_period)})"
        )


def _locked_redemption(session: Session, redemption_id: int) -> Redemption:
    """The redemption, locked for this transaction (a write first, as above)."""
    redemption = lock_row(session, Redemption, redemption_id)
    if redemption is None:
        raise NotFound(f"redemption {redemption_id} does not exist")
    return redemption


def _refund(
    session: Session, actor: Actor, redemption: Redemption, reason_code: str, memo: str
) -> int:
    """Gives the held points back and returns the reward to stock; the refund's id."""
    lock_account(session, employee_account(session, redemption.employee_id))
    reward = session.scalar(
        sa.select(Reward).where(Reward.id == redemption.reward_id).with_for_update()
    )
    assert reward is not None  # a foreign key
    if reward.stock is not None:
        reward.stock += 1
    refund = post(
        session,
        kind=TransactionKind.REFUND,
        idempotency_key=f"refund:{redemption.id}",
        request={"redemption": redemption.id, "points": redemption.cost_points},
        legs=refund_legs(redemption.employee_id, redemption.cost_points),
        reason_code=reason_code,
        memo=memo[:500],
        reverses_id=redemption.hold_transaction_id,
        actor=actor,
    )
    redemption.refund_transaction_id = refund.transaction_id
    return refund.transaction_id


def _by_request_key(session: Session, key: str) -> Redemption | None:
    return session.scalar(sa.select(Redemption).where(Redemption.request_key == key))


def _same_request(
    session: Session, existing: Redemption, employee_id: int, reward_id: int
) -> RedemptionView:
    if existing.employee_id != employee_id or existing.reward_id != reward_id:
        raise IdempotencyKeyReused(
            f"Idempotency-Key {existing.request_key!r} was already used for another request"
        )
    name = session.scalar(sa.select(Reward.name).where(Reward.id == existing.reward_id))
    return redemption_view(existing, name or "")
