"""A disk that cannot take the ESG workbook, for real: the build runs in a child process whose
file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes the write fail with EFBIG, as a full
disk fails it with ENOSPC. The report job ends failed with a message naming the cause, and
no file (whole or partial) is left where the report would be; the CLI's report the same. The
next build, with room, succeeds. PostgreSQL only: an SQLite database file would hit the
limit first."""

from __future__ import annotations

import multiprocessing
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.domain.people import Actor
from corp_carbon.domain.reports import ReportOptions
from corp_carbon.domain.vocabulary import ReportStatus
from corp_carbon.services.reports import jobs as report_jobs
from corp_carbon.services.reports.jobs import Progress, build_file
from tests.conftest import make_settings
from tests.navan_fixture import cli_env
from tests.report_fixture import PERIOD, seed_workbook

#: bytes a file may grow to in the child: the workbook is larger.
LIMIT = 4096
OPTIONS = ReportOptions(*PERIOD)


def _small_disk() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)


def _build_in_child(db_url: str, instance: str, report_id: int, room: bool) -> None:
    """The report job's build, in a process of its own (with or without room)."""
    if not room:
        _small_disk()
    settings = make_settings(db_url, Path(instance))
    engine = make_engine(db_url)
    uows = make_session_factory(engine)

    def build(options: ReportOptions, path: Path, progress: Progress) -> None:
        build_file(UnitOfWork(uows), settings, options, path, progress)

    try:
        report_jobs.build_report(lambda: UnitOfWork(uows), settings, report_id, build)
    finally:
        engine.dispose()


def _run_child(db_url: str, instance: Path, report_id: int, *, room: bool) -> None:
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=_build_in_child, args=(db_url, str(instance), report_id, room))
    child.start()
    child.join(120)
    assert child.exitcode == 0


@pytest.fixture
def pg_url(pg_database: Callable[..., str], pg_template: str) -> str:
    return pg_database(template=pg_template)


def test_a_report_job_on_a_full_disk_fails_cleanly(pg_url: str, tmp_path: Path) -> None:
    settings = make_settings(pg_url, tmp_path)
    engine = make_engine(pg_url)
    uows = make_session_factory(engine)
    try:
        seed_workbook(UnitOfWork(uows))
        asked = report_jobs.request_report(UnitOfWork(uows), Actor(label="t"), OPTIONS)
        _run_child(pg_url, tmp_path, asked.id, room=False)
        view = report_jobs.get_report(UnitOfWork(uows), asked.id)
        assert view.status is ReportStatus.FAILED
        assert view.error == (
            "the report could not be written on the server (File too large); "
            "ask again once the server has room for it"
        )
        folder = report_jobs.reports_dir(settings)
        assert [p.name for p in folder.iterdir()] == []  # no partial file, no corrupt one

        again = report_jobs.request_report(UnitOfWork(uows), Actor(label="t"), OPTIONS)
        _run_child(pg_url, tmp_path, again.id, room=True)
        done = report_jobs.get_report(UnitOfWork(uows), again.id)
        assert done.status is ReportStatus.DONE and done.file_name is not None
        assert [p.name for p in folder.iterdir()] == [done.file_name]
        assert load_workbook(folder / done.file_name).sheetnames[0] == "Summary"
    finally:
        engine.dispose()


def test_the_cli_report_on_a_full_disk_leaves_no_file(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    try:
        seed_workbook(UnitOfWork(make_session_factory(engine)))
    finally:
        engine.dispose()
    output = tmp_path / "out" / "esg-2026.xlsx"
    output.parent.mkdir()
    command = [sys.executable, "-m", "corp_carbon", "report", "--from", "2026-01-01",
               "--to", "2026-12-31", "--output", str(output)]  # fmt: skip
    done = subprocess.run(
        command, env=cli_env(pg_url, tmp_path, 500), capture_output=True, text=True,
        timeout=120, preexec_fn=_small_disk,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"Error: --output {str(output)!r}: File too large: check the free space there and "
        f"in {tempfile.gettempdir()}"
    )
    assert list(output.parent.iterdir()) == []
