"""Reading import runs, their sources and row problems, for the admin pages and the API.

Nothing here writes, except ``record_look``: the audit trail of someone looking at a run's
row problems, which can quote travellers' emails and employee numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from corp_carbon.db.models import ImportRowProblem, ImportRun, ImportSource, PendingRecord
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.imports_view import ProblemView, RunView, SourceView, WaitingTraveller
from corp_carbon.domain.people import Actor
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.imports.values import COUNTS

#: the ImportRun column of each count.
_COLUMNS = {
    "read": ImportRun.rows_read,
    "imported": ImportRun.imported,
    "updated": ImportRun.updated,
    "duplicates": ImportRun.duplicates,
    "cancelled": ImportRun.cancelled,
    "rejected": ImportRun.rejected,
    "waiting": ImportRun.waiting,
    "unchanged": ImportRun.unchanged,
}
assert tuple(_COLUMNS) == COUNTS


def _problem_totals() -> Any:
    """Subquery: per run, how many problems were stored and how many rejected their row."""
    return (
        sa.select(
            ImportRowProblem.run_id.label("run_id"),
            sa.func.count().label("problems"),
            sa.func.count().filter(ImportRowProblem.rejected.is_(True)).label("rejected"),
        )
        .group_by(ImportRowProblem.run_id)
        .subquery()
    )


def _runs_query() -> Any:
    totals = _problem_totals()
    return (
        sa.select(ImportRun, ImportSource.name, totals.c.problems, totals.c.rejected)
        .join(ImportSource, ImportSource.id == ImportRun.source_id)
        .outerjoin(totals, totals.c.run_id == ImportRun.id)
    )


def _view(run: ImportRun, source: str, problems: int | None, rejected: int | None) -> RunView:
    return RunView(
        id=run.id,
        source=source,
        connector=run.connector,
        file_name=run.file_name,
        file_size=run.file_size,
        file_sha256=run.file_sha256,
        trigger=run.trigger,
        started_by=run.started_by,
        dry_run=run.dry_run,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        error=run.error,
        counts={name: int(getattr(run, column.key)) for name, column in _COLUMNS.items()},
        problems=int(problems or 0),
        rejected_problems=int(rejected or 0),
        raw_deleted_at=run.raw_deleted_at,
    )


def list_runs(session: Session, *, limit: int = 50, offset: int = 0) -> list[RunView]:
    """Runs, newest first."""
    query = _runs_query().order_by(ImportRun.id.desc()).limit(limit).offset(offset)
    return [_view(*row) for row in session.execute(query)]


def recent_runs(uow: UnitOfWork, *, limit: int = 20) -> list[RunView]:
    """The latest runs, newest first, in a transaction of their own (the CLI's list)."""
    with uow:
        return list_runs(uow.session, limit=limit)


def count_runs(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(ImportRun)) or 0


def get_run(session: Session, run_id: int) -> RunView | None:
    row = session.execute(_runs_query().where(ImportRun.id == run_id)).first()
    return None if row is None else _view(*row)


def run_problems(
    session: Session, run_id: int, *, limit: int = 1000, offset: int = 0
) -> list[ProblemView]:
    """The run's row problems in file order (row, then as they were found)."""
    query = (
        sa.select(ImportRowProblem)
        .where(ImportRowProblem.run_id == run_id)
        .order_by(ImportRowProblem.row_number, ImportRowProblem.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        ProblemView(
            row=p.row_number, field=p.field, reason=p.reason, value=p.value, rejected=p.rejected
        )
        for p in session.scalars(query)
    ]


def list_sources(session: Session) -> list[SourceView]:
    """Every import source, by name, with its number of runs and its latest run."""
    latest = (
        sa.select(
            ImportRun.source_id,
            sa.func.max(ImportRun.id).label("last_id"),
            sa.func.count().label("runs"),
        )
        .group_by(ImportRun.source_id)
        .subquery()
    )
    last = aliased(ImportRun)
    query = (
        sa.select(ImportSource, latest.c.runs, last.started_at, last.status)
        .outerjoin(latest, latest.c.source_id == ImportSource.id)
        .outerjoin(last, last.id == latest.c.last_id)
        .order_by(ImportSource.name)
    )
    return [
        SourceView(
            id=source.id,
            name=source.name,
            connector=source.connector,
            location=source.location,
            schedule=source.schedule,
            enabled=source.enabled,
            runs=int(runs or 0),
            last_run_at=started_at,
            last_status=status,
        )
        for source, runs, started_at, status in session.execute(query)
    ]


def source_connector(session: Session, name: str) -> str | None:
    """The connector of the import source of this name, or None when there is none yet."""
    found: str | None = session.scalar(
        sa.select(ImportSource.connector).where(ImportSource.name == name)
    )
    return found


def record_look(session: Session, actor: Actor, run: RunView, shown: int) -> None:
    """Row problems quote travellers' details: looking at them is on the record."""
    audit.record(
        session,
        actor,
        "imports.view_run",
        target_type="import_run",
        target_id=run.id,
        detail={"problems_shown": shown},
    )


def look_at_run(
    uow: UnitOfWork, actor: Actor, run_id: int, *, limit: int, offset: int
) -> tuple[RunView, list[ProblemView]] | None:
    """A run and a page of its row problems, for a page or the API; the look is
    audit-logged when problems are shown. None when there is no such run."""
    with uow:
        run = get_run(uow.session, run_id)
        if run is None:
            return None
        problems = run_problems(uow.session, run_id, limit=limit, offset=offset)
        if problems:
            record_look(uow.session, actor, run, len(problems))
            uow.commit()
    return run, problems


def waiting_travellers(session: Session, *, limit: int = 100) -> list[WaitingTraveller]:
    """Travellers whose bookings wait for their employee record, most bookings first: what
    HR has to add (or what a source names wrongly)."""
    rows = session.execute(
        sa.select(
            PendingRecord.employee_number,
            PendingRecord.email,
            ImportSource.name,
            sa.func.count(),
            sa.func.min(PendingRecord.created_at),
        )
        .join(ImportSource, ImportSource.id == PendingRecord.source_id)
        .where(PendingRecord.resolved_at.is_(None))
        .group_by(PendingRecord.employee_number, PendingRecord.email, ImportSource.name)
        .order_by(sa.func.count().desc(), ImportSource.name, PendingRecord.email)
        .limit(limit)
    ).all()
    return [
        WaitingTraveller(number, email, source, int(count), _aware(since))
        for number, email, source, count, since in rows
    ]


def _aware(moment: datetime) -> datetime:
    """SQLite returns an aggregate's timestamp naive (the column type does not apply)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
