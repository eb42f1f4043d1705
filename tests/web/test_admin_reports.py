"""The reports page: a sustainability officer asks for the workbook of a period, watches it
being built in the background and downloads it; the figures are those of the fixture."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from openpyxl import load_workbook

from corp_carbon.db.models import AuditEvent, ReportJob
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from tests import report_fixture
from tests.support import csrf_token

PAGE = "/admin/reports"
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


@pytest.fixture
def officer(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> FlaskClient:
    person = create_employee(email="sofia@example.com", roles=("sustainability",))
    log_in_as(client, person.id, "sustainability")
    return client


def _ask(client: FlaskClient, **form: str | list[str]) -> str:
    """The new report's page address, after following the form's 303."""
    token = csrf_token(client, PAGE)
    response = client.post(PAGE, data={"csrf_token": token, **form})
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    return response.headers["Location"]


def _wait_until_built(client: FlaskClient, page: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        html = client.get(page).get_data(as_text=True)
        if 'http-equiv="refresh"' not in html:
            return html
        time.sleep(0.2)
    raise AssertionError(f"{page} still building after {seconds} s")


def test_the_workbook_is_built_in_the_background_and_downloaded(
    officer: FlaskClient, uow: UnitOfWork
) -> None:
    report_fixture.seed_workbook(uow)
    page = _ask(officer, **YEAR, format="xlsx")
    html = _wait_until_built(officer, page)
    assert "ESG report, 2026-01-01 to 2026-12-31" in html
    link = re.search(r'href="(/admin/reports/\d+/download)"', html)
    assert link, html
    with officer.get(link.group(1)) as download:
        assert download.status_code == 200
        disposition = download.headers["Content-Disposition"]
        data = download.data
    assert "attachment" in disposition and "esg-report-2026-01-01-2026-12-31-" in disposition
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames[:4] == [
        "Summary", "Business travel (cat 6)", "Commuting (cat 7)", "Avoided and points",
    ]  # fmt: skip
    book.close()
    listing = officer.get(PAGE).get_data(as_text=True)
    assert "Ready" in listing and "asked by you" in listing
    with uow:
        actions = uow.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action.like("report.%"))
        ).all()
        job = uow.session.scalars(sa.select(ReportJob)).one()
        assert (job.done, job.total) == (job.total, job.total) and job.total > 0
    assert sorted(actions) == ["report.downloaded", "report.requested"]


def test_a_csv_of_one_department_carries_the_detail_rows(
    officer: FlaskClient, uow: UnitOfWork
) -> None:
    report_fixture.seed_workbook(uow)
    page = _ask(officer, **YEAR, format="csv", department="Sales")
    html = _wait_until_built(officer, page)
    link = re.search(r'href="(/admin/reports/\d+/download)"', html)
    assert link, html
    with officer.get(link.group(1)) as download:
        text = download.data.decode("utf-8-sig")
    lines = [line for line in text.splitlines() if line]
    assert len(lines) > 1
    assert all(",Sales," in line for line in lines[1:])


def test_a_bad_period_is_refused_naming_the_field_and_nothing_is_queued(
    officer: FlaskClient, uow: UnitOfWork
) -> None:
    token = csrf_token(officer, PAGE)
    refused = officer.post(PAGE, data={"csrf_token": token, "from": "2026-13-01", "to": ""})
    assert refused.status_code == 400
    assert "from" in refused.get_data(as_text=True)
    backwards = officer.post(
        PAGE, data={"csrf_token": token, "from": "2026-02-01", "to": "2026-01-01"}
    )
    assert backwards.status_code == 400
    assert "after to 2026-01-01" in backwards.get_data(as_text=True)
    assert 'value="2026-02-01"' in backwards.get_data(as_text=True)  # the form keeps it
    with uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(ReportJob)) == 0


def test_an_unknown_department_fails_in_words(officer: FlaskClient, uow: UnitOfWork) -> None:
    report_fixture.seed_workbook(uow)
    html = _wait_until_built(officer, _ask(officer, **YEAR, department="Nowhere"))
    assert "The report could not be built" in html
    assert "Nowhere" in html
    assert "Traceback" not in html


@pytest.mark.parametrize("role", ["hr", "employee"])
def test_only_sustainability_and_admins_reach_the_reports(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
    role: str,
) -> None:
    person = create_employee(email=f"{role}@example.com", roles=(role,))
    log_in_as(client, person.id, *([role] if role != "employee" else []))
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/1").status_code == 403
    assert client.get(f"{PAGE}/1/download").status_code == 403
