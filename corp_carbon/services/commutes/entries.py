"""Logging commutes: a day or a week in one submission, assessed and credited at once; and
corrections (delete, replace) that give the points back through the ledger's reversal.

A logged commute is an activity (kind commute; verification self-reported, or evidence
attached when a photo backs it) with no import source. It is assessed by the scoring engine
with the employee's commute profile (the personal baseline) and credited by the earning path
with the methodology's caps, all in the submission's one transaction: nothing is stored
when a rule refuses any day. The same request key again writes nothing and answers with
what the first submission logged, also when both arrive at once (the employee's row is
locked first, and ``(request_key, leg_key)`` is unique).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from corp_carbon.config import Settings
from corp_carbon.db.models import (
    Activity,
    Assessment,
    CommuteEntry,
    CommuteEvidence,
    Employee,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    MethodologyVersion,
)
from corp_carbon.db.session import UnitOfWork, lock_row
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bounds import checked_request_key
from corp_carbon.domain.commute_log import (
    VEHICLE_MODES,
    CommuteInputError,
    CommuteRefused,
    CommuteRequest,
    Standing,
    check_day,
    check_entry,
)
from corp_carbon.domain.errors import NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    DistanceSource,
    VehicleSize,
    Verification,
)
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.commutes import evidence as evidence_store
from corp_carbon.services.commutes import profiles
from corp_carbon.services.ledger import earnings
from corp_carbon.services.scoring import methodology as methodology_service
from corp_carbon.services.scoring.assessments import assess_within


@dataclass(frozen=True)
class LoggedTrip:
    """One logged commute trip with its figures, as the page and the API show it."""

    id: int
    travel_date: date
    leg: int
    mode: str
    distance_km: Decimal
    verification: Verification
    status: ActivityStatus
    kg_co2e: Decimal | None
    baseline: str | None
    baseline_kg_co2e: Decimal | None
    avoided_kg_co2e: Decimal | None
    #: points credited (0 while nothing was credited, e.g. nothing avoided).
    points: int
    evidence_id: int | None
    #: the stored evidence photo's file name, to show it to its owner.
    evidence_file: str | None


@dataclass(frozen=True)
class Logged:
    trips: list[LoggedTrip]
    #: False when the request key was used before: nothing new was written.
    created: bool

    @property
    def points(self) -> int:
        return sum(t.points for t in self.trips)


def today() -> date:
    """The day entries are judged against (UTC, as every stored timestamp)."""
    return utcnow().date()


def log_commutes(
    uow: UnitOfWork,
    settings: Settings,
    actor: Actor,
    *,
    employee_id: int,
    request: CommuteRequest,
    request_key: str,
    today: date,
    evidence_id: int | None = None,
    photo: bytes | None = None,
) -> Logged:
    """Logs the request's trips (``legs`` a day: 1 there, 2 there and back), or refuses all
    of them naming the rule (409) or the field (422). ``photo`` is an evidence photo sent
    with the form, stored and attached here."""
    key = checked_request_key(request_key)
    stored = None
    if photo is not None:
        stored = evidence_store.store_photo(
            settings.commute_evidence_dir, photo, max_mb=settings.commute.max_photo_mb
        )
    try:
        with uow:
            session = uow.session
            if lock_row(session, Employee, employee_id) is None:  # the first statement: a write
                raise NotFound(f"employee {employee_id} does not exist")
            again = _by_request_key(session, employee_id, key)
            if again:
                return Logged(again, False)
            if stored is not None:
                evidence_id = evidence_store.record(uow, employee_id, stored)
            logged = _log(session, settings, actor, employee_id, request, key, today, evidence_id)
            uow.commit()
            return Logged(logged, True)
    except IntegrityError:
        # the same submission committed meanwhile (a double click): answer with it
        with uow:
            again = _by_request_key(uow.session, employee_id, key)
            if not again:
                raise
            return Logged(again, False)


def _log(
    session: Session,
    settings: Settings,
    actor: Actor,
    employee_id: int,
    request: CommuteRequest,
    key: str,
    today: date,
    evidence_id: int | None,
    *,
    replacing: int | None = None,
) -> list[LoggedTrip]:
    """Stores, assesses and credits the request's trips; ``replacing``: the leg (1 there,
    2 back) of a trip being replaced on its day, which the new one takes over."""
    if evidence_id is not None:
        _check_evidence(session, employee_id, evidence_id)
    methodology = methodology_service.current(session, settings)
    check_entry(
        request,
        _standing(session, employee_id, request.days),
        today=today,
        window_days=settings.commute.correction_window_days,
        per_day_cap=methodology.commute_trips_per_day,
        per_month_cap=methodology.self_reported_per_month,
        with_evidence=evidence_id is not None,
        replacing=replacing is not None,
    )
    employee = session.get(Employee, employee_id)
    assert employee is not None
    profile = None
    ids: list[int] = []
    for day in sorted(request.days):
        profile = profiles.current(session, employee_id, day)
        vehicle = request.mode in VEHICLE_MODES
        legs = (replacing,) if replacing is not None else range(1, request.legs + 1)
        for leg in legs:
            there = leg == 1
            activity = Activity(
                employee_id=employee_id,
                kind=ActivityKind.COMMUTE,
                mode=request.mode,
                fuel=(profile.car_fuel if profile else None) if vehicle else None,
                vehicle_size=VehicleSize.AVERAGE if vehicle else None,
                occupants=((profile.car_occupants if profile else None) or 1) if vehicle else 1,
                origin="Home" if there else (employee.office or "Office"),
                destination=(employee.office or "Office") if there else "Home",
                travel_date=day,
                distance_km=request.distance_km,
                distance_source=DistanceSource.DECLARED,
                status=ActivityStatus.CONFIRMED,
                verification=(
                    Verification.EVIDENCE_ATTACHED if evidence_id else Verification.SELF_REPORTED
                ),
                note="logged by the employee",
            )
            session.add(activity)
            session.flush()
            session.add(
                CommuteEntry(
                    employee_id=employee_id,
                    activity_id=activity.id,
                    request_key=key,
                    leg_key=f"{day.isoformat()}/{leg}",
                    evidence_id=evidence_id,
                )
            )
            ids.append(activity.id)
    session.flush()
    assess_within(session, settings, activity_ids=ids)
    version_id = session.scalar(
        sa.select(MethodologyVersion.id).where(MethodologyVersion.version == methodology.version)
    )
    earnings.credit_assessed(session, methodology, version_id, ids, employee_ids=[employee_id])
    audit.record(
        session,
        actor,
        "commute.log",
        target_type="employee",
        target_id=employee_id,
        detail={
            "activities": ids,
            "days": [d.isoformat() for d in sorted(request.days)],
            "evidence": evidence_id,
        },
    )
    return trips(session, employee_id, activity_ids=ids)


def delete_commute(
    uow: UnitOfWork,
    settings: Settings,
    actor: Actor,
    *,
    employee_id: int,
    activity_id: int,
    today: date,
) -> LoggedTrip:
    """Cancels a commute the employee logged, within the correction window; its points are
    given back by a reversing transaction (the ledger is never edited). 404 for someone
    else's trip or one they did not log; 409 outside the window."""
    with uow:
        session = uow.session
        lock_row(session, Employee, employee_id)
        activity = _own_logged(session, employee_id, activity_id)
        _cancel(session, settings, activity, today)
        audit.record(
            session, actor, "commute.delete", target_type="activity", target_id=activity.id
        )
        found = trips(session, employee_id, activity_ids=[activity.id])[0]
        uow.commit()
    return found


def replace_commute(
    uow: UnitOfWork,
    settings: Settings,
    actor: Actor,
    *,
    employee_id: int,
    activity_id: int,
    request: CommuteRequest,
    request_key: str,
    today: date,
) -> Logged:
    """Cancels a logged trip and logs its replacement on the same day, in one transaction:
    the old points are reversed, the new trip is assessed and credited."""
    key = checked_request_key(request_key)
    with uow:
        session = uow.session
        lock_row(session, Employee, employee_id)
        again = _by_request_key(session, employee_id, key)
        if again:
            return Logged(again, False)
        activity = _own_logged(session, employee_id, activity_id)
        entry = session.scalar(
            sa.select(CommuteEntry).where(CommuteEntry.activity_id == activity.id)
        )
        _cancel(session, settings, activity, today)
        one_day = CommuteRequest((activity.travel_date,), request.mode, request.distance_km, 1)
        logged = _log(
            session, settings, actor, employee_id, one_day, key, today,
            entry.evidence_id if entry else None,
            replacing=int(entry.leg_key.rsplit("/", 1)[1]) if entry else 1,
        )  # fmt: skip
        uow.commit()
    return Logged(logged, True)


def _cancel(session: Session, settings: Settings, activity: Activity, today: date) -> None:
    if activity.status is not ActivityStatus.CONFIRMED:
        raise CommuteRefused("already_deleted", f"trip {activity.id} was already deleted")
    try:
        check_day(activity.travel_date, today, settings.commute.correction_window_days)
    except CommuteRefused as exc:
        if exc.rule != "before_window":
            raise
        raise CommuteRefused(
            "outside_window",
            f"{activity.travel_date}: the correction window for that month has closed",
            day=activity.travel_date,
        ) from None
    activity.status = ActivityStatus.CANCELLED
    session.flush()
    earnings.reverse_undone(session, [activity.id])


def _own_logged(session: Session, employee_id: int, activity_id: int) -> Activity:
    """The employee's own logged commute, else 404 (someone else's looks like none)."""
    activity = session.scalar(
        sa.select(Activity)
        .join(CommuteEntry, CommuteEntry.activity_id == Activity.id)
        .where(Activity.id == activity_id, CommuteEntry.employee_id == employee_id)
    )
    if activity is None:
        raise NotFound(f"you have no logged commute {activity_id}")
    return activity


def _check_evidence(session: Session, employee_id: int, evidence_id: int) -> None:
    owner = session.scalar(
        sa.select(CommuteEvidence.employee_id).where(CommuteEvidence.id == evidence_id)
    )
    if owner != employee_id:
        raise CommuteInputError("evidence_id", "unknown_evidence", "no such photo of yours")


def _standing(session: Session, employee_id: int, days: tuple[date, ...]) -> Standing:
    """The employee's confirmed commutes on the request's days and in their months."""
    first = min(days).replace(day=1)
    last = max(days)
    rows = session.execute(
        sa.select(Activity.travel_date, Activity.verification).where(
            Activity.employee_id == employee_id,
            Activity.kind == ActivityKind.COMMUTE,
            Activity.status == ActivityStatus.CONFIRMED,
            Activity.travel_date >= first,
            Activity.travel_date <= _month_end(last),
        )
    ).all()
    per_day: Counter[date] = Counter()
    per_month: Counter[tuple[int, int]] = Counter()
    for day, verification in rows:
        per_day[day] += 1
        if verification is Verification.SELF_REPORTED:
            per_month[(day.year, day.month)] += 1
    return Standing(frozenset(per_day), dict(per_day), dict(per_month))


def _by_request_key(session: Session, employee_id: int, key: str) -> list[LoggedTrip]:
    ids = list(
        session.scalars(
            sa.select(CommuteEntry.activity_id).where(
                CommuteEntry.request_key == key, CommuteEntry.employee_id == employee_id
            )
        )
    )
    return trips(session, employee_id, activity_ids=ids) if ids else []


def trips(
    session: Session,
    employee_id: int,
    *,
    activity_ids: list[int] | None = None,
    period: tuple[date, date] | None = None,
) -> list[LoggedTrip]:
    """The employee's logged commutes with their figures (the given ones, or those of a
    period), newest first."""
    query = (
        sa.select(Activity, Assessment, CommuteEntry, CommuteEvidence.file_name)
        .join(CommuteEntry, CommuteEntry.activity_id == Activity.id)
        .outerjoin(CommuteEvidence, CommuteEvidence.id == CommuteEntry.evidence_id)
        .outerjoin(
            Assessment,
            sa.and_(Assessment.activity_id == Activity.id, Assessment.comparison.is_(False)),
        )
        .where(CommuteEntry.employee_id == employee_id)
        .order_by(Activity.travel_date.desc(), Activity.id, Assessment.id.desc())
    )
    if activity_ids is not None:
        query = query.where(Activity.id.in_(activity_ids))
    if period is not None:
        query = query.where(Activity.travel_date.between(*period))
    found = session.execute(query).all()
    points_of = _credited_points(session, employee_id, [row[0].id for row in found])
    seen: dict[int, LoggedTrip] = {}
    for activity, assessment, entry, file_name in found:
        if activity.id in seen:
            continue  # several assessments (methodology versions): the newest figures win
        seen[activity.id] = LoggedTrip(
            id=activity.id,
            travel_date=activity.travel_date,
            leg=int(entry.leg_key.rsplit("/", 1)[1]),
            mode=activity.mode.value,
            distance_km=activity.distance_km or Decimal(0),
            verification=activity.verification,
            status=activity.status,
            kg_co2e=assessment.kg_co2e if assessment else None,
            baseline=assessment.baseline if assessment else None,
            baseline_kg_co2e=assessment.baseline_kg_co2e if assessment else None,
            avoided_kg_co2e=assessment.avoided_kg_co2e if assessment else None,
            points=points_of.get(activity.id, 0),
            evidence_id=entry.evidence_id,
            evidence_file=file_name,
        )
    return list(seen.values())


def _credited_points(session: Session, employee_id: int, activity_ids: list[int]) -> dict[int, int]:
    """Points each activity holds in the employee's account now: its earning, less any
    reversal (a deleted trip holds none)."""
    if not activity_ids:
        return {}
    rows = session.execute(
        sa.select(LedgerTransaction.activity_id, sa.func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerAccount.employee_id == employee_id,
            LedgerTransaction.activity_id.in_(activity_ids),
        )
        .group_by(LedgerTransaction.activity_id)
    ).all()
    return {int(a): int(p or 0) for a, p in rows if a is not None}


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
