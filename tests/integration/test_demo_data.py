"""The demo data a prospective customer sees first: plausible, complete and reproducible."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import airportsdata
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.config.sections import PrivacySection
from corp_carbon.db import migrate
from corp_carbon.db.models import (
    Activity,
    CommuteProfile,
    Employee,
    EmployeeRole,
    ImportRowProblem,
    ImportRun,
    ImportSource,
    Journey,
    Reward,
)
from corp_carbon.db.session import make_engine, make_session_factory
from corp_carbon.demo.commutes import _OFFICE_STOPS, HOME_STOP
from corp_carbon.demo.generate import DemoSummary, seed_demo
from corp_carbon.domain.geo import haversine_km
from corp_carbon.domain.vocabulary import (
    FLIGHT_CABINS,
    ActivityKind,
    ActivityStatus,
    Cabin,
    Fuel,
    Mode,
    RewardKind,
    Role,
    Verification,
)

TODAY = date(2026, 1, 15)
SEED = 2026


@contextmanager
def _fresh_sqlite(path: Path) -> Iterator[Session]:
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    try:
        yield session
    finally:
        session.close()
        engine.dispose()


@pytest.fixture(scope="module")
def demo_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """A session on a freshly migrated SQLite database."""
    with _fresh_sqlite(tmp_path_factory.mktemp("demo") / "demo.sqlite") as session:
        yield session


@pytest.fixture(scope="module")
def summary(demo_session: Session) -> DemoSummary:
    result = seed_demo(demo_session, seed=SEED, today=TODAY)
    demo_session.commit()  # every constraint of the schema holds
    return result


@pytest.fixture(scope="module")
def session(demo_session: Session, summary: DemoSummary) -> Session:
    return demo_session


def _activities(session: Session, *where: sa.ColumnElement[bool]) -> list[Activity]:
    return list(session.scalars(sa.select(Activity).where(*where)))


def test_the_commit_keeps_what_the_summary_reports(session: Session, summary: DemoSummary) -> None:
    def count(model: type[object]) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0

    assert count(Employee) == summary.employees == 200
    assert count(Activity) == summary.activities
    assert count(Journey) == summary.journeys
    assert count(CommuteProfile) == summary.commute_profiles
    assert count(Reward) == summary.rewards
    statuses = Counter(session.scalars(sa.select(Activity.status)))
    assert statuses[ActivityStatus.CANCELLED] == summary.cancelled
    assert statuses[ActivityStatus.REPLACED] == summary.replaced


def test_eight_departments_in_three_offices(session: Session, summary: DemoSummary) -> None:
    employees = list(session.scalars(sa.select(Employee)))
    assert summary.departments == len({e.department for e in employees}) == 8
    assert {(e.office, e.country) for e in employees} == {
        ("London", "GB"),
        ("Berlin", "DE"),
        ("Shanghai", "CN"),
    }
    assert summary.offices == 3
    offices = Counter(e.office for e in employees)
    assert min(offices.values()) >= 30
    assert all(re.fullmatch(r"CC-\d{3}", e.cost_centre or "") for e in employees)
    assert sorted(e.employee_number or "" for e in employees) == [
        f"E{n}" for n in range(1001, 1201)
    ]
    with_manager = [e for e in employees if e.manager_id is not None]
    assert len(with_manager) > 150


def test_names_come_in_their_own_scripts_and_emails_in_ascii(session: Session) -> None:
    employees = list(session.scalars(sa.select(Employee)))
    non_ascii = [e.name for e in employees if not e.name.isascii()]
    assert len(non_ascii) >= 20
    assert any(re.search(r"[\u4e00-\u9fff]", n) for n in non_ascii)  # Chinese
    assert any(ch in n for n in non_ascii for ch in "äöüß")  # German
    assert any(ch in n for n in non_ascii for ch in "éèáíóúñ")  # French, Spanish, Irish
    emails = [e.email for e in employees]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z0-9.\-]+@example\.com", m) for m in emails)
    by_email = {e.email: e.name for e in employees}
    assert by_email["zoe.mueller@example.com"] == "Zoë Müller"
    assert by_email["zhang.wei@example.com"] == "张伟"
    assert by_email["jose.alvarez@example.com"] == "José Álvarez-Peña"


def test_roles_and_the_logins_to_try(session: Session, summary: DemoSummary) -> None:
    roles = Counter(session.scalars(sa.select(EmployeeRole.role)))
    assert roles == {Role.ADMIN: 1, Role.HR: 2, Role.SUSTAINABILITY: 2}
    assert [role for _, _, role in summary.logins] == [
        "admin",
        "hr",
        "sustainability",
        "employee",
        "employee",
    ]
    for email, name, role in summary.logins:
        employee = session.scalars(sa.select(Employee).where(Employee.email == email)).one()
        assert employee.name == name
        assert employee.active
        assert employee.role_names[-1] == role


def test_travel_policy_grades_follow_the_organisation(session: Session) -> None:
    grades = Counter(session.scalars(sa.select(Employee.grade)))
    total = sum(grades.values())
    assert set(grades) == {"executive", "director", "manager", "staff"}  # nobody without one
    assert abs(grades["executive"] / total - 0.04) < 0.01
    assert abs(grades["director"] / total - 0.10) < 0.01
    assert abs(grades["manager"] / total - 0.30) < 0.01
    heads = session.scalars(
        sa.select(Employee.grade).where(
            Employee.manager_id.is_(None),
            Employee.id.in_(sa.select(Employee.manager_id)),
        )
    )
    assert set(heads) == {"executive"}  # every department head


def test_leavers_are_inactive_and_travel_no_more(session: Session) -> None:
    leavers = list(session.scalars(sa.select(Employee).where(Employee.active.is_(False))))
    assert len(leavers) == 3
    for leaver in leavers:
        assert leaver.deactivated_at is not None
        assert leaver.deactivated_at.tzinfo is not None
        later = _activities(
            session,
            Activity.employee_id == leaver.id,
            Activity.travel_date > leaver.deactivated_at.date(),
        )
        assert later == []


def test_commute_profiles_cover_every_mode(session: Session) -> None:
    profiles = list(session.scalars(sa.select(CommuteProfile)))
    holders = {p.employee_id for p in profiles}
    assert 160 <= len(holders) <= 180  # about 85% of 200
    modes = {p.usual_mode for p in profiles}
    assert modes >= {
        Mode.BIKE,
        Mode.EBIKE,
        Mode.WALK,
        Mode.BUS,
        Mode.SUBWAY,
        Mode.TRAM,
        Mode.RAIL,
        Mode.CAR,
        Mode.MOTORBIKE,
        Mode.FERRY,
    }
    cars = [p for p in profiles if p.usual_mode is Mode.CAR]
    assert {p.car_fuel for p in cars} >= {
        Fuel.PETROL,
        Fuel.DIESEL,
        Fuel.HYBRID,
        Fuel.PHEV,
        Fuel.BEV,
    }
    assert any((p.car_occupants or 1) >= 2 for p in cars)  # car-pool
    assert all(p.car_fuel is None for p in profiles if p.usual_mode is not Mode.CAR)
    assert sum(p.usual_mode is Mode.FERRY for p in profiles) >= 2
    assert any(p.secondary_mode and p.usual_mode_share_pct < 100 for p in profiles)
    assert any(p.baseline_mode is Mode.CAR and p.usual_mode is not Mode.CAR for p in profiles)
    assert all(1 <= p.office_days_per_week <= 5 for p in profiles)
    limits = {
        Mode.WALK: (0.5, 3),
        Mode.BIKE: (2, 15),
        Mode.RAIL: (10, 60),
        Mode.SUBWAY: (3, 22),
    }
    for p in profiles:
        if p.usual_mode in limits and p.usual_mode_share_pct == 100:
            low, high = limits[p.usual_mode]
            assert low <= p.one_way_km <= high, (p.usual_mode, p.one_way_km)


def test_commutes_are_one_way_trips_home_and_back(session: Session) -> None:
    commutes = _activities(session, Activity.kind == ActivityKind.COMMUTE)
    assert 8_000 <= len(commutes) <= 15_000
    assert {a.mode for a in commutes} >= {
        Mode.BIKE,
        Mode.EBIKE,
        Mode.WALK,
        Mode.BUS,
        Mode.SUBWAY,
        Mode.TRAM,
        Mode.RAIL,
        Mode.CAR,
        Mode.MOTORBIKE,
        Mode.FERRY,
    }
    assert all(a.distance_km is not None and a.distance_km > 0 for a in commutes)
    assert all(a.travel_date.weekday() < 5 for a in commutes)
    assert all(TODAY - timedelta(days=365) <= a.travel_date < TODAY for a in commutes)
    verifications = Counter(a.verification for a in commutes)
    assert set(verifications) == {Verification.SELF_REPORTED, Verification.IMPORTED}
    for a in commutes:
        assert (a.source_id is None) == (a.verification is Verification.SELF_REPORTED)
    starts = Counter(a.origin for a in commutes if a.leg_index in (None, 0))
    assert starts["Home"] * 2 == pytest.approx(sum(starts.values()), rel=0.01)
    months = {a.travel_date.replace(day=1) for a in commutes}
    assert len(months) >= 12


def test_no_commute_place_says_where_anyone_lives(session: Session) -> None:
    """A multi-leg commute changes mode at a stop: near the office it is named, near home it
    is only "Local stop" (the distance is all the figures need)."""
    commutes = _activities(session, Activity.kind == ActivityKind.COMMUTE)
    offices = {a.office for a in commutes}
    office_stops = {stop for stops in _OFFICE_STOPS.values() for stop in stops}
    places = Counter(p for a in commutes for p in (a.origin, a.destination))
    assert set(places) <= {"Home", HOME_STOP} | offices | office_stops
    assert places["Home"] and places[HOME_STOP]  # first miles exist, and name no station
    assert all(a.origin_lat is None and a.destination_lat is None for a in commutes)


def test_a_year_of_business_travel_in_every_mode(session: Session) -> None:
    trips = _activities(session, Activity.kind == ActivityKind.BUSINESS_TRAVEL)
    assert 1_200 <= len(trips) <= 2_000
    modes = Counter(a.mode for a in trips)
    assert set(modes) >= {
        Mode.AIR,
        Mode.RAIL,
        Mode.CAR,
        Mode.TAXI,
        Mode.COACH,
        Mode.FERRY,
        Mode.HOTEL,
    }
    assert modes[Mode.AIR] == max(modes.values())
    assert all(TODAY - timedelta(days=365) <= a.travel_date < TODAY for a in trips)
    hotels = [a for a in trips if a.mode is Mode.HOTEL]
    assert all(a.nights and a.nights > 0 and a.distance_km is None for a in hotels)
    hired = [a for a in trips if a.mode is Mode.CAR and a.verification is Verification.IMPORTED]
    assert hired
    assert all(a.fuel and a.vehicle_size and a.distance_km for a in hired)
    rail = [a for a in trips if a.mode is Mode.RAIL]
    assert {(a.origin, a.destination) for a in rail} & {
        ("London St Pancras", "Paris Gare du Nord"),
        ("Berlin Hbf", "München Hbf"),
        ("Shanghai Hongqiao", "Beijing South"),
    }
    assert all(a.distance_source == "given" for a in rail)


def test_flights_fly_in_every_cabin_over_great_circle_distances(session: Session) -> None:
    flights = _activities(session, Activity.mode == Mode.AIR)
    assert {a.cabin for a in flights} == set(FLIGHT_CABINS)
    assert Counter(a.cabin for a in flights).most_common(1)[0][0] is Cabin.ECONOMY
    airports = airportsdata.load("IATA")
    for a in flights:
        assert a.origin and a.destination
        start, end = airports[a.origin], airports[a.destination]
        expected = haversine_km(start["lat"], start["lon"], end["lat"], end["lon"])
        assert a.distance_km is not None
        assert a.distance_km > 0
        assert a.distance_km == expected, (a.origin, a.destination)
        assert a.distance_source == "computed"
        assert a.origin_lat is not None
        assert abs(float(a.origin_lat) - start["lat"]) < 1e-6
        assert a.carrier and a.service_number and a.record_locator
    assert any(a.distance_km and a.distance_km > 8_000 for a in flights)  # long haul
    assert any(a.distance_km and a.distance_km < 700 for a in flights)  # domestic hops


def test_trains_run_in_standard_and_first_class_and_night_trains_in_berths(
    session: Session,
) -> None:
    rail = _activities(
        session, Activity.mode == Mode.RAIL, Activity.kind == ActivityKind.BUSINESS_TRAVEL
    )
    classes = Counter(a.cabin for a in rail)
    assert set(classes) == {Cabin.STANDARD, Cabin.FIRST, Cabin.SLEEPER}
    day_trains = classes[Cabin.STANDARD] + classes[Cabin.FIRST]
    assert 0.08 <= classes[Cabin.FIRST] / day_trains <= 0.18  # about one in eight
    sleepers = [a for a in rail if a.cabin is Cabin.SLEEPER]
    assert all(a.distance_km is not None and a.distance_km > 900 for a in sleepers)
    assert all(a.service_number and a.service_number.startswith("D") for a in sleepers)
    # a booking's trains share its class, there and back
    by_booking: dict[tuple[object, str], set[Cabin | None]] = {}
    for a in rail:
        booking = (a.source_id, (a.source_record_key or "").rpartition(":")[0])
        by_booking.setdefault(booking, set()).add(a.cabin)
    assert all(len(found) == 1 for found in by_booking.values())


def test_connections_are_journeys_of_consecutive_legs(session: Session) -> None:
    legs_by_journey: dict[int, list[Activity]] = {}
    for a in _activities(session, Activity.mode == Mode.AIR, Activity.journey_id.is_not(None)):
        legs_by_journey.setdefault(a.journey_id or 0, []).append(a)
    connections = [
        legs for legs in legs_by_journey.values() if len({a.leg_index for a in legs}) > 1
    ]
    assert len(connections) >= 5
    for legs in connections:
        live = sorted(
            (a for a in legs if a.status is not ActivityStatus.REPLACED),
            key=lambda a: a.leg_index or 0,
        )
        assert [a.leg_index for a in live] == list(range(len(live)))
        for before, after in pairwise(live):
            assert before.destination == after.origin
        journey = session.get(Journey, live[0].journey_id)
        assert journey is not None
        assert (journey.origin, journey.destination) == (live[0].origin, live[-1].destination)


def test_cancellations_exchanges_and_duplicates(session: Session) -> None:
    cancelled = _activities(session, Activity.status == ActivityStatus.CANCELLED)
    assert 10 <= len(cancelled) <= 25
    replaced = _activities(session, Activity.status == ActivityStatus.REPLACED)
    assert 5 <= len(replaced) <= 15
    for old in replaced:
        assert old.replaced_by_id is not None
        new = session.get(Activity, old.replaced_by_id)
        assert new is not None
        assert new.status is ActivityStatus.CONFIRMED
        assert new.travel_date > old.travel_date
        assert (new.journey_id, new.leg_index) == (old.journey_id, old.leg_index)
        assert (new.mode, new.origin, new.destination) == (old.mode, old.origin, old.destination)
        assert new.source_id == old.source_id
        assert new.source_record_key != old.source_record_key
    duplicates = _activities(session, Activity.status == ActivityStatus.DUPLICATE)
    assert 2 <= len(duplicates) <= 5
    for dup in duplicates:
        original = session.get(Activity, dup.duplicate_of_id)
        assert original is not None
        assert original.status is ActivityStatus.CONFIRMED
        assert original.source_id != dup.source_id
        assert original.match_key == dup.match_key
        assert (original.travel_date, original.origin, original.destination) == (
            dup.travel_date,
            dup.origin,
            dup.destination,
        )
    linked = _activities(
        session,
        Activity.status.not_in([ActivityStatus.REPLACED, ActivityStatus.DUPLICATE]),
        sa.or_(Activity.replaced_by_id.is_not(None), Activity.duplicate_of_id.is_not(None)),
    )
    assert linked == []


def test_imports_record_where_each_row_came_from(session: Session) -> None:
    sources = list(session.scalars(sa.select(ImportSource)))
    assert {s.connector for s in sources} == {"concur-itinerary", "navan", "commute-survey"}
    runs = list(session.scalars(sa.select(ImportRun)))
    assert len(runs) == 3
    for run in runs:
        # as the pipeline reports them: rejected rows make a run "completed with errors"
        assert run.status == ("completed_with_errors" if run.rejected else "succeeded")
        assert run.trigger == "schedule"
        assert run.started_by == "schedule:nightly"
        assert run.finished_at is not None
        assert run.finished_at > run.started_at
        assert re.fullmatch(r"[0-9a-f]{64}", run.file_sha256)
        rows = _activities(session, Activity.import_run_id == run.id)
        assert rows
        assert all(a.source_id == run.source_id for a in rows)
        assert all(a.source_record_key and a.source_record_hash for a in rows)
        assert all(a.verification is Verification.IMPORTED for a in rows)
        statuses = Counter(a.status for a in rows)
        profiles = session.scalar(
            sa.select(sa.func.count())
            .select_from(CommuteProfile)
            .where(CommuteProfile.import_run_id == run.id)
        )
        assert run.duplicates == statuses[ActivityStatus.DUPLICATE]
        assert run.cancelled == statuses[ActivityStatus.CANCELLED]
        assert run.updated == statuses[ActivityStatus.REPLACED]
        assert run.imported == len(rows) - run.duplicates + (profiles or 0)
        problems = session.scalar(
            sa.select(sa.func.count())
            .select_from(ImportRowProblem)
            .where(ImportRowProblem.run_id == run.id)
        )
        assert run.rejected == problems
        assert run.rows_read == run.imported + run.duplicates + run.rejected
    unsourced = _activities(session, Activity.source_id.is_(None))
    assert unsourced
    assert all(a.verification is Verification.SELF_REPORTED for a in unsourced)


def test_rewards_catalogue(session: Session) -> None:
    rewards = list(session.scalars(sa.select(Reward)))
    assert 7 <= len(rewards) <= 12
    assert {r.kind for r in rewards} == set(RewardKind)
    assert all(r.cost_points > 0 and r.active for r in rewards)
    assert all(r.limit_period in ("month", "quarter", "year", "ever") for r in rewards)
    assert all(r.project_name for r in rewards if r.kind is RewardKind.DONATION)
    assert any(r.stock is not None for r in rewards)
    assert any(r.stock is None for r in rewards)
    assert any(r.auto_approve for r in rewards)
    assert any(r.per_person_limit for r in rewards)


def _fingerprint(
    session: Session,
) -> tuple[list[tuple[str, str, str | None]], Counter[tuple[str, str]]]:
    people = list(
        session.execute(
            sa.select(Employee.email, Employee.name, Employee.grade).order_by(Employee.id)
        )
    )
    activities = Counter(
        (str(kind), str(status))
        for kind, status in session.execute(sa.select(Activity.kind, Activity.status))
    )
    return [(email, name, grade) for email, name, grade in people], activities


def test_the_same_seed_gives_the_same_company(
    session: Session, summary: DemoSummary, tmp_path: Path
) -> None:
    with _fresh_sqlite(tmp_path / "again.sqlite") as again:
        repeat = seed_demo(again, seed=SEED, today=TODAY)
        again.commit()
        assert repeat == summary
        assert _fingerprint(again) == _fingerprint(session)
    with _fresh_sqlite(tmp_path / "other.sqlite") as other:
        different = seed_demo(other, seed=SEED + 1, employees=40, today=TODAY)
        other.commit()
        assert different.employees == 40
        assert _fingerprint(other)[0] != _fingerprint(session)[0][:40]


def test_seeding_flushes_but_leaves_the_commit_to_the_caller(tmp_path: Path) -> None:
    with _fresh_sqlite(tmp_path / "rollback.sqlite") as session:
        seed_demo(session, seed=3, employees=30, today=TODAY)
        assert session.scalar(sa.select(sa.func.count()).select_from(Employee)) == 30
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(Employee)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


def test_the_team_page_has_a_leaderboard_to_show(session: Session) -> None:
    """Zhang Wei's department has enough colleagues on the leaderboard for it to show, him
    among them; José is not on it (his team page shows the prompt to join)."""
    k = PrivacySection().min_group_size
    wei = session.scalars(sa.select(Employee).where(Employee.email.like("zhang.wei%"))).one()
    jose = session.scalars(sa.select(Employee).where(Employee.email.like("jose.alvarez%"))).one()
    assert wei.leaderboard_opt_in and not jose.leaderboard_opt_in
    joined = session.scalar(
        sa.select(sa.func.count()).where(
            Employee.department == wei.department, Employee.leaderboard_opt_in.is_(True)
        )
    )
    assert (joined or 0) >= k
