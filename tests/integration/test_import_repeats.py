"""The same input counted once, end to end: a segment row repeated in an export, then the same
flight from another source, leave one active activity (issue 10, part 1)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors import _segments
from corp_carbon.config import Settings
from corp_carbon.db.models import Activity, CommuteProfile, Employee, LedgerAccount, LedgerEntry
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.vocabulary import ActivityStatus
from tests.integration.test_import_pipeline import (
    CONCUR,
    NAVAN,
    SURVEY,
    TRAVELPERK,
    _people,
    _run,
)

#: Zhang Wei's PVG>FRA LH729 on 12 May 2025, in the Concur sample (row 4) and in Navan's.
FLIGHT_ROW = 4
#: Zoë Müller's ICE 1001 Berlin > München on 20 May 2025 (a journey that earns points).
RAIL_ROW = 11


def _with_row_repeated(tmp_path: Path, source: Path, row: int) -> Path:
    """``source`` with its ``row`` (1-based, the header is row 1) written twice."""
    lines = source.read_text(encoding="utf-8").splitlines()
    lines.insert(row, lines[row - 1])
    path = tmp_path / source.name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _flight_legs(uow: UnitOfWork) -> list[tuple[str, str | None]]:
    with uow:
        rows = uow.session.execute(
            sa.select(Activity.status, Activity.source_record_key)
            .join(Employee, Employee.id == Activity.employee_id)
            .where(
                Employee.employee_number == "E1002",
                Activity.travel_date == date(2025, 5, 12),
                Activity.origin == "PVG",
                Activity.destination == "FRA",
            )
            .order_by(Activity.id)
        ).all()
    return [(status.value, key) for status, key in rows]


def test_a_repeated_row_then_another_source_leave_one_active_flight(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    _people(uow)
    once = _run(uow, settings, "concur-itinerary", CONCUR)
    assert once.counts["duplicates"] == 0
    repeated = _with_row_repeated(tmp_path, CONCUR, FLIGHT_ROW)

    # the file again, with the flight's row repeated: the repeat is read and counted once
    again = _run(uow, settings, "concur-itinerary", repeated)
    assert again.counts["read"] == once.counts["read"] + 1
    assert again.counts["duplicates"] == 1
    assert again.counts["imported"] == 0 and again.counts["updated"] == 0
    warning = next(p for p in again.problems if p.row == FLIGHT_ROW + 1)
    assert (warning.reason, warning.rejected) == (
        f"same segment as row {FLIGHT_ROW}: counted once",
        False,
    )

    # then the same flight booked through Navan: recognised as the Concur one
    _run(uow, settings, "navan", NAVAN)
    legs = _flight_legs(uow)
    assert [status for status, _ in legs] == ["confirmed", "duplicate"]
    assert not any(key and key.endswith("#2") for _, key in legs)


def test_a_file_with_a_repeated_row_imported_first_counts_the_flight_once(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    _people(uow)
    report = _run(
        uow, settings, "concur-itinerary", _with_row_repeated(tmp_path, CONCUR, FLIGHT_ROW)
    )
    assert (report.counts["imported"], report.counts["duplicates"]) == (9, 1)
    _run(uow, settings, "navan", NAVAN)
    assert [status for status, _ in _flight_legs(uow)] == ["confirmed", "duplicate"]
    with uow:
        active = uow.session.scalar(
            sa.select(sa.func.count())
            .select_from(Activity)
            .where(
                Activity.status == ActivityStatus.CONFIRMED,
                Activity.origin == "PVG",
                Activity.destination == "FRA",
            )
        )
    assert active == 1


def test_a_commute_survey_answered_twice_counts_once(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    _people(uow)
    single = _run(uow, settings, "commute-survey", SURVEY)
    with uow:
        first_count = uow.session.scalar(sa.select(sa.func.count()).select_from(Activity))
        first_profiles = uow.session.scalar(sa.select(sa.func.count()).select_from(CommuteProfile))
    twice = _run(uow, settings, "commute-survey", _with_row_repeated(tmp_path, SURVEY, 2))
    assert twice.counts["imported"] == 0
    assert twice.counts["read"] == single.counts["read"] + 1
    with uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == first_count
        profiles = uow.session.scalar(sa.select(sa.func.count()).select_from(CommuteProfile))
    assert profiles == first_profiles


def test_a_leg_stored_twice_by_the_old_rule_is_cancelled_by_the_next_import(
    uow: UnitOfWork, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Databases that imported a repeated row before this rule hold a second leg ("#2");
    importing the file again cancels it and gives its points back (Zoë's ICE, row 11)."""
    _people(uow)
    repeated = _with_row_repeated(tmp_path, CONCUR, RAIL_ROW)
    with monkeypatch.context() as old_rule:
        old_rule.setattr(_segments.Repeats, "first_row", lambda *_: None)
        _run(uow, settings, "concur-itinerary", repeated)
    assert _rail_statuses(uow) == ["confirmed", "confirmed"]
    doubled = _balance(uow, "E1001")
    report = _run(uow, settings, "concur-itinerary", repeated)
    assert (report.counts["cancelled"], report.counts["duplicates"]) == (1, 1)
    assert _rail_statuses(uow) == ["confirmed", "cancelled"]
    assert 0 < _balance(uow, "E1001") < doubled


def _rail_statuses(uow: UnitOfWork) -> list[str]:
    with uow:
        found = uow.session.scalars(
            sa.select(Activity.status)
            .where(Activity.service_number == "ICE 1001")
            .order_by(Activity.id)
        ).all()
    return [s.value for s in found]


def _balance(uow: UnitOfWork, employee_number: str) -> int:
    with uow:
        total = uow.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0))
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .join(Employee, Employee.id == LedgerAccount.employee_id)
            .where(Employee.employee_number == employee_number)
        )
    return int(total or 0)


def test_a_travelperk_booking_listed_twice_is_stored_once(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    _people(uow)
    data = json.loads(TRAVELPERK.read_text(encoding="utf-8"))
    single = _run(uow, settings, "travelperk", TRAVELPERK)
    with uow:
        stored = uow.session.scalar(sa.select(sa.func.count()).select_from(Activity))
    bookings = data["trips"][0]["bookings"]
    bookings.append(copy.deepcopy(bookings[0]))
    twice = tmp_path / "travelperk_twice.json"
    twice.write_text(json.dumps(data), encoding="utf-8")
    report = _run(uow, settings, "travelperk", twice)
    assert report.counts["imported"] == 0 and report.counts["updated"] == 0
    assert report.counts["read"] == single.counts["read"] + 2  # the copy's two flights
    with uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == stored
