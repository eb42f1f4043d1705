"""The proof of erasure: ten people leave, every report of last year stays the same to the
last digit, and nothing in the database names them any more.

A year of the demo company's data (trips, commutes, imports, points, redemptions); ten of
its people leave traces everywhere a person can (``tests/erasure_fixture``). Every report of
last year is built and its numbers kept: each numeric cell of the ESG workbook (with its
comparison sheet), each detail row's numbers under its pseudonymous key, the CSV's kg and
points totals, every number of the JSON, the summary API's tables, the programme figures and
every ledger balance. The ten are erased the three ways there are (HR confirms, the scheduler
erases when due, an operator's command); the reports are built again and must match exactly.
Then every text and JSON column of every table, the audit log's detail included, is searched
for their names, emails and employee numbers: none may be found.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import (
    ApiToken,
    AuditEvent,
    CommuteEvidence,
    Employee,
    ErasureRequest,
)
from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.db.types import utcnow
from corp_carbon.domain.people import Actor
from corp_carbon.services.people import erase
from tests.conftest import make_settings
from tests.erasure_fixture import build_company, choose, figures, leave_traces, text_hits


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, shipped=True)


def test_erasing_ten_people_changes_no_figure_and_leaves_no_trace(
    db_url: str, settings: Settings, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    try:
        hr = build_company(factory, settings, tmp_path)
        ten = choose(factory, 10)
        assert len(ten) == 10
        leave_traces(factory, settings, hr, ten)
        words = [w for p in ten for w in (p.name, p.email)]
        numbers = [p.number for p in ten]
        before_hits = text_hits(engine, words, numbers)
        # the traces are there: the search would find them
        assert {table for table, _, _ in before_hits} >= {
            "employees", "audit_log", "ledger_transactions", "redemptions", "api_tokens",
            "erasure_requests", "import_runs", "import_row_problems", "pending_records",
            "activities",
        }  # fmt: skip
        with UnitOfWork(factory) as uow:
            names = uow.session.scalars(
                sa.select(CommuteEvidence.file_name).where(
                    CommuteEvidence.employee_id.in_([p.id for p in ten])
                )
            ).all()
        photos = [settings.commute_evidence_dir / name for name in names]
        assert photos and all(path.is_file() for path in photos)
        before = figures(factory, settings)
        assert before["kg"] > 0 and before["points"] > 0 and len(before["workbook"]) > 500

        started = time.perf_counter()
        for p in ten[:4]:  # HR confirms on the queue
            with UnitOfWork(factory) as uow:
                request_id = uow.session.scalar(
                    sa.select(ErasureRequest.id).where(
                        ErasureRequest.employee_id == p.id, ErasureRequest.closed_at.is_(None)
                    )
                )
            assert request_id is not None
            done = erase.confirm_and_erase(UnitOfWork(factory), settings, hr, p.id, request_id)
            assert done.counts["trips_kept"] > 0
        for p in ten[4:6]:  # an operator, on the command line
            erase.erase_employee(
                UnitOfWork(factory), settings, Actor(label="cli:ops"), p.id, trigger="operator"
            )
        # the rest when their requests fall due
        due = erase.erase_due(UnitOfWork(factory), settings, now=utcnow() + timedelta(days=31))
        assert sorted(d.employee_id for d in due.erased) == sorted(p.id for p in ten[6:])
        assert due.failed == []
        elapsed = time.perf_counter() - started

        after = figures(factory, settings)
        for part in before:
            assert after[part] == before[part], part
        assert text_hits(engine, words, numbers) == []
        assert not any(path.exists() for path in photos)  # their files are gone from disk

        with UnitOfWork(factory) as uow:
            erased = uow.session.scalars(
                sa.select(Employee).where(Employee.id.in_([p.id for p in ten]))
            ).all()
            assert all(e.erased_at is not None and not e.active for e in erased)
            assert all(e.name.startswith("Erased employee ") for e in erased)
            assert not uow.session.scalar(
                sa.select(sa.func.count())
                .select_from(ApiToken)
                .where(ApiToken.employee_id.in_([p.id for p in ten]))
            )
            entries = uow.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == "employee.erase")
            ).all()
            assert len(entries) == 10
            assert {e.actor_label for e in entries} == {hr.label, "cli:ops", "system"}
        # ten erasures of people with a year of trips each, in a few seconds at most
        assert elapsed < 30, elapsed
    finally:
        engine.dispose()
