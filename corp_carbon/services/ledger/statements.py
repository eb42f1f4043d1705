"""An employee's statement: every entry with its running balance and what lies behind it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import (
    Activity,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Redemption,
    Reward,
)
from corp_carbon.domain.vocabulary import TransactionKind, label


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    at: datetime
    kind: TransactionKind
    reason_code: str
    memo: str
    amount: int
    running_balance: int
    activity_id: int | None
    transaction_id: int
    reverses_id: int | None
    #: the trip behind an earning or its reversal, in words ("E-bike Home → Berlin, 2026-11-26").
    trip: str | None = None
    #: the redemption behind a hold or a refund, and its reward's name.
    redemption_id: int | None = None
    reward: str | None = None


def statement(session: Session, employee_id: int) -> list[StatementLine]:
    """Every entry of the employee's account, oldest first, with the running balance."""
    rows = session.execute(
        sa.select(LedgerEntry, LedgerTransaction, Activity, Redemption.id, Reward.name)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .outerjoin(Activity, Activity.id == LedgerTransaction.activity_id)
        .outerjoin(
            Redemption,
            sa.or_(
                Redemption.hold_transaction_id == LedgerTransaction.id,
                Redemption.refund_transaction_id == LedgerTransaction.id,
            ),
        )
        .outerjoin(Reward, Reward.id == Redemption.reward_id)
        .where(LedgerAccount.employee_id == employee_id)
        .order_by(LedgerEntry.id)
    ).all()
    running = 0
    lines = []
    for entry, tx, activity, redemption_id, reward in rows:
        running += entry.amount
        trip = None
        if activity is not None:
            route = f" {activity.origin} → {activity.destination}" if activity.origin else ""
            trip = f"{label(activity.mode)}{route}, {activity.travel_date.isoformat()}"
        lines.append(
            StatementLine(
                entry_id=entry.id,
                at=tx.created_at,
                kind=tx.kind,
                reason_code=tx.reason_code,
                memo=tx.memo,
                amount=entry.amount,
                running_balance=running,
                activity_id=tx.activity_id,
                transaction_id=tx.id,
                reverses_id=tx.reverses_id,
                trip=trip,
                redemption_id=redemption_id,
                reward=reward,
            )
        )
    return lines
