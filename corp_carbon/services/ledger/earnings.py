"""From assessments to points: credit each confirmed activity once, give back what was undone.

Caps of the methodology apply here: commute trips per employee and day, and self-reported
trips per employee and month, counted in the order the activities were recorded.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, Assessment, LedgerTransaction, MethodologyVersion
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    TransactionKind,
    Verification,
)
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.scoring import methodology as methodology_service

log = logging.getLogger("corp_carbon.earnings")
BATCH = 5000

UNDONE_REASON = {
    ActivityStatus.CANCELLED: "activity_cancelled",
    ActivityStatus.REPLACED: "ticket_exchanged",
    ActivityStatus.DUPLICATE: "duplicate_of_another_source",
}


@dataclass(frozen=True)
class EarningRun:
    earned: int
    points: int
    capped: int
    reversed: int


def post_earnings(uow: UnitOfWork, settings: Settings) -> EarningRun:
    """Credits every assessed, confirmed activity that has not earned yet, and reverses the
    earnings of activities since cancelled, replaced or found to be duplicates."""
    with uow:
        session = uow.session
        current = methodology_service.current(session, settings)
        version_id = session.scalar(
            sa.select(MethodologyVersion.id).where(MethodologyVersion.version == current.version)
        )
        reversed_count = reverse_undone(session)
        earned, points, capped = credit_assessed(session, current, version_id)
        uow.commit()
    log.info("earned %d activities (%d points), %d capped, %d reversed", earned, points, capped,
             reversed_count)  # fmt: skip
    return EarningRun(earned, points, capped, reversed_count)


def credit_assessed(
    session: Session,
    current: Methodology,
    version_id: int | None,
    activity_ids: Sequence[int] | None = None,
) -> tuple[int, int, int]:
    """Credits assessed, confirmed activities that have not earned yet (all, or the given
    ones), applying the caps; returns (earned, points, capped)."""
    earned = points = capped = 0
    per_day: Counter[tuple[int, object]] = _already_earned_commutes(session)
    per_month: Counter[tuple[int, int, int]] = _already_earned_self_reported(session)
    query = (
        sa.select(Activity, Assessment)
        .join(Assessment, Assessment.activity_id == Activity.id)
        .where(
            Assessment.methodology_version_id == version_id,
            Assessment.comparison.is_(False),
            Assessment.points > 0,
            Activity.status == ActivityStatus.CONFIRMED,
            ~sa.exists().where(
                LedgerTransaction.activity_id == Activity.id,
                LedgerTransaction.kind == TransactionKind.EARN,
            ),
        )
        .order_by(Activity.id)
    )
    if activity_ids is not None:
        query = query.where(Activity.id.in_(list(activity_ids)))
    batch: list[ledger.Earning] = []
    for activity, assessment in session.execute(query).all():
        day_key = (activity.employee_id, activity.travel_date)
        month_key = (
            activity.employee_id,
            activity.travel_date.year,
            activity.travel_date.month,
        )
        self_reported = activity.verification is Verification.SELF_REPORTED
        if activity.kind is ActivityKind.COMMUTE and (
            per_day[day_key] >= current.commute_trips_per_day
        ):
            capped += 1
            continue
        if self_reported and per_month[month_key] >= current.self_reported_per_month:
            capped += 1
            continue
        batch.append(
            ledger.Earning(
                employee_id=activity.employee_id,
                activity_id=activity.id,
                points=assessment.points,
                methodology_version=current.version,
                assessment_id=assessment.id,
            )
        )
        points += assessment.points
        if activity.kind is ActivityKind.COMMUTE:
            per_day[day_key] += 1
        if self_reported:
            per_month[month_key] += 1
    for start in range(0, len(batch), BATCH):
        earned += ledger.earn_many(session, batch[start : start + BATCH])
    return earned, points, capped


def reverse_undone(session: Session, activity_ids: Sequence[int] | None = None) -> int:
    """Earnings of activities no longer confirmed (all, or among the given ones), not yet
    reversed: reverse exactly those."""
    if activity_ids is not None and not activity_ids:
        return 0
    reversal = aliased(LedgerTransaction)
    query = (
        sa.select(LedgerTransaction.id, Activity.status)
        .join(Activity, Activity.id == LedgerTransaction.activity_id)
        .where(
            LedgerTransaction.kind == TransactionKind.EARN,
            Activity.status != ActivityStatus.CONFIRMED,
            ~sa.exists().where(reversal.reverses_id == LedgerTransaction.id),
        )
    )
    if activity_ids is not None:
        query = query.where(LedgerTransaction.activity_id.in_(list(activity_ids)))
    rows = session.execute(query).all()
    for transaction_id, status in rows:
        ledger.reverse(session, transaction_id, reason_code=UNDONE_REASON[status])
    return len(rows)


def _standing_earning() -> sa.ColumnElement[bool]:
    """An earning transaction that has not been reversed (it still counts towards caps)."""
    reversal = aliased(LedgerTransaction)
    return sa.and_(
        LedgerTransaction.kind == TransactionKind.EARN,
        ~sa.exists().where(reversal.reverses_id == LedgerTransaction.id),
    )


def _already_earned_commutes(session: Session) -> Counter[tuple[int, object]]:
    rows = session.execute(
        sa.select(Activity.employee_id, Activity.travel_date, sa.func.count())
        .join(LedgerTransaction, LedgerTransaction.activity_id == Activity.id)
        .where(_standing_earning(), Activity.kind == ActivityKind.COMMUTE)
        .group_by(Activity.employee_id, Activity.travel_date)
    ).all()
    return Counter({(e, d): int(n) for e, d, n in rows})


def _already_earned_self_reported(session: Session) -> Counter[tuple[int, int, int]]:
    rows = session.execute(
        sa.select(Activity.employee_id, Activity.travel_date)
        .join(LedgerTransaction, LedgerTransaction.activity_id == Activity.id)
        .where(_standing_earning(), Activity.verification == Verification.SELF_REPORTED)
    ).all()
    counts: Counter[tuple[int, int, int]] = Counter()
    for employee_id, day in rows:
        counts[(employee_id, day.year, day.month)] += 1
    return counts
