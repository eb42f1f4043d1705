"""Employees' travel-policy grades as HR sets them: one at a time on the profile page, or many
from the HR system's CSV file (``corp-carbon employees grades FILE.csv``).

The grade decides which cabin or rail class a traveller was entitled to, so every change is
audit-logged with its old and new value. A file is all-or-nothing: one wrong row (unknown
employee, missing column, over-long grade) stores nothing, and every wrong row is named with
the file, row and field. Row numbers are as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import Employee
from corp_carbon.db.session import UnitOfWork, begin_write, lock_row
from corp_carbon.domain.email_address import InvalidEmail, canonical_email
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.services.audit import entries as audit

#: the employees.grade column width; a longer grade is refused, never truncated.
MAX_GRADE_LENGTH: Final = 64
ACTION: Final = "employee.grade"
#: the file's columns: employee_number or email (either finds the employee), and grade;
#: other columns (a name, for the reader's sake) are ignored.
KEY_COLUMNS: Final = ("employee_number", "email")
GRADE_COLUMN: Final = "grade"


class GradeTooLong(DomainError):
    """A grade over the column width; the message names the field."""

    def __init__(self, length: int) -> None:
        super().__init__(f"grade: at most {MAX_GRADE_LENGTH} characters (this one has {length})")


def clean_grade(raw: str | None) -> str | None:
    """The grade as stored: trimmed, None when blank; GradeTooLong over 64 characters."""
    text = (raw or "").strip()
    if len(text) > MAX_GRADE_LENGTH:
        raise GradeTooLong(len(text))
    return text or None


@dataclass(frozen=True)
class GradeChange:
    employee_id: int
    old: str | None
    new: str | None

    @property
    def changed(self) -> bool:
        return self.old != self.new


def set_grade(uow: UnitOfWork, actor: Actor, employee_id: int, raw: str | None) -> GradeChange:
    """HR sets one employee's grade (blank clears it); audit-logged when it changes. 404 for
    an employee who does not exist or was erased."""
    grade = clean_grade(raw)
    with uow:
        session = uow.session
        employee = lock_row(session, Employee, employee_id)
        if employee is None or employee.erased_at is not None:
            raise NotFound(f"employee {employee_id} does not exist")
        change = GradeChange(employee.id, employee.grade, grade)
        if change.changed:
            _store(session, actor, employee, grade, {"source": "profile"})
            uow.commit()
    return change


# --- the HR file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeProblem:
    row: int
    field: str
    reason: str


@dataclass(frozen=True)
class GradeImport:
    """What a grades file did (or, with problems or a dry run, would have done)."""

    file: str
    dry_run: bool
    #: rows whose grade differs from the stored one (stored, unless dry run or problems).
    changed: int = 0
    #: rows whose grade was already the stored one.
    unchanged: int = 0
    problems: tuple[GradeProblem, ...] = field(default=())

    @property
    def stored(self) -> bool:
        return not self.dry_run and not self.problems and self.changed > 0

    def describe_problems(self) -> str:
        rows = len({p.row for p in self.problems})
        listed = "; ".join(f"row {p.row}, {p.field}: {p.reason}" for p in self.problems)
        return f"{self.file}: nothing stored, {rows} bad row{'s' if rows != 1 else ''}: {listed}"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "dry_run": self.dry_run,
            "stored": self.stored,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "errors": [{"row": p.row, "field": p.field, "reason": p.reason} for p in self.problems],
        }


@dataclass(frozen=True)
class _Row:
    row: int
    #: (column, value) the employee is found by.
    key: tuple[str, str]
    #: the email given beside an employee number, checked against the employee found.
    email: str | None
    grade: str | None


def import_grades(
    uow: UnitOfWork, actor: Actor, path: str | Path, *, dry_run: bool = False
) -> GradeImport:
    """Sets the grades of a CSV file, all or nothing. A file that cannot be read at all
    (missing, not UTF-8, no grade column) raises DomainError; wrong rows come back as
    problems, and then nothing is stored."""
    source = Path(path)
    rows, problems = _read(source)
    with uow:
        session = uow.session
        begin_write(session)
        seen: dict[int, int] = {}
        updates: list[tuple[Employee, str | None]] = []
        unchanged = 0
        for row in rows:
            employee = _find(session, row, problems)
            if employee is None:
                continue
            earlier = seen.setdefault(employee.id, row.row)
            if earlier != row.row:
                problems.append(
                    GradeProblem(row.row, row.key[0], f"the same employee as row {earlier}")
                )
            elif employee.grade == row.grade:
                unchanged += 1
            else:
                updates.append((employee, row.grade))
        result = GradeImport(
            file=source.name,
            dry_run=dry_run,
            changed=len(updates),
            unchanged=unchanged,
            problems=tuple(sorted(problems, key=lambda p: (p.row, p.field))),
        )
        if result.problems or dry_run:
            return result  # leaving the unit of work uncommitted rolls back
        for employee, grade in updates:
            _store(session, actor, employee, grade, {"source": "hr-file", "file": source.name})
        uow.commit()
    return result


def _read(path: Path) -> tuple[list[_Row], list[GradeProblem]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")  # Excel's "CSV UTF-8" has a BOM
    except FileNotFoundError:
        raise NotFound(f"{path}: file not found") from None
    except OSError as exc:
        raise DomainError(f"{path}: cannot be read ({exc.strerror})") from None
    rows: list[_Row] = []
    problems: list[GradeProblem] = []
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise DomainError(f"{path.name}: the file is empty; expected a header row")
            columns = [h.strip().lower() for h in header]
            _check_columns(path, columns)
            for values in reader:
                if not any(v.strip() for v in values):
                    continue  # a blank line
                row = _row(reader.line_num, columns, values, problems)
                if row is not None:
                    rows.append(row)
        except UnicodeDecodeError:
            raise DomainError(f"{path.name}: not UTF-8 text; save the file as CSV UTF-8") from None
        except csv.Error as exc:
            message = f"{path.name}: row {reader.line_num}: not valid CSV ({exc})"
            raise DomainError(message) from None
    if not rows and not problems:
        raise DomainError(f"{path.name}: no employees in the file")
    return rows, problems


def _check_columns(path: Path, columns: list[str]) -> None:
    expected = "columns: employee_number or email, and grade"
    if GRADE_COLUMN not in columns:
        raise DomainError(f"{path.name}: row 1, grade: column 'grade' missing ({expected})")
    if not any(c in columns for c in KEY_COLUMNS):
        raise DomainError(
            f"{path.name}: row 1, employee_number: neither an 'employee_number' nor an 'email' "
            f"column ({expected})"
        )


def _row(
    number: int, columns: list[str], values: list[str], problems: list[GradeProblem]
) -> _Row | None:
    if len(values) != len(columns):
        problems.append(GradeProblem(number, "row", f"{len(values)} values for {len(columns)}"))
        return None
    cells = {c: v.strip() for c, v in zip(columns, values, strict=True)}
    employee_number = cells.get("employee_number") or None
    email = cells.get("email") or None
    if email is not None:
        try:
            email = canonical_email(email)
        except InvalidEmail as exc:
            problems.append(GradeProblem(number, "email", f"not an email address ({exc.reason})"))
            return None
    if employee_number is None and email is None:
        problems.append(
            GradeProblem(number, KEY_COLUMNS[0], "empty: give an employee number or an email")
        )
        return None
    try:
        grade = clean_grade(cells[GRADE_COLUMN])
    except GradeTooLong as exc:
        problems.append(GradeProblem(number, GRADE_COLUMN, exc.message.removeprefix("grade: ")))
        return None
    if employee_number is not None:
        return _Row(number, ("employee_number", employee_number), email, grade)
    assert email is not None
    return _Row(number, ("email", email), None, grade)


def _find(session: Session, row: _Row, problems: list[GradeProblem]) -> Employee | None:
    column, value = row.key
    found = session.scalar(
        sa.select(Employee).where(getattr(Employee, column) == value, Employee.erased_at.is_(None))
    )
    what = "employee number" if column == "employee_number" else "email"
    if found is None:
        problems.append(GradeProblem(row.row, column, f"no employee has the {what} {value!r}"))
        return None
    if row.email is not None and found.email != row.email:
        problems.append(
            GradeProblem(
                row.row,
                "email",
                f"{row.email!r} is not the email of employee number {value!r}",
            )
        )
        return None
    return found


def _store(
    session: Session,
    actor: Actor,
    employee: Employee,
    grade: str | None,
    detail: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor,
        ACTION,
        target_type="employee",
        target_id=employee.id,
        detail={"old": employee.grade, "new": grade, **detail},
    )
    employee.grade = grade
