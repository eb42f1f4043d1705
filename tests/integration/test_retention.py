"""Raw import data is kept ``[privacy] keep_raw_days`` and then deleted: the values a run's
row problems quote, the records that waited for their traveller and a file a watched folder
kept in processed/; the run's counts and problems stay, and its page says what happened
(SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon.config import Settings, SourceConfig
from corp_carbon.db.models import (
    ErasureRequest,
    ImportRowProblem,
    ImportRun,
    ImportSource,
    PendingRecord,
)
from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.db.types import utcnow
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.jobs import tasks
from corp_carbon.services.imports.retention import delete_raw_data
from corp_carbon.services.people import erasures
from corp_carbon.web.state import CarbonState
from tests.conftest import make_settings
from tests.erasure_fixture import add_run
from tests.support import OPERATOR
from tests.web.test_admin_employees import main_text

OLD_CONTENT = b"uuid,bookingId\nold-1,NVN-1\n"
KIM = "kim.novak@partner.example"


@pytest.fixture
def watched(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    (folder / "processed").mkdir(parents=True)
    return folder


@pytest.fixture
def settings(db_url: str, tmp_path: Path, watched: Path) -> Settings:
    base = make_settings(db_url, tmp_path, privacy={"keep_raw_days": 90})
    source = SourceConfig(name="navan-folder", connector="navan", location=str(watched))
    return base.model_copy(update={"sources": [source]})


def _run(uow: UnitOfWork, *, days_ago: int, file_name: str, sha256: str) -> int:
    """A run that finished ``days_ago`` days ago, with two problems and a waiting record."""
    with uow:
        source = uow.session.scalar(
            sa.select(ImportSource).where(ImportSource.name == "navan-folder")
        )
        if source is None:
            source = ImportSource(name="navan-folder", connector="navan")
            uow.session.add(source)
            uow.session.flush()
        source_id = source.id
        uow.commit()
    return add_run(
        uow, source_id, file_name=file_name, started_by="schedule:navan-folder",
        finished_at=utcnow() - timedelta(days=days_ago), name="Kim Novak", email=KIM,
        sha256=sha256,
    )  # fmt: skip


def _problems(uow: UnitOfWork, run_id: int) -> list[tuple[str, str, str | None]]:
    with uow:
        return [
            (p.field, p.reason, p.value)
            for p in uow.session.scalars(
                sa.select(ImportRowProblem)
                .where(ImportRowProblem.run_id == run_id)
                .order_by(ImportRowProblem.row_number)
            )
        ]


def _state(uow: UnitOfWork, run_id: int) -> tuple[object, ...]:
    with uow:
        run = uow.session.get(ImportRun, run_id)
        assert run is not None
        waiting = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(PendingRecord)
            .where(PendingRecord.run_id == run_id)
        )
        return (
            run.rows_read,
            run.imported,
            run.rejected,
            run.waiting,
            waiting,
            run.raw_deleted_at is not None,
        )


def test_raw_data_older_than_keep_raw_days_is_deleted_and_the_counts_stay(
    state: CarbonState, watched: Path
) -> None:
    uow, settings = state.uow(), state.settings
    sha = hashlib.sha256(OLD_CONTENT).hexdigest()
    old = _run(uow, days_ago=100, file_name="navan-2025-08.csv", sha256=sha)
    recent = _run(uow, days_ago=10, file_name="navan-2026-11.csv", sha256="0" * 64)
    kept = watched / "processed"
    (kept / "navan-2025-08.csv").write_bytes(OLD_CONTENT)
    (kept / "navan-2025-08.csv.20250901T020000000000Z").write_bytes(OLD_CONTENT)  # same name again
    (kept / "navan-2025-08.csv.20260101T020000000000Z").write_bytes(b"a newer export\n")
    (kept / "navan-2026-11.csv").write_bytes(b"recent\n")

    done = delete_raw_data(uow, settings)

    assert (done.runs, done.values, done.waiting, done.files) == (1, 2, 1, 2)
    assert _problems(uow, old) == [
        ("passengers.person.email", "no employee with this email", None),
        ("startDate", "not a valid date", None),
    ]
    assert _state(uow, old) == (3, 1, 1, 1, 0, True)  # counts stay; the waiting record went
    assert _problems(uow, recent)[0][2] == KIM.upper()
    assert _state(uow, recent) == (3, 1, 1, 1, 1, False)
    assert sorted(p.name for p in kept.iterdir()) == [
        "navan-2025-08.csv.20260101T020000000000Z",  # other content under the name: not ours
        "navan-2026-11.csv",
    ]
    again = delete_raw_data(uow, settings)
    assert again.runs == 0  # each run once


def test_keep_raw_days_0_keeps_everything(db_url: str, tmp_path: Path, uow: UnitOfWork) -> None:
    forever = make_settings(db_url, tmp_path, privacy={"keep_raw_days": 0})
    old = _run(uow, days_ago=3000, file_name="old.csv", sha256="0" * 64)
    assert delete_raw_data(uow, forever).runs == 0
    assert _state(uow, old) == (3, 1, 1, 1, 1, False)
    assert _problems(uow, old)[0][2] == KIM.upper()


def test_the_run_page_says_when_the_raw_data_was_deleted(
    operator: FlaskClient, state: CarbonState
) -> None:
    uow = state.uow()
    old = _run(uow, days_ago=100, file_name="old.csv", sha256="0" * 64)
    recent = _run(uow, days_ago=10, file_name="recent.csv", sha256="0" * 64)
    delete_raw_data(uow, state.settings)

    text = main_text(operator.get(f"/admin/imports/{old}").get_data(as_text=True))
    day = utcnow().strftime("%Y-%m-%d")
    assert (
        f"The raw data of this run was deleted on {day}, 100 days after the import: the values "
        "quoted from the file, the bookings that waited for their traveller and any copy of the "
        "file kept in the source folder. The counts and the problems (row, column, reason) stay."
    ) in text
    assert "passengers.person.email no employee with this email (deleted) Rejected" in text
    assert KIM.upper() not in text
    assert "startDate Not a valid date (expected YYYY-MM-DD) (deleted) Warning" in text

    html = operator.get(f"/admin/imports/{recent}").get_data(as_text=True)
    text = main_text(html)
    assert (
        "The values quoted from the file below, the bookings waiting for their traveller and any "
        "copy of the file kept in the source folder are deleted 90 days after the import."
    ) in text
    assert f"<code>{KIM.upper()}</code>" in html


def test_the_privacy_jobs_erase_what_is_due_and_delete_old_raw_data(
    db_url: str,
    settings: Settings,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
) -> None:
    person = create_employee(email="ben@example.com", name="Ben Other")
    now_due = settings.model_copy(
        update={"privacy": settings.privacy.model_copy(update={"erase_after_days": 0})}
    )
    erasures.request_erasure(uow, now_due, OPERATOR, person.id, reason="left")
    old = _run(uow, days_ago=100, file_name="old.csv", sha256="0" * 64)
    engine = make_engine(db_url)
    tasks.set_runtime(tasks.Runtime(now_due, engine, make_session_factory(engine)))
    try:
        tasks.erase_due()
        tasks.apply_retention()
    finally:
        tasks.set_runtime(None)
        engine.dispose()
    with uow:
        request = uow.session.scalars(sa.select(ErasureRequest)).one()
        assert request.outcome is not None and request.outcome.value == "erased"
    assert _state(uow, old)[-1] is True
