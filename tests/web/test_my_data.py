"""My data: the export (JSON, CSV zip, API), the leaderboard setting, and asking for erasure."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon.db.models import AuditEvent, Employee, ErasureRequest
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.commute_log import CommuteRequest
from corp_carbon.domain.erasure import ErasureChannel
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.vocabulary import Mode, Role
from corp_carbon.services.commutes import entries
from corp_carbon.services.my_data.export import SECTIONS
from corp_carbon.services.people import grades
from corp_carbon.services.people.tokens import create_token
from corp_carbon.web.state import CarbonState
from tests.my_data_fixture import add_trip
from tests.support import OPERATOR, csrf_token

People = tuple[EmployeeProfile, EmployeeProfile]


def _people(create_employee: Callable[..., EmployeeProfile]) -> People:
    ana = create_employee(email="ana@example.com", name="Ana Lima", department="Sales")
    bo = create_employee(email="bo@example.com", name="Bo Berg", department="Sales")
    return ana, bo


@dataclass(frozen=True)
class Event:
    actor_id: int | None
    target_id: str | None
    detail: dict[str, Any]


def _actions(uow: UnitOfWork, action: str) -> list[Event]:
    with uow:
        rows = uow.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [Event(e.actor_id, e.target_id, e.detail) for e in rows]


def test_json_export_holds_every_section_and_only_my_data(
    client: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ana, bo = _people(create_employee)
    grades.set_grade(uow, Actor(label="hr"), ana.id, "manager")
    mine = add_trip(
        uow, ana.id, day=date(2026, 3, 2), kg="0", avoided="2.5", points=2500, earn=True
    )
    theirs = add_trip(uow, bo.id, day=date(2026, 3, 2), kg="1", destination="Bo's secret place")
    log_in_as(client, ana.id)
    answer = client.get("/api/v1/me/export?format=json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert "attachment" in answer.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == "no-store"
    body = json.loads(answer.get_data())
    assert list(body["sections"]) == [s.name for s in SECTIONS]
    [profile] = body["sections"]["profile"]
    assert profile["email"] == "ana@example.com" and profile["leaderboard_opt_in"] is False
    assert profile["grade"] == "manager"
    [trip] = body["sections"]["trips"]
    assert trip["id"] == mine and trip["points"] == 2500 and trip["avoided_kg_co2e"] == "2.500"
    assert trip["factor_set"] == "mydata-fixture" and trip["baseline"] == "solo_petrol_car"
    [line] = body["sections"]["statement"]
    assert line["points"] == 2500 and line["trip_id"] == mine
    assert body["sections"]["evidence"][0]["trip_id"] == mine
    assert any(e["action"] == "my_data.export" for e in body["sections"]["audit"])
    text = answer.get_data(as_text=True)
    assert "bo@example.com" not in text and "Bo's secret place" not in text
    assert str(theirs) not in [str(t["id"]) for t in body["sections"]["trips"]]
    [event] = _actions(uow, "my_data.export")
    assert event.actor_id == ana.id and event.target_id == str(ana.id)
    assert event.detail["format"] == "json"


def test_csv_export_is_a_zip_of_parseable_files_that_run_no_formula(
    client: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ana, bo = _people(create_employee)
    add_trip(uow, ana.id, day=date(2026, 3, 2), kg="1.2", origin='=HYPERLINK("http://x")')
    add_trip(uow, bo.id, day=date(2026, 3, 2), kg="1", origin="Bo Street")
    log_in_as(client, ana.id)
    answer = client.get("/api/v1/me/export?format=csv")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.get_data()))
    names = [name.rsplit("/", 1)[-1] for name in archive.namelist()]
    assert names == [f"{s.name}.csv" for s in SECTIONS]
    tables = {}
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8-sig")
        tables[name.rsplit("/", 1)[-1]] = list(csv.DictReader(io.StringIO(text)))
    [trip] = tables["trips.csv"]
    assert trip["origin"] == '\'=HYPERLINK("http://x")'
    assert trip["kg_co2e"] == "1.200"
    assert tables["profile.csv"][0]["name"] == "Ana Lima"
    assert "Bo Street" not in json.dumps(tables)
    [event] = _actions(uow, "my_data.export")
    assert event.detail["format"] == "csv"


def test_export_api_answers_422_for_an_unknown_format_and_401_without_a_caller(
    client: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ana, _ = _people(create_employee)
    assert client.get("/api/v1/me/export").status_code == 401
    log_in_as(client, ana.id)
    wrong = client.get("/api/v1/me/export?format=xlsx")
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["message"].startswith("format 'xlsx'")
    assert client.get("/api/v1/me/export?fromat=csv").status_code == 400
    assert _actions(uow, "my_data.export") == []  # refused requests export nothing


def test_export_api_works_with_a_bearer_token(
    app: object, uow: UnitOfWork, create_employee: Callable[..., EmployeeProfile]
) -> None:
    ana, _ = _people(create_employee)
    raw, _ = create_token(uow, OPERATOR, employee=ana.email, role=Role.EMPLOYEE, name="mine")
    client = app.test_client()  # type: ignore[attr-defined]
    answer = client.get(
        "/api/v1/me/export", headers={"Authorization": f"Bearer {raw}"}
    )  # json by default
    assert answer.status_code == 200
    assert json.loads(answer.get_data())["sections"]["profile"][0]["email"] == ana.email
    assert "Set-Cookie" not in answer.headers


def test_the_page_offers_both_downloads_and_the_settings(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ana, _ = _people(create_employee)
    log_in_as(client, ana.id)
    page = client.get("/my-data").get_data(as_text=True)
    assert "/api/v1/me/export?format=csv" in page and "/api/v1/me/export?format=json" in page
    assert "office, travel-policy grade and roles" in page
    assert 'id="leaderboard-opt-in"' in page and "checked" not in page  # off by default
    assert "/my-data/erasure" in page


def test_leaderboard_opt_in_toggles_and_is_audited(
    client: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ana, _ = _people(create_employee)
    log_in_as(client, ana.id)
    token = csrf_token(client, "/my-data")
    on = client.post(
        "/my-data/leaderboard", data={"csrf_token": token, "leaderboard_opt_in": "yes"}
    )
    assert on.status_code == 302 and on.headers["Location"].endswith("/my-data#privacy")
    assert "checked" in client.get("/my-data").get_data(as_text=True)
    again = client.post(
        "/my-data/leaderboard", data={"csrf_token": token, "leaderboard_opt_in": "yes"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Nothing changed" in again.get_data(as_text=True)
    client.post("/my-data/leaderboard", data={"csrf_token": token})  # unticked: off
    with uow:
        assert uow.session.get_one(Employee, ana.id).leaderboard_opt_in is False
    events = _actions(uow, "employee.leaderboard_opt_in")
    assert [e.detail["opt_in"] for e in events] == [True, False]
    assert all(e.target_id == str(ana.id) and e.actor_id == ana.id for e in events)
    refused = client.post("/my-data/leaderboard", data={"leaderboard_opt_in": "yes"})
    assert refused.status_code == 400  # no CSRF token


def test_an_erasure_request_reaches_hrs_queue_once(
    client: FlaskClient,
    uow: UnitOfWork,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ana, _ = _people(create_employee)
    hr = create_employee(email="hr@example.com", name="Hana HR", roles=("hr",))
    log_in_as(client, ana.id)
    confirm = client.get("/my-data/erasure").get_data(as_text=True)
    assert "Ask to erase my data?" in confirm
    token = csrf_token(client, "/my-data/erasure")
    asked = client.post("/my-data/erasure", data={"csrf_token": token}, follow_redirects=True)
    assert "Your request is on its way to HR" in asked.get_data(as_text=True)
    page = client.get("/my-data").get_data(as_text=True)
    assert "An erasure request is waiting in HR" in page
    assert client.get("/my-data/erasure").status_code == 302  # nothing more to confirm
    twice = client.post("/my-data/erasure", data={"csrf_token": token}, follow_redirects=True)
    assert "already waiting" in twice.get_data(as_text=True)
    with uow:
        [request] = uow.session.scalars(sa.select(ErasureRequest)).all()
        assert request.employee_id == ana.id and request.channel == ErasureChannel.EMPLOYEE
        assert request.requested_by_id == ana.id
    assert len(_actions(uow, "employee.erasure_request")) == 1
    body = json.loads(client.get("/api/v1/me/export").get_data())
    [asked_for] = body["sections"]["erasure_requests"]
    assert asked_for["channel"] == "employee" and asked_for["closed_at"] is None
    log_in_as(client, hr.id, "hr")
    queue = client.get("/admin/employees/erasures").get_data(as_text=True)
    assert "Ana Lima" in queue and "Asked by the employee on their My data page" in queue


def test_my_data_pages_read_in_chinese(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ana, _ = _people(create_employee)
    log_in_as(client, ana.id)
    for path in ("/my-data?lang=zh-CN", "/my-data/erasure?lang=zh-CN", "/team?lang=zh-CN"):
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="zh-CN">' in page
        for english in ("Download my data", "Privacy settings", "Ask to erase", "My team"):
            assert english not in page, (path, english)


def _photo(colour: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def test_the_export_lists_my_evidence_photos_and_the_trips_they_back(
    client: FlaskClient,
    state: CarbonState,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> None:
    ana, bo = _people(create_employee)
    logged = {}
    for who, colour in ((ana, "green"), (bo, "red")):
        logged[who.id] = entries.log_commutes(
            state.uow(), state.settings, OPERATOR, employee_id=who.id,
            request=CommuteRequest((entries.today(),), Mode.BUS, Decimal("6"), 2),
            request_key=f"with-photo-{who.id}", today=entries.today(), photo=_photo(colour),
        )  # fmt: skip
    log_in_as(client, ana.id)
    body = json.loads(client.get("/api/v1/me/export?format=json").get_data())
    [photo] = body["sections"]["evidence_photos"]
    assert photo["width"] == 40 and photo["height"] == 30
    assert photo["trip_ids"].split() == [str(t.id) for t in logged[ana.id].trips]
    assert all(str(t.id) not in photo["trip_ids"] for t in logged[bo.id].trips)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/me/export?format=csv").get_data()))
    assert any("evidence_photos" in name for name in archive.namelist())
