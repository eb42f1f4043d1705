"""From assessments to points: credit each confirmed activity once, give back what was undone.

Caps of the methodology apply here (``domain.scoring.caps``): commute trips per employee and
day, and self-reported trips per employee and month, counted in the order the activities were
recorded. Crediting
goes in bulk (``earn_many``) through ``db.bulk``, the one COPY and id-allocation path.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from psycopg.errors import UniqueViolation
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from corp_carbon.config import Settings
from corp_carbon.db.bulk import allocate_ids, among, insert_rows, table_of
from corp_carbon.db.models import (
    Activity,
    Assessment,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    MethodologyVersion,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.ledger import employee_code, request_hash
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.caps import Caps, PointCaps
from corp_carbon.domain.scoring.policy import behaviour_of
from corp_carbon.domain.vocabulary import (
    AccountKind,
    ActivityKind,
    ActivityStatus,
    TransactionKind,
    Verification,
)
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.scoring import methodology as methodology_service

log = logging.getLogger("corp_carbon.earnings")
BATCH = 5000
TRANSACTIONS = table_of(LedgerTransaction)
ENTRIES = table_of(LedgerEntry)

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
    *,
    employee_ids: Sequence[int] | None = None,
) -> tuple[int, int, int]:
    """Credits assessed, confirmed activities that have not earned yet (all, or the given
    ones), applying the caps; returns (earned, points, capped). ``employee_ids``: the given
    activities are only these employees', so only their earnings are counted for the caps
    (one employee's logged commute need not read the whole ledger)."""
    earned = points = capped = 0
    point_caps = PointCaps(current.points_policy)
    # columns, not entities: thousands of rows need no ORM objects or identity map
    query = (
        sa.select(
            Activity.id,
            Activity.employee_id,
            Activity.travel_date,
            Activity.kind,
            Activity.verification,
            Activity.mode,
            Activity.fuel,
            Activity.occupants,
            Assessment.id,
            Assessment.baseline,
            Assessment.points,
        )
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
    rows = session.execute(query).all()
    caps = _caps_of(session, current, rows)
    if point_caps and rows:
        years = {row.travel_date.year for row in rows}
        people = employee_ids if employee_ids is not None else None
        for employee_id, day, behaviour, amount in _earned_points(session, people, years):
            point_caps.count(employee_id, day, behaviour, amount)
    batch: list[Earning] = []
    for (activity_id, employee_id, day, kind, verification, mode, fuel, occupants,
         assessment_id, baseline, assessed_points) in rows:  # fmt: skip
        if not caps.admit(
            employee_id,
            day,
            commute=kind is ActivityKind.COMMUTE,
            self_reported=verification is Verification.SELF_REPORTED,
        ):
            capped += 1
            continue
        behaviour = behaviour_of(kind, mode, fuel, occupants, baseline)
        admitted = point_caps.admit(employee_id, day, behaviour, assessed_points)
        if admitted.points <= 0:
            capped += 1
            continue
        batch.append(
            Earning(
                employee_id=employee_id,
                activity_id=activity_id,
                points=admitted.points,
                methodology_version=current.version,
                assessment_id=assessment_id,
                cap=admitted.cap,
                uncapped_points=assessed_points if admitted.cap else None,
            )
        )
        points += admitted.points
    for start in range(0, len(batch), BATCH):
        earned += earn_many(session, batch[start : start + BATCH])
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


def _among(employee_ids: Sequence[int] | None) -> sa.ColumnElement[bool]:
    return sa.true() if employee_ids is None else Activity.employee_id.in_(list(employee_ids))


def _caps_of(session: Session, current: Methodology, rows: Sequence[Any]) -> Caps:
    """The commute and self-reported caps, filled with the standing earnings they will be
    asked about: only the days of the commutes and the months of the self-reported trips
    about to earn, of their own employees. An import of bookings has neither, so it reads
    nothing here; reading every earning of the batch's employees had grown with the ledger
    (a sixth of the server's work late in a million-segment import)."""
    commutes = [r for r in rows if r.kind is ActivityKind.COMMUTE]
    reported = [r for r in rows if r.verification is Verification.SELF_REPORTED]
    return Caps(
        current,
        _already_earned_commutes(session, commutes) if commutes else None,
        _already_earned_self_reported(session, reported) if reported else None,
    )


def _already_earned_commutes(
    session: Session, commutes: Sequence[Any]
) -> Counter[tuple[int, date]]:
    """Standing commute earnings per (employee, day), for the days of ``commutes``."""
    employees = sorted({r.employee_id for r in commutes})
    days = sorted({r.travel_date for r in commutes})
    rows = session.execute(
        sa.select(Activity.employee_id, Activity.travel_date, sa.func.count())
        .join(LedgerTransaction, LedgerTransaction.activity_id == Activity.id)
        .where(
            _standing_earning(),
            Activity.kind == ActivityKind.COMMUTE,
            _among(employees),
            Activity.travel_date.in_(days),
        )
        .group_by(Activity.employee_id, Activity.travel_date)
    ).all()
    return Counter({(e, d): int(n) for e, d, n in rows})


def _already_earned_self_reported(
    session: Session, reported: Sequence[Any]
) -> Counter[tuple[int, int, int]]:
    """Standing self-reported earnings per (employee, year, month), for the months of
    ``reported``."""
    employees = sorted({r.employee_id for r in reported})
    months = {(r.travel_date.year, r.travel_date.month) for r in reported}
    first = date(*min(months), 1)
    last_year, last_month = max(months)
    after = date(last_year + last_month // 12, last_month % 12 + 1, 1)
    rows = session.execute(
        sa.select(Activity.employee_id, Activity.travel_date)
        .join(LedgerTransaction, LedgerTransaction.activity_id == Activity.id)
        .where(
            _standing_earning(),
            Activity.verification == Verification.SELF_REPORTED,
            _among(employees),
            Activity.travel_date >= first,
            Activity.travel_date < after,
        )
    ).all()
    counts: Counter[tuple[int, int, int]] = Counter()
    for employee_id, day in rows:
        counts[(employee_id, day.year, day.month)] += 1
    return counts


@dataclass(frozen=True)
class Earning:
    employee_id: int
    activity_id: int
    points: int
    methodology_version: int
    assessment_id: int | None = None
    #: a points cap that cut this earning, and the points the activity would have earned.
    cap: str | None = None
    uncapped_points: int | None = None


def _earned_points(
    session: Session, employee_ids: Sequence[int] | None, years: set[int]
) -> list[tuple[int, date, str | None, int]]:
    """Standing earnings of these years (employee, day, behaviour, points credited), which
    fill the points policy's caps before new earnings are admitted."""
    first, last = date(min(years), 1, 1), date(max(years), 12, 31)
    query = (
        sa.select(
            Activity.employee_id,
            Activity.travel_date,
            Activity.kind,
            Activity.mode,
            Activity.fuel,
            Activity.occupants,
            Assessment.baseline,
            LedgerEntry.amount,
        )
        .join(LedgerTransaction, LedgerTransaction.activity_id == Activity.id)
        .join(Assessment, Assessment.id == LedgerTransaction.assessment_id)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(
            _standing_earning(),
            LedgerEntry.amount > 0,
            Activity.travel_date.between(first, last),
            _among(employee_ids),
        )
    )
    return [
        (employee_id, day, behaviour_of(kind, mode, fuel, occupants, baseline), amount)
        for employee_id, day, kind, mode, fuel, occupants, baseline, amount in session.execute(
            query
        )
    ]


def earn_many(session: Session, earnings: list[Earning]) -> int:
    """Credits many activities in bulk (two bulk inserts through ``db.bulk``), with the same
    guarantees as ``earn``: balanced, idempotent, at most one earning per activity. Returns how
    many were posted. If a concurrent writer got there first, the batch falls back to ``earn``
    one by one, which sorts out who posted what."""
    todo = [e for e in earnings if e.points > 0]
    if not todo:
        return 0
    issuance = ledger.system_account(session, AccountKind.ISSUANCE)
    ledger.lock_account(session, issuance)  # one bulk issuer at a time (and SQLite's write lock)
    wanted = [e.activity_id for e in todo]
    # a range scan of the earnings index: cheap, also for tens of thousands of activities
    done = set(
        session.scalars(
            sa.select(LedgerTransaction.activity_id).where(
                LedgerTransaction.kind == TransactionKind.EARN,
                LedgerTransaction.activity_id.between(min(wanted), max(wanted)),
            )
        )
    )
    todo = [e for e in todo if e.activity_id not in done]
    if not todo:
        return 0
    accounts = _employee_accounts(session, {e.employee_id for e in todo})
    ids = allocate_ids(session, TRANSACTIONS, len(todo))
    now = utcnow()
    transactions = [
        {
            "id": tx_id,
            "kind": TransactionKind.EARN,
            "idempotency_key": f"earn:{e.activity_id}:{e.methodology_version}",
            "request_hash": request_hash(
                TransactionKind.EARN.value, {"activity": e.activity_id, "points": e.points}
            ),
            "reason_code": "activity_assessed",
            "memo": "",
            "activity_id": e.activity_id,
            "assessment_id": e.assessment_id,
            "cap": e.cap,
            "uncapped_points": e.uncapped_points,
            "created_at": now,
        }
        for tx_id, e in zip(ids, todo, strict=True)
    ]
    entries = []
    for tx_id, e in zip(ids, todo, strict=True):
        entries.append(
            {
                "transaction_id": tx_id,
                "account_id": issuance,
                "amount": -e.points,
                "created_at": now,
            }
        )
        entries.append(
            {
                "transaction_id": tx_id,
                "account_id": accounts[e.employee_id],
                "amount": e.points,
                "created_at": now,
            }
        )
    try:
        with session.begin_nested():
            insert_rows(session, TRANSACTIONS, transactions)
            insert_rows(session, ENTRIES, entries)
    except (IntegrityError, UniqueViolation):
        posted = 0
        for e in todo:
            result = ledger.earn(
                session,
                employee_id=e.employee_id,
                activity_id=e.activity_id,
                points=e.points,
                methodology_version=e.methodology_version,
                assessment_id=e.assessment_id,
            )
            posted += bool(result and result.created)
        return posted
    return len(todo)


def _employee_accounts(session: Session, employee_ids: set[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for owner, account_id in session.execute(
        sa.select(LedgerAccount.employee_id, LedgerAccount.id).where(
            among(session, LedgerAccount.employee_id, sorted(employee_ids))
        )
    ):
        if owner is not None:
            found[owner] = account_id
    missing = employee_ids - set(found)
    if missing:
        rows = [
            {
                "code": employee_code(e),
                "kind": AccountKind.EMPLOYEE,
                "employee_id": e,
                "created_at": utcnow(),
            }
            for e in sorted(missing)
        ]
        dialect = session.get_bind().dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LedgerAccount)
        session.execute(insert.on_conflict_do_nothing(), rows)  # a concurrent creator wins
        for owner, account_id in session.execute(
            sa.select(LedgerAccount.employee_id, LedgerAccount.id).where(
                LedgerAccount.employee_id.in_(missing)
            )
        ):
            if owner is not None:
                found[owner] = account_id
    return found
