"""Hostile files imported for real, on SQLite and PostgreSQL: each run ends (never left
``running``), says what is wrong with the file by name, stores no activity, and the service
goes on importing the next file. Through ``run_import`` (the CLI's and the scheduler's path)
and through ``POST /api/v1/imports``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, ImportRun
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.vocabulary import ImportRunStatus, Role
from corp_carbon.services.people.tokens import create_token
from tests.connectors import hostile
from tests.integration.test_import_pipeline import NAVAN, _people, _run
from tests.support import OPERATOR

Rows = list[list[str]]


def _navan_rows() -> Rows:
    with NAVAN.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _activities(uow: UnitOfWork) -> int:
    with uow:
        return int(uow.session.scalar(sa.select(sa.func.count()).select_from(Activity)) or 0)


def _statuses(uow: UnitOfWork) -> list[ImportRunStatus]:
    with uow:
        return list(uow.session.scalars(sa.select(ImportRun.status).order_by(ImportRun.id)))


REFUSED: dict[str, tuple[str, Callable[[Path], Path], str]] = {
    "an integer of 4,301 digits": (
        "travelperk",
        lambda p: hostile.travelperk_big_integer(p / "trips.json"),
        "trips.json: a number of more than 100 digits at byte 32",
    ),
    "JSON nested 30,000 deep": (
        "travelperk",
        lambda p: hostile.travelperk_deep(p / "trips.json"),
        "trips.json: nested more than 64 levels deep",
    ),
    "a row reaching column XFD": (
        "navan",
        lambda p: hostile.xlsx_far_column(p / "navan.xlsx", _navan_rows()),
        "navan.xlsx: row 14 reaches column 16,384, more than 1,024",
    ),
    "a shared string that is not there": (
        "navan",
        lambda p: hostile.xlsx_missing_shared_string(p / "navan.xlsx", _navan_rows()),
        "navan.xlsx: damaged XLSX: row 2 has a cell whose text is not in the file",
    ),
    "more shared strings than the limit": (
        "navan",
        lambda p: hostile.xlsx_many_shared_strings(p / "navan.xlsx", 1001, rows=_navan_rows()),
        "navan.xlsx: more than 1,000 distinct texts (shared strings",
    ),
}


@pytest.mark.parametrize(("connector", "write", "message"), REFUSED.values(), ids=list(REFUSED))
def test_a_hostile_file_fails_its_run_naming_the_file_and_the_next_file_imports(
    uow: UnitOfWork,
    settings: Settings,
    tmp_path: Path,
    connector: str,
    write: Callable[[Path], Path],
    message: str,
) -> None:
    _people(uow)
    limits = settings.imports.model_copy(update={"xlsx_max_shared_strings": 1000})
    guarded = settings.model_copy(update={"imports": limits})
    report = _run(uow, guarded, connector, write(tmp_path))
    assert report.status is ImportRunStatus.FAILED
    assert report.error is not None and report.error.startswith(message), report.error
    assert _activities(uow) == 0
    assert _statuses(uow) == [ImportRunStatus.FAILED]
    after = _run(uow, guarded, "navan", NAVAN)
    assert after.status is not ImportRunStatus.FAILED and after.error is None
    assert after.counts["imported"] > 0 and _activities(uow) >= after.counts["imported"]


def test_a_forged_dimension_imports_like_the_same_rows_as_csv(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    _people(uow)
    as_csv = _run(uow, settings, "navan", NAVAN, dry_run=True)
    forged = hostile.xlsx_forged_dimension(tmp_path / "navan.xlsx", _navan_rows())
    report = _run(uow, settings, "navan", forged)
    assert report.error is None
    assert report.counts["imported"] == as_csv.counts["imported"]
    known = {(p.row, p.field) for p in as_csv.problems}
    new = {p.row for p in report.problems if (p.row, p.field) not in known}
    assert new == {1_048_576}  # the forged row itself: its one value is no booking


def test_the_push_api_answers_422_and_goes_on(
    client: FlaskClient, uow: UnitOfWork, tmp_path: Path
) -> None:
    _people(uow)
    raw, _ = create_token(uow, OPERATOR, employee="E1001", role=Role.EMPLOYEE, name="sync",
                          scopes=("import",))  # fmt: skip
    headers = {"Authorization": f"Bearer {raw}"}
    deep = hostile.travelperk_deep(tmp_path / "trips.json")
    form = {"connector": "travelperk", "file": (io.BytesIO(deep.read_bytes()), "trips.json")}
    refused = client.post("/api/v1/imports", data=form, headers=headers)
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"]["code"] == "import_failed"
    assert "trips.json: nested more than 64 levels deep" in body["error"]["message"]
    assert body["run"]["status"] == "failed"
    form = {"connector": "navan", "file": (io.BytesIO(NAVAN.read_bytes()), NAVAN.name)}
    assert client.post("/api/v1/imports", data=form, headers=headers).status_code == 201
