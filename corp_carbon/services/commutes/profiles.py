"""The commute profile the employee keeps on their page: how they usually commute, and the
mode they used before the scheme (their personal baseline).

Profiles are versioned by ``valid_from``: an edit makes a new version from today (a second
edit the same day corrects today's version), so trips already assessed keep the profile
they were assessed with, and the history stays visible.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import CommuteProfile, Employee
from corp_carbon.db.session import UnitOfWork, lock_row
from corp_carbon.domain.commute_log import ProfileInput, ProfileVersion
from corp_carbon.domain.errors import NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.services.audit import entries as audit


def history(session: Session, employee_id: int) -> list[ProfileVersion]:
    """Every version, newest first."""
    rows = session.scalars(
        sa.select(CommuteProfile)
        .where(CommuteProfile.employee_id == employee_id)
        .order_by(CommuteProfile.valid_from.desc(), CommuteProfile.id.desc())
    )
    return [_version(row) for row in rows]


def current(session: Session, employee_id: int, today: date) -> ProfileVersion | None:
    """The version in force today (None: never declared)."""
    row = session.scalar(
        sa.select(CommuteProfile)
        .where(CommuteProfile.employee_id == employee_id, CommuteProfile.valid_from <= today)
        .order_by(CommuteProfile.valid_from.desc(), CommuteProfile.id.desc())
        .limit(1)
    )
    return None if row is None else _version(row)


def save_profile(
    uow: UnitOfWork, actor: Actor, employee_id: int, given: ProfileInput, today: date
) -> ProfileVersion:
    """The profile as the employee states it, in force from today. Without a baseline mode
    the earlier one stays (the first profile's usual mode, when never stated)."""
    with uow:
        session = uow.session
        if lock_row(session, Employee, employee_id) is None:  # serialises two saves at once
            raise NotFound(f"employee {employee_id} does not exist")
        earlier = current(session, employee_id, today)
        row = session.scalar(
            sa.select(CommuteProfile).where(
                CommuteProfile.employee_id == employee_id, CommuteProfile.valid_from == today
            )
        )
        if row is None:
            row = CommuteProfile(employee_id=employee_id, valid_from=today)
            session.add(row)
        baseline = given.baseline_mode
        if baseline is None:
            baseline = earlier.baseline_mode if earlier else None
        row.usual_mode = given.usual_mode
        row.secondary_mode = None
        row.usual_mode_share_pct = 100
        row.one_way_km = given.one_way_km
        row.office_days_per_week = given.office_days_per_week
        row.remote_days_per_week = max(0, 5 - given.office_days_per_week)
        row.car_fuel = given.car_fuel
        row.car_occupants = given.car_occupants
        row.baseline_mode = baseline or given.usual_mode
        row.source = "self"
        row.import_run_id = None
        session.flush()
        audit.record(
            session,
            actor,
            "commute_profile.save",
            target_type="employee",
            target_id=employee_id,
            detail={"valid_from": today.isoformat(), "usual_mode": given.usual_mode.value},
        )
        saved = _version(row)
        uow.commit()
    return saved


def _version(row: CommuteProfile) -> ProfileVersion:
    return ProfileVersion(
        id=row.id,
        valid_from=row.valid_from,
        usual_mode=row.usual_mode,
        one_way_km=row.one_way_km,
        office_days_per_week=row.office_days_per_week,
        car_fuel=row.car_fuel,
        car_occupants=row.car_occupants,
        baseline_mode=row.baseline_mode,
        source=row.source,
    )
