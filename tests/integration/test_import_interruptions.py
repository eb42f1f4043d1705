"""An import run the database went away from: marked failed at once when the database answers
again right away, else from the note its process left, by the next sweep; a note of another
database sharing the instance folder is left alone. (SQLite here; PostgreSQL stopped for real
in tests/system/test_database_faults.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import ImportRun
from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger
from corp_carbon.services.imports import interruptions
from corp_carbon.services.imports.run_records import open_run
from corp_carbon.services.imports.values import ImportRequest

SHA = "ab" * 32


def _running_run(uow: UnitOfWork) -> int:
    request = ImportRequest("navan", Path("x.csv"), "x.csv", ImportTrigger.CLI, "cli:test")
    with uow:
        run = open_run(uow.session, request, SHA, 10)
        uow.commit()
        return run.id


def _run(uow: UnitOfWork, run_id: int) -> tuple[ImportRunStatus, str | None]:
    with uow:
        run = uow.session.get(ImportRun, run_id)
        assert run is not None
        return run.status, run.error


def test_a_database_back_at_once_gets_the_run_marked_failed_now(
    uow: UnitOfWork, settings: Settings
) -> None:
    run_id = _running_run(uow)
    told = interruptions.interrupted(uow, settings, run_id, SHA, last_row=250)
    assert str(told) == (
        f"Import run {run_id} stopped after row 250 and is marked failed; "
        "import the file again to complete it"
    )
    status, error = _run(uow, run_id)
    assert status is ImportRunStatus.FAILED
    assert error is not None and error.startswith("interrupted: the database went away at ")
    assert error.endswith("after row 250; import the file again to complete it")
    assert not (settings.instance_dir / interruptions.NOTES_DIR).exists()


def test_a_database_still_away_leaves_a_note_the_next_sweep_reads(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    run_id = _running_run(uow)
    gone = make_engine(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite'}")
    (tmp_path / "gone" / "x.sqlite").parent.rmdir()  # make_engine made it; now nothing opens
    try:
        told = interruptions.interrupted(
            UnitOfWork(make_session_factory(gone)), settings, run_id, SHA, last_row=100
        )
    finally:
        gone.dispose()
    assert "is marked failed once the database is back" in str(told)
    assert _run(uow, run_id) == (ImportRunStatus.RUNNING, None)
    notes = settings.instance_dir / interruptions.NOTES_DIR
    [note] = notes.glob("*.json")
    other = notes / "other.json"
    other.write_text(json.dumps({**json.loads(note.read_text()), "database": "sqlite:///else"}))

    [closed] = interruptions.sweep(uow, settings)
    assert closed.run_id == run_id
    assert closed.error.startswith("interrupted: the database went away at ")
    assert _run(uow, run_id) == (ImportRunStatus.FAILED, closed.error)
    assert sorted(p.name for p in notes.iterdir()) == ["other.json"]  # another database's
    assert interruptions.sweep(uow, settings) == []


def test_a_note_for_a_run_that_finished_meanwhile_changes_nothing(
    uow: UnitOfWork, settings: Settings
) -> None:
    run_id = _running_run(uow)
    with uow:
        uow.session.execute(
            sa.update(ImportRun)
            .where(ImportRun.id == run_id)
            .values(status=ImportRunStatus.SUCCEEDED)
        )
        uow.commit()
    notes = settings.instance_dir / interruptions.NOTES_DIR
    notes.mkdir(parents=True)
    database = sa.make_url(settings.database_url).render_as_string(hide_password=True)
    (notes / "run.json").write_text(
        json.dumps({"run_id": run_id, "sha256": SHA, "database": database, "error": "x"})
    )
    assert interruptions.sweep(uow, settings) == []
    assert _run(uow, run_id) == (ImportRunStatus.SUCCEEDED, None)
    assert list(notes.iterdir()) == []
