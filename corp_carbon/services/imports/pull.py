"""Pulls booking exports from a watched folder or an SFTP directory and imports each new file.

A file is imported once: content a finished run of the same source already imported
(same SHA-256) is skipped. With ``after = "move"`` a handled file is moved to the folder's
``processed/`` subfolder, or renamed ``<name>.imported`` on the SFTP server. With
``after = "remember"`` files stay; on SFTP a file whose name and size match a finished run
that started after the file's modification time is not even downloaded again.

A location that cannot be read (folder missing, SFTP server down, host key unknown, login
refused) is recorded as a FAILED import run whose file name is the location, and raised as
``PullError`` so the scheduler can retry.
"""

from __future__ import annotations

import fnmatch
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.config import Settings, SourceConfig
from corp_carbon.db.models import ImportRun, ImportSource
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger
from corp_carbon.services.imports.intake import fingerprint
from corp_carbon.services.imports.locations import FolderLocation, Location, PullError, RemoteFile
from corp_carbon.services.imports.sftp import (
    IMPORTED_SUFFIX,
    SFTP_TIMEOUT_SECONDS,
    SftpAddress,
    sftp_session,
)
from corp_carbon.services.imports.sources import record_failed_run
from corp_carbon.services.imports.values import ImportRequest

log = logging.getLogger("corp_carbon.pull")

#: the statuses of a run that read its file to the end.
FINISHED = (ImportRunStatus.SUCCEEDED, ImportRunStatus.COMPLETED_WITH_ERRORS)

UowFactory = Callable[[], UnitOfWork]

#: names never pulled: handled files and the usual partial-upload names.
_IGNORED_SUFFIXES = (IMPORTED_SUFFIX, ".part", ".partial", ".tmp", ".filepart", ".crdownload")


@dataclass(frozen=True)
class FileOutcome:
    name: str
    #: "imported", "skipped" (already imported) or "failed".
    status: str
    run_id: int | None = None
    detail: str = ""


@dataclass
class PullResult:
    source: str
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0

    def summary(self) -> str:
        return (
            f"{self.source}: {self.count('imported')} imported, "
            f"{self.count('skipped')} already imported, {self.count('failed')} failed"
        )


def _wanted(name: str, source: SourceConfig) -> bool:
    if name.startswith(".") or name.lower().endswith(_IGNORED_SUFFIXES):
        return False
    return fnmatch.fnmatch(name, source.pattern)


def _settled(entry: RemoteFile, source: SourceConfig, now: datetime) -> bool:
    return (now - entry.modified_at).total_seconds() >= source.settle_seconds


def _finished_run_exists(uow: UnitOfWork, source: str, *conditions: sa.ColumnElement[bool]) -> bool:
    """True when a finished, non-failed, real (not dry) run of this source meets ``conditions``."""
    with uow:
        found = uow.session.scalar(
            sa.select(ImportRun.id)
            .join(ImportSource, ImportSource.id == ImportRun.source_id)
            .where(
                ImportSource.name == source,
                ImportRun.dry_run.is_(False),
                ImportRun.status.in_(FINISHED),
                *conditions,
            )
            .limit(1)
        )
    return found is not None


def already_imported(uow: UnitOfWork, source: str, sha256: str) -> bool:
    """True when a finished, non-failed run of this source read exactly this content."""
    return _finished_run_exists(uow, source, ImportRun.file_sha256 == sha256)


def _seen_before(uow: UnitOfWork, source: str, entry: RemoteFile) -> bool:
    """A finished run of this source read a file of this name and size modified before it."""
    return _finished_run_exists(
        uow,
        source,
        ImportRun.file_name == entry.name,
        ImportRun.file_size == entry.size,
        ImportRun.started_at >= entry.modified_at,
    )


@contextmanager
def open_location(source: SourceConfig) -> Iterator[Location]:
    if source.is_sftp:
        with sftp_session(source) as location:
            yield location
    else:
        yield FolderLocation(source)


def _describe_error(source: SourceConfig, exc: BaseException) -> str:
    where = (
        str(SftpAddress.parse(source.location)) if source.is_sftp else f"folder {source.location}"
    )
    if isinstance(exc, PullError):
        return str(exc)
    if source.is_sftp:
        from paramiko.ssh_exception import NoValidConnectionsError

        if isinstance(exc, NoValidConnectionsError):  # one socket error per address tried
            causes = sorted({getattr(e, "strerror", None) or str(e) for e in exc.errors.values()})
            return f"{where}: cannot connect: {'; '.join(causes)}"
        if isinstance(exc, TimeoutError):
            return f"{where}: no answer within {SFTP_TIMEOUT_SECONDS} s"
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror and not reason.startswith("["):
        reason = exc.strerror if not exc.filename else f"{exc.strerror}: {exc.filename}"
    return f"{where}: {type(exc).__name__}: {reason}"


def pull_source(
    uow_factory: UowFactory,
    settings: Settings,
    source: SourceConfig,
    *,
    trigger: ImportTrigger = ImportTrigger.SCHEDULE,
    started_by: str | None = None,
    failure_note: str = "",
) -> PullResult:
    """Imports the source's new files in name order; raises PullError if it cannot be read.

    ``failure_note`` is appended to the error of a FAILED run recorded for an unreadable
    location (e.g. "attempt 1 of 3; next in 60 s").
    """
    by = started_by or f"schedule:{source.name}"
    result = PullResult(source.name)
    work_root = settings.instance_dir / "pull"
    try:
        work_root.mkdir(parents=True, exist_ok=True)
        with (
            open_location(source) as location,
            tempfile.TemporaryDirectory(prefix=f"{_safe(source.name)}-", dir=work_root) as tmp,
        ):
            now = utcnow()
            entries = sorted(
                (
                    e
                    for e in location.list()
                    if _wanted(e.name, source) and _settled(e, source, now)
                ),
                key=lambda e: e.name,
            )
            for entry in entries:
                if (
                    location.remote
                    and source.after == "remember"
                    and _seen_before(uow_factory(), source.name, entry)
                ):
                    continue  # not even downloaded again
                local = location.fetch(entry, Path(tmp))
                try:
                    outcome = _import_one(uow_factory, settings, source, entry, local, trigger, by)
                finally:
                    if location.remote:
                        local.unlink(missing_ok=True)
                result.files.append(outcome)
                if outcome.status != "failed" and source.after == "move":
                    location.mark_done(entry)
    except Exception as exc:
        message = _describe_error(source, exc)
        if failure_note:
            message = f"{message} ({failure_note})"
        run_id = record_failed_run(uow_factory(), source, message, trigger=trigger, started_by=by)
        log.warning("pull of %s failed (run %s): %s", source.name, run_id, message)
        raise PullError(message) from exc
    if result.files:
        log.info("pulled %s", result.summary())
    return result


def _import_one(
    uow_factory: UowFactory,
    settings: Settings,
    source: SourceConfig,
    entry: RemoteFile,
    local: Path,
    trigger: ImportTrigger,
    started_by: str,
) -> FileOutcome:
    from corp_carbon.services.imports import run as imports

    sha256, _, _ = fingerprint(local)
    if already_imported(uow_factory(), source.name, sha256):
        return FileOutcome(entry.name, "skipped", detail="content already imported")
    request = ImportRequest(
        connector=source.connector,
        path=local,
        file_name=entry.name,
        trigger=trigger,
        started_by=started_by,
        source=source.name,
        mapping=dict(source.mapping) or None,
    )
    try:
        report = imports.run_import(uow_factory(), settings, request)
    except Exception as exc:
        log.exception("import of %s from %s failed", entry.name, source.name)
        message = f"{entry.name}: {type(exc).__name__}: {exc}"
        run_id = record_failed_run(
            uow_factory(),
            source,
            message,
            file_name=entry.name,
            trigger=trigger,
            started_by=started_by,
        )
        return FileOutcome(entry.name, "failed", run_id, message)
    if report.status in FINISHED:
        return FileOutcome(entry.name, "imported", report.run_id, _counts(report.counts))
    return FileOutcome(entry.name, "failed", report.run_id, report.error or report.status.value)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:40]


def remove_work_files(settings: Settings) -> None:
    """Downloads left behind by a killed process."""
    shutil.rmtree(settings.instance_dir / "pull", ignore_errors=True)
