"""Reports asked for on the reports page: queued, built in the background, then downloaded.

A request row is the job's whole state: the page shows its progress from any process, a
build claims its row before starting (two workers never build one report), and a build cut
short by a restart is marked failed when its heartbeat stops instead of staying "running"
forever. Files live in the instance folder's ``reports`` directory, never in the database.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import ReportJob
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.domain.reports import ReportOptions
from corp_carbon.domain.vocabulary import ReportStatus
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.reports.disk import DISK_ERRORS
from corp_carbon.services.reports.gathering import ReportRequest
from corp_carbon.services.reports.workbook import OutputFormat, write_report

log = logging.getLogger("corp_carbon.reports")

#: a running build refreshes its heartbeat at least this often...
HEARTBEAT_SECONDS = 5.0
#: ...so one silent for this long was cut short (a restart, a killed worker).
STALE_AFTER = timedelta(minutes=2)

Progress = Callable[[int, int], None]
#: writes the report of ``options`` to the path, calling progress(done, total) as it goes.
Build = Callable[[ReportOptions, Path, Progress], None]


@dataclass(frozen=True)
class ReportView:
    id: int
    options: ReportOptions
    status: ReportStatus
    requested_by_id: int | None
    requested_at: datetime
    finished_at: datetime | None
    done: int
    total: int
    file_name: str | None
    file_size: int | None
    error: str | None

    @property
    def percent(self) -> int:
        if self.status is ReportStatus.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0

    @property
    def pending(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)


def reports_dir(settings: Settings) -> Path:
    return settings.instance_dir / "reports"


def request_report(uow: UnitOfWork, actor: Actor, options: ReportOptions) -> ReportView:
    """Queues a report; the caller hands its id to a worker (``build_report``)."""
    with uow:
        row = ReportJob(
            requested_by_id=actor.employee_id,
            options=options.to_json(),
            status=ReportStatus.QUEUED,
        )
        uow.session.add(row)
        uow.session.flush()
        audit.record(
            uow.session, actor, "report.requested", target_type="report", target_id=row.id,
            detail=options.to_json(),
        )  # fmt: skip
        view = _view(row)
        uow.commit()
    return view


def build_report(
    uow_factory: Callable[[], UnitOfWork], settings: Settings, report_id: int, build: Build
) -> ReportStatus:
    """Claims the queued request and builds its file; the row ends done or failed.

    Returns the status it left; a request another worker claimed first is left alone.
    """
    if not _claim(uow_factory(), report_id):
        return ReportStatus.RUNNING
    with uow_factory() as uow:
        row = uow.session.get(ReportJob, report_id)
        assert row is not None
        options = ReportOptions.from_json(row.options)
    folder = reports_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    name = options.file_name(report_id)
    partial = folder / f".{name}.part"
    beat = _Heartbeat(uow_factory, report_id)
    try:
        build(options, partial, beat)
        partial.replace(folder / name)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, DomainError):
            message = exc.message
        elif isinstance(exc, OSError) and exc.errno in DISK_ERRORS:
            reason = exc.strerror or os.strerror(exc.errno or 0)
            log.warning("report %s could not be written in %s: %s", report_id, folder, reason)
            message = (
                f"the report could not be written on the server ({reason}); "
                "ask again once the server has room for it"
            )
        else:
            log.exception("report %s failed", report_id)
            message = "the report could not be built (an internal error, logged on the server)"
        _finish(uow_factory(), report_id, ReportStatus.FAILED, error=message)
        return ReportStatus.FAILED
    size = (folder / name).stat().st_size
    _finish(uow_factory(), report_id, ReportStatus.DONE, file_name=name, file_size=size)
    return ReportStatus.DONE


def recent_reports(uow: UnitOfWork, *, limit: int = 20) -> list[ReportView]:
    """The newest requests, with builds that stopped beating marked as cut short."""
    with uow:
        _fail_stale(uow.session)
        rows = uow.session.scalars(
            sa.select(ReportJob).order_by(ReportJob.id.desc()).limit(limit)
        ).all()
        views = [_view(row) for row in rows]
        uow.commit()
    return views


def get_report(uow: UnitOfWork, report_id: int) -> ReportView:
    with uow:
        _fail_stale(uow.session)
        row = uow.session.get(ReportJob, report_id)
        if row is None:
            raise NotFound(f"report {report_id}: no such report")
        view = _view(row)
        uow.commit()
    return view


def open_download(
    uow: UnitOfWork, settings: Settings, actor: Actor, report_id: int
) -> tuple[Path, ReportView]:
    """The finished file to send, audit-logged (who took which report, when)."""
    with uow:
        row = uow.session.get(ReportJob, report_id)
        if row is None or row.status is not ReportStatus.DONE or row.file_name is None:
            raise NotFound(f"report {report_id}: no finished file")
        path = reports_dir(settings) / row.file_name
        if not path.is_file():
            raise NotFound(f"report {report_id}: the file is no longer on the server; ask again")
        audit.record(
            uow.session, actor, "report.downloaded", target_type="report", target_id=row.id
        )
        view = _view(row)
        uow.commit()
    return path, view


def _claim(uow: UnitOfWork, report_id: int) -> bool:
    now = utcnow()
    with uow:
        claimed = uow.session.execute(
            sa.update(ReportJob)
            .where(ReportJob.id == report_id, ReportJob.status == ReportStatus.QUEUED)
            .values(status=ReportStatus.RUNNING, started_at=now, heartbeat_at=now)
            .returning(ReportJob.id)
        ).first()
        uow.commit()
    return claimed is not None


def _finish(uow: UnitOfWork, report_id: int, status: ReportStatus, **values: object) -> None:
    with uow:
        uow.session.execute(
            sa.update(ReportJob)
            .where(ReportJob.id == report_id)
            .values(status=status, finished_at=utcnow(), **values)
        )
        uow.commit()


def _fail_stale(session: sa.orm.Session) -> None:
    session.execute(
        sa.update(ReportJob)
        .where(
            ReportJob.status == ReportStatus.RUNNING,
            ReportJob.heartbeat_at < utcnow() - STALE_AFTER,
        )
        .values(
            status=ReportStatus.FAILED,
            finished_at=utcnow(),
            error="the build was cut short (the service restarted); ask for the report again",
        )
    )


class _Heartbeat:
    """The build's progress callback: writes done/total and the heartbeat, at most every
    ``HEARTBEAT_SECONDS`` (a build of a million rows calls it often)."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], report_id: int) -> None:
        self._uow_factory = uow_factory
        self._report_id = report_id
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < HEARTBEAT_SECONDS and done < total:
            return
        self._last = now
        with self._uow_factory() as uow:
            uow.session.execute(
                sa.update(ReportJob)
                .where(ReportJob.id == self._report_id)
                .values(done=done, total=total, heartbeat_at=utcnow())
            )
            uow.commit()


def _view(row: ReportJob) -> ReportView:
    return ReportView(
        id=row.id,
        options=ReportOptions.from_json(row.options),
        status=row.status,
        requested_by_id=row.requested_by_id,
        requested_at=row.requested_at,
        finished_at=row.finished_at,
        done=row.done or 0,
        total=row.total or 0,
        file_name=row.file_name,
        file_size=row.file_size,
        error=row.error,
    )


def build_file(
    uow: UnitOfWork, settings: Settings, options: ReportOptions, path: Path, progress: Progress
) -> None:
    """The ``Build`` of the reports page: the workbook (or CSV, JSON) of ``options``."""
    request = ReportRequest(options.date_from, options.date_to, options.department,
                            options.factor_sets)  # fmt: skip
    output: OutputFormat = "csv" if options.format == "csv" else "json"
    if options.format == "xlsx":
        output = "xlsx"
    with path.open("wb") as target:
        write_report(uow, settings, request, target, output, progress=progress)
