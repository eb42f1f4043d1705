"""Trips for the carbon-account tests: stored as an import or a commute log would store them,
then assessed and credited by the product's own services (no figure is written by hand)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from corp_carbon.config import Settings
from corp_carbon.db.models import Activity
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    Cabin,
    Mode,
    Verification,
)
from corp_carbon.services.ledger.earnings import post_earnings
from corp_carbon.services.scoring.assessments import assess_activities


def add_trip(
    uow: UnitOfWork,
    employee_id: int,
    day: date,
    *,
    kind: ActivityKind = ActivityKind.COMMUTE,
    mode: Mode = Mode.BIKE,
    km: str = "7.5",
    origin: str | None = "Home",
    destination: str | None = "Office",
    cabin: Cabin | None = None,
) -> int:
    with uow:
        activity = Activity(
            employee_id=employee_id,
            kind=kind,
            mode=mode,
            cabin=cabin,
            origin=origin,
            destination=destination,
            travel_date=day,
            distance_km=Decimal(km),
            verification=Verification.SELF_REPORTED,
        )
        uow.session.add(activity)
        uow.session.flush()
        uow.commit()
        return activity.id


def add_rail_trip(uow: UnitOfWork, employee_id: int, day: date) -> int:
    """London to Paris by train, 460 km: compared with an economy flight, it earns."""
    return add_trip(
        uow,
        employee_id,
        day,
        kind=ActivityKind.BUSINESS_TRAVEL,
        mode=Mode.RAIL,
        km="460",
        origin="London St Pancras",
        destination="Paris Gare du Nord",
    )


def add_flight(uow: UnitOfWork, employee_id: int, day: date) -> int:
    return add_trip(
        uow,
        employee_id,
        day,
        kind=ActivityKind.BUSINESS_TRAVEL,
        mode=Mode.AIR,
        km="1000",
        origin="LHR",
        destination="MAD",
        cabin=Cabin.ECONOMY,
    )


def cancel(uow: UnitOfWork, activity_id: int) -> None:
    with uow:
        found = uow.session.get(Activity, activity_id)
        assert found is not None
        found.status = ActivityStatus.CANCELLED
        uow.commit()


def score(uow: UnitOfWork, settings: Settings) -> None:
    """Assesses every confirmed trip and credits (or gives back) its points, as the nightly
    run after an import does."""
    assess_activities(uow, settings)
    post_earnings(uow, settings)
