"""One employee's file as HR sees it: who they are, their roles and status, points balance,
redemptions and commute profile with its history. Every look is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import CommuteProfile, Employee
from corp_carbon.db.queries import activities_for, to_profile
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.activities import ActivityView
from corp_carbon.domain.errors import NotFound
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.vocabulary import DistanceSource, Fuel, Mode
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.ledger import postings
from corp_carbon.services.people.erasures import ErasureView, open_request
from corp_carbon.services.rewards.queries import redemptions_for
from corp_carbon.services.rewards.views import RedemptionView

#: what the audit log says was looked at, by page.
PURPOSES = frozenset({"profile", "deactivate", "reactivate", "erasure", "erase"})
#: trips HR's profile page lists when ``[privacy] hr_sees_routes`` is on, newest first.
TRIPS_SHOWN = 20


@dataclass(frozen=True)
class CommuteEntry:
    """One version of the commute profile, valid from its date until the next one."""

    valid_from: date
    usual_mode: Mode
    secondary_mode: Mode | None
    usual_mode_share_pct: int
    one_way_km: Decimal
    distance_source: DistanceSource
    office_days_per_week: int
    remote_days_per_week: int
    car_fuel: Fuel | None
    car_occupants: int | None
    baseline_mode: Mode | None
    #: where it came from: "survey" (a commute-survey import) or "self" (the employee).
    source: str


@dataclass(frozen=True)
class EmployeeFile:
    profile: EmployeeProfile
    created_at: datetime
    deactivated_at: datetime | None
    #: set when the identity provider deleted the person (SCIM): erasure is due then.
    scim_erasure_due_at: datetime | None
    #: the travel-policy grade (SSO, SCIM, the HR file or this page); None: not set.
    grade: str | None
    erasure: ErasureView | None
    balance: int
    redemptions: list[RedemptionView]
    #: the profile in force today (None: never declared), then every version, newest first.
    commute: CommuteEntry | None
    commute_history: list[CommuteEntry]
    #: the latest trips with their routes, when ``[privacy] hr_sees_routes`` allows; else None.
    trips: list[ActivityView] | None = None


def look_at_employee(
    uow: UnitOfWork,
    actor: Actor,
    employee_id: int,
    *,
    purpose: str = "profile",
    with_routes: bool = False,
) -> EmployeeFile:
    """The employee's file; the look (and what it was for) goes on the record. 404 for an
    employee who does not exist or whose personal data was erased. ``with_routes``: their
    latest trips too (``[privacy] hr_sees_routes``), and the record says so."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    with uow:
        session = uow.session
        employee = session.get(Employee, employee_id)
        if employee is None or employee.erased_at is not None:
            raise NotFound(f"employee {employee_id} does not exist")
        history = _commute_history(session, employee.id)
        today = utcnow().date()
        found = EmployeeFile(
            profile=to_profile(employee),
            created_at=employee.created_at,
            deactivated_at=employee.deactivated_at,
            scim_erasure_due_at=employee.erasure_due_at,
            grade=employee.grade,
            erasure=open_request(session, employee.id),
            balance=postings.balance(session, employee.id),
            redemptions=redemptions_for(session, employee.id),
            commute=next((c for c in history if c.valid_from <= today), None),
            commute_history=history,
            trips=activities_for(session, employee.id, limit=TRIPS_SHOWN) if with_routes else None,
        )
        audit.record(
            session,
            actor,
            "employee.view",
            target_type="employee",
            target_id=employee.id,
            detail={"page": purpose, **({"routes": True} if with_routes else {})},
        )
        uow.commit()
    return found


def _commute_history(session: Session, employee_id: int) -> list[CommuteEntry]:
    rows = session.scalars(
        sa.select(CommuteProfile)
        .where(CommuteProfile.employee_id == employee_id)
        .order_by(CommuteProfile.valid_from.desc(), CommuteProfile.id.desc())
    )
    return [
        CommuteEntry(
            valid_from=row.valid_from,
            usual_mode=row.usual_mode,
            secondary_mode=row.secondary_mode,
            usual_mode_share_pct=row.usual_mode_share_pct,
            one_way_km=row.one_way_km,
            distance_source=row.distance_source,
            office_days_per_week=row.office_days_per_week,
            remote_days_per_week=row.remote_days_per_week,
            car_fuel=row.car_fuel,
            car_occupants=row.car_occupants,
            baseline_mode=row.baseline_mode,
            source=row.source,
        )
        for row in rows
    ]
