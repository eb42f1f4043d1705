"""The imports desk: only sustainability officers and administrators; uploading a file by hand
runs an import and shows its run with the rows that could not be imported."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon import create_app
from corp_carbon.db.models import Activity, AuditEvent, ImportRun
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger
from corp_carbon.web.state import EXTENSION_KEY
from tests.conftest import make_settings
from tests.support import add_directory, csrf_token
from tests.web.test_api_imports import CONCUR, NAVAN

DESK = "/admin/imports"
UPLOAD = "/admin/imports/upload"


@pytest.fixture
def people(create_employee: Callable[..., EmployeeProfile]) -> dict[str, int]:
    ids = add_directory(create_employee)
    ids["officer"] = create_employee(
        email="olga@example.com", name="Olga Officer", roles=("sustainability",)
    ).id
    ids["hr"] = create_employee(email="hana@example.com", name="Hana HR", roles=("hr",)).id
    return ids


@pytest.fixture
def officer(
    client: FlaskClient, people: dict[str, int], log_in_as: Callable[..., None]
) -> FlaskClient:
    log_in_as(client, people["officer"], "sustainability")
    return client


def _upload(client: FlaskClient, path: Path, connector: str, **extra: str) -> Any:
    data = {
        "csrf_token": csrf_token(client, DESK),
        "connector": connector,
        "file": (io.BytesIO(path.read_bytes()), path.name),
        **extra,
    }
    return client.post(UPLOAD, data=data, content_type="multipart/form-data")


def _runs(uow: UnitOfWork) -> list[ImportRun]:
    with uow:
        found = list(uow.session.scalars(sa.select(ImportRun).order_by(ImportRun.id)))
        uow.session.expunge_all()
    return found


# --- who may use it ---------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [(), ("hr",)])
def test_employees_and_hr_are_refused(
    client: FlaskClient,
    uow: UnitOfWork,
    people: dict[str, int],
    log_in_as: Callable[..., None],
    roles: tuple[str, ...],
) -> None:
    log_in_as(client, people["hr" if roles else "E1001"], *roles)
    assert client.get(DESK).status_code == 403
    assert client.get(f"{DESK}/1").status_code == 403
    response = client.post(
        UPLOAD,
        data={
            "csrf_token": csrf_token(client),
            "connector": "navan",
            "file": (io.BytesIO(NAVAN.read_bytes()), NAVAN.name),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert _runs(uow) == []
    assert 'href="/admin/imports"' not in client.get("/").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(
    client: FlaskClient, people: dict[str, int]
) -> None:
    response = client.get(DESK)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_access_rules_are_declared(app: Flask) -> None:
    rules = {
        rule.endpoint: getattr(app.view_functions[rule.endpoint], "access_rule", None)
        for rule in app.url_map.iter_rules()
    }
    for endpoint in ("admin_imports", "admin_import_run", "admin_import_upload"):
        assert rules[f"carbon.{endpoint}"] == "roles:sustainability,admin"
    assert rules["carbon.api_push_import"] == "scope:import|roles:sustainability,admin"
    assert rules["carbon.api_import_run"] == "scope:import|roles:sustainability,admin"
    assert rules["carbon.api_my_activities"] == "roles:employee"


# --- the desk ---------------------------------------------------------------------------------


def test_the_desk_lists_runs_and_sources_and_the_nav_links_to_it(
    officer: FlaskClient, uow: UnitOfWork
) -> None:
    empty = officer.get(DESK).get_data(as_text=True)
    assert "Nothing imported yet" in empty
    assert 'href="/admin/imports"' in empty  # the nav link
    for name in ("navan", "concur-itinerary", "generic-csv"):
        assert f'<option value="{name}"' in empty
    assert _upload(officer, NAVAN, "navan").status_code == 302
    assert _upload(officer, CONCUR, "concur-itinerary").status_code == 302
    page = officer.get(DESK).get_data(as_text=True)
    first, second = _runs(uow)
    assert page.index(f">{second.id}</a>") < page.index(f">{first.id}</a>")  # newest first
    assert "navan_bookings_export.csv" in page and "concur_itinerary_export.csv" in page
    assert "olga@example.com" in page and "Upload" in page
    assert "Completed with errors" in page
    assert "Runs (2)" in page
    sources = page[page.index("<h2>Sources</h2>") :]
    assert "navan" in sources and "concur-itinerary" in sources


def test_the_desk_pages_runs(
    officer: FlaskClient, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corp_carbon.web.admin import imports as views_admin_imports

    monkeypatch.setattr(views_admin_imports, "RUNS_PAGE", 1)
    _upload(officer, NAVAN, "navan")
    _upload(officer, CONCUR, "concur-itinerary")
    first = officer.get(DESK).get_data(as_text=True)
    assert "Page 1 of 2" in first and "concur_itinerary_export.csv" in first
    assert "navan_bookings_export.csv" not in first
    second = officer.get(f"{DESK}?page=2").get_data(as_text=True)
    assert "navan_bookings_export.csv" in second


# --- uploading by hand ------------------------------------------------------------------------


def test_an_upload_runs_the_import_and_its_page_lists_the_rejected_rows(
    officer: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    response = _upload(officer, NAVAN, "navan")
    assert response.status_code == 302
    [run] = _runs(uow)
    assert response.headers["Location"] == f"/admin/imports/{run.id}"
    assert run.trigger is ImportTrigger.UPLOAD and run.started_by == "olga@example.com"
    assert run.status is ImportRunStatus.COMPLETED_WITH_ERRORS
    assert (run.rows_read, run.imported, run.rejected) == (14, 10, 2)
    with uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 11

    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    # the flash message, the counts and the problems, as an officer reads them
    assert (
        "navan_bookings_export.csv imported with problems: 14 read, 10 imported, 1 cancelled, "
        "2 rejected, 1 unchanged. The rejected rows were not imported" in page
    )
    assert "Completed with errors" in page
    problems = page[page.index("Row problems") :]
    rows = re.findall(  # each problem: its row heads it, then file, column, problem, outcome
        r"<tr>\s*<th scope=\"row\"[^>]*>(\d+)</th>\s*<td[^>]*><span class=\"cell\">([^<]+)</span>"
        r"</td>\s*<td[^>]*><span class=\"cell\">([^<]+)</span></td>.*?"
        r"<span class=\"badge \w+\">(\w+)</span>",
        problems,
        re.S,
    )
    assert [(file, int(row), field, outcome) for row, file, field, outcome in rows] == [
        ("navan_bookings_export.csv", 11, "cabin", "Warning"),
        ("navan_bookings_export.csv", 12, "origin", "Rejected"),
        ("navan_bookings_export.csv", 13, "startDate", "Rejected"),
    ]
    assert "unknown airport code &#39;SFX&#39;" in problems
    assert "<code>2025-06-31</code>" in problems
    assert "2 rejected, 1 warning" in page
    # looking at the problems is on the record
    with uow:
        looked = uow.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "imports.view_run")
        ).all()
        assert [(e.target_id, e.actor_label) for e in looked] == [(str(run.id), "olga@example.com")]


def test_a_file_of_another_format_shows_a_failed_run_with_the_hint(
    officer: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    response = _upload(officer, CONCUR, "navan")
    [run] = _runs(uow)
    assert run.status is ImportRunStatus.FAILED
    assert response.headers["Location"] == f"/admin/imports/{run.id}"
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "the import failed" in page
    assert "does not look like a navan file" in page
    assert "choose the format concur-itinerary" in page  # the hint, in this page's words
    assert "The file was not read, so no rows were checked" in page
    assert "Failed" in page


def test_a_dry_run_stores_nothing_and_says_so(
    officer: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    response = _upload(officer, NAVAN, "navan", dry_run="true")
    assert response.status_code == 302 and response.headers["Location"] == DESK
    assert _runs(uow) == []
    page = officer.get(DESK).get_data(as_text=True)
    assert (
        "Dry run of navan_bookings_export.csv into source navan (nothing was stored): "
        "14 read, 10 imported"
    ) in page


def _told(client: FlaskClient, response: Any) -> str:
    """The counts the page flashed after an upload ("14 read, 10 imported, ...")."""
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    found = re.search(r"(\d[\d,]* read, [^.]*)\.", page)
    assert found, page
    return found.group(1)


def test_a_dry_run_tells_what_the_import_then_does_also_on_a_re_import(
    officer: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    for _ in range(2):  # the first import, then the same file again
        predicted = _told(officer, _upload(officer, NAVAN, "navan", dry_run="true"))
        done = _told(officer, _upload(officer, NAVAN, "navan"))
        assert predicted == done
    assert "14 read, 0 imported" in done and "unchanged" in done


def test_a_file_is_checked_against_the_source_that_imported_it(
    officer: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    """A nightly source's file uploaded by hand: named, it is recognised (all unchanged);
    under the format's default source, its trips are another source's (duplicates)."""
    _upload(officer, NAVAN, "navan", source="navan-nightly")
    assert 'option value="navan-nightly"' in officer.get(DESK).get_data(as_text=True)
    same = _told(officer, _upload(officer, NAVAN, "navan", source="navan-nightly", dry_run="true"))
    assert "0 imported" in same and "unchanged" in same and "duplicates" not in same
    other = _told(officer, _upload(officer, NAVAN, "navan", dry_run="true"))
    assert "duplicates" in other


def test_a_missing_file_or_connector_is_explained(
    officer: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    response = officer.post(
        UPLOAD,
        data={"csrf_token": csrf_token(officer, DESK), "connector": "navan"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"] == DESK
    assert "Nothing was imported: file: required" in officer.get(DESK).get_data(as_text=True)
    _upload(officer, NAVAN, "sabre")
    page = officer.get(DESK).get_data(as_text=True)
    assert "connector &#39;sabre&#39;: unknown; accepted: concur-itinerary" in page
    assert _runs(uow) == []


def test_the_upload_needs_a_csrf_token(
    officer: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    response = officer.post(
        UPLOAD,
        data={"connector": "navan", "file": (io.BytesIO(NAVAN.read_bytes()), NAVAN.name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert _runs(uow) == []


def test_a_too_large_upload_is_refused_before_it_is_read(
    db_url: str,
    tmp_path: Path,
    uow: UnitOfWork,
    people: dict[str, int],
    log_in_as: Callable[..., None],
) -> None:
    app = create_app(make_settings(db_url, tmp_path, imports={"max_upload_mb": 1}))
    try:
        client = app.test_client()
        log_in_as(client, people["officer"], "sustainability")
        assert "Files of up to 1 MB" in client.get(DESK).get_data(as_text=True)
        from werkzeug.datastructures import FileStorage
        from werkzeug.test import encode_multipart

        big = NAVAN.read_bytes() + b"\n" * (2 * 1024 * 1024)
        boundary, body = encode_multipart(
            {
                "csrf_token": csrf_token(client, DESK),
                "connector": "navan",
                "file": FileStorage(io.BytesIO(big), "big.csv"),
            }
        )
        response = client.post(
            UPLOAD, data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        assert response.status_code == 413
        page = response.get_data(as_text=True)
        assert "The upload is too large" in page and "at most 1 MB" in page
        assert _runs(uow) == []
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()


def test_an_unknown_run_is_404(officer: FlaskClient) -> None:
    assert officer.get(f"{DESK}/999").status_code == 404


def test_desk_lists_who_bookings_wait_for_until_they_are_employees(
    officer: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    app: Flask,
    tmp_path: Path,
) -> None:
    """The officer sees whom to add; once HR adds them, their bookings are imported and the
    list empties."""
    from corp_carbon.services.imports.pending import replay_pending

    export = tmp_path / "navan_with_contractor.csv"
    export.write_text(
        NAVAN.read_text(encoding="utf-8")
        .replace("marcus.johnson@example.com", "kim.novak@partner.example")
        .replace(",E1006,", ",,"),
        encoding="utf-8",
    )
    assert _upload(officer, export, "navan").status_code == 302
    html = officer.get(DESK).get_data(as_text=True)
    assert "Waiting for their employee (1)" in html
    assert "kim.novak@partner.example" in html
    create_employee(email="Kim.Novak@partner.example", name="Kim Novak")
    assert replay_pending(uow, app.extensions[EXTENSION_KEY].settings) == 4
    html = officer.get(DESK).get_data(as_text=True)
    assert "Waiting for their employee" not in html


def test_row_problems_are_said_in_the_reader_s_language(app: Flask) -> None:
    from corp_carbon.web.admin.problem_words import problem_words

    with app.test_request_context("/?lang=zh-CN"):
        date = problem_words("not a valid date (expected YYYY-MM-DD): '2025-06-31'")
        assert date.text == "不是有效的日期（应为 YYYY-MM-DD）" and date.lang is None
        assert problem_words("unknown IATA airport code").text.startswith("不是已知的机场代码")
        assert problem_words("date missing").text == "缺少：date"
        other = problem_words("record type (1) unexpected")
        assert other == type(other)("record type (1) unexpected", lang="en")
    with app.test_request_context("/?lang=en"):
        assert problem_words("not a number: 'x'").text == "Not a number"
