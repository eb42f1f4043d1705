"""Raw import data is kept ``[privacy] keep_raw_days`` after its run, then deleted.

A run's raw data is what it holds of the file beyond its counts: the values its row
problems quote (a traveller's email, a malformed date), the records that waited for their
traveller (a whole normalised booking each), and, for a watched folder that moves handled
files to ``processed/``, that file (only when its content is still the one the run read).
The run keeps its counts, its status and its problems' row, column and reason, and records
when its raw data went (``raw_deleted_at``), which the run page says. Uploaded and pushed
files are never kept (they are read from a temporary folder that goes with the request);
files renamed ``*.imported`` on an SFTP server are the server's to keep.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import ImportRowProblem, ImportRun, ImportSource, PendingRecord
from corp_carbon.db.session import UnitOfWork, rows_affected
from corp_carbon.db.types import utcnow
from corp_carbon.filehash import file_digest
from corp_carbon.services.imports.locations import PROCESSED_DIR

log = logging.getLogger("corp_carbon.retention")

#: runs handled per statement (an IN list that every database accepts).
CHUNK = 500


@dataclass(frozen=True)
class RawDeleted:
    #: runs whose raw data went this time.
    runs: int
    #: row-problem values cleared, waiting records deleted, kept files removed.
    values: int
    waiting: int
    files: int


@dataclass(frozen=True)
class _OldRun:
    id: int
    source: str
    file_name: str
    sha256: str


def delete_raw_data(
    uow: UnitOfWork, settings: Settings, *, now: datetime | None = None
) -> RawDeleted:
    """Deletes the raw data of runs that finished more than ``keep_raw_days`` ago (nothing
    when it is 0): database rows in one transaction, then the files it names."""
    days = settings.privacy.keep_raw_days
    if days <= 0:
        return RawDeleted(0, 0, 0, 0)
    moment = now or utcnow()
    cutoff = moment - timedelta(days=days)
    values = waiting = 0
    with uow:
        session = uow.session
        old = [
            _OldRun(row.id, row.name, row.file_name, row.file_sha256)
            for row in session.execute(
                sa.select(
                    ImportRun.id, ImportSource.name, ImportRun.file_name, ImportRun.file_sha256
                )
                .join(ImportSource, ImportSource.id == ImportRun.source_id)
                .where(
                    ImportRun.raw_deleted_at.is_(None),
                    sa.func.coalesce(ImportRun.finished_at, ImportRun.started_at) < cutoff,
                )
                .order_by(ImportRun.id)
            )
        ]
        for start in range(0, len(old), CHUNK):
            ids = [run.id for run in old[start : start + CHUNK]]
            values += rows_affected(
                session.execute(
                    sa.update(ImportRowProblem)
                    .where(ImportRowProblem.run_id.in_(ids), ImportRowProblem.value.is_not(None))
                    .values(value=None)
                )
            )
            waiting += rows_affected(
                session.execute(sa.delete(PendingRecord).where(PendingRecord.run_id.in_(ids)))
            )
            session.execute(
                sa.update(ImportRun).where(ImportRun.id.in_(ids)).values(raw_deleted_at=moment)
            )
        uow.commit()
    files = _remove_kept_files(settings, old)
    if old:
        log.info(
            "deleted the raw data of %d import runs older than %d days: %d values, "
            "%d waiting records, %d files",
            len(old), days, values, waiting, files,
        )  # fmt: skip
    return RawDeleted(len(old), values, waiting, files)


def _remove_kept_files(settings: Settings, runs: Sequence[_OldRun]) -> int:
    """The files watched folders moved to ``processed/`` for these runs: the file of the
    run's name (or a same-named copy kept beside it) whose content is the run's."""
    folders = {
        source.name: Path(source.location).expanduser() / PROCESSED_DIR
        for source in settings.sources
        if source.location and not source.is_sftp and source.after == "move"
    }
    removed = 0
    for run in runs:
        folder = folders.get(run.source)
        if folder is None or not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.name != run.file_name and not path.name.startswith(run.file_name + "."):
                continue
            try:
                if path.is_file() and file_digest(path).sha256 == run.sha256:
                    path.unlink()
                    removed += 1
            except OSError as exc:
                log.warning("could not delete %s: %s", path, exc.strerror or exc)
    return removed
