"""The configured import sources as rows, their failed pulls, and their latest runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from corp_carbon.config import SourceConfig
from corp_carbon.db.models import ImportRun, ImportSource
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger
from corp_carbon.services.imports.locations import shown_location


def _source_row(session: sa.orm.Session, source: SourceConfig) -> ImportSource:
    row = session.scalar(sa.select(ImportSource).where(ImportSource.name == source.name))
    if row is None:
        row = ImportSource(name=source.name, connector=source.connector)
        session.add(row)
    row.connector = source.connector
    row.location = shown_location(source.location)
    row.schedule = source.schedule or None
    row.mapping = dict(source.mapping) or None
    row.enabled = source.enabled
    session.flush()
    return row


def sync_sources(uow: UnitOfWork, sources: list[SourceConfig]) -> int:
    """Creates or updates an ``import_sources`` row per configured source (by name)."""
    with uow:
        for source in sources:
            _source_row(uow.session, source)
        uow.commit()
    return len(sources)


def record_failed_run(
    uow: UnitOfWork,
    source: SourceConfig,
    error: str,
    *,
    file_name: str | None = None,
    trigger: ImportTrigger = ImportTrigger.SCHEDULE,
    started_by: str | None = None,
) -> int:
    """A FAILED import run for a problem before any import started (e.g. SFTP unreachable)."""
    now = utcnow()
    with uow:
        row = _source_row(uow.session, source)
        run = ImportRun(
            source_id=row.id,
            connector=source.connector,
            file_name=(file_name or shown_location(source.location))[:500],
            file_size=0,
            file_sha256="",
            trigger=trigger,
            started_by=started_by or f"schedule:{source.name}",
            dry_run=False,
            status=ImportRunStatus.FAILED,
            started_at=now,
            finished_at=now,
            error=error,
        )
        uow.session.add(run)
        uow.commit()
        return run.id


@dataclass(frozen=True)
class SourceStatus:
    name: str
    connector: str
    location: str
    schedule: str
    after: str
    enabled: bool
    last_status: str | None
    last_at: datetime | None
    last_error: str | None


def source_statuses(uow: UnitOfWork, sources: list[SourceConfig]) -> list[SourceStatus]:
    """The configured sources with their latest import run."""
    result = []
    with uow:
        for source in sources:
            last = uow.session.scalars(
                sa.select(ImportRun)
                .join(ImportSource, ImportSource.id == ImportRun.source_id)
                .where(ImportSource.name == source.name)
                .order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
                .limit(1)
            ).first()
            result.append(
                SourceStatus(
                    name=source.name,
                    connector=source.connector,
                    location=shown_location(source.location),
                    schedule=source.schedule or "on demand",
                    after=source.after,
                    enabled=source.enabled,
                    last_status=last.status.value if last else None,
                    last_at=last.started_at if last else None,
                    last_error=last.error if last else None,
                )
            )
    return result
