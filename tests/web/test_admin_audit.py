"""The audit log for administrators: the page (filters, newest first, pages), the CSV and XLSX
exports (formula-safe, every matching row), the JSON API, and the looks themselves on record."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from openpyxl import load_workbook

from corp_carbon.db.models import AuditEvent
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.spreadsheet_safety import safe_cell
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.audit import reading as audit_log
from corp_carbon.services.people.tokens import create_token
from corp_carbon.web.admin import audit as views_admin_audit
from tests.support import OPERATOR, need

PAGE = "/admin/audit"
API = "/api/v1/audit"
#: what someone could type where the log later quotes it
HOSTILE = ('=HYPERLINK("http://evil.example","x")', "+1+2", "-3-4", "@SUM(A1)")


@pytest.fixture
def people(
    operator_profile: EmployeeProfile, create_employee: Callable[..., EmployeeProfile]
) -> dict[str, int]:
    return {
        "admin": operator_profile.id,
        "ana": create_employee(email="ana@example.com", name="Ana Lima").id,
    }


def _event(uow: UnitOfWork, at: datetime, action: str, **fields: Any) -> int:
    with uow:
        row = AuditEvent(
            at=at,
            actor_label=fields.pop("actor_label", "hana@example.com"),
            action=action,
            **fields,
        )
        uow.session.add(row)
        uow.session.flush()
        event_id = row.id
        uow.commit()
    return event_id


def _seed(uow: UnitOfWork) -> dict[str, int]:
    return {
        "old": _event(
            uow,
            datetime(2025, 1, 10, 9, 0, tzinfo=UTC),
            "ledger.adjust",
            target_type="employee",
            target_id="7",
            ip="198.51.100.4",
            detail={"points": 100, "reason": HOSTILE[0]},
        ),
        "mid": _event(
            uow,
            datetime(2025, 2, 3, 12, 30, tzinfo=UTC),
            "token.create",
            actor_label="cli:root",
            target_type="api_token",
            target_id="3",
            detail={"name": HOSTILE[1]},
        ),
        "new": _event(
            uow,
            datetime(2025, 3, 1, 23, 59, tzinfo=UTC),
            "token.revoke",
            actor_label=HOSTILE[3],
            target_type="api_token",
            target_id=HOSTILE[2],
        ),
    }


def _events(uow: UnitOfWork, action: str) -> list[AuditEvent]:
    with uow:
        found = list(
            uow.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
        uow.session.expunge_all()
    return found


@pytest.fixture
def admin(operator: FlaskClient, people: dict[str, int]) -> FlaskClient:
    """Ada signed in, with the other people of these tests in the directory."""
    return operator


# --- who may look -----------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [(), ("hr",), ("sustainability",)])
def test_only_administrators_get_in(
    client: FlaskClient,
    people: dict[str, int],
    log_in_as: Callable[..., None],
    roles: tuple[str, ...],
) -> None:
    log_in_as(client, people["admin"], *roles)  # holds admin, but signed in without it
    for url in (PAGE, f"{PAGE}/export.csv", f"{PAGE}/export.xlsx", API):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    assert client.get(PAGE).status_code == 302
    assert client.get(API).status_code == 401


# --- the page ---------------------------------------------------------------------------------


def test_the_page_lists_newest_first_and_records_the_look(
    admin: FlaskClient, uow: UnitOfWork
) -> None:
    ids = _seed(uow)
    response = admin.get(PAGE, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True).split("<tbody>", 1)[1]
    assert html.index("token.revoke") < html.index("token.create") < html.index("ledger.adjust")
    assert "198.51.100.4" in html
    assert "cli:root" in html
    assert 'href="/admin/audit/export.csv"' in response.get_data(as_text=True)
    looks = _events(uow, "audit.view")
    assert len(looks) == 1
    look = looks[0]
    assert look.actor_label == "ada@example.com"
    assert look.ip == "203.0.113.9"  # the source address is on the record
    assert look.detail["filter"] == {}
    assert look.detail["shown"] >= len(ids)


def test_filters_combine(admin: FlaskClient, uow: UnitOfWork) -> None:
    _seed(uow)

    def shown(**params: str) -> str:
        response = admin.get(PAGE, query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_data(as_text=True)
        return body.split("<tbody>", 1)[1] if "<tbody>" in body else ""

    only_create = shown(action="token.create")
    assert "token.create" in only_create and "token.revoke" not in only_create
    tokens = shown(action="token.*")
    assert "token.create" in tokens and "token.revoke" in tokens and "ledger" not in tokens
    assert "cli:root" in shown(actor="CLI:")
    assert "cli:root" not in shown(actor="hana")
    by_target = shown(target_type="api_token", target_id="3")
    assert "token.create" in by_target and "token.revoke" not in by_target
    february = shown(**{"from": "2025-02-01", "to": "2025-02-03"})  # the last day included
    assert "token.create" in february and "ledger" not in february
    assert "token.revoke" not in february
    assert "No events match" in admin.get(PAGE, query_string={"action": "nothing"}).get_data(
        as_text=True
    )
    recorded = _events(uow, "audit.view")[-2].detail["filter"]
    assert recorded == {"from": "2025-02-01", "to": "2025-02-03"}


def test_a_huge_log_is_counted_only_so_far(
    admin: FlaskClient, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(uow)
    monkeypatch.setattr(audit_log, "COUNT_CAP", 3)
    assert "<strong>3+</strong> events" in admin.get(PAGE).get_data(as_text=True)
    one = admin.get(PAGE, query_string={"action": "ledger.adjust"}).get_data(as_text=True)
    assert "<strong>1</strong> event matches the filter" in one
    with uow:
        assert audit_log.count_events(uow.session, audit_log.AuditFilter(), cap=2) == 2
        actions = audit_log.known_actions(uow.session)
    assert {"ledger.adjust", "token.create", "audit.view"} <= set(actions)


def test_a_bad_filter_is_named(admin: FlaskClient, uow: UnitOfWork) -> None:
    response = admin.get(PAGE, query_string={"from": "03/01/2025"})
    assert response.status_code == 400
    assert "not a date (YYYY-MM-DD)" in response.get_data(as_text=True)
    backwards = admin.get(PAGE, query_string={"from": "2025-03-01", "to": "2025-01-01"})
    assert "after to" in backwards.get_data(as_text=True)
    assert _events(uow, "audit.view") == []  # nothing was shown


def test_pages_walk_back_without_repeating(
    admin: FlaskClient, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views_admin_audit, "PAGE_SIZE", 2)
    day = datetime(2025, 5, 1, tzinfo=UTC)
    for n in range(5):
        _event(uow, day, "test.step", target_type="step", target_id=str(n))
    seen: list[str] = []
    url = f"{PAGE}?action=test.step"
    pages = 0
    while url:
        html = admin.get(url).get_data(as_text=True)
        seen += re.findall(r">Other record #(\d+)<", html)  # "step": no words for it
        older = re.search(r'href="([^"]+)">Older', html)
        url = html_unescape(older.group(1)) if older else ""
        pages += 1
    assert seen == ["4", "3", "2", "1", "0"]
    assert pages == 3


# --- exports ----------------------------------------------------------------------------------


def test_csv_export_has_every_matching_row_and_no_formula(
    admin: FlaskClient, uow: UnitOfWork
) -> None:
    ids = _seed(uow)
    response = admin.get(
        f"{PAGE}/export.csv", query_string={"from": "2025-01-01", "to": "2025-12-31"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'attachment; filename="audit-log-' in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Event", "Time (UTC)", "Actor"]
    assert [int(r[0]) for r in rows[1:]] == [ids["new"], ids["mid"], ids["old"]]
    newest = rows[1]
    assert newest[1] == "2025-03-01 23:59:00"
    assert newest[2] == "'@SUM(A1)" and newest[6] == "'-3-4"
    assert rows[2][8] == '{"name": "+1+2"}'  # JSON text starts with "{": left alone
    assert rows[3][8].startswith('{"points": 100')
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    export = _events(uow, "audit.export")
    assert len(export) == 1
    assert export[0].detail == {
        "format": "csv",
        "filter": {"from": "2025-01-01", "to": "2025-12-31"},
    }


def test_an_unfiltered_export_includes_the_export_itself(
    admin: FlaskClient, uow: UnitOfWork
) -> None:
    response = admin.get(f"{PAGE}/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[1][4] == "audit.export"  # newest first, and the look at the log is in it
    assert {r[4] for r in rows[1:]} >= {"employee.create", "audit.export"}


def test_the_export_reads_in_batches_up_to_where_it_started(
    uow: UnitOfWork, people: dict[str, int]
) -> None:
    day = datetime(2025, 5, 1, tzinfo=UTC)
    made = [_event(uow, day, "test.batch", target_id=str(n)) for n in range(7)]
    wanted = audit_log.AuditFilter(action="test.batch")
    sessions: list[int] = []

    def make_uow() -> UnitOfWork:
        sessions.append(1)
        return uow

    rows = audit_log.export_entries(make_uow, wanted, upto=made[-2], batch=3)
    assert [e.id for e in rows] == list(reversed(made[:-1]))  # the later one is not included
    assert len(sessions) == 2  # 3 + 3 (+1 seen as "more"), then the last one


def _xlsx(admin: FlaskClient, **params: str) -> Any:
    response = admin.get(f"{PAGE}/export.xlsx", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    return response.get_data()


def test_xlsx_export_is_formula_safe_and_typed(admin: FlaskClient, uow: UnitOfWork) -> None:
    ids = _seed(uow)
    data = _xlsx(admin, action="*", **{"to": "2025-12-31"})
    book = load_workbook(io.BytesIO(data))
    sheet = book["Audit log"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Event" and rows[0][1] == "Time (UTC)"
    assert [r[0] for r in rows[1:]] == [ids["new"], ids["mid"], ids["old"]]
    assert rows[1][1] == datetime(2025, 3, 1, 23, 59)  # a real date cell, UTC
    assert rows[1][2] == "'@SUM(A1)" and rows[1][6] == "'-3-4"
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate  # no formula anywhere
    assert _events(uow, "audit.export")[0].detail["format"] == "xlsx"


def test_an_empty_xlsx_export_is_a_workbook_with_its_header(admin: FlaskClient) -> None:
    book = load_workbook(io.BytesIO(_xlsx(admin, action="nothing.matches")))
    assert next(book.active.iter_rows(values_only=True))[0] == "Event"
    assert book.active.max_row == 1


def test_libreoffice_opens_the_xlsx_export(
    admin: FlaskClient, uow: UnitOfWork, tmp_path: Path
) -> None:
    soffice = shutil.which("soffice")
    need("LibreOffice", soffice is not None)
    assert soffice is not None
    _seed(uow)
    source = tmp_path / "audit.xlsx"
    source.write_bytes(_xlsx(admin, **{"to": "2025-12-31"}))
    out = tmp_path / "out"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "csv",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = (out / "audit.csv").read_text(encoding="utf-8", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Event"
    assert len(rows) == 4
    # the hostile texts come out as text (the apostrophe kept), never computed
    assert "'@SUM(A1)" in text and "'-3-4" in text
    assert "#NAME?" not in text and "Err:" not in text


def test_safe_cell_rule() -> None:
    for text in ("=1+1", "+1", "-1", "@x", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    for text in ("", "a=b", "1-2", "ana@example.com", '{"a": 1}', "'=already"):
        assert safe_cell(text) == text


# --- the JSON API -----------------------------------------------------------------------------


def test_api_pages_and_filters(admin: FlaskClient, uow: UnitOfWork) -> None:
    ids = _seed(uow)
    first = admin.get(API, query_string={"action": "token.*", "per_page": "1"})
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.headers["Cache-Control"] == "no-store"
    body = first.get_json()
    assert [e["id"] for e in body["events"]] == [ids["new"]]
    event = body["events"][0]
    assert set(event) == {
        "id",
        "at",
        "actor",
        "actor_employee_id",
        "action",
        "target_type",
        "target_id",
        "ip",
        "detail",
    }
    assert body["next"] is not None and "action=token" in body["next"]
    second = admin.get(body["next"]).get_json()
    assert [e["id"] for e in second["events"]] == [ids["mid"]]
    assert second["events"][0]["detail"] == {"name": "+1+2"}  # JSON is data: not altered
    assert second["next"] is None
    looks = _events(uow, "audit.view")
    assert [look.detail["via"] for look in looks] == ["api", "api"]


def test_api_refuses_bad_parameters(admin: FlaskClient) -> None:
    for params, text in (
        ({"colour": "red"}, "unknown parameter 'colour'"),
        ({"per_page": "0"}, "per_page"),
        ({"from": "yesterday"}, "not a date"),
        ({"before": "x"}, "not a cursor"),
    ):
        response = admin.get(API, query_string=params)
        assert response.status_code == 400
        assert text in response.get_json()["error"]["message"]


def test_api_with_tokens(client: FlaskClient, uow: UnitOfWork, people: dict[str, int]) -> None:
    admin_token, _ = create_token(
        uow, OPERATOR, employee="ada@example.com", role=Role.ADMIN, name="siem"
    )
    hr_token, _ = create_token(uow, OPERATOR, employee="ada@example.com", role=Role.HR, name="hr")
    ok = client.get(API, headers={"Authorization": f"Bearer {admin_token}"})
    assert ok.status_code == 200
    assert "Set-Cookie" not in ok.headers
    refused = client.get(API, headers={"Authorization": f"Bearer {hr_token}"})
    assert refused.status_code == 403
    assert _events(uow, "audit.view")[0].actor_label == "ada@example.com"


def test_openapi_describes_the_audit_api(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    operation = document["paths"][API]["get"]
    assert operation["operationId"] == "auditLog"
    names = {p["name"] for p in operation["parameters"]}
    assert names == {
        "action",
        "actor",
        "target_type",
        "target_id",
        "from",
        "to",
        "before",
        "per_page",
    }
    assert set(operation["responses"]) == {"200", "400", "401", "403", "429", "503"}
    assert "AuditLogEvent" in document["components"]["schemas"]


def test_a_proxy_header_is_not_trusted_without_proxy_fix(
    admin: FlaskClient, uow: UnitOfWork
) -> None:
    admin.get(
        PAGE,
        headers={"X-Forwarded-For": "192.0.2.66"},
        environ_base={"REMOTE_ADDR": "10.0.0.5"},
    )
    assert _events(uow, "audit.view")[0].ip == "10.0.0.5"
