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
            Redemption.requested_at,
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
                mode=row.mode if row.travel_date is not None else None,
                origin=row.origin,
                destination=row.destination,
                travel_date=row.travel_date,
                requested_on=row.requested_at.date() if row.requested_at is not None else None,
            )
        )
    return lines


def years(lines: list[StatementLine]) -> list[int]:
    """The years with postings, newest first: the statement's year filter offers these."""
    return sorted({line.posted_on.year for line in lines}, reverse=True)
