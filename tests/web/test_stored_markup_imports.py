"""No stored markup runs when it arrives through an import (issue 15): a Navan export whose
vendors, cities, departments, service numbers and file name carry script payloads and
formulas, one row of it naming an airport that does not exist (its problem quotes the
payload), is imported; then every page is fetched in both languages as the traveller, as a
person holding only HR, only sustainability, only admin, and as one holding all three. The
payloads show as text and never as markup, and the exports (the employee's own CSV and JSON,
the report's detail CSV and workbook, the audit log) keep every formula as text. On SQLite
and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ImportTrigger, Mode
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import ImportRequest
from corp_carbon.services.reports.gathering import ReportRequest
from corp_carbon.services.reports.workbook import write_report
from corp_carbon.web.state import CarbonState
from tests.web.test_stored_markup import FORMULA, IMAGE, SCRIPT, SVG, _pages, html_pages

SAMPLE = Path(__file__).resolve().parents[1] / "connectors/golden/navan/navan_bookings_export.csv"
#: the people who open the pages, by the roles they hold besides "employee".
VIEWERS = {
    "traveller": (),
    "hr": ("hr",),
    "sustainability": ("sustainability",),
    "admin": ("admin",),
    "all": ("admin", "hr", "sustainability"),
}


def _hostile_export(folder: Path) -> Path:
    """The Navan sample, every booking Zoë's, its free text full of payloads."""
    with SAMPLE.open(encoding="utf-8", newline="") as sample:
        reader = csv.DictReader(sample)
        fields, rows = list(reader.fieldnames or ()), list(reader)
    for number, row in enumerate(rows):
        row |= {"passengers.person.email": "zoe@example.com", "passengers.person.employeedId": "E1001",
                "passengers.person.name": f"Zoë {SCRIPT}", "passengers.person.department": FORMULA,
                "vendor": f"{FORMULA} {SVG}", "origin.city": f"{IMAGE} city",
                "destination.city": f"{FORMULA} {SCRIPT}", "passengers.person.costCenter": FORMULA}  # fmt: skip
        if number == 4:  # an airport no list knows: the row's problem quotes what it read
            row["segments"] = row["segments"].replace("SFO>", "Q<b>'\">")
    path = folder / f"trips {SVG}.csv"
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def imported(
    state: CarbonState, create_employee: Callable[..., EmployeeProfile], tmp_path: Path
) -> dict[str, Any]:
    people = {
        who: create_employee(email=f"{who}@example.com", name=f"{who.title()} Person", roles=roles)
        for who, roles in VIEWERS.items()
        if roles
    }
    people["traveller"] = create_employee(
        email="zoe@example.com", name=f"Zoë {SCRIPT}", employee_number="E1001",
        department=f"{FORMULA} {IMAGE}",
    )  # fmt: skip
    path = _hostile_export(tmp_path)
    request = ImportRequest(connector="navan", path=path, file_name=path.name,
                            trigger=ImportTrigger.CLI, started_by=f"ops {SVG}")  # fmt: skip
    report = run_import(state.uow(), state.settings, request)
    assert not report.failed and report.problems, report
    with state.uow() as uow:
        activity = uow.session.scalar(
            sa.select(Activity.id).where(Activity.mode == Mode.HOTEL)  # its city: a payload
        )
    return {"people": people, "run": report.run_id, "activity": activity}


def test_imported_payloads_reach_no_page_as_markup_for_any_role(
    app: Flask, imported: dict[str, Any], log_in_as: Callable[..., None]
) -> None:
    traveller = imported["people"]["traveller"]
    ids = {"employee_id": traveller.id, "run_id": imported["run"],
           "activity_id": imported["activity"]}  # fmt: skip
    pages = _pages(app, ids)
    assert any(url.startswith("/admin/imports/") for url in pages) and "/trips/" in str(pages)
    shown: dict[tuple[str, str], str] = {}
    for who, roles in VIEWERS.items():
        client = app.test_client()
        log_in_as(client, imported["people"][who].id, *roles)
        for url, status, page in html_pages(client, pages, who):
            assert "<b>'" not in page, f"{who} {url}: the unknown airport as markup"
            if status == 200:
                shown[(who, url)] = page
    # the payloads were on the pages, as text: the hotel's unknown city on the traveller's
    # trips, the file name and the refused segment on the import run for an administrator
    hotel = [page for (who, url), page in shown.items() if who == "traveller" and "/trips/" in url]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in page for page in hotel)
    run = shown[("admin", f"/admin/imports/{imported['run']}")]
    assert "trips &lt;svg onload" in run and "Q&lt;b&gt;" in run


def _no_formula(cells: list[str], where: str) -> None:
    formulas = [cell for cell in cells if re.match(r"\s*[=+@]", cell)]
    assert formulas == [], f"{where}: {formulas[:3]}"


def test_exports_keep_imported_formulas_as_text(
    app: Flask, settings: Settings, state: CarbonState, imported: dict[str, Any],
    log_in_as: Callable[..., None],
) -> None:  # fmt: skip
    client = app.test_client()
    log_in_as(client, imported["people"]["traveller"].id)
    mine = client.get("/api/v1/me/export", query_string={"format": "csv"})
    assert mine.status_code == 200
    with zipfile.ZipFile(io.BytesIO(mine.data)) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig")
            _no_formula([cell for row in csv.reader(io.StringIO(text)) for cell in row], name)
        sections = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    assert "HYPERLINK" in sections and "&lt;" not in sections  # as written: data, not HTML
    as_json = client.get("/api/v1/me/export", query_string={"format": "json"})
    assert SCRIPT in json.dumps(as_json.get_json())  # data, kept exactly; never HTML

    request = ReportRequest(date(2025, 1, 1), date(2025, 12, 31), None, ())
    detail, workbook = io.BytesIO(), io.BytesIO()
    write_report(state.uow(), settings, request, detail, "csv")
    write_report(state.uow(), settings, request, workbook, "xlsx")
    text = detail.getvalue().decode("utf-8-sig")
    assert "HYPERLINK" in text
    _no_formula([cell for row in csv.reader(io.StringIO(text)) for cell in row], "report CSV")
    book = load_workbook(workbook)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    hostile = [cell for cell in cells if str(cell.value).startswith("=HYPERLINK")]
    assert hostile and all(cell.data_type == "s" and cell.quotePrefix for cell in hostile)

    log_in_as(client, imported["people"]["all"].id, "admin")
    audit = client.get("/admin/audit/export.csv").get_data(as_text=True)
    _no_formula([cell for row in csv.reader(io.StringIO(audit.lstrip("\ufeff"))) for cell in row],
                "audit CSV")  # fmt: skip
