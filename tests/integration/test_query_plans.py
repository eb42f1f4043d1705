"""The queries behind the pages, the API and the reports read by index: every statement a
page issues for one employee, and every statement of a one-month report over several years,
is planned by PostgreSQL with ``EXPLAIN (FORMAT JSON)``, and a sequential scan of a big table
fails the test, naming the page and the statement.

PostgreSQL only: the question is what the production database's planner does with realistic
statistics. SQLite's planner has no cost model to speak of (it uses any index that matches),
so a plan there says nothing about one at 100,000 employees.

The database is the employee-page benchmark's (``benchmarks/page_data.py``) at 1,000
employees: about 100,000 activities and assessments and 110,000 ledger entries, each
employee holding 50-460 of them, so one employee is well under 1 % of every table, as in
production. The replicas' years are spread over four years back (``years=4``), so a month
is about 2 % of the activities. Then ``VACUUM ANALYZE``: the planner works from real
statistics, not from the defaults of tables it has never seen. (At 100 employees the tables
are small enough that a sequential scan is the cheaper plan, and rightly chosen.)

The statements are the real ones: a ``before_cursor_execute`` listener records them, with
their parameters, while the Flask test client fetches the pages; each is then planned with
the same parameters. The rules:

- **One employee's pages and API, and HR's profile of one employee**: no ``Seq Scan`` of
  activities, assessments, ledger entries, ledger transactions or ledger accounts.
- **Reports of one month** (the company overview, the report summary API, the ESG workbook):
  no ``Seq Scan`` of activities or assessments: the month's activities come from the travel
  date's index, their assessments one by one from the activity's. The ledger is exempt
  there: the points position needs the opening balance, a sum over every entry posted
  before the period, so the whole ledger up to the period's end is read by design (one
  pass, in the database).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from benchmarks import bench_pages, page_data
from corp_carbon import create_app
from corp_carbon.db.models import EmployeeRole
from corp_carbon.services.reports.gathering import ReportRequest
from corp_carbon.services.reports.workbook import write_report
from corp_carbon.web.access import (
    SESSION_EMPLOYEE,
    SESSION_LOGIN_METHOD,
    SESSION_ROLES,
    SESSION_VERSION,
)
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests.conftest import PG_SERVER

EMPLOYEES = 1000
YEARS = 4
#: a big table no page of one employee may read whole.
PER_EMPLOYEE = frozenset(
    {"activities", "assessments", "ledger_entries", "ledger_transactions", "ledger_accounts"}
)
#: a big table no report of one month may read whole (the ledger: see the module docstring).
PER_PERIOD = frozenset({"activities", "assessments"})

#: one employee's pages and API reads, as the employee; ``{trip}`` is one of their trips.
EMPLOYEE_PAGES = (
    ("home", "/"),
    ("trips", "/trips"),
    ("trips filtered", "/trips?period=last-12-months&mode=rail&kind=business_travel"),
    ("trips page 2", "/trips?page=2"),
    ("trip detail", "/trips/{trip}"),
    ("points", "/points"),
    ("rewards", "/rewards"),
    ("commute", "/commute"),
    ("my data", "/my-data"),
    ("my data export", "/api/v1/me/export?format=json"),
    ("team", "/team"),
    ("widget", "/widget"),
    ("api me", "/api/v1/me"),
    ("api activities", "/api/v1/me/activities"),
    ("api activities filtered", "/api/v1/me/activities?mode=rail&kind=commute"),
    ("api summary", "/api/v1/me/summary"),
    ("api ledger", "/api/v1/me/ledger"),
    ("api commute profile", "/api/v1/me/commute-profile"),
)
#: pages about one employee that HR opens.
HR_PAGES = (("employee profile (HR)", "/admin/employees/{me}"),)


@dataclass
class Captured:
    """The statements one page ran, with their parameters."""

    page: str
    url: str
    statements: list[tuple[str, Any]] = field(default_factory=list)


class Recorder:
    def __init__(self, engine: sa.Engine) -> None:
        self.current: Captured | None = None
        sa.event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.current is not None:
            self.current.statements.append((statement, params))


@dataclass
class Plans:
    """Every captured page, by name."""

    pages: dict[str, Captured]
    url: str


def _month(today: date) -> tuple[date, date]:
    """A whole month about two years back: inside the spread history, not its edge."""
    first = (today.replace(day=1) - timedelta(days=730)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def _sign_in(client: FlaskClient, employee_id: int, roles: list[str]) -> None:
    with client.session_transaction() as session:
        session[SESSION_EMPLOYEE] = employee_id
        session[SESSION_ROLES] = roles
        session[SESSION_LOGIN_METHOD] = "test"
        session[SESSION_VERSION] = 0


@pytest.fixture(scope="module")
def plans(pg_admin: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plans]:
    name = f"cc_plans_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_SERVER}/{name}"
    instance = tmp_path_factory.mktemp("plans")
    try:
        built = page_data.build(url, EMPLOYEES, instance=str(instance), years=YEARS, say=_quiet)
        yield Plans(_capture(url, built.measured_id, instance), url)
    finally:
        with pg_admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _quiet(_: str) -> None:
    pass


def _capture(url: str, me: int, instance: Path) -> dict[str, Captured]:
    settings = page_data.settings_for(url, str(instance))
    app: Flask = create_app(settings)
    app.config["TESTING"] = True
    state: CarbonState = app.extensions[EXTENSION_KEY]
    recorder = Recorder(state.engine)
    pages: dict[str, Captured] = {}
    try:
        trip = bench_pages.measured_trip(state.engine, me)
        with state.engine.connect() as conn:
            admin = conn.scalar(
                sa.select(sa.func.min(EmployeeRole.employee_id)).where(EmployeeRole.role == "admin")
            )
        assert admin is not None, "the demo company has an administrator"

        def fetch(client: FlaskClient, page: str, url: str) -> None:
            recorder.current = pages[page] = Captured(page, url)
            try:
                response = client.get(url)
            finally:
                recorder.current = None
            assert response.status_code == 200, (page, url, response.get_data()[:500])

        employee = app.test_client()
        _sign_in(employee, me, ["employee"])
        for page, pattern in EMPLOYEE_PAGES:
            fetch(employee, page, pattern.format(trip=trip))
        hr = app.test_client()
        _sign_in(hr, admin, ["employee", "admin", "hr", "sustainability"])
        for page, pattern in HR_PAGES:
            fetch(hr, page, pattern.format(me=me))
        first, last = _month(datetime.now(UTC).date())
        span = f"from={first.isoformat()}&to={last.isoformat()}"
        fetch(hr, "overview, one month", f"/admin?{span}")
        fetch(
            hr,
            "report summary API, one month",
            f"/api/v1/reports/summary?{span}&group_by=department,mode",
        )
        recorder.current = pages["ESG workbook, one month"] = Captured("ESG workbook", "")
        try:
            write_report(state.uow(), settings, ReportRequest(first, last), io.BytesIO())
        finally:
            recorder.current = None
    finally:
        state.engine.dispose()
    return pages


def _seq_scans(plan: dict[str, Any]) -> Iterator[str]:
    if plan.get("Node Type") == "Seq Scan":
        yield str(plan.get("Relation Name"))
    for child in plan.get("Plans", ()):
        yield from _seq_scans(child)


def _scanned_whole(plans: Plans, page: str, watched: frozenset[str]) -> list[str]:
    """The page's statements whose plan reads a watched table sequentially, as messages."""
    captured = plans.pages[page]
    found = []
    engine = sa.create_engine(plans.url)
    try:
        with engine.connect() as conn:
            for statement, params in captured.statements:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                explained = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params)
                document = explained.scalar_one()
                plan = (json.loads(document) if isinstance(document, str) else document)[0]
                tables = sorted(set(_seq_scans(plan["Plan"])) & watched)
                if tables:
                    sql = " ".join(statement.split())
                    found.append(f"{page} ({captured.url}): Seq Scan on {', '.join(tables)}: {sql}")
    finally:
        engine.dispose()
    return found


@pytest.mark.parametrize("page", [p for p, _ in EMPLOYEE_PAGES + HR_PAGES])
def test_one_employees_page_reads_their_rows_by_index(plans: Plans, page: str) -> None:
    assert plans.pages[page].statements, f"{page}: no statement captured"
    assert _scanned_whole(plans, page, PER_EMPLOYEE) == []


@pytest.mark.parametrize(
    "page", ["overview, one month", "report summary API, one month", "ESG workbook, one month"]
)
def test_a_months_report_reads_that_month_by_the_travel_date(plans: Plans, page: str) -> None:
    assert plans.pages[page].statements, f"{page}: no statement captured"
    assert _scanned_whole(plans, page, PER_PERIOD) == []


def test_the_check_sees_a_sequential_scan(plans: Plans) -> None:
    """A statement that must read every activity is caught (the check is not blind)."""
    plans.pages["a whole-table count"] = Captured(
        "a whole-table count",
        "",
        [("SELECT count(*) FROM activities WHERE note = %(note)s", {"note": "x"})],
    )
    found = _scanned_whole(plans, "a whole-table count", PER_EMPLOYEE)
    assert found == [
        "a whole-table count (): Seq Scan on activities: "
        "SELECT count(*) FROM activities WHERE note = %(note)s"
    ]
