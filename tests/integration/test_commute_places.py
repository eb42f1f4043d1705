"""What is stored about where people commute from: nothing beyond the distance.

A logged commute goes from "Home" to the office (or back) with the distance the employee
declared; no address, postcode or position is asked for or kept. A commute survey's home
postcode and free-text comment are not read, so they are nowhere in the database after an
import; the profile keeps mode, distance and days (SQLite and PostgreSQL).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from corp_carbon.db.models import Activity, CommuteProfile, Journey
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.commute_log import CommuteRequest
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.vocabulary import ImportTrigger, Mode
from corp_carbon.services.commutes import entries
from corp_carbon.services.imports.run import run_import
from corp_carbon.services.imports.values import ImportRequest
from corp_carbon.services.people import employees
from corp_carbon.web.state import CarbonState
from tests.erasure_fixture import text_hits
from tests.support import add_directory

SURVEY = Path(__file__).resolve().parents[1] / "connectors" / "golden" / "commute-survey"
#: the home postcodes and comments of commute_survey.csv.
POSTCODES = ("10245", "200120", "SE1 7PB", "28013")
COMMENTS = ("地铁换乘两次", "Southern to London Bridge")


def test_a_commute_profile_holds_no_place() -> None:
    columns = set(CommuteProfile.__table__.columns.keys())
    assert columns == {
        "id", "employee_id", "valid_from", "usual_mode", "secondary_mode", "usual_mode_share_pct",
        "one_way_km", "distance_source", "office_days_per_week", "remote_days_per_week",
        "weeks_per_year", "car_fuel", "car_occupants", "baseline_mode", "source",
        "import_run_id", "created_at",
    }  # fmt: skip


def test_a_logged_commute_goes_from_home_to_the_office_and_nowhere_more_precise(
    state: CarbonState, create_employee: Callable[..., EmployeeProfile]
) -> None:
    zoe = create_employee(email="zoe@example.com", name="Zoë", office="Berlin")
    day = entries.today() - timedelta(days=1)
    entries.log_commutes(
        state.uow(), state.settings, Actor(label="zoe@example.com", employee_id=zoe.id),
        employee_id=zoe.id, request=CommuteRequest((day,), Mode.BIKE, Decimal("7.5"), 2),
        request_key="k", today=entries.today(),
    )  # fmt: skip
    with state.uow() as uow:
        trips = uow.session.scalars(sa.select(Activity).order_by(Activity.id)).all()
        assert [(t.origin, t.destination, t.distance_km) for t in trips] == [
            ("Home", "Berlin", Decimal("7.5")),
            ("Berlin", "Home", Decimal("7.5")),
        ]
        assert all(
            (t.origin_lat, t.origin_lon, t.destination_lat, t.destination_lon) == (None,) * 4
            for t in trips
        )
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(Journey)) == 0


def test_a_survey_answer_leaves_no_home_postcode_or_comment(
    state: CarbonState, uow: UnitOfWork
) -> None:
    add_directory(functools.partial(employees.add_employee, uow, Actor(label="test")))
    request = ImportRequest(
        connector="commute-survey", path=SURVEY / "commute_survey.csv",
        file_name="commute_survey.csv", trigger=ImportTrigger.CLI, started_by="test",
    )  # fmt: skip
    report = run_import(uow, state.settings, request)
    assert report.counts["imported"] > 0
    with uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(CommuteProfile)) > 0
    assert text_hits(state.engine, COMMENTS, POSTCODES) == []
