"""Posting to the points ledger: idempotent, balanced, append-only, safe under concurrency.

Everything here runs inside the caller's transaction (it flushes, never commits). Balances
are always sums of entries. The use cases that own a transaction are beside it:
``adjustments``, ``expiry``; bulk crediting is in ``earnings``, the read side in ``statements``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.db.models import LedgerAccount, LedgerEntry, LedgerTransaction
from corp_carbon.domain.errors import NotFound
from corp_carbon.domain.ledger import (
    IdempotencyKeyReused,
    Leg,
    check_balanced,
    employee_code,
    request_hash,
    system_code,
)
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import AccountKind, TransactionKind


@dataclass(frozen=True)
class Posted:
    transaction_id: int
    #: False when the idempotency key had been posted before and nothing was written.
    created: bool


def account(session: Session, code: str, kind: AccountKind, employee_id: int | None = None) -> int:
    """The id of the account with this code, created on first use (race-safe)."""
    found = session.scalar(sa.select(LedgerAccount.id).where(LedgerAccount.code == code))
    if found is not None:
        return found
    try:
        with session.begin_nested():
            row = LedgerAccount(code=code, kind=kind, employee_id=employee_id)
            session.add(row)
        return row.id
    except IntegrityError:  # created by a concurrent transaction meanwhile
        found = session.scalar(sa.select(LedgerAccount.id).where(LedgerAccount.code == code))
        assert found is not None
        return found


def employee_account(session: Session, employee_id: int) -> int:
    return account(session, employee_code(employee_id), AccountKind.EMPLOYEE, employee_id)


def system_account(session: Session, kind: AccountKind) -> int:
    return account(session, system_code(kind), kind)


def lock_account(session: Session, account_id: int) -> None:
    """Serialises writers of one account until the transaction ends: a row lock on
    PostgreSQL; on SQLite this first write takes the database's write lock."""
    session.execute(
        sa.update(LedgerAccount).where(LedgerAccount.id == account_id).values(id=LedgerAccount.id)
    )


def lock_employee_account(session: Session, employee_id: int) -> int | None:
    """Locks the employee's ledger account with a write that also finds it (None: no account
    yet, so no points). A write first: on SQLite a read first would pin a snapshot that a
    concurrent commit makes stale, and the later write would fail instead of waiting."""
    found = session.scalar(
        sa.update(LedgerAccount)
        .where(LedgerAccount.employee_id == employee_id)
        .values(id=LedgerAccount.id)
        .returning(LedgerAccount.id)
        .execution_options(synchronize_session=False)
    )
    return None if found is None else int(found)


def lock_code(session: Session, code: str) -> None:
    """A write on the account with this code, as a transaction's first statement: takes
    SQLite's write lock (whether or not the row exists yet) and the row lock on PostgreSQL."""
    session.execute(
        sa.update(LedgerAccount)
        .where(LedgerAccount.code == code)
        .values(id=LedgerAccount.id)
        .execution_options(synchronize_session=False)
    )


def balance_of_account(session: Session, account_id: int) -> int:
    total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.account_id == account_id
        )
    )
    return int(total or 0)


def balance(session: Session, employee_id: int) -> int:
    account_id = session.scalar(
        sa.select(LedgerAccount.id).where(LedgerAccount.employee_id == employee_id)
    )
    return 0 if account_id is None else balance_of_account(session, account_id)


def post(
    session: Session,
    *,
    kind: TransactionKind,
    idempotency_key: str,
    request: dict[str, Any],
    legs: list[Leg],
    reason_code: str,
    memo: str = "",
    activity_id: int | None = None,
    assessment_id: int | None = None,
    reverses_id: int | None = None,
    actor: Actor | None = None,
) -> Posted:
    """Writes one balanced transaction, or returns the one already posted under this key."""
    fingerprint = request_hash(kind.value, request)
    existing = _by_key(session, idempotency_key)
    if existing is not None:
        return _same_request(existing, fingerprint, idempotency_key)
    checked = check_balanced(legs)
    codes = {leg.account for leg in checked}
    ids = dict(
        session.execute(
            sa.select(LedgerAccount.code, LedgerAccount.id).where(LedgerAccount.code.in_(codes))
        ).all()
    )
    missing = codes - set(ids)
    if missing:
        raise NotFound(f"ledger account(s) {', '.join(sorted(missing))} do not exist")
    try:
        with session.begin_nested():
            tx = LedgerTransaction(
                kind=kind,
                idempotency_key=idempotency_key,
                request_hash=fingerprint,
                reason_code=reason_code,
                memo=memo,
                activity_id=activity_id,
                assessment_id=assessment_id,
                reverses_id=reverses_id,
                actor_id=actor.employee_id if actor else None,
            )
            session.add(tx)
            session.flush()
            session.execute(
                sa.insert(LedgerEntry),
                [
                    {"transaction_id": tx.id, "account_id": ids[leg.account], "amount": leg.amount}
                    for leg in checked
                ],
            )
    except IntegrityError:
        # the same key posted concurrently, or a second earning for the same activity
        existing = _by_key(session, idempotency_key)
        if existing is not None:
            return _same_request(existing, fingerprint, idempotency_key)
        raise
    return Posted(tx.id, True)


def _by_key(session: Session, key: str) -> LedgerTransaction | None:
    return session.scalar(
        sa.select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key)
    )


def _same_request(existing: LedgerTransaction, fingerprint: str, key: str) -> Posted:
    if existing.request_hash != fingerprint:
        raise IdempotencyKeyReused(f"idempotency key {key!r} was already used for another request")
    return Posted(existing.id, False)


def earn(
    session: Session,
    *,
    employee_id: int,
    activity_id: int,
    points: int,
    methodology_version: int,
    assessment_id: int | None = None,
) -> Posted | None:
    """Credits an activity's points once; None when there is nothing to credit or the activity
    already earned (under any methodology version: an activity earns at most once)."""
    if points <= 0:
        return None
    already = session.scalar(
        sa.select(LedgerTransaction.id).where(
            LedgerTransaction.activity_id == activity_id,
            LedgerTransaction.kind == TransactionKind.EARN,
        )
    )
    if already is not None:
        return Posted(already, False)
    employee_account(session, employee_id)  # both accounts exist before the legs name them
    system_account(session, AccountKind.ISSUANCE)
    return post(
        session,
        kind=TransactionKind.EARN,
        idempotency_key=f"earn:{activity_id}:{methodology_version}",
        request={"activity": activity_id, "points": points},
        legs=[
            Leg(system_code(AccountKind.ISSUANCE), -points),
            Leg(employee_code(employee_id), points),
        ],
        reason_code="activity_assessed",
        activity_id=activity_id,
        assessment_id=assessment_id,
    )


def reverse(
    session: Session, transaction_id: int, *, reason_code: str, actor: Actor | None = None
) -> Posted:
    """Posts the exact opposite of a transaction, linked to it; a transaction is reversed once."""
    original = session.get(LedgerTransaction, transaction_id)
    if original is None:
        raise NotFound(f"ledger transaction {transaction_id} does not exist")
    rows = session.execute(
        sa.select(LedgerAccount.code, LedgerEntry.amount)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerEntry.transaction_id == transaction_id)
    ).all()
    return post(
        session,
        kind=TransactionKind.REVERSAL,
        idempotency_key=f"reverse:{transaction_id}",
        request={"reverses": transaction_id},
        legs=[Leg(code, -amount) for code, amount in rows],
        reason_code=reason_code,
        memo=f"reverses transaction {transaction_id}",
        activity_id=original.activity_id,
        reverses_id=transaction_id,
        actor=actor,
    )
