"""Hand-computed fixtures for the points programme, the avoided emissions and data quality.

Period: March 2026 (PERIOD). Every figure the tests expect is worked out in the docstrings
below, so a reader can check it with a pencil.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from corp_carbon.db.models import (
    Activity,
    CommuteProfile,
    Employee,
    ImportRun,
    ImportSource,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PendingRecord,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.ledger import employee_code, system_code
from corp_carbon.domain.vocabulary import (
    AccountKind,
    ActivityKind,
    ActivityStatus,
    Cabin,
    CalculationMethod,
    DistanceSource,
    Fuel,
    ImportRunStatus,
    ImportTrigger,
    Mode,
    TransactionKind,
    Verification,
)

PERIOD = (date(2026, 3, 1), date(2026, 3, 31))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _employee(uow: UnitOfWork, name: str, **fields: object) -> Employee:
    person = Employee(email=f"{name}@example.com", name=name.title(), **fields)
    uow.session.add(person)
    uow.session.flush()
    return person


# --- points ---------------------------------------------------------------------------------


def seed_ledger(uow: UnitOfWork) -> None:
    """Three employees' accounts, posted directly with chosen times (UTC).

    Before March: A earns 1,000, B earns 500, B redeems 200 -> opening 1,300.
    In March: A earns 300 (at 00:00 on the 1st, counted) and C 250 -> issued 550; C's earning
    is reversed -> reversed 250; A redeems 400 and gets it refunded, B redeems 100 ->
    redeemed 500, refunded 400, net 100; 150 of A's expire (23:59:59 on the 31st, counted)
    -> expired 150; HR gives B 50 and takes 25 from A -> adjusted +50 / -25.
    Closing: 1,300 + 550 - 250 - 100 - 150 + 25 = 1,375 (A 1,125, B 250, C 0).
    After March: A earns 999 at 00:00 on 1 April, not counted.
    """
    with uow:
        session = uow.session
        people = {name: _employee(uow, f"ledger-{name}") for name in "abc"}
        accounts: dict[str, int] = {}
        for name, person in people.items():
            row = LedgerAccount(
                code=employee_code(person.id), kind=AccountKind.EMPLOYEE, employee_id=person.id
            )
            session.add(row)
            session.flush()
            accounts[name] = row.id
        for kind in AccountKind:
            if kind is not AccountKind.EMPLOYEE:
                row = LedgerAccount(code=system_code(kind), kind=kind)
                session.add(row)
                session.flush()
                accounts[kind.value] = row.id
        keys = iter(range(1, 100))

        def post(
            kind: TransactionKind,
            at: str,
            who: str,
            amount: int,
            system: AccountKind,
            reverses: int | None = None,
        ) -> int:
            tx = LedgerTransaction(
                kind=kind, idempotency_key=f"fixture:{next(keys)}", request_hash="0" * 64,
                reason_code="fixture", reverses_id=reverses, created_at=_at(at),
            )  # fmt: skip
            session.add(tx)
            session.flush()
            for account, points in ((accounts[who], amount), (accounts[system.value], -amount)):
                session.add(
                    LedgerEntry(
                        transaction_id=tx.id, account_id=account, amount=points,
                        created_at=_at(at),
                    )
                )  # fmt: skip
            session.flush()
            return tx.id

        earn, issuance = TransactionKind.EARN, AccountKind.ISSUANCE
        redeem, redemption = TransactionKind.REDEEM, AccountKind.REDEMPTION
        post(earn, "2026-02-10 09:00", "a", 1000, issuance)
        post(earn, "2026-02-10 09:00", "b", 500, issuance)
        post(redeem, "2026-02-20 12:00", "b", -200, redemption)
        post(earn, "2026-03-01 00:00", "a", 300, issuance)
        c_earned = post(earn, "2026-03-02 08:00", "c", 250, issuance)
        post(TransactionKind.REVERSAL, "2026-03-15 10:00", "c", -250, issuance, c_earned)
        held = post(redeem, "2026-03-10 11:00", "a", -400, redemption)
        post(TransactionKind.REFUND, "2026-03-12 11:00", "a", 400, redemption, held)
        post(redeem, "2026-03-20 16:00", "b", -100, redemption)
        post(TransactionKind.EXPIRE, "2026-03-31 23:59:59", "a", -150, AccountKind.EXPIRY)
        post(TransactionKind.ADJUST, "2026-03-05 09:30", "b", 50, AccountKind.ADJUSTMENT)
        post(TransactionKind.ADJUST, "2026-03-06 09:30", "a", -25, AccountKind.ADJUSTMENT)
        post(earn, "2026-04-01 00:00", "a", 999, issuance)
        uow.commit()


# --- avoided emissions ----------------------------------------------------------------------

#: DESNZ 2025 (the by-year set of 2025 trips), kg CO2e per vehicle-km or passenger-km.
AVERAGE_CAR, PETROL_CAR, BEV_CAR, LOCAL_BUS = "0.16725", "0.16272", "0.04047", "0.10385"
AVOIDED_PERIOD = (date(2025, 6, 1), date(2025, 6, 30))


def seed_commutes(uow: UnitOfWork) -> None:
    """June 2025, scored with DESNZ 2025; kg rounded to the gram, half up.

    Business travel: a 100 km business trip in a battery-electric car, against a petrol car:
    100 x (0.16272 - 0.04047) = 12.225 kg under either baseline.
    Commutes (reference: driving alone in an average car, 0.16725 kg/km; bike and walk 0):
      bike 10 km, usually by local bus:  reference 1.673 (1.6725), personal 1.039 (1.0385)
      bike 20 km, usually a petrol car:  reference 3.345,          personal 3.254 (3.2544)
      walk 5 km, no commute profile:     reference 0.836 (0.83625), personal 0 (none declared)
      bike 8 km, usually by bike:        reference 1.338,          personal 0 (as usual)
    Commuting: reference 7.192, personal 4.293. Not counted: a cancelled bike commute and a
    bike commute of July.
    """
    with uow:
        session = uow.session
        day = date(2025, 6, 10)

        def commute(person: Employee, mode: Mode, km: str, **extra: object) -> None:
            values: dict[str, object] = {
                "employee_id": person.id, "kind": ActivityKind.COMMUTE, "mode": mode,
                "travel_date": day, "distance_km": Decimal(km),
                "distance_source": DistanceSource.DECLARED,
                "verification": Verification.SELF_REPORTED, **extra,
            }  # fmt: skip
            session.add(Activity(**values))

        def profile(person: Employee, mode: Mode, fuel: Fuel | None = None) -> None:
            session.add(
                CommuteProfile(
                    employee_id=person.id, valid_from=date(2025, 1, 1), usual_mode=mode,
                    baseline_mode=mode, one_way_km=Decimal("10"), office_days_per_week=5,
                    car_fuel=fuel,
                )
            )  # fmt: skip

        driver = _employee(uow, "ev-driver")
        session.add(
            Activity(
                employee_id=driver.id, kind=ActivityKind.BUSINESS_TRAVEL, mode=Mode.CAR,
                fuel=Fuel.BEV, travel_date=day, distance_km=Decimal("100"),
                distance_source=DistanceSource.GIVEN, verification=Verification.SELF_REPORTED,
            )
        )  # fmt: skip
        bus_user = _employee(uow, "bus-user")
        profile(bus_user, Mode.BUS)
        commute(bus_user, Mode.BIKE, "10")
        driver_at_home = _employee(uow, "petrol-driver")
        profile(driver_at_home, Mode.CAR, Fuel.PETROL)
        commute(driver_at_home, Mode.BIKE, "20")
        walker = _employee(uow, "walker")
        commute(walker, Mode.WALK, "5")
        cyclist = _employee(uow, "cyclist")
        profile(cyclist, Mode.BIKE)
        commute(cyclist, Mode.BIKE, "8")
        commute(cyclist, Mode.BIKE, "8", status=ActivityStatus.CANCELLED)
        commute(cyclist, Mode.BIKE, "8", travel_date=date(2025, 7, 1))
        uow.commit()


# --- data quality ---------------------------------------------------------------------------


def seed_quality(uow: UnitOfWork) -> None:
    """Import runs, activities and waiting records of March 2026.

    Runs started in March (dry runs left out):
      Concur nightly (concur-itinerary), 2 runs: read 100 + 50, imported 80 + 40, updated 5 + 2,
        rejected 3 + 1, duplicates 7 + 3, waiting 4 + 2, cancelled 1 + 2
        -> 150, 120, 7, 4, 10, 6, 3
      Navan uploads (navan), 1 run: 20 read, 18 imported, 2 rejected.
    Not counted: a Navan dry run on 15 March, Concur runs at 23:59 on 28 February and at
    00:00 on 1 April.
    Confirmed activities of March other than hotel stays: 11 -- distance given 4 (3 flights,
    one without a cabin, and a train), computed 2 (flights, one without a cabin), estimated 1,
    declared 1, spend-based 2 (a flight without a cabin and a taxi), none 1 (a bus). Flights 6,
    3 without a cabin. Not counted: a hotel stay, a cancelled flight and a February flight.
    Waiting now: 4 records naming 3 travellers (E100 twice, b@ only by email, E200 only by
    number); one more was resolved.
    """
    with uow:
        session = uow.session
        concur = ImportSource(name="Concur nightly", connector="concur-itinerary")
        navan = ImportSource(name="Navan uploads", connector="navan")
        session.add_all([concur, navan])
        session.flush()

        def run(source: ImportSource, at: str, counts: tuple[int, ...], dry: bool = False) -> int:
            read, imported, updated, rejected, duplicates, waiting, cancelled = counts
            row = ImportRun(
                source_id=source.id, connector=source.connector, file_name=f"{at[:10]}.csv",
                file_size=1, file_sha256="0" * 64, trigger=ImportTrigger.SCHEDULE,
                started_by="schedule:fixture", dry_run=dry, status=ImportRunStatus.SUCCEEDED,
                started_at=_at(at), rows_read=read, imported=imported, updated=updated,
                rejected=rejected, duplicates=duplicates, waiting=waiting, cancelled=cancelled,
            )  # fmt: skip
            session.add(row)
            session.flush()
            return row.id

        first = run(concur, "2026-03-02 02:00", (100, 80, 5, 3, 7, 4, 1))
        run(concur, "2026-03-03 02:00", (50, 40, 2, 1, 3, 2, 2))
        run(navan, "2026-03-31 23:00", (20, 18, 0, 2, 0, 0, 0))
        run(navan, "2026-03-15 12:00", (9, 9, 0, 0, 0, 0, 0), dry=True)
        run(concur, "2026-02-28 23:59", (70, 70, 0, 0, 0, 0, 0))
        run(concur, "2026-04-01 00:00", (60, 60, 0, 0, 0, 0, 0))

        person = _employee(uow, "quality-traveller")

        def activity(mode: Mode, source: DistanceSource | None, **extra: object) -> None:
            values: dict[str, object] = {
                "employee_id": person.id, "kind": ActivityKind.BUSINESS_TRAVEL, "mode": mode,
                "travel_date": date(2026, 3, 9), "distance_source": source,
                "distance_km": Decimal("100") if source else None,
                "verification": Verification.SELF_REPORTED, **extra,
            }  # fmt: skip
            session.add(Activity(**values))

        given, computed = DistanceSource.GIVEN, DistanceSource.COMPUTED
        activity(Mode.AIR, given, cabin=Cabin.ECONOMY)
        activity(Mode.AIR, given, cabin=Cabin.BUSINESS)
        activity(Mode.AIR, given)
        activity(Mode.RAIL, given)
        activity(Mode.AIR, computed, cabin=Cabin.ECONOMY)
        activity(Mode.AIR, computed)
        activity(Mode.CAR, DistanceSource.ESTIMATED)
        activity(Mode.BIKE, DistanceSource.DECLARED, kind=ActivityKind.COMMUTE)
        spend = CalculationMethod.SPEND
        activity(Mode.AIR, None, method=spend, spend_amount=Decimal("120"), spend_currency="EUR")
        activity(Mode.TAXI, None, method=spend, spend_amount=Decimal("30"), spend_currency="EUR")
        activity(Mode.BUS, None)
        activity(Mode.HOTEL, None, nights=2)
        activity(Mode.AIR, given, status=ActivityStatus.CANCELLED)
        activity(Mode.AIR, given, travel_date=date(2026, 2, 27))

        def waiting(
            key: str, number: str | None, email: str | None, resolved: bool = False
        ) -> None:
            session.add(
                PendingRecord(
                    source_id=concur.id, source_record_key=key, run_id=first,
                    employee_number=number, email=email, payload={},
                    resolved_at=_at("2026-03-05 08:00") if resolved else None,
                )
            )  # fmt: skip

        waiting("r1", "E100", "a@example.com")
        waiting("r2", "E100", "a@example.com")
        waiting("r3", None, "b@example.com")
        waiting("r4", "E200", None)
        waiting("r5", "E300", "c@example.com", resolved=True)
        uow.commit()
