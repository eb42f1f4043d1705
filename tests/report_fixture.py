"""A small, hand-computed report fixture: 17 activities of 14 employees in three departments.

k = 5. Sales: 5 people, one rail trip each (10 kg, 300 km). Finance: 5 people, one flight each
(150 kg, 1000 km; short-haul: four in economy, one in business), and one of them a bike
commute (0 kg, 1.5 kg avoided, 1500 points, 5 km). Legal: 4 people, one car commute each
(4 kg, 20 km). Not counted: a cancelled long-haul Sales flight, a long-haul Finance flight of
2025, and a comparison assessment (long-haul) under another factor set.

``seed_workbook`` adds what the ESG workbook needs beside it (``seed`` alone keeps the
figures above); every activity travels in March 2026:

- Mallory, the one employee of the department ``=HYPERLINK(...)`` (HOSTILE_DEPARTMENT), a
  rail trip from "+cmd" to Paris: 100 km, 3 kg.
- A hotel stay of finance0: 2 room-nights, 20 kg.
- A spend-based taxi ride of each Sales employee, imported from an expense export (source
  "Expense reports", connector concur-sae, run "expenses-2026-03.csv"): 40 EUR, 5 kg each
  under the USEEIO spend set (NAICS 485310).
- A commute profile of sales0 (no commute logged), and Former, deactivated in 2025.
- finance4's points: 1,500 earned on 5 March 2026, 500 redeemed on 1 April, 100 expired on
  31 December: 900 outstanding at the end of 2026, worth 0.9 EUR at 0.001 EUR a point.

Figures of 2026 (March): category 6 = 50 (rail) + 750 (air) + 3 (rail) + 20 (hotel) + 25
(spend taxis) = 848 kg, 17 activities of 11 employees; category 7 = 16 kg, 5 activities; 864
kg in all (839 distance-based, 25 spend-based).
Commute coverage: headcount 15 (14 + Mallory; Former left before the period), covered 6
(five commuters + sales0's profile), 9 not covered; 16 kg / 6 = 2.667 kg each, x 9 = 24.003
kg estimated. The previous period (2025) holds finance4's long-haul flight: 150 kg.

Re-scored for the comparison (no places given, so flights are DESNZ "international" and rail
"national"; the stored spend figure is kept under every set):

- desnz-2025: rail 0.03546/km: 300 km -> 10.638 kg (x5 = 53.190), 100 km -> 3.546; flights
  economy 0.10916 -> 109.160 (x4 = 436.640), business 0.31656 -> 316.560; car 0.16725/km x
  20 km = 3.345 (x4 = 13.380); hotel GB 10.4/night x 2 = 20.800; bike 0.
- epa-2025: rail 0.0601201483/km: 300 km -> 18.036 (x5 = 90.180), 100 km -> 6.012; flights
  of 1000 km are medium-haul, one average factor 0.0808424426 -> 80.842 (x5 = 404.210); car
  0.1855226105 x 20 = 3.710 (x4 = 14.840); no hotel factor: the stay counts 0 (unscored).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import (
    Activity,
    Assessment,
    CommuteProfile,
    Employee,
    FactorSetRecord,
    ImportRun,
    ImportSource,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    MethodologyVersion,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.ledger import employee_code, system_code
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.vocabulary import (
    AccountKind,
    ActivityKind,
    ActivityStatus,
    Cabin,
    CalculationMethod,
    DistanceSource,
    ImportRunStatus,
    ImportTrigger,
    Mode,
    TransactionKind,
    Verification,
)

PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
K = 5
#: a department name a spreadsheet would run as a formula if it were written carelessly.
HOSTILE_DEPARTMENT = '=HYPERLINK("https://evil.example/x","click me")'
HOSTILE_PLACE = "+cmd"


def _person(uow: UnitOfWork, name: str, department: str) -> Employee:
    person = Employee(
        email=f"{name}@example.com", name=name.title(), department=department,
        office="Berlin", employee_number=f"N-{name}",
    )  # fmt: skip
    uow.session.add(person)
    uow.session.flush()
    return person


def seed(uow: UnitOfWork, *, stored_policy: bool = True) -> None:
    """The activities above; ``stored_policy=False`` stores the methodology version without
    its policy (as versions were once stored), which cannot be read back."""
    with uow:
        session = uow.session
        session.add(
            FactorSetRecord(
                id="fixture-set", publisher="Test", title="Fixture", year=2026, version="1",
                source_url="https://example.com", licence="CC0", sha256="0" * 64,
            )
        )  # fmt: skip
        version = MethodologyVersion(
            version=1, factor_set="by-year", radiative_forcing=True,
            points_rule="avoided_grams", additionality="reference",
            parameters=Methodology(version=1).parameters() if stored_policy else {},
            note="from the configuration",
        )  # fmt: skip
        session.add(version)
        session.flush()

        def trip(
            person: Employee, kind: ActivityKind, mode: Mode, km: str, kg: str,
            avoided: str = "0", points: int = 0, *, day: date = date(2026, 3, 2),
            status: ActivityStatus = ActivityStatus.CONFIRMED,
            cabin: Cabin | None = None, haul: str | None = None,
        ) -> Activity:  # fmt: skip
            activity = Activity(
                employee_id=person.id, kind=kind, mode=mode, travel_date=day,
                distance_km=Decimal(km), status=status, verification=Verification.SELF_REPORTED,
                cabin=cabin,
            )  # fmt: skip
            session.add(activity)
            session.flush()
            session.add(
                Assessment(
                    activity_id=activity.id, methodology_version_id=version.id,
                    factor_set_id="fixture-set", radiative_forcing=True, factor_id="f",
                    kg_co2e=Decimal(kg), avoided_kg_co2e=Decimal(avoided), points=points,
                    haul=haul, explanation=[],
                )
            )  # fmt: skip
            return activity

        for i in range(5):
            sales = _person(uow, f"sales{i}", "Sales")
            trip(sales, ActivityKind.BUSINESS_TRAVEL, Mode.RAIL, "300", "10")
        trip(sales, ActivityKind.BUSINESS_TRAVEL, Mode.AIR, "900", "999",
             status=ActivityStatus.CANCELLED, cabin=Cabin.ECONOMY, haul="long_haul")  # fmt: skip
        for i in range(5):
            finance = _person(uow, f"finance{i}", "Finance")
            cabin = Cabin.BUSINESS if i == 4 else Cabin.ECONOMY
            flight = trip(finance, ActivityKind.BUSINESS_TRAVEL, Mode.AIR, "1000", "150",
                          cabin=cabin, haul="short_haul")  # fmt: skip
        trip(finance, ActivityKind.COMMUTE, Mode.BIKE, "5", "0", "1.5", 1500)
        trip(finance, ActivityKind.BUSINESS_TRAVEL, Mode.AIR, "1000", "150", day=date(2025, 12, 31),
             cabin=Cabin.ECONOMY, haul="long_haul")  # fmt: skip
        session.add(
            Assessment(
                activity_id=flight.id, methodology_version_id=version.id,
                factor_set_id="fixture-set", radiative_forcing=False, comparison=True,
                factor_id="g", kg_co2e=Decimal("555"), avoided_kg_co2e=Decimal("0"), points=0,
                haul="long_haul", explanation=[],
            )
        )  # fmt: skip
        for i in range(4):
            legal = _person(uow, f"legal{i}", "Legal")
            trip(legal, ActivityKind.COMMUTE, Mode.CAR, "20", "4")
        # A move after the fact changes no report: the activities keep their department.
        legal.department = "Finance"
        uow.commit()


def seed_workbook(uow: UnitOfWork, *, stored_policy: bool = True) -> None:
    """``seed``, plus what the workbook needs beside it (see the module's docstring)."""
    seed(uow, stored_policy=stored_policy)
    with uow:
        session = uow.session
        version_id = session.scalar(sa.select(MethodologyVersion.id))
        source = ImportSource(name="Expense reports", connector="concur-sae")
        session.add(source)
        session.flush()
        run = ImportRun(
            source_id=source.id, connector="concur-sae", file_name="expenses-2026-03.csv",
            file_size=600, file_sha256="1" * 64, trigger=ImportTrigger.CLI,
            started_by="cli:test", status=ImportRunStatus.SUCCEEDED, rows_read=5, imported=5,
            started_at=datetime(2026, 3, 6, 8, 0, tzinfo=UTC),
        )  # fmt: skip
        session.add(run)
        mallory = _person(uow, "mallory", HOSTILE_DEPARTMENT)
        finance0 = session.scalars(sa.select(Employee).where(Employee.name == "Finance0")).one()
        sales = session.scalars(
            sa.select(Employee).where(Employee.department == "Sales").order_by(Employee.id)
        ).all()
        former = _person(uow, "former", "Sales")
        former.active = False
        former.deactivated_at = datetime(2025, 6, 30, tzinfo=UTC)
        session.add(
            CommuteProfile(
                employee_id=sales[0].id, valid_from=date(2026, 1, 1), usual_mode=Mode.RAIL,
                one_way_km=Decimal("12"), office_days_per_week=3,
            )
        )  # fmt: skip

        def add(activity: Activity, kg: str, factor_set: str = "fixture-set",
                factor_id: str = "f") -> None:  # fmt: skip
            session.add(activity)
            session.flush()
            session.add(
                Assessment(
                    activity_id=activity.id, methodology_version_id=version_id,
                    factor_set_id=factor_set, radiative_forcing=True, factor_id=factor_id,
                    kg_co2e=Decimal(kg), avoided_kg_co2e=Decimal("0"), points=0,
                    explanation=[],
                )
            )  # fmt: skip

        add(Activity(employee_id=mallory.id, kind=ActivityKind.BUSINESS_TRAVEL, mode=Mode.RAIL,
                     travel_date=date(2026, 3, 10), origin=HOSTILE_PLACE, destination="Paris",
                     distance_km=Decimal("100"), distance_source=DistanceSource.GIVEN,
                     verification=Verification.SELF_REPORTED), "3")  # fmt: skip
        add(Activity(employee_id=finance0.id, kind=ActivityKind.BUSINESS_TRAVEL,
                     mode=Mode.HOTEL, travel_date=date(2026, 3, 3), nights=2,
                     verification=Verification.SELF_REPORTED), "20")  # fmt: skip
        session.add(
            FactorSetRecord(
                id="useeio-v1.2-2021usd", publisher="US EPA", title="USEEIO", year=2021,
                version="v1.2", source_url="https://catalog.data.gov", licence="US public domain",
                sha256="2" * 64,
            )
        )  # fmt: skip
        for number, person in enumerate(sales):
            add(Activity(employee_id=person.id, kind=ActivityKind.BUSINESS_TRAVEL,
                         mode=Mode.TAXI, travel_date=date(2026, 3, 4),
                         method=CalculationMethod.SPEND, spend_amount=Decimal("40"),
                         spend_currency="EUR", verification=Verification.IMPORTED,
                         source_id=source.id, import_run_id=run.id,
                         source_record_key=f"exp-{number}"),
                "5", "useeio-v1.2-2021usd", "485310")  # fmt: skip
        finance4 = session.scalars(sa.select(Employee).where(Employee.name == "Finance4")).one()
        _points(session, finance4.id)
        uow.commit()


def _points(session: Session, employee_id: int) -> None:
    """Earned, redeemed and expired points of one employee, posted at chosen times."""
    accounts = {
        AccountKind.EMPLOYEE: LedgerAccount(
            code=employee_code(employee_id), kind=AccountKind.EMPLOYEE, employee_id=employee_id
        )
    }
    for kind in (AccountKind.ISSUANCE, AccountKind.REDEMPTION, AccountKind.EXPIRY):
        accounts[kind] = LedgerAccount(code=system_code(kind), kind=kind)
    session.add_all(accounts.values())
    session.flush()
    for number, (kind, points, system, at) in enumerate((
        (TransactionKind.EARN, 1500, AccountKind.ISSUANCE, datetime(2026, 3, 5, 9, 0)),
        (TransactionKind.REDEEM, -500, AccountKind.REDEMPTION, datetime(2026, 4, 1, 10, 0)),
        (TransactionKind.EXPIRE, -100, AccountKind.EXPIRY, datetime(2026, 12, 31, 23, 0)),
    )):  # fmt: skip
        posted = at.replace(tzinfo=UTC)
        tx = LedgerTransaction(kind=kind, idempotency_key=f"workbook:{number}",
                               request_hash="0" * 64, reason_code="fixture", created_at=posted)  # fmt: skip
        session.add(tx)
        session.flush()
        for account, amount in (
            (accounts[AccountKind.EMPLOYEE], points),
            (accounts[system], -points),
        ):
            session.add(LedgerEntry(transaction_id=tx.id, account_id=account.id, amount=amount,
                                    created_at=posted))  # fmt: skip
    session.flush()
