"""Rules the database itself enforces, whatever the application code does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.db.models import (
    Activity,
    AuditEvent,
    Employee,
    ImportSource,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.vocabulary import (
    AccountKind,
    ActivityKind,
    Mode,
    TransactionKind,
    Verification,
)


def _employee(session: Session, email: str = "zoe.mueller@example.com") -> Employee:
    employee = Employee(email=email, name="Zoë Müller", employee_number="E1001")
    session.add(employee)
    session.flush()
    return employee


def _activity(
    session: Session, employee: Employee, source: ImportSource | None, key: str | None
) -> Activity:
    activity = Activity(
        employee_id=employee.id,
        kind=ActivityKind.BUSINESS_TRAVEL,
        mode=Mode.RAIL,
        travel_date=date(2025, 4, 7),
        distance_km=Decimal("597.000"),
        source_id=source.id if source else None,
        source_record_key=key,
        verification=Verification.IMPORTED if source else Verification.SELF_REPORTED,
    )
    session.add(activity)
    session.flush()
    return activity


def _earning(session: Session, activity: Activity, key: str) -> LedgerTransaction:
    issuance = session.scalar(
        sa.select(LedgerAccount).where(LedgerAccount.code == "system:issuance")
    )
    if issuance is None:
        issuance = LedgerAccount(code="system:issuance", kind=AccountKind.ISSUANCE)
        account = LedgerAccount(
            code=f"employee:{activity.employee_id}",
            kind=AccountKind.EMPLOYEE,
            employee_id=activity.employee_id,
        )
        session.add_all([issuance, account])
        session.flush()
    account = session.scalar(
        sa.select(LedgerAccount).where(LedgerAccount.employee_id == activity.employee_id)
    )
    assert account is not None
    tx = LedgerTransaction(
        kind=TransactionKind.EARN,
        idempotency_key=key,
        request_hash="0" * 64,
        reason_code="activity_assessed",
        activity_id=activity.id,
    )
    session.add(tx)
    session.flush()
    session.add_all(
        [
            LedgerEntry(transaction_id=tx.id, account_id=issuance.id, amount=-1250),
            LedgerEntry(transaction_id=tx.id, account_id=account.id, amount=1250),
        ]
    )
    session.flush()
    return tx


def test_source_record_key_is_unique_per_source(uow: UnitOfWork) -> None:
    with uow:
        employee = _employee(uow.session)
        source = ImportSource(name="Concur", connector="concur-itinerary")
        other = ImportSource(name="Navan", connector="navan")
        uow.session.add_all([source, other])
        uow.session.flush()
        _activity(uow.session, employee, source, "TRIP-1:1")
        _activity(uow.session, employee, other, "TRIP-1:1")  # same key, other source: fine
        uow.commit()
    with uow, pytest.raises(IntegrityError):
        _activity(
            uow.session,
            uow.session.get(Employee, employee.id),
            uow.session.get(ImportSource, source.id),
            "TRIP-1:1",
        )  # type: ignore[arg-type]


def test_an_activity_earns_at_most_once(uow: UnitOfWork) -> None:
    with uow:
        employee = _employee(uow.session)
        activity = _activity(uow.session, employee, None, None)
        _earning(uow.session, activity, "earn:1:1")
        uow.commit()
    with uow, pytest.raises(IntegrityError):
        # A different idempotency key does not get around the one-earning rule.
        _earning(uow.session, uow.session.get(Activity, activity.id), "earn:1:2")  # type: ignore[arg-type]


@pytest.mark.parametrize("table", ["ledger_entries", "ledger_transactions", "audit_log"])
def test_append_only_tables_refuse_update_and_delete(uow: UnitOfWork, table: str) -> None:
    with uow:
        employee = _employee(uow.session)
        activity = _activity(uow.session, employee, None, None)
        _earning(uow.session, activity, "earn:x")
        uow.session.add(AuditEvent(actor_label="system", action="test.event"))
        uow.commit()
    column = {
        "ledger_entries": "amount = 999999",
        "ledger_transactions": "memo = 'edited'",
        "audit_log": "action = 'edited'",
    }[table]
    for statement in (f"UPDATE {table} SET {column}", f"DELETE FROM {table}"):
        with uow, pytest.raises(DatabaseError, match="append-only"):
            uow.session.execute(sa.text(statement))
    with uow:
        assert uow.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) >= 1
        total = uow.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount)))
        assert total == 0  # the earning still balances


def test_amounts_are_whole_non_zero_points(uow: UnitOfWork) -> None:
    assert isinstance(LedgerEntry.__table__.c.amount.type, sa.BigInteger)
    with uow:
        employee = _employee(uow.session)
        activity = _activity(uow.session, employee, None, None)
        tx = _earning(uow.session, activity, "earn:zero")
        uow.commit()
    with uow, pytest.raises(IntegrityError):
        uow.session.add(LedgerEntry(transaction_id=tx.id, account_id=1, amount=0))
        uow.session.flush()


def test_emails_are_stored_lower_case(uow: UnitOfWork) -> None:
    with uow, pytest.raises(IntegrityError):
        uow.session.add(Employee(email="Zoe.Mueller@Example.com", name="Zoë"))
        uow.session.flush()


def test_employee_accounts_need_an_owner(uow: UnitOfWork) -> None:
    with uow, pytest.raises(IntegrityError):
        uow.session.add(LedgerAccount(code="employee:ghost", kind=AccountKind.EMPLOYEE))
        uow.session.flush()


def test_decimal_figures_survive_the_round_trip_exactly(uow: UnitOfWork) -> None:
    with uow:
        employee = _employee(uow.session)
        activity = _activity(uow.session, employee, None, None)
        activity.distance_km = Decimal("960.7815")
        uow.commit()
    with uow:
        stored = uow.session.get(Activity, activity.id)
        assert stored is not None
        assert stored.distance_km == Decimal("960.782")
        total = uow.session.scalar(sa.select(sa.func.sum(Activity.distance_km)))
        assert total == Decimal("960.782")
