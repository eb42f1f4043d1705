"""Assessing stored activities: distances filled in, journeys judged whole, versions kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from corp_carbon.db.models import (
    Activity,
    Assessment,
    Employee,
    FactorSetRecord,
    Journey,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    MethodologyVersion,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import (
    AccountKind,
    ActivityKind,
    Cabin,
    Mode,
    TransactionKind,
    Verification,
)
from corp_carbon.services.scoring import methodology
from corp_carbon.services.scoring.assessments import assess_activities
from tests.conftest import make_settings


def _trip(employee_id: int, mode: Mode, origin: str, destination: str, **extra: object) -> Activity:
    values: dict[str, object] = {
        "employee_id": employee_id,
        "kind": ActivityKind.BUSINESS_TRAVEL,
        "mode": mode,
        "origin": origin,
        "destination": destination,
        "travel_date": date(2024, 5, 6),
        "verification": Verification.SELF_REPORTED,
        **extra,
    }
    return Activity(**values)


def _seed(uow: UnitOfWork) -> dict[str, int]:
    with uow:
        s = uow.session
        employee = Employee(email="priya.raman@example.com", name="Priya Raman")
        s.add(employee)
        s.flush()
        journey = Journey(
            employee_id=employee.id,
            kind=ActivityKind.BUSINESS_TRAVEL,
            origin="London St Pancras",
            destination="Paris Gare du Nord",
            start_date=date(2024, 5, 6),
            end_date=date(2024, 5, 6),
        )
        s.add(journey)
        s.flush()
        ids = {}
        for name, activity in {
            "flight": _trip(employee.id, Mode.AIR, "LHR", "JFK", cabin=Cabin.ECONOMY),
            "leg1": _trip(
                employee.id,
                Mode.RAIL,
                "London St Pancras",
                "Lille Europe",
                distance_km=Decimal("300"),
                journey_id=journey.id,
                leg_index=0,
            ),
            "leg2": _trip(
                employee.id,
                Mode.RAIL,
                "Lille Europe",
                "Paris Gare du Nord",
                distance_km=Decimal("100"),
                journey_id=journey.id,
                leg_index=1,
            ),
            "nowhere": _trip(employee.id, Mode.TAXI, "Xqzvbville", "Qwertyburgh"),
        }.items():
            s.add(activity)
            s.flush()
            ids[name] = activity.id
        uow.commit()
    return ids


def test_activities_are_assessed_and_stored_with_their_trail(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    ids = _seed(uow)
    run = assess_activities(uow, settings)
    assert run.assessed == 3
    assert run.skipped == 1
    assert "distance" in run.problems[ids["nowhere"]]
    with uow:
        rows = {a.activity_id: a for a in uow.session.scalars(sa.select(Assessment))}
        flight = rows[ids["flight"]]
        assert flight.factor_set_id == "desnz-2024"  # the set of the trip's year
        assert flight.factor_id == "21_316_3170_11_1"
        assert abs(flight.kg_co2e - Decimal("1108.577")) < Decimal(
            "1.2"
        )  # airportsdata coordinates
        steps = {s["step"]: s for s in flight.explanation if s.get("role", "actual") == "actual"}
        assert steps["distance"]["distance_source"] == "computed"
        # the rail journey London-Paris is judged whole: the flight baseline is shared 3:1
        leg1, leg2 = rows[ids["leg1"]], rows[ids["leg2"]]
        assert leg1.baseline == leg2.baseline == "economy_flight"
        assert leg1.baseline_kg_co2e is not None
        assert leg2.baseline_kg_co2e is not None
        assert abs(leg1.baseline_kg_co2e - 3 * leg2.baseline_kg_co2e) <= Decimal("0.003")
        assert leg1.points > 0
        record = uow.session.get(FactorSetRecord, "desnz-2024")
        assert record is not None
        assert len(record.sha256) == 64


def test_assessing_again_is_idempotent(uow: UnitOfWork, db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path)
    _seed(uow)
    first = assess_activities(uow, settings)
    second = assess_activities(uow, settings)
    assert (first.kg_co2e, first.points) == (second.kg_co2e, second.points)
    with uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 3


def test_reassessment_under_another_set_never_touches_issued_points(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(db_url, tmp_path)
    ids = _seed(uow)
    assess_activities(uow, settings)
    with uow:  # points already issued for the flight
        s = uow.session
        issuance = LedgerAccount(code="system:issuance", kind=AccountKind.ISSUANCE)
        account = LedgerAccount(
            code="employee:x",
            kind=AccountKind.EMPLOYEE,
            employee_id=s.get(Activity, ids["flight"]).employee_id,
        )  # type: ignore[union-attr]
        s.add_all([issuance, account])
        s.flush()
        tx = LedgerTransaction(
            kind=TransactionKind.EARN,
            idempotency_key="earn:flight:1",
            request_hash="0" * 64,
            reason_code="activity_assessed",
            activity_id=ids["flight"],
        )
        s.add(tx)
        s.flush()
        s.add_all(
            [
                LedgerEntry(transaction_id=tx.id, account_id=issuance.id, amount=-500),
                LedgerEntry(transaction_id=tx.id, account_id=account.id, amount=500),
            ]
        )
        uow.commit()

    def ledger() -> tuple[int, int, int]:
        with uow:
            s = uow.session
            return (
                s.scalar(sa.select(sa.func.count()).select_from(LedgerTransaction)) or 0,
                s.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) or 0,
                s.scalar(
                    sa.select(sa.func.sum(LedgerEntry.amount)).where(
                        LedgerEntry.account_id == account.id
                    )
                )
                or 0,
            )

    before = ledger()
    run = assess_activities(uow, settings, factor_set="epa-2025")
    assert run.assessed == 3
    assert ledger() == before == (1, 2, 500)
    with uow:
        epa = uow.session.scalars(
            sa.select(Assessment).where(Assessment.factor_set_id == "epa-2025")
        ).all()
        assert len(epa) == 3
        assert all(a.comparison for a in epa)
        assert all(a.radiative_forcing is False for a in epa)  # EPA publishes no RF factors
        own = uow.session.scalars(
            sa.select(Assessment).where(Assessment.comparison.is_(False))
        ).all()
        assert {a.factor_set_id for a in own} == {"desnz-2024"}
    with pytest.raises(DomainError, match="accepted: desnz-2024, desnz-2025, epa-2025"):
        assess_activities(uow, settings, factor_set="ipcc-1990")


def test_methodology_versions_are_created_on_change_and_never_edited(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    first = methodology.ensure_current(uow, make_settings(db_url, tmp_path))
    again = methodology.ensure_current(uow, make_settings(db_url, tmp_path))
    assert first.version == again.version == 1
    changed = make_settings(db_url, tmp_path, methodology={"radiative_forcing": False})
    second = methodology.ensure_current(uow, changed)
    assert second.version == 2
    assert second.radiative_forcing is False
    with uow:
        versions = uow.session.scalars(
            sa.select(MethodologyVersion).order_by(MethodologyVersion.version)
        ).all()
        assert [v.radiative_forcing for v in versions] == [True, False]
    with uow, pytest.raises(DatabaseError, match="append-only"):
        uow.session.execute(sa.text("UPDATE methodology_versions SET radiative_forcing = false"))


def test_a_changed_factor_file_under_an_old_id_is_refused(
    uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    _seed(uow)
    with uow:
        uow.session.add(
            FactorSetRecord(
                id="desnz-2024",
                publisher="DESNZ",
                title="t",
                year=2024,
                version="1.1",
                source_url="u",
                licence="OGL",
                sha256="0" * 64,
            )
        )
        uow.commit()
    with pytest.raises(DomainError, match="data file changed since it was first used"):
        assess_activities(uow, make_settings(db_url, tmp_path))
