"""Travel-policy grades from the HR file (``corp-carbon employees grades``), from
``employees add --grade`` and from HR's profile page service, on both databases: all or
nothing, every wrong row named with file, row and field, every change audit-logged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from corp_carbon.cli.employees import employees
from corp_carbon.db.models import AuditEvent, Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.services.people import grades

HR = Actor(label="hana.ruiz@example.com")


@pytest.fixture
def staff(create_employee: Callable[..., EmployeeProfile]) -> dict[str, int]:
    ada = create_employee(email="ada@example.com", name="Ada", employee_number="E-1")
    bo = create_employee(email="bo@example.com", name="Bo", employee_number="E-2")
    cy = create_employee(email="cy@example.com", name="Cy")
    return {"ada": ada.id, "bo": bo.id, "cy": cy.id}


def _grades(uow: UnitOfWork) -> dict[str, str | None]:
    with uow:
        rows = uow.session.execute(sa.select(Employee.name, Employee.grade))
        return {row.name: row.grade for row in rows}


def _audited(uow: UnitOfWork) -> list[dict[str, object]]:
    with uow:
        return list(
            uow.session.scalars(
                sa.select(AuditEvent.detail)
                .where(AuditEvent.action == grades.ACTION)
                .order_by(AuditEvent.id)
            )
        )


def _file(tmp_path: Path, text: str, *, bom: bool = False, name: str = "grades.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def test_a_file_sets_grades_by_employee_number_or_email(
    uow: UnitOfWork, staff: dict[str, int], tmp_path: Path
) -> None:
    grades.set_grade(uow, HR, staff["cy"], "manager")
    path = _file(
        tmp_path,
        "Employee_Number,Email,Name,Grade\n"
        "E-1,,Ada,director\n"
        "E-2,BO@example.com,Bo, executive \n"
        "\n"
        ",cy@example.com,Cy,manager\n",
        bom=True,  # Excel's "CSV UTF-8"
    )
    dry = grades.import_grades(uow, HR, path, dry_run=True)
    assert (dry.changed, dry.unchanged, dry.problems, dry.stored) == (2, 1, (), False)
    assert _grades(uow) == {"Ada": None, "Bo": None, "Cy": "manager"}

    done = grades.import_grades(uow, HR, path)
    assert (done.changed, done.unchanged, done.stored) == (2, 1, True)
    assert _grades(uow) == {"Ada": "director", "Bo": "executive", "Cy": "manager"}
    assert _audited(uow)[1:] == [
        {"old": None, "new": "director", "source": "hr-file", "file": "grades.csv"},
        {"old": None, "new": "executive", "source": "hr-file", "file": "grades.csv"},
    ]

    cleared = grades.import_grades(uow, HR, _file(tmp_path, "email,grade\nada@example.com,\n"))
    assert cleared.changed == 1 and _grades(uow)["Ada"] is None


def test_one_wrong_row_stores_nothing_and_every_wrong_row_is_named(
    uow: UnitOfWork, staff: dict[str, int], tmp_path: Path
) -> None:
    path = _file(
        tmp_path,
        "employee_number,email,grade\n"
        "E-1,,director\n"  # fine
        "E-404,,manager\n"
        ",nobody@example.com,staff\n"
        f"E-2,,{'x' * 65}\n"
        ",,staff\n"
        "E-2,ada@example.com,staff\n"
        ",ada@example.com,staff\n",  # Ada again (row 2)
    )
    result = grades.import_grades(uow, HR, path)
    assert [(p.row, p.field) for p in result.problems] == [
        (3, "employee_number"),
        (4, "email"),
        (5, "grade"),
        (6, "employee_number"),
        (7, "email"),
        (8, "email"),
    ]
    message = result.describe_problems()
    assert message.startswith("grades.csv: nothing stored, 6 bad rows: ")
    assert "row 3, employee_number: no employee has the employee number 'E-404'" in message
    assert "row 5, grade: at most 64 characters (this one has 65)" in message
    assert "row 8, email: the same employee as row 2" in message
    assert _grades(uow) == {"Ada": None, "Bo": None, "Cy": None}
    assert _audited(uow) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("employee_number,level\nE-1,director\n", r"grades.csv: row 1, grade: column 'grade'"),
        ("name,grade\nAda,director\n", r"row 1, employee_number: neither"),
        ("", "the file is empty"),
        ("email,grade\n", "no employees in the file"),
    ],
)
def test_a_file_without_its_columns_is_refused(
    uow: UnitOfWork, staff: dict[str, int], tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        grades.import_grades(uow, HR, _file(tmp_path, text))


def test_a_file_not_in_utf8_is_refused(uow: UnitOfWork, tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    path.write_bytes("email,grade\nzoë@example.com,staff\n".encode("latin-1"))
    with pytest.raises(DomainError, match=r"grades\.csv: not UTF-8"):
        grades.import_grades(uow, HR, path)


def test_the_command_counts_and_fails_on_a_wrong_row(
    app: Flask, uow: UnitOfWork, staff: dict[str, int], tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    good = _file(tmp_path, "employee_number,grade\nE-1,director\nE-2,\n", name="hr.csv")
    dry = runner.invoke(employees, ["grades", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "hr.csv: would change 1 grade(s); 1 row(s) unchanged" in dry.output
    done = runner.invoke(employees, ["grades", str(good), "--json"])
    assert json.loads(done.output) == {
        "file": "hr.csv",
        "dry_run": False,
        "stored": True,
        "changed": 1,
        "unchanged": 1,
        "errors": [],
    }
    bad = _file(tmp_path, "employee_number,grade\nE-2,staff\nE-9,staff\n", name="bad.csv")
    refused = runner.invoke(employees, ["grades", str(bad)])
    assert refused.exit_code == 1
    assert "bad.csv: nothing stored, 1 bad row: row 3, employee_number" in refused.output
    as_json = runner.invoke(employees, ["grades", str(bad), "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.output)["errors"][0]["row"] == 3
    assert _grades(uow) == {"Ada": "director", "Bo": None, "Cy": None}


def test_employees_add_takes_a_grade(app: Flask, uow: UnitOfWork) -> None:
    runner = app.test_cli_runner()
    args = ["add", "--email", "di@example.com", "--name", "Di", "--grade", " director "]
    assert runner.invoke(employees, args).exit_code == 0
    assert _grades(uow) == {"Di": "director"}
    too_long = ["add", "--email", "ed@example.com", "--name", "Ed", "--grade", "x" * 65]
    refused = runner.invoke(employees, too_long)
    assert refused.exit_code == 1 and "grade: at most 64 characters" in refused.output


def test_hr_sets_one_grade_audited_only_when_it_changes(
    uow: UnitOfWork, staff: dict[str, int]
) -> None:
    assert grades.set_grade(uow, HR, staff["ada"], " director ").changed
    assert not grades.set_grade(uow, HR, staff["ada"], "director").changed
    assert grades.set_grade(uow, HR, staff["ada"], "").new is None
    assert _audited(uow) == [
        {"old": None, "new": "director", "source": "profile"},
        {"old": "director", "new": None, "source": "profile"},
    ]
    with pytest.raises(DomainError, match="grade: at most 64"):
        grades.set_grade(uow, HR, staff["ada"], "x" * 65)
    with pytest.raises(NotFound):
        grades.set_grade(uow, HR, 999_999, "staff")
