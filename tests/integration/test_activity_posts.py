"""Department and office at the time of travel: stamped on each activity when it is stored,
so a later move does not carry past trips along in reports."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import ActivityKind, ImportTrigger, Mode, Verification
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import ImportRequest
from corp_carbon.services.people import employees
from tests.support import add_directory

CONCUR = (
    Path(__file__).resolve().parents[1]
    / "connectors"
    / "golden"
    / "concur-itinerary"
    / "concur_itinerary_export.csv"
)
TEST = Actor(label="test")


def _posts(uow: UnitOfWork) -> set[tuple[str | None, str | None]]:
    with uow:
        return {
            (row.department, row.office)
            for row in uow.session.execute(sa.select(Activity.department, Activity.office))
        }


def _move_everyone(uow: UnitOfWork, department: str, office: str) -> None:
    with uow:
        uow.session.execute(sa.update(Employee).values(department=department, office=office))
        uow.commit()


def test_imported_trips_keep_the_department_of_the_day(uow: UnitOfWork, settings: Settings) -> None:
    create = functools.partial(
        employees.add_employee, uow, TEST, department="Sales", office="Berlin"
    )
    add_directory(create)
    request = ImportRequest(
        connector="concur-itinerary",
        path=CONCUR,
        file_name=CONCUR.name,
        trigger=ImportTrigger.CLI,
        started_by="test",
    )
    assert run_import(uow, settings, request).counts["imported"] > 0
    assert _posts(uow) == {("Sales", "Berlin")}
    _move_everyone(uow, "Finance", "London")
    assert _posts(uow) == {("Sales", "Berlin")}


def test_an_entry_made_through_the_orm_takes_the_current_post(uow: UnitOfWork) -> None:
    person = employees.add_employee(
        uow, TEST, email="a@example.com", name="A", department="Legal", office="Paris"
    )
    with uow:
        uow.session.add(
            Activity(
                employee_id=person.id,
                kind=ActivityKind.COMMUTE,
                mode=Mode.BIKE,
                travel_date=date(2026, 3, 2),
                verification=Verification.SELF_REPORTED,
            )
        )
        uow.commit()
    _move_everyone(uow, "Finance", "London")
    assert _posts(uow) == {("Legal", "Paris")}
