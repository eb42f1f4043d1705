"""An import run's records: its source, its run row, its row problems; a source's lock.

Helpers inside the caller's transaction: they flush, never commit.
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.db.bulk import insert_rows, table_of
from corp_carbon.db.models import ImportRowProblem, ImportRun, ImportSource
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bookings import RowProblem
from corp_carbon.domain.vocabulary import ImportRunStatus
from corp_carbon.services.imports.values import ImportRequest


def source_named(
    session: Session, name: str, connector: str, placeholder: int | None = None
) -> ImportSource:
    """The named source, created on first use (a concurrent first use wins the race)."""
    query = sa.select(ImportSource).where(ImportSource.name == name)
    source = session.scalar(query)
    if source is None:
        try:
            with session.begin_nested():
                source = ImportSource(id=placeholder, name=name, connector=connector)
                session.add(source)
        except IntegrityError:
            source = session.scalars(query).one()
    return source


def open_run(session: Session, request: ImportRequest, sha: str, size: int) -> ImportRun:
    placeholder = _placeholder_id(session) if request.dry_run else None
    source = source_named(
        session, request.source or request.connector, request.connector, placeholder
    )
    stale = session.scalars(
        sa.select(ImportRun).where(
            ImportRun.source_id == source.id,
            ImportRun.file_sha256 == sha,
            ImportRun.status == ImportRunStatus.RUNNING,
        )
    ).all()
    run = ImportRun(
        id=placeholder,
        source_id=source.id,
        connector=request.connector,
        file_name=request.file_name[:500],
        file_size=size,
        file_sha256=sha,
        trigger=request.trigger,
        started_by=request.started_by[:320],
        dry_run=request.dry_run,
        status=ImportRunStatus.RUNNING,
    )
    session.add(run)
    session.flush()
    for old in stale:  # a run of the same file that was killed: this run completes it
        old.status = ImportRunStatus.FAILED
        old.error = f"interrupted; run {run.id} repeated the file"
        old.finished_at = utcnow()
    return run


def _placeholder_id(session: Session) -> int | None:
    """The id of a dry run's run (and new source), never committed. PostgreSQL sequences do
    not roll back, so an id drawn from one would make the next real run's number skip; this
    one is below any sequence's range and unique among open sessions. SQLite's ids roll back."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return -int(session.scalar(sa.text("SELECT pg_backend_pid()")) or 1)


def lock_source(session: Session, source_id: int) -> None:
    """One batch of a source at a time (two runs of one source never interleave a booking);
    on SQLite, the first write takes the database's write lock instead."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"corp-carbon:import-source:{source_id}".encode())
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def store_problems(session: Session, run_id: int, problems: list[RowProblem]) -> None:
    insert_rows(
        session,
        table_of(ImportRowProblem),
        [
            {
                "run_id": run_id,
                "row_number": p.row,
                "field": p.field[:100],
                "reason": p.reason[:500],
                "value": None if p.value is None else p.value[:500],
                "rejected": p.rejected,
            }
            for p in problems
        ],
    )
