"""A ``corp-carbon scheduler`` killed (SIGKILL) while a job runs: the next leader runs that
job again once, not twice, and the import it was doing completes to the totals of one run.

APScheduler moves a job's next run time on before it runs it, so without the run's note in
the job store (``corp_carbon.jobs.resume``) the cut-short run was simply lost until the
job's next scheduled time (here an hour; for the points expiry, a month).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy.orm import Session

from corp_carbon.config import load_settings
from corp_carbon.db.models import ImportRun
from corp_carbon.db.session import make_engine
from corp_carbon.domain.vocabulary import ImportRunStatus
from corp_carbon.jobs.scheduler import JOBS_TABLE, build_scheduler, sync_jobs
from tests.integration.test_scheduler import Process, scheduler_config, wait_until
from tests.navan_fixture import add_travellers, committed_rows, navan_file, totals

ROWS = 1200
BATCH = 50
JOB = "pull:drop"

pytestmark = pytest.mark.slow


def _stored_jobs(db_url: str) -> dict[str, float | None]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as c:
            rows = c.execute(sa.text(f"SELECT id, next_run_time FROM {JOBS_TABLE}")).all()
    finally:
        engine.dispose()
    return dict(rows)  # id -> next run time (epoch seconds)


def _due_now(config: Path, db_url: str) -> None:
    """Stores the job table with the pull due at once (as if its hour had come)."""
    settings = load_settings(config, environ={})
    engine = make_engine(db_url)
    scheduler = build_scheduler(settings, engine)
    scheduler.start(paused=True)
    try:
        sync_jobs(scheduler, settings)
    finally:
        scheduler.shutdown(wait=False)
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    store.start(scheduler, "default")
    try:  # in the store itself: a scheduler told to run the job now would run it here
        job = store.lookup_job(JOB)
        job.next_run_time = datetime.now(UTC)
        store.update_job(job)
    finally:
        store.shutdown()


def test_a_scheduler_killed_mid_job_runs_it_again_once(
    pg_database: Callable[..., str], pg_template: str, tmp_path: Path
) -> None:
    db_url = pg_database(template=pg_template)
    add_travellers(db_url)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    navan_file(inbox / "navan_big.csv", ROWS, rail_every=4)
    more = f"[imports]\nbatch_size = {BATCH}"
    config = scheduler_config(tmp_path, db_url, inbox, schedule="every 1h", more=more)
    _due_now(config, db_url)

    first = Process(config, tmp_path / "first.log")
    try:
        wait_until(lambda: committed_rows(db_url) >= ROWS // 4, 60, "the pull's import to start")
        first.popen.send_signal(signal.SIGKILL)
        first.popen.wait(10)
    finally:
        first.close()
    stored = _stored_jobs(db_url)
    hour_away = (datetime.now(UTC) + timedelta(minutes=50)).timestamp()
    assert (stored[JOB] or 0) > hour_away  # APScheduler moved the job on before running it
    assert len([j for j in stored if j.startswith(f"resume:{JOB}#")]) == 1  # the run's note
    assert [r.status for r in _runs(db_url)] == [ImportRunStatus.RUNNING]

    second = Process(config, tmp_path / "second.log")
    try:
        wait_until(lambda: (inbox / "processed" / "navan_big.csv").exists(), 60, "the rerun")
        time.sleep(2)  # a second rerun, or the hourly run, would have started by now
        second.popen.send_signal(signal.SIGTERM)
        assert second.popen.wait(30) == 0
    finally:
        second.close()
    log = second.text()
    assert log.count(f"job {JOB} was cut short when its scheduler stopped") == 1
    assert "Traceback" not in first.text() + log
    runs = _runs(db_url)
    assert [r.status for r in runs] == [ImportRunStatus.FAILED, ImportRunStatus.SUCCEEDED]
    assert runs[0].error == f"interrupted; run {runs[1].id} repeated the file"
    assert totals(db_url)["activities"] == ROWS
    assert not [j for j in _stored_jobs(db_url) if j.startswith("resume:")]


def _runs(db_url: str) -> list[ImportRun]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(sa.select(ImportRun).order_by(ImportRun.id)))
    finally:
        engine.dispose()
