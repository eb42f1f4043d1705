"""Trips with assessments for the My data and team tests: people, trips and their figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from corp_carbon.db.models import Activity, Assessment, FactorSetRecord, MethodologyVersion
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.vocabulary import ActivityKind, ActivityStatus, Mode, Verification
from corp_carbon.services.ledger import postings as ledger

FACTOR_SET = "mydata-fixture"


def add_trip(
    uow: UnitOfWork,
    employee_id: int,
    *,
    day: date,
    kg: str,
    avoided: str = "0",
    points: int = 0,
    mode: Mode = Mode.BIKE,
    origin: str | None = "Home",
    destination: str | None = "Office",
    status: ActivityStatus = ActivityStatus.CONFIRMED,
    earn: bool = False,
) -> int:
    """One trip of ``employee_id`` with its assessment (and its points posted if ``earn``)."""
    with uow:
        session = uow.session
        if session.get(FactorSetRecord, FACTOR_SET) is None:
            session.add(
                FactorSetRecord(
                    id=FACTOR_SET, publisher="Test", title="Fixture", year=2026, version="1",
                    source_url="https://example.com", licence="CC0", sha256="0" * 64,
                )
            )  # fmt: skip
        version = session.scalar(
            sa.select(MethodologyVersion).order_by(MethodologyVersion.version.desc()).limit(1)
        )
        if version is None:
            version = MethodologyVersion(
                version=1, factor_set="by-year", radiative_forcing=True,
                points_rule="avoided_grams", additionality="reference",
                parameters=Methodology(version=1).parameters(), note="test",
            )  # fmt: skip
            session.add(version)
        session.flush()
        kind = (
            ActivityKind.BUSINESS_TRAVEL if mode in (Mode.AIR, Mode.RAIL) else ActivityKind.COMMUTE
        )
        activity = Activity(
            employee_id=employee_id, kind=kind, mode=mode, travel_date=day, origin=origin,
            destination=destination, distance_km=Decimal("10"), status=status,
            verification=Verification.SELF_REPORTED,
        )  # fmt: skip
        session.add(activity)
        session.flush()
        assessment = Assessment(
            activity_id=activity.id, methodology_version_id=version.id,
            factor_set_id=FACTOR_SET, radiative_forcing=True, factor_id="f",
            kg_co2e=Decimal(kg), baseline="solo_petrol_car", baseline_kg_co2e=Decimal(kg) + Decimal(avoided),
            avoided_kg_co2e=Decimal(avoided), points=points, explanation=[],
        )  # fmt: skip
        session.add(assessment)
        session.flush()
        if earn:
            ledger.earn(
                session, employee_id=employee_id, activity_id=activity.id, points=points,
                methodology_version=version.version, assessment_id=assessment.id,
            )  # fmt: skip
        uow.commit()
        return activity.id
