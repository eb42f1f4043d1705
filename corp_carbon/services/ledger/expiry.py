"""Points expire first in first out, once a month per account (a job, or the CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import LedgerAccount, LedgerEntry
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.ledger import Leg, Lot, employee_code, fifo_expirable, system_code
from corp_carbon.domain.vocabulary import AccountKind, TransactionKind
from corp_carbon.services.ledger.postings import (
    balance_of_account,
    lock_account,
    lock_code,
    post,
    system_account,
)


def credited_lots(session: Session, account_id: int) -> list[tuple[date, int]]:
    """Positive entries by date, for FIFO expiry."""
    rows = session.execute(
        sa.select(LedgerEntry.created_at, LedgerEntry.amount).where(
            LedgerEntry.account_id == account_id, LedgerEntry.amount > 0
        )
    ).all()
    return [(at.date(), amount) for at, amount in rows]


@dataclass(frozen=True)
class ExpiryRun:
    accounts: int
    points: int


def expire_points(uow: UnitOfWork, *, as_of: date, months: int) -> ExpiryRun:
    """Expires, first in first out, points credited more than ``months`` before ``as_of``.

    One transaction per account and month (key ``expire:<account>:<YYYY-MM>``), so running the
    job twice in a month changes nothing.
    """
    if months <= 0:
        return ExpiryRun(0, 0)
    cutoff = _months_before(as_of, months)
    period = f"{as_of.year:04d}-{as_of.month:02d}"
    touched = total = 0
    with uow:
        session = uow.session
        lock_code(session, system_code(AccountKind.EXPIRY))  # a write first (SQLite)
        system_account(session, AccountKind.EXPIRY)
        accounts = session.execute(
            sa.select(LedgerAccount.id, LedgerAccount.employee_id).where(
                LedgerAccount.kind == AccountKind.EMPLOYEE
            )
        ).all()
        for account_id, employee_id in accounts:
            assert employee_id is not None
            lock_account(session, account_id)
            lots = [Lot(day, points) for day, points in credited_lots(session, account_id)]
            debited = -int(
                session.scalar(
                    sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0)).where(
                        LedgerEntry.account_id == account_id, LedgerEntry.amount < 0
                    )
                )
                or 0
            )
            due = min(
                fifo_expirable(lots, debited, cutoff), balance_of_account(session, account_id)
            )
            if due <= 0:
                continue
            posted = post(
                session,
                kind=TransactionKind.EXPIRE,
                idempotency_key=f"expire:{account_id}:{period}",
                request={"account": account_id, "period": period},
                legs=[
                    Leg(employee_code(employee_id), -due),
                    Leg(system_code(AccountKind.EXPIRY), due),
                ],
                reason_code="fifo_expiry",
                memo=f"points credited before {cutoff.isoformat()} expired",
            )
            if posted.created:
                touched += 1
                total += due
        uow.commit()
    return ExpiryRun(touched, total)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, 28))
