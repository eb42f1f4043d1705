"""Everything corp-carbon holds about one employee, gathered section by section for download.

The export is a list of sections (``SECTIONS``), each a name and a function that reads the
employee's rows of one kind: adding what another part of the product stores about people
(commute evidence photos, say) is one more line in that list. Every section reads only rows
that belong to the employee; the download itself is written to the audit log first, so the
export shows it among the entries about the person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import (
    Activity,
    AuditEvent,
    CommuteEntry,
    CommuteEvidence,
    CommuteProfile,
    Employee,
    ErasureRequest,
    MethodologyVersion,
    Redemption,
)
from corp_carbon.db.models import Assessment as AssessmentRow
from corp_carbon.db.queries import current_assessment
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import NotFound
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import Verification
from corp_carbon.services.audit import entries as audit
from corp_carbon.services.ledger import statements
from corp_carbon.services.rewards.queries import redemptions_for

#: one row of a section: column name -> value (str, int, bool, Decimal, date, datetime, None).
Row = dict[str, Any]
Gather = Callable[[Session, int], list[Row]]

#: the audit log's action for a download of one's own data.
EXPORT_ACTION = "my_data.export"


@dataclass(frozen=True)
class Section:
    #: the key in the JSON document and the CSV file's name in the zip.
    name: str
    gather: Gather


@dataclass(frozen=True)
class MyData:
    """The gathered export: the sections in ``SECTIONS`` order, each a list of rows."""

    public_id: str
    exported_at: datetime
    sections: dict[str, list[Row]]


def _profile(session: Session, employee_id: int) -> list[Row]:
    e = session.get_one(Employee, employee_id)
    return [
        {
            "id": e.id,
            "public_id": e.public_id,
            "employee_number": e.employee_number,
            "email": e.email,
            "name": e.name,
            "given_name": e.given_name,
            "family_name": e.family_name,
            "department": e.department,
            "cost_centre": e.cost_centre,
            "office": e.office,
            "country": e.country,
            "organization": e.organization,
            "grade": e.grade,
            "roles": " ".join(e.role_names),
            "active": e.active,
            "leaderboard_opt_in": e.leaderboard_opt_in,
            "created_at": e.created_at,
            "deactivated_at": e.deactivated_at,
        }
    ]


def _commute_profiles(session: Session, employee_id: int) -> list[Row]:
    """Every version of the commute profile, newest first (the history, not only today's)."""
    rows = session.scalars(
        sa.select(CommuteProfile)
        .where(CommuteProfile.employee_id == employee_id)
        .order_by(CommuteProfile.valid_from.desc(), CommuteProfile.id.desc())
    )
    return [
        {
            "valid_from": p.valid_from,
            "usual_mode": p.usual_mode,
            "secondary_mode": p.secondary_mode,
            "usual_mode_share_pct": p.usual_mode_share_pct,
            "one_way_km": p.one_way_km,
            "distance_source": p.distance_source,
            "office_days_per_week": p.office_days_per_week,
            "remote_days_per_week": p.remote_days_per_week,
            "weeks_per_year": p.weeks_per_year,
            "car_fuel": p.car_fuel,
            "car_occupants": p.car_occupants,
            "baseline_mode": p.baseline_mode,
            "source": p.source,
            "recorded_at": p.created_at,
        }
        for p in rows
    ]


def _trips(session: Session, employee_id: int) -> list[Row]:
    """Every trip with the figures it has now: kg CO2e, baseline, points and the factor set."""
    of_version = MethodologyVersion.id == AssessmentRow.methodology_version_id
    query = (
        sa.select(Activity, AssessmentRow, MethodologyVersion.version)
        .select_from(Activity)
        .outerjoin(AssessmentRow, current_assessment())
        .outerjoin(MethodologyVersion, of_version)
        .where(Activity.employee_id == employee_id)
        .order_by(Activity.travel_date.desc(), Activity.id.desc())
    )
    result = []
    for a, s, version in session.execute(query):
        result.append(
            {
                "id": a.id,
                "date": a.travel_date,
                "kind": a.kind,
                "mode": a.mode,
                "cabin": a.cabin,
                "fuel": a.fuel,
                "origin": a.origin,
                "destination": a.destination,
                "distance_km": a.distance_km,
                "distance_source": a.distance_source,
                "nights": a.nights,
                "occupants": a.occupants,
                "carrier": a.carrier,
                "service_number": a.service_number,
                "status": a.status,
                "verification": a.verification,
                "department": a.department,
                "office": a.office,
                "note": a.note,
                "kg_co2e": s.kg_co2e if s else None,
                "baseline": s.baseline if s else None,
                "baseline_kg_co2e": s.baseline_kg_co2e if s else None,
                "avoided_kg_co2e": s.avoided_kg_co2e if s else None,
                "points": s.points if s else None,
                "factor_set": s.factor_set_id if s else None,
                "factor_id": s.factor_id if s else None,
                "methodology_version": version,
                "recorded_at": a.created_at,
            }
        )
    return result


def _statement(session: Session, employee_id: int) -> list[Row]:
    return [
        {
            "posted_at": line.at,
            "kind": line.kind,
            "reason": line.reason_code,
            "memo": line.memo,
            "points": line.amount,
            "balance": line.running_balance,
            "trip_id": line.activity_id,
            "trip": line.trip,
            "redemption_id": line.redemption_id,
            "reward": line.reward,
        }
        for line in statements.statement(session, employee_id)
    ]


def _redemptions(session: Session, employee_id: int) -> list[Row]:
    return [
        {
            "id": r.id,
            "reward": r.reward_name,
            "status": r.status,
            "cost_points": r.cost_points,
            "voucher_code": r.voucher_code,
            "note": r.note,
            "requested_at": r.requested_at,
            "decided_at": r.decided_at,
            "fulfilled_at": r.fulfilled_at,
        }
        for r in redemptions_for(session, employee_id)
    ]


def _evidence(session: Session, employee_id: int) -> list[Row]:
    """The trips the employee reported themselves and how each is backed (own statement,
    evidence attached, approved)."""
    rows = session.execute(
        sa.select(Activity.id, Activity.travel_date, Activity.mode, Activity.verification)
        .where(Activity.employee_id == employee_id, Activity.verification != Verification.IMPORTED)
        .order_by(Activity.travel_date.desc(), Activity.id.desc())
    )
    return [
        {"trip_id": trip, "date": day, "mode": mode, "verification": verification}
        for trip, day, mode, verification in rows
    ]


def _evidence_photos(session: Session, employee_id: int) -> list[Row]:
    """The commute evidence photos the employee sent (as stored: re-encoded, without location
    or camera data) and the trips each backs."""
    backed: dict[int, list[int]] = {}
    for evidence_id, activity_id in session.execute(
        sa.select(CommuteEntry.evidence_id, CommuteEntry.activity_id)
        .where(CommuteEntry.employee_id == employee_id, CommuteEntry.evidence_id.is_not(None))
        .order_by(CommuteEntry.activity_id)
    ):
        if evidence_id is not None:  # the query keeps only backed entries; this tells mypy
            backed.setdefault(evidence_id, []).append(activity_id)
    photos = session.scalars(
        sa.select(CommuteEvidence)
        .where(CommuteEvidence.employee_id == employee_id)
        .order_by(CommuteEvidence.id)
    )
    return [
        {
            "evidence_id": p.id,
            "file_name": p.file_name,
            "size_bytes": p.size_bytes,
            "width": p.width,
            "height": p.height,
            "sent_at": p.created_at,
            "trip_ids": " ".join(str(t) for t in backed.get(p.id, [])),
        }
        for p in photos
    ]


def _erasure_requests(session: Session, employee_id: int) -> list[Row]:
    rows = session.scalars(
        sa.select(ErasureRequest)
        .where(ErasureRequest.employee_id == employee_id)
        .order_by(ErasureRequest.id.desc())
    )
    return [
        {
            "channel": r.channel,
            "reason": r.reason,
            "requested_by": r.requested_by_label,
            "requested_at": r.requested_at,
            "due_at": r.due_at,
            "closed_at": r.closed_at,
            "outcome": r.outcome,
        }
        for r in rows
    ]


def _audit(session: Session, employee_id: int) -> list[Row]:
    """Audit entries about the employee: looks at and changes to their record, their trips and
    redemptions, and what they did themselves. The address is shown only for their own acts
    (another person's address is that person's data)."""
    as_text = sa.String(64)
    about_me = sa.or_(
        AuditEvent.actor_id == employee_id,
        sa.and_(AuditEvent.target_type == "employee", AuditEvent.target_id == str(employee_id)),
        sa.and_(
            AuditEvent.target_type == "redemption",
            AuditEvent.target_id.in_(
                sa.select(sa.cast(Redemption.id, as_text)).where(
                    Redemption.employee_id == employee_id
                )
            ),
        ),
        sa.and_(
            AuditEvent.target_type.in_(("activity", "trip")),
            AuditEvent.target_id.in_(
                sa.select(sa.cast(Activity.id, as_text)).where(Activity.employee_id == employee_id)
            ),
        ),
    )
    events = session.scalars(sa.select(AuditEvent).where(about_me).order_by(AuditEvent.id.desc()))
    return [
        {
            "at": e.at,
            "who": e.actor_label,
            "by_you": e.actor_id == employee_id,
            "action": e.action,
            "target_type": e.target_type,
            "target_id": e.target_id,
            "ip": e.ip if e.actor_id == employee_id else None,
            "detail": e.detail,
        }
        for e in events
    ]


#: what the export holds, in this order; one line per kind of record about a person.
SECTIONS: tuple[Section, ...] = (
    Section("profile", _profile),
    Section("commute_profiles", _commute_profiles),
    Section("trips", _trips),
    Section("statement", _statement),
    Section("redemptions", _redemptions),
    Section("evidence", _evidence),
    Section("evidence_photos", _evidence_photos),
    Section("erasure_requests", _erasure_requests),
    Section("audit", _audit),
)


def export_my_data(uow: UnitOfWork, actor: Actor, employee_id: int, *, file_format: str) -> MyData:
    """Everything held about ``employee_id``; the download is on the record ("personal data
    exported") before the sections are read, in the same transaction."""
    with uow:
        session = uow.session
        employee = session.get(Employee, employee_id)
        if employee is None or employee.erased_at is not None:
            raise NotFound(f"employee {employee_id} does not exist")
        audit.record(
            session,
            actor,
            EXPORT_ACTION,
            target_type="employee",
            target_id=employee_id,
            detail={"format": file_format, "sections": [s.name for s in SECTIONS]},
        )
        session.flush()
        data = MyData(
            public_id=employee.public_id,
            exported_at=utcnow(),
            sections={s.name: s.gather(session, employee_id) for s in SECTIONS},
        )
        uow.commit()
    return data
