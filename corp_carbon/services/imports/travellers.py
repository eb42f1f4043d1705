"""Who travelled: employees matched by number, then email; the unmatched wait in
``pending_records`` until the employee appears (``pending.replay_pending``)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.bulk import among
from corp_carbon.db.models import Employee, PendingRecord
from corp_carbon.domain.bookings import BookingRecord, Traveller
from corp_carbon.domain.email_address import lookup_key
from corp_carbon.services.imports.batch_plan import BatchContext, chunks
from corp_carbon.services.imports.record_codec import to_payload


def match_travellers(
    session: Session, travellers: Iterable[Traveller]
) -> dict[Traveller, int | None]:
    """Employee ids by employee number first, then by email (stored canonical, lower-case)."""
    wanted = set(travellers)
    numbers = {t.employee_number for t in wanted if t.employee_number}
    emails = {lookup_key(t.email) for t in wanted if t.email}
    by_number: dict[str, int] = {}
    by_email: dict[str, int] = {}
    for chunk in chunks(sorted(numbers)):
        for number, employee_id in session.execute(
            sa.select(Employee.employee_number, Employee.id).where(
                among(session, Employee.employee_number, chunk)
            )
        ):
            by_number[str(number)] = employee_id
    for chunk in chunks(sorted(emails)):
        for email, employee_id in session.execute(
            sa.select(Employee.email, Employee.id).where(among(session, Employee.email, chunk))
        ):
            by_email[email] = employee_id
    found: dict[Traveller, int | None] = {}
    for t in wanted:
        employee = by_number.get(t.employee_number or "")
        if employee is None and t.email:
            employee = by_email.get(lookup_key(t.email))
        found[t] = employee
    return found


def employee_posts(
    session: Session, employee_ids: Iterable[int]
) -> dict[int, tuple[str | None, str | None]]:
    """Department and office of each employee now, stamped on the activities an import
    writes so reports keep a trip where it was when someone later moves."""
    posts: dict[int, tuple[str | None, str | None]] = {}
    for chunk in chunks(sorted(set(employee_ids))):
        for employee_id, department, office in session.execute(
            sa.select(Employee.id, Employee.department, Employee.office).where(
                among(session, Employee.id, chunk)
            )
        ):
            posts[employee_id] = (department, office)
    return posts


def park(session: Session, ctx: BatchContext, record: BookingRecord) -> None:
    """Keeps a booking whose traveller is unknown until the employee appears."""
    payload = to_payload(record)
    held = session.scalar(
        sa.select(PendingRecord).where(
            PendingRecord.source_id == ctx.source_id,
            PendingRecord.source_record_key == record.key,
        )
    )
    if held is None:
        session.add(
            PendingRecord(
                source_id=ctx.source_id,
                source_record_key=record.key,
                run_id=ctx.run_id,
                employee_number=record.traveller.employee_number,
                email=lookup_key(record.traveller.email) if record.traveller.email else None,
                payload=payload,
            )
        )
    else:
        held.payload, held.run_id, held.resolved_at = payload, ctx.run_id, None
        held.employee_number = record.traveller.employee_number
        held.email = lookup_key(record.traveller.email) if record.traveller.email else None
    session.flush()
