"""migrations/partitioning/partition_ledger_entries.sql, run with psql as an operator would:
the ledger becomes a table partitioned by year and says the same afterwards.

PostgreSQL only: declarative partitioning is PostgreSQL's, and SQLite never grows this big.
"""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.config import Settings
from corp_carbon.db.models import Employee, LedgerAccount, LedgerEntry, LedgerTransaction
from corp_carbon.db.session import UnitOfWork, make_engine
from corp_carbon.domain.vocabulary import AccountKind, TransactionKind
from corp_carbon.services.ledger import adjustments
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.reports.gathering import ReportRequest
from corp_carbon.services.reports.workbook import write_report
from tests import report_fixture
from tests.conftest import make_settings
from tests.support import OPERATOR, need

SCRIPT = (
    Path(__file__).resolve().parents[2]
    / "migrations"
    / "partitioning"
    / "partition_ledger_entries.sql"
)
YEAR = ReportRequest(datetime(2026, 1, 1).date(), datetime(2026, 12, 31).date(), None, ())


def _psql(database: str) -> subprocess.CompletedProcess[str]:
    need("psql", bool(subprocess.run(["which", "psql"], capture_output=True).returncode == 0))
    url = sa.make_url(database)
    return subprocess.run(
        ["psql", "-X", "-q", "-h", str(url.host), "-p", str(url.port or 5432),
         "-U", str(url.username), "-d", str(url.database), "-f", str(SCRIPT)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _posted(session: Session, account_id: int, issuance_id: int, points: int, at: datetime) -> None:
    """An adjustment posted at ``at``, as years of history would hold."""
    tx = LedgerTransaction(
        kind=TransactionKind.ADJUST, idempotency_key=f"history:{account_id}:{at.isoformat()}",
        request_hash="0" * 64, reason_code="history", created_at=at,
    )  # fmt: skip
    session.add(tx)
    session.flush()
    session.add_all(
        LedgerEntry(transaction_id=tx.id, account_id=account, amount=amount, created_at=at)
        for account, amount in ((account_id, points), (issuance_id, -points))
    )


def _history(uow: UnitOfWork) -> list[int]:
    """The report fixture (points in 2026), an adjustment for everyone now, and entries of
    2024 and 2025; the employees' ids."""
    report_fixture.seed_workbook(uow)
    with uow:
        people = uow.session.execute(
            sa.select(Employee.id, Employee.email).where(Employee.active).order_by(Employee.id)
        ).all()
    for person in people:
        adjustments.adjust(uow, OPERATOR, employee=person.email, points=100 + person.id,
                           reason="welcome", request_key=f"welcome-{person.id}")  # fmt: skip
    with uow:
        session = uow.session
        issuance = session.scalars(
            sa.select(LedgerAccount.id).where(LedgerAccount.kind == AccountKind.ISSUANCE)
        ).one()
        accounts = session.scalars(
            sa.select(LedgerAccount.id).where(LedgerAccount.kind == AccountKind.EMPLOYEE)
        ).all()
        for year in (2024, 2025):
            for account in accounts:
                _posted(session, account, issuance, 10 * year % 97 + 1,
                        datetime(year, 6, 30, 23, 59, tzinfo=UTC))  # fmt: skip
        uow.commit()
    return [person.id for person in people]


def _figures(uow: UnitOfWork, people: list[int], settings: Settings) -> dict[str, object]:
    """What people and reports see of the ledger."""
    with uow:
        session = uow.session
        balances = [ledger.balance(session, person) for person in people]
        total, count = session.execute(
            sa.select(sa.func.sum(LedgerEntry.amount), sa.func.count(LedgerEntry.id))
        ).one()
        last_id = session.scalar(sa.select(sa.func.max(LedgerEntry.id)))
    report = write_report(uow, settings, YEAR, io.BytesIO(), "json").summary()
    return {"balances": balances, "sum": total, "entries": count, "last_id": last_id,
            "report": report}  # fmt: skip


def test_the_ledger_is_partitioned_by_year_and_says_the_same(
    pg_uow: UnitOfWork, pg_url: str, tmp_path: Path
) -> None:
    settings = make_settings(pg_url, tmp_path)
    people = _history(pg_uow)
    before = _figures(pg_uow, people, settings)
    assert before["sum"] == 0 and len(people) > 10

    done = _psql(pg_url)
    assert done.returncode == 0, done.stderr
    assert f"{before['entries']} entries, 0 points" in done.stderr
    assert "unchanged" in done.stderr

    assert _figures(pg_uow, people, settings) == before
    engine = make_engine(pg_url)
    try:
        with engine.connect() as connection:
            parts = dict(connection.execute(sa.text(
                "SELECT c.relname, (SELECT count(*) FROM ledger_entries e "
                "WHERE e.tableoid = c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'ledger_entries'::regclass"
            )).all())  # fmt: skip
            connection.rollback()
            for statement in (
                "UPDATE ledger_entries SET amount = amount + 1",
                "DELETE FROM ledger_entries_2024",
                "TRUNCATE ledger_entries_2025",
                "TRUNCATE ledger_entries",
            ):
                with pytest.raises(sa.exc.DBAPIError, match="append-only"), connection.begin():
                    connection.execute(sa.text(statement))
    finally:
        engine.dispose()
    assert set(parts) >= {"ledger_entries_2024", "ledger_entries_2025", "ledger_entries_2026",
                          "ledger_entries_2027", "ledger_entries_default"}  # fmt: skip
    assert parts["ledger_entries_2024"] == parts["ledger_entries_2025"] == 2 * (len(people))
    assert sum(parts.values()) == before["entries"]

    # the app goes on posting, into this year's partition, with the next id
    adjustments.adjust(pg_uow, OPERATOR, employee="legal0@example.com", points=7,
                       reason="after", request_key="after-partitioning")  # fmt: skip
    after = _figures(pg_uow, people, settings)
    assert after["entries"] == before["entries"] + 2
    assert after["last_id"] == before["last_id"] + 2  # type: ignore[operator]

    again = _psql(pg_url)
    assert again.returncode != 0
    assert "partitioned already" in again.stderr
