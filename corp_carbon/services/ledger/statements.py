"""An employee's statement: every entry with its running balance and what lies behind it.

Each line carries what it belongs to as values (the trip's mode, places and day; the
redemption's reward and day), never as sentences: the pages and the API word them in the
reader's language, and date the line by the trip or redemption, with the posting beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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
from corp_carbon.domain.vocabulary import Mode, TransactionKind, label


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
    #: the trip's mode and places as recorded, and the day it was made.
    mode: Mode | None = None
    origin: str | None = None
    destination: str | None = None
    travel_date: date | None = None
    #: the day the redemption behind a hold or a refund was requested.
    requested_on: date | None = None

    @property
    def posted_on(self) -> date:
        """The day the ledger recorded the line."""
        return self.at.date()

    @property
    def dated(self) -> date:
        """The day the line belongs to: its trip's, its redemption's, else its posting's."""
        return self.travel_date or self.requested_on or self.posted_on


def statement(session: Session, employee_id: int) -> list[StatementLine]:
    """Every entry of the employee's account, oldest first, with the running balance."""
    rows = session.execute(
        sa.select(
            LedgerEntry,
            LedgerTransaction,
            Activity,
            Redemption.id,
            Redemption.requested_at,
            Reward.name,
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
    for entry, tx, activity, redemption_id, requested_at, reward in rows:
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
                mode=activity.mode if activity is not None else None,
                origin=activity.origin if activity is not None else None,
                destination=activity.destination if activity is not None else None,
                travel_date=activity.travel_date if activity is not None else None,
                requested_on=requested_at.date() if requested_at is not None else None,
            )
        )
    return lines


def years(lines: list[StatementLine]) -> list[int]:
    """The years with postings, newest first: the statement's year filter offers these."""
    return sorted({line.posted_on.year for line in lines}, reverse=True)
