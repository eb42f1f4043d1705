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
import hashlib
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from corp_carbon.config import Settings, SourceConfig
from corp_carbon.db.models import ImportRun, ImportSource
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger

if TYPE_CHECKING:
    import paramiko

log = logging.getLogger("corp_carbon.pull")

UowFactory = Callable[[], UnitOfWork]

#: the watched folder's subfolder for handled files (after = "move").
PROCESSED_DIR = "processed"
#: suffix of handled files on an SFTP server (after = "move").
IMPORTED_SUFFIX = ".imported"
#: names never pulled: handled files and the usual partial-upload names.
_IGNORED_SUFFIXES = (IMPORTED_SUFFIX, ".part", ".partial", ".tmp", ".filepart", ".crdownload")
_FINISHED = (ImportRunStatus.SUCCEEDED, ImportRunStatus.COMPLETED_WITH_ERRORS)
SFTP_TIMEOUT_SECONDS = 20


class PullError(Exception):
    """The source's location could not be read; the message is one readable line."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int
    #: modification time, UTC.
    modified_at: datetime


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


# --- import_sources rows ------------------------------------------------------------------------


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


def _seen_before(uow: UnitOfWork, source: str, entry: RemoteFile) -> bool:
    """A finished run of this source read a file of this name and size modified before it."""
    with uow:
        found = uow.session.scalar(
            sa.select(ImportRun.id)
            .join(ImportSource, ImportSource.id == ImportRun.source_id)
            .where(
                ImportSource.name == source,
                ImportRun.file_name == entry.name,
                ImportRun.file_size == entry.size,
                ImportRun.status.in_(_FINISHED),
                ImportRun.dry_run.is_(False),
                ImportRun.started_at >= entry.modified_at,
            )
            .limit(1)
        )
    return found is not None


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


# --- locations ----------------------------------------------------------------------------------


def shown_location(location: str) -> str:
    """The location without any password written into an sftp:// URL."""
    if not location.startswith("sftp:"):
        return location
    parts = urlsplit(location)
    if parts.password is None:
        return location
    netloc = f"{parts.username}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def _wanted(name: str, source: SourceConfig) -> bool:
    if name.startswith(".") or name.lower().endswith(_IGNORED_SUFFIXES):
        return False
    return fnmatch.fnmatch(name, source.pattern)


def _settled(entry: RemoteFile, source: SourceConfig, now: datetime) -> bool:
    return (now - entry.modified_at).total_seconds() >= source.settle_seconds


class Location(Protocol):
    """Where a source's files are: list them, make one readable locally, mark one handled."""

    remote: bool

    def list(self) -> list[RemoteFile]: ...

    def fetch(self, entry: RemoteFile, into: Path) -> Path: ...

    def mark_done(self, entry: RemoteFile) -> None: ...


class FolderLocation:
    remote = False

    def __init__(self, source: SourceConfig) -> None:
        self.folder = Path(source.location).expanduser()

    def list(self) -> list[RemoteFile]:
        if not self.folder.is_dir():
            raise PullError(f"folder {self.folder} does not exist or is not a folder")
        entries = []
        try:
            with os.scandir(self.folder) as it:
                for item in it:
                    if item.is_file(follow_symlinks=True):
                        info = item.stat()
                        modified = datetime.fromtimestamp(info.st_mtime, UTC)
                        entries.append(RemoteFile(item.name, info.st_size, modified))
        except OSError as exc:
            raise PullError(f"folder {self.folder}: {exc.strerror or exc}") from None
        return entries

    def fetch(self, entry: RemoteFile, into: Path) -> Path:
        return self.folder / entry.name

    def mark_done(self, entry: RemoteFile) -> None:
        target_dir = self.folder / PROCESSED_DIR
        target_dir.mkdir(exist_ok=True)
        target = target_dir / entry.name
        if target.exists():  # the same name again: keep both
            stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
            target = target_dir / f"{entry.name}.{stamp}"
        os.replace(self.folder / entry.name, target)


@dataclass(frozen=True)
class SftpAddress:
    user: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, location: str) -> SftpAddress:
        parts = urlsplit(location)
        path = unquote(parts.path) or "."
        if path.startswith("/~/"):  # relative to the login's home, as curl writes it
            path = path[3:] or "."
        return cls(
            user=unquote(parts.username or ""),
            host=parts.hostname or "",
            port=parts.port or 22,
            path=path,
        )

    def __str__(self) -> str:
        return f"sftp://{self.user}@{self.host}:{self.port}/{self.path.lstrip('/')}"


class SftpLocation:
    remote = True

    def __init__(self, source: SourceConfig, sftp: paramiko.SFTPClient, address: SftpAddress):
        self.source = source
        self.sftp = sftp
        self.address = address

    def _path(self, name: str) -> str:
        return f"{self.address.path.rstrip('/')}/{name}" if self.address.path != "." else name

    def list(self) -> list[RemoteFile]:
        entries = []
        for attrs in self.sftp.listdir_attr(self.address.path):
            if attrs.st_mode is not None and not stat.S_ISREG(attrs.st_mode):
                continue
            modified = datetime.fromtimestamp(attrs.st_mtime or 0, UTC)
            entries.append(RemoteFile(attrs.filename, attrs.st_size or 0, modified))
        return entries

    def fetch(self, entry: RemoteFile, into: Path) -> Path:
        local = into / entry.name
        self.sftp.get(self._path(entry.name), str(local))
        return local

    def mark_done(self, entry: RemoteFile) -> None:
        old = self._path(entry.name)
        new = old + IMPORTED_SUFFIX
        try:
            self.sftp.posix_rename(old, new)  # replaces an older <name>.imported
        except OSError:
            self.sftp.rename(old, new)


@contextmanager
def _sftp_session(source: SourceConfig) -> Iterator[SftpLocation]:
    import paramiko

    address = SftpAddress.parse(source.location)
    password = None
    if source.password_env:
        password = os.environ.get(source.password_env)
        if password is None:
            raise PullError(
                f"environment variable {source.password_env} (password_env of source "
                f"{source.name!r}) is not set"
            )
    if password is None and not source.key_file:
        raise PullError(f"source {source.name!r}: set password_env or key_file for {address}")
    client = paramiko.SSHClient()
    try:
        if source.known_hosts:
            known_hosts = Path(source.known_hosts).expanduser()
            if not known_hosts.is_file():
                raise PullError(f"known_hosts file {known_hosts} not found")
            client.load_host_keys(str(known_hosts))
        else:
            client.load_system_host_keys()
        # Unknown host keys are refused: never trust a server on first sight.
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(
            address.host,
            port=address.port,
            username=address.user,
            password=password,
            key_filename=str(Path(source.key_file).expanduser()) if source.key_file else None,
            timeout=SFTP_TIMEOUT_SECONDS,
            banner_timeout=SFTP_TIMEOUT_SECONDS,
            auth_timeout=SFTP_TIMEOUT_SECONDS,
            allow_agent=False,
            look_for_keys=False,
        )
        transport = client.get_transport()
        if transport is not None:
            transport.set_keepalive(30)
        sftp = client.open_sftp()
        sftp.get_channel().settimeout(SFTP_TIMEOUT_SECONDS * 3)  # type: ignore[union-attr]
        try:
            yield SftpLocation(source, sftp, address)
        finally:
            sftp.close()
    finally:
        client.close()


@contextmanager
def open_location(source: SourceConfig) -> Iterator[Location]:
    if source.is_sftp:
        with _sftp_session(source) as location:
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


# --- the pull -----------------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


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

    sha256 = file_sha256(local)
    if imports.already_imported(uow_factory(), source.name, sha256):
        return FileOutcome(entry.name, "skipped", detail="content already imported")
    request = imports.ImportRequest(
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
    if report.status in _FINISHED:
        return FileOutcome(entry.name, "imported", report.run_id, _counts(report.counts))
    return FileOutcome(entry.name, "failed", report.run_id, report.error or report.status.value)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:40]


def remove_work_files(settings: Settings) -> None:
    """Downloads left behind by a killed process."""
    shutil.rmtree(settings.instance_dir / "pull", ignore_errors=True)
