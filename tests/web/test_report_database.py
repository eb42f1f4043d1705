"""``[database] report_url``: reports read from a second database (a read replica) and never
write there; the requests, the audit log and everything else stay in the main database.

The report database here holds other data than the main one (the report fixture without the
workbook's additions), so each figure shows which database it came from. On PostgreSQL it is
made read-only, as a hot standby is: any write there would fail the report.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon.config import Settings
from corp_carbon.db.base import Base
from corp_carbon.db.models import AuditEvent, ReportJob
from corp_carbon.db.session import UnitOfWork, make_engine, make_session_factory
from corp_carbon.web.state import CarbonState
from tests import report_fixture
from tests.conftest import make_settings
from tests.system.test_cli import run
from tests.web.test_admin_reports import YEAR, _ask, _wait_until_built, officer  # noqa: F401

SUMMARY = "/api/v1/reports/summary?from=2026-01-01&to=2026-12-31"


def _fingerprint(url: str) -> dict[str, int]:
    """Rows per table: what a write would change."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def report_db_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second migrated database holding the report fixture (without the workbook's extras);
    read-only on PostgreSQL."""
    if db_backend == "sqlite":
        target = tmp_path / "replica.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        url = f"sqlite:///{target}"
    else:
        make: Callable[..., str] = request.getfixturevalue("pg_database")
        url = make(template=request.getfixturevalue("pg_template"))
    engine = make_engine(url)
    try:
        report_fixture.seed(UnitOfWork(make_session_factory(engine)))
        if db_backend == "postgresql":
            with engine.connect() as connection:
                name = engine.url.database
                connection.execute(
                    sa.text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
                )
                connection.commit()
    finally:
        engine.dispose()
    return url


@pytest.fixture
def settings(db_url: str, report_db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, database={"report_url": report_db_url})


@pytest.mark.usefixtures("officer")  # signed in as a sustainability officer
def test_the_reports_page_builds_from_the_report_database(
    client: FlaskClient, uow: UnitOfWork, db_url: str, report_db_url: str
) -> None:
    report_fixture.seed_workbook(uow)  # the main database: 22 activities, 864 kg
    before = _fingerprint(report_db_url)
    page = _ask(client, **YEAR, format="csv")
    html = _wait_until_built(client, page)
    assert "The report could not be built" not in html
    link = re.search(r'href="(/admin/reports/\d+/download)"', html)
    assert link, html
    with client.get(link.group(1)) as download:
        lines = [line for line in download.data.decode("utf-8-sig").splitlines() if line]
    # one line per activity of 2026: the report database's 15, not the main database's 22
    assert len(lines) - 1 == 15
    assert not any("mallory" in line.lower() or "expenses-2026-03" in line for line in lines)
    assert _fingerprint(report_db_url) == before
    with uow:  # the request, its progress and the audit trail are the main database's
        job = uow.session.scalars(sa.select(ReportJob)).one()
        assert (job.done, job.total) == (15, 15)
        actions = uow.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action.like("report.%"))
        ).all()
    assert sorted(actions) == ["report.downloaded", "report.requested"]


@pytest.mark.usefixtures("officer")
def test_the_summary_api_and_the_overview_read_the_report_database(
    client: FlaskClient, uow: UnitOfWork, state: CarbonState, report_db_url: str
) -> None:
    report_fixture.seed_workbook(uow)
    with state.report_uow() as reading:  # as on a hot standby, a write there would fail
        if reading.session.get_bind().dialect.name == "postgresql":
            assert reading.session.scalar(sa.text("SHOW transaction_read_only")) == "on"
    before = _fingerprint(report_db_url)
    total = client.get(SUMMARY).get_json()["total"]
    # the report database's 2026: 50 kg of rail, 750 of flights, 16 of commutes
    assert (total["activities"], total["kg_co2e"]) == (15, 816.0)
    overview = client.get("/admin?from=2026-01-01&to=2026-12-31")
    assert overview.status_code == 200
    assert "816" in overview.get_data(as_text=True)
    assert _fingerprint(report_db_url) == before


@pytest.mark.slow
def test_the_report_command_reads_the_report_database(
    db_url: str, report_db_url: str, uow: UnitOfWork, tmp_path: Path
) -> None:
    report_fixture.seed_workbook(uow)
    before = _fingerprint(report_db_url)
    env = {
        "CORP_CARBON_DATABASE_URL": db_url,
        "CORP_CARBON_DATABASE_REPORT_URL": report_db_url,
        "CORP_CARBON_APP_MODE": "development",
    }
    result = run(["report", "--from", "2026-01-01", "--to", "2026-12-31", "-o", "r.xlsx"],
                 env, tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    # the main database would say 22 activities, 0.864 t (test_cli_report.py)
    assert "15 activities, 0.816 t CO2e measured" in result.stdout
    assert _fingerprint(report_db_url) == before
