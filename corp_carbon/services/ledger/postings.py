"""Posting to the points ledger: idempotent, balanced, append-only, safe under concurrency.

Helpers here run inside the caller's transaction (they flush, never commit); the use cases at
the bottom own theirs. Balances are always sums of entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from psycopg.errors import UniqueViolation
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.db.models import (
    Activity,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Redemption,
    Reward,
)
from corp_carbon.db.queries import employee_by_reference
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bounds import MAX_INT32, MAX_STORED_KEY
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.ledger import (
    IdempotencyKeyReused,
    InsufficientBalance,
    Leg,
    Lot,
    check_balanced,
    employee_code,
    fifo_expirable,
    request_hash,
    system_code,
)
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import AccountKind, TransactionKind, label
from corp_carbon.services.audit import entries as audit


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


# -- use cases (each owns its transaction) --------------------------------------------------------


def adjust(
    uow: UnitOfWork,
    actor: Actor,
    *,
    employee: str,
    points: int,
    reason: str,
    request_key: str,
) -> Posted:
    """A manual correction by HR: mandatory reason, audit-logged, never below zero."""
    if not reason.strip():
        raise DomainError("reason: an adjustment needs a reason")
    if points == 0:
        raise DomainError("points: must not be 0")
    if abs(points) > MAX_INT32:  # a correction by hand; also keeps sums far inside bigint
        raise DomainError(f"points: at most {MAX_INT32:,} either way")
    key = f"adjust:{request_key}"
    if len(key) > MAX_STORED_KEY:
        raise DomainError(f"request key: at most {MAX_STORED_KEY - len('adjust:')} characters")
    with uow:
        session = uow.session
        lock_code(session, system_code(AccountKind.ADJUSTMENT))  # a write first (SQLite)
        target = employee_by_reference(session, employee)
        account_id = employee_account(session, target.id)
        system_account(session, AccountKind.ADJUSTMENT)
        lock_account(session, account_id)
        if points < 0 and balance_of_account(session, account_id) + points < 0:
            raise InsufficientBalance(
                f"{target.email} has {balance_of_account(session, account_id):,} points; "
                f"cannot take {-points:,}"
            )
        posted = post(
            session,
            kind=TransactionKind.ADJUST,
            idempotency_key=key,
            request={"employee": target.id, "points": points, "reason": reason.strip()},
            legs=[
                Leg(system_code(AccountKind.ADJUSTMENT), -points),
                Leg(employee_code(target.id), points),
            ],
            reason_code="manual_adjustment",
            memo=reason.strip(),
            actor=actor,
        )
        if posted.created:
            audit.record(
                session,
                actor,
                "ledger.adjust",
                target_type="employee",
                target_id=target.id,
                detail={
                    "points": points,
                    "reason": reason.strip(),
                    "transaction": posted.transaction_id,
                },
            )
        uow.commit()
    return posted


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


def credited_lots(session: Session, account_id: int) -> list[tuple[date, int]]:
    """Positive entries by date, for FIFO expiry."""
    rows = session.execute(
        sa.select(LedgerEntry.created_at, LedgerEntry.amount).where(
            LedgerEntry.account_id == account_id, LedgerEntry.amount > 0
        )
    ).all()
    return [(at.date(), amount) for at, amount in rows]


@dataclass(frozen=True)
class Earning:
    employee_id: int
    activity_id: int
    points: int
    methodology_version: int
    assessment_id: int | None = None


def earn_many(session: Session, earnings: list[Earning]) -> int:
    """Credits many activities in bulk (two multi-row inserts), with the same guarantees as
    ``earn``: balanced, idempotent, at most one earning per activity. Returns how many were
    posted. If a concurrent writer got there first, the batch falls back to ``earn`` one by
    one, which sorts out who posted what."""
    todo = [e for e in earnings if e.points > 0]
    if not todo:
        return 0
    issuance = system_account(session, AccountKind.ISSUANCE)
    lock_account(session, issuance)  # one bulk issuer at a time (and SQLite's write lock)
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
    ids = _next_transaction_ids(session, len(todo))
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
            if session.get_bind().dialect.name == "postgresql":
                _copy_rows(session, transactions, entries)
            else:
                session.execute(sa.insert(LedgerTransaction), transactions)
                session.execute(sa.insert(LedgerEntry), entries)
    except (IntegrityError, UniqueViolation):
        posted = 0
        for e in todo:
            result = earn(
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


TRANSACTION_COLUMNS = (
    "id", "kind", "idempotency_key", "request_hash", "reason_code", "memo", "activity_id",
    "assessment_id", "created_at",
)  # fmt: skip
ENTRY_COLUMNS = ("transaction_id", "account_id", "amount", "created_at")


def _copy_rows(
    session: Session, transactions: list[dict[str, Any]], entries: list[dict[str, Any]]
) -> None:
    """PostgreSQL COPY into both tables on the session's own connection (same transaction):
    about ten times faster than multi-row INSERTs for bulk earning."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        columns = ", ".join(TRANSACTION_COLUMNS)
        with cursor.copy(f"COPY ledger_transactions ({columns}) FROM STDIN") as copy:
            for row in transactions:
                copy.write_row(
                    [row["kind"].value if k == "kind" else row[k] for k in TRANSACTION_COLUMNS]
                )
        with cursor.copy(f"COPY ledger_entries ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") as copy:
            for row in entries:
                copy.write_row([row[k] for k in ENTRY_COLUMNS])


def _among(session: Session, column: Any, values: list[int]) -> sa.ColumnElement[bool]:
    """``column IN values`` for thousands of values: one array parameter on PostgreSQL
    (``= ANY``), which plans and binds far faster than thousands of parameters."""
    condition: sa.ColumnElement[bool]
    if session.get_bind().dialect.name == "postgresql":
        condition = column == sa.func.any(sa.literal(values, type_=postgresql.ARRAY(sa.BigInteger)))
    else:
        condition = column.in_(values)
    return condition


def _employee_accounts(session: Session, employee_ids: set[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for owner, account_id in session.execute(
        sa.select(LedgerAccount.employee_id, LedgerAccount.id).where(
            _among(session, LedgerAccount.employee_id, list(employee_ids))
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


def _next_transaction_ids(session: Session, count: int) -> list[int]:
    """Primary keys for a bulk insert without RETURNING (which costs a round trip per row)."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence('ledger_transactions', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return [int(r[0]) for r in rows]
    # SQLite: the caller holds the database's write lock (lock_account), so max(id) is stable
    start = session.scalar(sa.select(sa.func.coalesce(sa.func.max(LedgerTransaction.id), 0)))
    first = int(start or 0) + 1
    return list(range(first, first + count))


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
