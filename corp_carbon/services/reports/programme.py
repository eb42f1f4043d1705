"""The points programme of a period: points moved and outstanding, the liability in money, and
the emissions avoided against both baselines.

Points come from the ledger, summed in the database per kind of transaction over the employee
accounts (never a loop over entries). A transaction belongs to the period by when it was
posted (UTC); an activity by its travel date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.config import Settings
from corp_carbon.db.models import LedgerAccount, LedgerEntry, LedgerTransaction
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.programme import (
    Money,
    PointMovements,
    PointsPosition,
    ProgrammeFigures,
)
from corp_carbon.domain.vocabulary import AccountKind, TransactionKind
from corp_carbon.services.reports.avoided import avoided_by_baseline

__all__ = [
    "ProgrammeFigures",
    "period_bounds",
    "point_movements",
    "points_position",
    "programme_figures",
]


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start of date_from, start of the day after date_to) in UTC; 400 when reversed."""
    if date_from > date_to:
        raise DomainError(f"from {date_from}: after to {date_to}")
    start = datetime.combine(date_from, time(), UTC)
    end = datetime.combine(date_to + timedelta(days=1), time(), UTC)
    return start, end


def points_position(
    uow: UnitOfWork, settings: Settings, date_from: date, date_to: date
) -> PointsPosition:
    """The points part of ``programme_figures`` alone: one ledger aggregate, no re-scoring."""
    start, end = period_bounds(date_from, date_to)
    with uow:
        points = point_movements(uow.session, start, end)
    return PointsPosition(date_from, date_to, points, _point_value(settings))


def _point_value(settings: Settings) -> Money:
    return Money(settings.rewards.point_value, settings.rewards.point_currency)


def programme_figures(
    uow: UnitOfWork, settings: Settings, date_from: date, date_to: date
) -> ProgrammeFigures:
    """Points issued, reversed, redeemed, refunded, expired and adjusted in [date_from,
    date_to], the balance outstanding at its end and what it is worth, and the kg CO2e the
    period's confirmed activities avoided against the reference and the personal baseline."""
    start, end = period_bounds(date_from, date_to)
    with uow:
        points = point_movements(uow.session, start, end)
        avoided = avoided_by_baseline(uow.session, settings, date_from, date_to)
    return ProgrammeFigures(
        date_from=date_from,
        date_to=date_to,
        points=points,
        point_value=_point_value(settings),
        avoided_reference=avoided.reference,
        avoided_personal=avoided.personal,
        points_follow=avoided.points_follow,
    )


def point_movements(session: Session, start: datetime, end: datetime) -> PointMovements:
    """One aggregate over the employee accounts' entries posted before ``end``, by kind of
    transaction: what was there before ``start``, and what was credited and debited since."""
    amount = LedgerEntry.amount
    posted = LedgerTransaction.created_at
    before = sa.func.sum(sa.case((posted < start, amount), else_=0))
    credited = sa.func.sum(sa.case((sa.and_(posted >= start, amount > 0), amount), else_=0))
    debited = sa.func.sum(sa.case((sa.and_(posted >= start, amount < 0), -amount), else_=0))
    rows = session.execute(
        sa.select(LedgerTransaction.kind, before, credited, debited)
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.kind == AccountKind.EMPLOYEE, posted < end)
        .group_by(LedgerTransaction.kind)
    ).all()
    opening = 0
    into: dict[TransactionKind, int] = dict.fromkeys(TransactionKind, 0)
    out_of: dict[TransactionKind, int] = dict.fromkeys(TransactionKind, 0)
    for kind, held_before, credit, debit in rows:
        opening += int(held_before or 0)
        into[TransactionKind(kind)] = int(credit or 0)
        out_of[TransactionKind(kind)] = int(debit or 0)
    net = sum(into.values()) - sum(out_of.values())
    return PointMovements(
        opening=opening,
        issued=into[TransactionKind.EARN] - out_of[TransactionKind.EARN],
        reversed=out_of[TransactionKind.REVERSAL] - into[TransactionKind.REVERSAL],
        redeemed=out_of[TransactionKind.REDEEM] - into[TransactionKind.REDEEM],
        refunded=into[TransactionKind.REFUND] - out_of[TransactionKind.REFUND],
        expired=out_of[TransactionKind.EXPIRE] - into[TransactionKind.EXPIRE],
        adjusted_up=into[TransactionKind.ADJUST],
        adjusted_down=out_of[TransactionKind.ADJUST],
        closing=opening + net,
    )
