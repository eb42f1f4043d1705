"""Import runs cut short by a database outage: recorded failed, now or when it is back.

A run whose database goes away mid-file keeps its committed batches (each one is a
transaction). The process tries once to mark the run ``failed`` with where it stopped; when
the database still does not answer, it leaves a note in the instance folder, and the next
import, the scheduler, or ``corp-carbon imports list`` marks the run from the note once the
database is back. Importing the file again completes it (stored bookings count as unchanged).
A run killed outright (no note) is marked when the same file is imported again
(``run_records.open_run``).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from corp_carbon.config import Settings
from corp_carbon.db.models import ImportRun
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.vocabulary import ImportRunStatus
from corp_carbon.services import outage

log = logging.getLogger("corp_carbon.imports")

#: the instance folder's subfolder of notes about runs the database went away from.
NOTES_DIR = "interrupted-imports"


@dataclass(frozen=True)
class Closed:
    """A stale run marked failed, and why."""

    run_id: int
    error: str


def interrupted(
    uow: UnitOfWork, settings: Settings, run_id: int, sha256: str, last_row: int
) -> outage.Interrupted:
    """Records that the database went away from run ``run_id`` after ``last_row``; returns
    what to tell the operator (the caller raises it from the outage)."""
    at = utcnow()
    error = (
        f"interrupted: the database went away at {at:%Y-%m-%d %H:%M:%S} UTC, after row "
        f"{last_row}; import the file again to complete it"
    )
    try:
        marked = _mark(uow, run_id, sha256, error)
    except Exception as exc:
        if not outage.is_outage(exc):
            raise
        _write_note(settings, run_id, sha256, error)
        recorded = (
            "is marked failed once the database is back (by the next import, the scheduler "
            "or 'corp-carbon imports list')"
        )
    else:
        recorded = "is marked failed" if marked else "was closed meanwhile"
    return outage.Interrupted(
        f"Import run {run_id} stopped after row {last_row} and {recorded}; "
        "import the file again to complete it"
    )


def sweep(uow: UnitOfWork, settings: Settings) -> list[Closed]:
    """Marks failed the runs this database's notes name, if still running; drops the notes.
    Notes of another database sharing the instance folder are left alone."""
    folder = settings.instance_dir / NOTES_DIR
    if not folder.is_dir():
        return []
    here = _database(settings)
    closed = []
    for path in sorted(folder.glob("*.json")):
        try:
            note = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being written, or not ours: a later sweep sees it
        if note.get("database") != here:
            continue
        run_id, error = int(note["run_id"]), str(note["error"])
        if _mark(uow, run_id, str(note["sha256"]), error):
            log.warning("import run %s marked failed: %s", run_id, error)
            closed.append(Closed(run_id, error))
        path.unlink(missing_ok=True)
    return closed


def _mark(uow: UnitOfWork, run_id: int, sha256: str, error: str) -> bool:
    """Marks the run failed if it is still running; whether it was."""
    with uow:
        done = uow.session.execute(
            sa.update(ImportRun)
            .where(
                ImportRun.id == run_id,
                ImportRun.file_sha256 == sha256,
                ImportRun.status == ImportRunStatus.RUNNING,
            )
            .values(status=ImportRunStatus.FAILED, error=error, finished_at=utcnow())
            .returning(ImportRun.id)
        ).first()
        uow.commit()
    return done is not None


def _database(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def _write_note(settings: Settings, run_id: int, sha256: str, error: str) -> None:
    """Writes the note atomically (a sweep never reads half of one)."""
    folder = settings.instance_dir / NOTES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    note = {
        "run_id": run_id,
        "sha256": sha256,
        "database": _database(settings),
        "error": error,
    }
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".note-", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(note, out)
    Path(temporary).replace(folder / f"run-{run_id}-{sha256[:12]}.json")
