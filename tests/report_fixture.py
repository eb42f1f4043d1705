"""A small, hand-computed report fixture: 17 activities of 14 employees in three departments.

k = 5. Sales: 5 people, one rail trip each (10 kg, 300 km). Finance: 5 people, one flight each
(150 kg, 1000 km; short-haul: four in economy, one in business), and one of them a bike
commute (0 kg, 1.5 kg avoided, 1500 points, 5 km). Legal: 4 people, one car commute each
(4 kg, 20 km). Not counted: a cancelled long-haul Sales flight, a long-haul Finance flight of
2025, and a comparison assessment (long-haul) under another factor set.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from corp_carbon.db.models import (
    Activity,
    Assessment,
    Employee,
    FactorSetRecord,
    MethodologyVersion,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    Cabin,
    Mode,
    Verification,
)

PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
K = 5


def _person(uow: UnitOfWork, name: str, department: str) -> Employee:
    person = Employee(
        email=f"{name}@example.com", name=name.title(), department=department,
        office="Berlin",
    )  # fmt: skip
    uow.session.add(person)
    uow.session.flush()
    return person


def seed(uow: UnitOfWork) -> None:
    with uow:
        session = uow.session
        session.add(
            FactorSetRecord(
                id="fixture-set", publisher="Test", title="Fixture", year=2026, version="1",
                source_url="https://example.com", licence="CC0", sha256="0" * 64,
            )
        )  # fmt: skip
        version = MethodologyVersion(
            version=1, factor_set="fixture-set", radiative_forcing=True,
            points_rule="avoided_grams", additionality="reference", parameters={},
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
