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
    """Every entry of the employee's account, oldest first, with the running balance.

    Reads columns, not ORM objects: a year's statement is hundreds of lines, and making an
    entry, a transaction and a whole activity object per line cost as much again as the
    query (benchmarks/README.md, employee pages).
    """
    rows = session.execute(
        sa.select(
            LedgerEntry.id.label("entry_id"),
            LedgerEntry.amount,
            LedgerTransaction.id.label("transaction_id"),
            LedgerTransaction.created_at,
            LedgerTransaction.kind,
            LedgerTransaction.reason_code,
            LedgerTransaction.memo,
            LedgerTransaction.activity_id,
            LedgerTransaction.reverses_id,
            Activity.mode,
            Activity.origin,
            Activity.destination,
            Activity.travel_date,
            Redemption.id.label("redemption_id"),
            Reward.name.label("reward"),
        )
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
    for row in rows:
        running += row.amount
        trip = None
        if row.travel_date is not None:  # an activity lies behind the line
            route = f" {row.origin} → {row.destination}" if row.origin else ""
            trip = f"{label(row.mode)}{route}, {row.travel_date.isoformat()}"
        lines.append(
            StatementLine(
                entry_id=row.entry_id,
                at=row.created_at,
                kind=row.kind,
                reason_code=row.reason_code,
                memo=row.memo,
                amount=row.amount,
                running_balance=running,
                activity_id=row.activity_id,
                transaction_id=row.transaction_id,
                reverses_id=row.reverses_id,
                trip=trip,
                redemption_id=row.redemption_id,
                reward=row.reward,
            )
        )
    return lines
