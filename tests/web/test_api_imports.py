"""The import push API: who may push, what a push stores and answers, and following a run."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from corp_carbon import create_app
from corp_carbon.db.models import Activity, AuditEvent, ImportRowProblem, ImportRun
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import ImportRunStatus, ImportTrigger, Role
from corp_carbon.services.imports.values import COUNTS
from corp_carbon.services.people.tokens import create_token
from corp_carbon.web.api.schemas.imports import ImportRefused, ImportResult, ImportRunDetail
from corp_carbon.web.state import EXTENSION_KEY
from tests.conftest import make_settings
from tests.support import OPERATOR, add_directory, csrf_token

GOLDEN = Path(__file__).resolve().parents[1] / "connectors" / "golden"
NAVAN = GOLDEN / "navan" / "navan_bookings_export.csv"
NAVAN_BROKEN = GOLDEN / "navan" / "navan_broken_rows.csv"
CONCUR = GOLDEN / "concur-itinerary" / "concur_itinerary_export.csv"
PUSH = "/api/v1/imports"


@pytest.fixture
def people(create_employee: Callable[..., EmployeeProfile]) -> dict[str, int]:
    ids = add_directory(create_employee)
    ids["officer"] = create_employee(
        email="olga@example.com", name="Olga Officer", roles=("sustainability",)
    ).id
    return ids


def _token(uow: UnitOfWork, *scopes: str, role: Role = Role.EMPLOYEE) -> dict[str, str]:
    employee = "olga@example.com" if role is not Role.EMPLOYEE else "E1001"
    raw, _ = create_token(
        uow, OPERATOR, employee=employee, role=role, name="navan sync", scopes=scopes
    )
    return {"Authorization": f"Bearer {raw}"}


def _form(path: Path, connector: str = "navan", **extra: str) -> dict[str, Any]:
    return {"connector": connector, "file": (io.BytesIO(path.read_bytes()), path.name), **extra}


def _runs(uow: UnitOfWork) -> list[ImportRun]:
    with uow:
        found = list(uow.session.scalars(sa.select(ImportRun).order_by(ImportRun.id)))
        uow.session.expunge_all()
    return found


# --- who may push -----------------------------------------------------------------------------


def test_a_token_without_the_import_scope_is_refused(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    for headers in (_token(uow), _token(uow, "scim", role=Role.SUSTAINABILITY)):
        response = client.post(PUSH, data=_form(NAVAN), headers=headers)
        assert response.status_code == 403, response.get_data(as_text=True)
        assert "lacks the 'import' scope" in response.get_json()["error"]["message"]
        assert client.get(f"{PUSH}/1", headers=headers).status_code == 403
    assert _runs(uow) == []


def test_no_credentials_is_refused_and_a_plain_employee_session_is_403(
    client: FlaskClient,
    uow: UnitOfWork,
    people: dict[str, int],
    log_in_as: Callable[..., None],
) -> None:
    assert client.get(f"{PUSH}/1").status_code == 401
    # a POST without a token is a browser's: the CSRF check answers first
    assert client.post(PUSH, data=_form(NAVAN)).status_code == 400
    log_in_as(client, people["E1001"])
    response = client.post(PUSH, data=_form(NAVAN), headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 403
    assert _runs(uow) == []


def test_a_sustainability_officer_may_push_from_a_session_with_csrf(
    client: FlaskClient,
    uow: UnitOfWork,
    people: dict[str, int],
    log_in_as: Callable[..., None],
) -> None:
    log_in_as(client, people["officer"], "sustainability")
    without = client.post(PUSH, data=_form(NAVAN))
    assert without.status_code == 400  # no CSRF token
    response = client.post(PUSH, data=_form(NAVAN), headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201, response.get_data(as_text=True)
    [run] = _runs(uow)
    assert run.started_by == "olga@example.com" and run.trigger is ImportTrigger.API


# --- a push -----------------------------------------------------------------------------------


def test_push_with_the_import_scope_imports_the_file_and_the_run_matches_it(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    headers = _token(uow, "import")
    response = client.post(PUSH, data=_form(NAVAN), headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    ImportResult.model_validate(body)
    run_id = body["run_id"]
    assert response.headers["Location"] == body["url"] == f"/api/v1/imports/{run_id}"
    # the navan sample: 12 bookings of 14 segments. One exchanged booking is sent twice (the
    # older copy is unchanged), one is cancelled, row 12 has an unknown airport (SFX) and row
    # 13 an impossible date (2025-06-31); row 11 has no cabin (a warning: economy assumed).
    # Every traveller is in the directory, so nothing waits.
    assert body["status"] == "completed_with_errors"
    counts = {name: body[name] for name in COUNTS}
    assert counts == {
        "read": 14,
        "imported": 10,
        "updated": 0,
        "duplicates": 0,
        "cancelled": 1,
        "rejected": 2,
        "waiting": 0,
        "unchanged": 1,
    }
    assert sum(counts.values()) - counts["read"] == counts["read"]  # every segment accounted for
    problems = {(e["row"], e["field"], e["value"], e["rejected"]) for e in body["errors"]}
    assert problems == {
        (11, "cabin", None, False),
        (12, "origin", "SFX", True),
        (13, "startDate", "2025-06-31", True),
    }
    assert body["errors_total"] == 3
    assert body["file"] == "navan_bookings_export.csv"
    assert body["connector"] == body["source"] == "navan"
    assert body["size"] == NAVAN.stat().st_size
    assert body["points"] > 0 and body["kg_co2e"] > 0
    assert body["dry_run"] is False
    assert body["error"] is None

    [run] = _runs(uow)
    assert run.id == run_id
    assert run.trigger is ImportTrigger.API
    assert run.started_by == "token:navan sync"
    assert (run.rows_read, run.imported, run.cancelled, run.rejected) == (14, 10, 1, 2)
    assert run.status is ImportRunStatus.COMPLETED_WITH_ERRORS
    with uow:
        stored = uow.session.scalar(
            sa.select(sa.func.count()).select_from(Activity).where(Activity.import_run_id == run_id)
        )
    assert stored == 10 + 1  # the cancelled booking is stored too, as cancelled

    # the run as the API shows it
    shown = client.get(body["url"], headers=headers)
    assert shown.status_code == 200
    detail = shown.get_json()
    ImportRunDetail.model_validate(detail)
    assert detail["run_id"] == run_id
    assert detail["status"] == "completed_with_errors"
    assert detail["trigger"] == "api"
    assert detail["started_by"] == "token:navan sync"
    assert {name: detail[name] for name in COUNTS} == counts
    assert detail["finished_at"] is not None and detail["seconds"] >= 0
    assert (detail["errors_total"], detail["rejected_total"]) == (3, 2)
    assert [(e["row"], e["field"]) for e in detail["errors"]] == [
        (11, "cabin"),
        (12, "origin"),
        (13, "startDate"),
    ]
    assert detail["next"] is None


def test_push_counts_the_file_again_as_unchanged(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    headers = _token(uow, "import")
    assert client.post(PUSH, data=_form(NAVAN), headers=headers).status_code == 201
    again = client.post(PUSH, data=_form(NAVAN), headers=headers).get_json()
    # the 12 stored segments (10 imported, 1 cancelled, 1 older copy) are unchanged; the two
    # bad rows are still rejected
    assert (again["imported"], again["unchanged"], again["rejected"], again["read"]) == (
        0,
        12,
        2,
        14,
    )


def test_dry_run_stores_nothing(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    response = client.post(PUSH, data=_form(NAVAN, dry_run="true"), headers=_token(uow, "import"))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["run_id"] is None and body["url"] is None and body["dry_run"] is True
    assert (body["imported"], body["rejected"]) == (10, 2)
    assert _runs(uow) == []
    with uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


def test_rows_with_problems_are_listed_with_their_row_numbers(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    headers = _token(uow, "import")
    response = client.post(PUSH, data=_form(NAVAN_BROKEN), headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "completed_with_errors"
    assert body["rejected"] > 0
    rejected = [e for e in body["errors"] if e["rejected"]]
    assert (
        len(rejected)
        == body["rejected"]
        == body["errors_total"] - sum(1 for e in body["errors"] if not e["rejected"])
    )
    for error in body["errors"]:
        assert error["file"] == "navan_broken_rows.csv"
        assert error["row"] >= 2 and error["field"] and error["reason"]

    detail = client.get(body["url"], headers=headers).get_json()
    assert detail["status"] == "completed_with_errors"
    assert detail["errors_total"] == body["errors_total"]
    assert detail["rejected_total"] == len(rejected)
    rows = [(e["row"], e["field"], e["reason"]) for e in detail["errors"]]
    assert rows == sorted((e["row"], e["field"], e["reason"]) for e in body["errors"])
    assert detail["errors"] == sorted(detail["errors"], key=lambda e: e["row"])
    with uow:
        looked = uow.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "imports.view_run")
        ).all()
        assert [(e.target_id, e.actor_label) for e in looked] == [
            (str(body["run_id"]), "zoe.mueller@example.com")
        ]


# --- refusals ---------------------------------------------------------------------------------


def test_a_file_of_another_format_is_422_with_the_hint_and_a_failed_run(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    response = client.post(PUSH, data=_form(CONCUR, "navan"), headers=_token(uow, "import"))
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    ImportRefused.model_validate(body)
    assert body["error"]["code"] == "import_failed"
    message = body["error"]["message"]
    assert "concur_itinerary_export.csv does not look like a navan file" in message
    assert "concur-itinerary" in message  # which connector fits
    assert body["run"]["status"] == "failed"
    [run] = _runs(uow)
    assert run.status is ImportRunStatus.FAILED and run.error == message
    assert body["run"]["url"] == f"/api/v1/imports/{run.id}"


def test_an_unknown_connector_is_400_naming_the_accepted_ones(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    headers = _token(uow, "import")
    response = client.post(PUSH, data=_form(NAVAN, "sabre"), headers=headers)
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "'sabre'" in message and "navan" in message and "concur-itinerary" in message
    missing = client.post(PUSH, data={"connector": "navan"}, headers=headers)
    assert missing.status_code == 400
    assert "file: required" in missing.get_json()["error"]["message"]
    assert _runs(uow) == []


def test_a_too_large_upload_is_413_and_stores_nothing(
    db_url: str, tmp_path: Path, uow: UnitOfWork, people: dict[str, int]
) -> None:
    app = create_app(make_settings(db_url, tmp_path, imports={"max_upload_mb": 1}))
    try:
        client = app.test_client()
        headers = _token(uow, "import")
        big = NAVAN.read_bytes() + b"\n" * (1024 * 1024 + 1)
        # encoded here, in memory: the test client would spool a large form to a file itself
        boundary, body = encode_multipart(
            {"connector": "navan", "file": FileStorage(io.BytesIO(big), "big.csv")}
        )
        response = client.post(
            PUSH,
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers=headers,
        )
        assert response.status_code == 413, response.get_data(as_text=True)
        message = response.get_json()["error"]["message"]
        assert "at most 1 MB" in message and "imports.max_upload_mb" in message
        assert _runs(uow) == []
        # a file just under the limit goes through
        small = client.post(PUSH, data=_form(NAVAN), headers=headers)
        assert small.status_code == 201
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()


def test_an_unknown_run_is_404(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int]
) -> None:
    response = client.get(f"{PUSH}/999", headers=_token(uow, "import"))
    assert response.status_code == 404
    assert "import run 999" in response.get_json()["error"]["message"]


def test_problems_are_paged(
    client: FlaskClient, uow: UnitOfWork, people: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from corp_carbon.web.api import import_runs as views_api_import_runs

    headers = _token(uow, "import")
    run_id = client.post(PUSH, data=_form(NAVAN_BROKEN), headers=headers).get_json()["run_id"]
    with uow:
        total = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(ImportRowProblem)
            .where(ImportRowProblem.run_id == run_id)
        )
    assert total and total >= 2
    monkeypatch.setattr(views_api_import_runs, "PROBLEMS_PAGE", 1)
    seen, url = [], f"{PUSH}/{run_id}"
    while url:
        body = client.get(url, headers=headers).get_json()
        assert len(body["errors"]) == 1
        seen.append(body["errors"][0]["row"])
        url = body["next"]
    assert len(seen) == total and seen == sorted(seen)
    assert client.get(f"{PUSH}/{run_id}?page=0", headers=headers).status_code == 400
    for page in ("-1", "x", "2147483648", "99999999999999999999"):  # never an OFFSET overflow
        refused = client.get(f"{PUSH}/{run_id}?page={page}", headers=headers)
        assert refused.status_code == 400, refused.get_data(as_text=True)
        assert refused.get_json()["error"]["message"].startswith(f"page '{page}'")
