"""One batch of bookings into activities, inside the caller's transaction.

The steps, in order: keep the newest copy of each booking; match travellers (employee
number, then email; the unmatched wait in ``pending_records``); place each segment and find
its distance; compare with what the source sent before (unchanged, changed in place, changed
materially = a new activity replacing the old one, cancelled, dropped from the booking);
recognise the same trip from another source (the later copy becomes a duplicate; a manual
entry is merged into the import); link ticket exchanges; then write everything in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.bulk import allocate_ids, among, insert_rows, update_rows
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bookings import BookingRecord, RecordStatus, RowProblem, Segment
from corp_carbon.domain.matching import match_key, record_hash
from corp_carbon.domain.vocabulary import ActivityStatus, CalculationMethod, Verification
from corp_carbon.geo.segments import Located, PlaceProblem, locate, route_km, spend_based
from corp_carbon.services.imports.batch_plan import (
    ACTIVITIES,
    JOURNEYS,
    BatchContext,
    BatchOutcome,
    NewSegment,
    Plan,
    PlannedRow,
    chunks,
    note,
)
from corp_carbon.services.imports.same_trips import dedupe, link_exchanges, net_refunds
from corp_carbon.services.imports.travellers import employee_posts, match_travellers, park


def _status(segment: Segment) -> ActivityStatus:
    if segment.status is RecordStatus.CONFIRMED:
        return ActivityStatus.CONFIRMED
    return ActivityStatus.CANCELLED


def newest_copies(records: Iterable[BookingRecord]) -> list[BookingRecord]:
    """One copy per booking key: the newest by the source's modification time (the later
    one in the file on a tie), in order of first appearance."""
    chosen: dict[str, BookingRecord] = {}
    for record in records:
        held = chosen.get(record.key)
        if held is None or _not_older(record.modified_at, held.modified_at):
            chosen[record.key] = record
    return list(chosen.values())


def _not_older(new: datetime | None, old: datetime | None) -> bool:
    return new is None or old is None or new >= old


@dataclass(slots=True)
class _Stored:
    id: int
    booking_key: str
    record_key: str
    record_hash: str
    status: ActivityStatus
    modified_at: datetime | None
    ticket: str | None


def _existing(session: Session, source_id: int, keys: Sequence[str]) -> dict[str, list[_Stored]]:
    """The stored activities of these bookings, by booking key (those replaced after a
    material change carry a retired key, ``<key>@<id>``, that no segment has)."""
    found: dict[str, list[_Stored]] = defaultdict(list)
    a = ACTIVITIES.c
    for chunk in chunks(list(keys)):
        rows = session.execute(
            sa.select(
                a.id, a.source_booking_key, a.source_record_key, a.source_record_hash,
                a.status, a.source_modified_at, a.ticket_number,
            ).where(a.source_id == source_id, among(session, a.source_booking_key, chunk))
        )  # fmt: skip
        for row in rows:
            stored = _Stored(
                row[0], row[1], row[2], row[3] or "", ActivityStatus(row[4]), row[5], row[6]
            )
            found[stored.booking_key].append(stored)
    return found


def store_bookings(
    session: Session, ctx: BatchContext, records: Sequence[BookingRecord]
) -> BatchOutcome:
    """Writes a batch of bookings as activities (see the module docstring for the steps)."""
    out = BatchOutcome()
    bookings = newest_copies(records)
    chosen = {id(b) for b in bookings}
    out.counts["unchanged"] += sum(len(r.segments) for r in records if id(r) not in chosen)
    employees = match_travellers(session, (b.traveller for b in bookings))
    known: list[tuple[BookingRecord, int]] = []
    for booking in bookings:
        employee_id = employees[booking.traveller]
        if employee_id is None:
            park(session, ctx, booking)
            out.counts["waiting"] += len(booking.segments)
        else:
            known.append((booking, employee_id))
    existing = _existing(session, ctx.source_id, [b.key for b, _ in known])
    plan = Plan()
    now = utcnow()
    for booking, employee_id in known:
        _plan_booking(plan, out, ctx, booking, employee_id, existing.get(booking.key, []), now)
    dedupe(session, ctx, plan, out)
    link_exchanges(session, ctx, plan)
    net_refunds(session, ctx, plan, out)
    _write(session, plan, out, now)
    return out


def _plan_booking(
    plan: Plan,
    out: BatchOutcome,
    ctx: BatchContext,
    booking: BookingRecord,
    employee_id: int,
    stored: list[_Stored],
    now: datetime,
) -> None:
    by_key = {s.record_key: s for s in stored}
    newest_stored = max((s.modified_at for s in stored if s.modified_at), default=None)
    if booking.modified_at and newest_stored and booking.modified_at < newest_stored:
        out.counts["unchanged"] += len(booking.segments)  # an older copy: keep what we have
        return
    journeys: dict[str, list[tuple[Segment, Located, dict[str, Any]]]] = {}
    seen: set[str] = set()
    for segment in booking.segments:
        key = f"{booking.key}#{segment.key}"
        seen.add(key)
        try:
            located = locate(segment, ctx.methodology)
        except PlaceProblem as problem:
            out.problems.append(
                RowProblem(booking.row, problem.field, problem.reason, problem.value)
            )
            out.counts["rejected"] += 1
            continue
        out.problems += [
            RowProblem(booking.row, w.field, w.reason, w.value, rejected=False)
            for w in located.warnings
        ]
        digest = record_hash(segment, employee_id)
        held = by_key.get(key)
        status = _status(segment)
        if held is not None and held.record_hash == digest:
            out.counts["unchanged"] += 1
            continue
        reinstated = held is not None and (
            held.status is not ActivityStatus.CONFIRMED and status is ActivityStatus.CONFIRMED
        )
        if held is not None and held.record_hash[32:] == digest[32:] and not reinstated:
            _refresh(plan, out, held, booking, segment, digest, status)
            continue
        row = _activity_row(ctx, booking, segment, located, employee_id, key, digest, status, now)
        if held is not None:  # a material change (or a reinstated booking): a new activity
            plan.renames.append({"id": held.id, "source_record_key": f"{key}@{held.id}"})
            plan.replaced[held.id] = row
            row["_counted"] = "updated"
        elif status is ActivityStatus.CONFIRMED:
            row["_counted"] = "imported"
        else:
            row["_counted"] = "cancelled"
        out.counts[row["_counted"]] += 1
        plan.inserts.append(row)
        journeys.setdefault(segment.journey, []).append((segment, located, row))
    for held in stored:
        if held.record_key not in seen and held.status is ActivityStatus.CONFIRMED:
            plan.status[held.id] = (ActivityStatus.CANCELLED, "no longer in the booking")
            out.undone.append(held.id)
            out.counts["cancelled"] += 1
    _plan_journeys(plan, employee_id, booking.row, journeys)


def _refresh(
    plan: Plan,
    out: BatchOutcome,
    held: _Stored,
    booking: BookingRecord,
    segment: Segment,
    digest: str,
    status: ActivityStatus,
) -> None:
    """Same figures: refresh the stored row in place (status, references, notes)."""
    plan.refresh.append(
        {
            "id": held.id,
            "source_record_hash": digest,
            "source_modified_at": booking.modified_at,
            "ticket_number": segment.ticket_number,
            "record_locator": booking.record_locator,
            "note": note(segment.notes),
        }
    )
    if held.status is ActivityStatus.CONFIRMED and status is ActivityStatus.CANCELLED:
        plan.status[held.id] = (ActivityStatus.CANCELLED, note(segment.notes))
        out.undone.append(held.id)
        out.counts["cancelled"] += 1
    else:
        out.counts["updated"] += 1


def _activity_row(
    ctx: BatchContext,
    booking: BookingRecord,
    segment: Segment,
    located: Located,
    employee_id: int,
    key: str,
    digest: str,
    status: ActivityStatus,
    now: datetime,
) -> dict[str, Any]:
    origin, destination = located.origin, located.destination
    return {
        "employee_id": employee_id,
        "journey_id": None,
        "leg_index": None,
        "kind": segment.kind,
        "mode": segment.mode,
        "cabin": segment.cabin,
        "fuel": segment.fuel,
        "vehicle_size": segment.vehicle_size,
        "origin": (segment.origin or "")[:120] or None,
        "destination": (segment.destination or "")[:120] or None,
        "origin_lat": None if origin is None else _coordinate(origin.lat),
        "origin_lon": None if origin is None else _coordinate(origin.lon),
        "destination_lat": None if destination is None else _coordinate(destination.lat),
        "destination_lon": None if destination is None else _coordinate(destination.lon),
        "carrier": segment.carrier,
        "service_number": segment.service_number,
        "ticket_number": segment.ticket_number,
        "record_locator": booking.record_locator,
        "travel_date": segment.travel_date,
        "distance_km": located.distance_km,
        "distance_source": located.distance_source,
        "nights": segment.nights,
        "occupants": segment.occupants,
        "method": CalculationMethod.SPEND
        if spend_based(segment, located)
        else CalculationMethod.DISTANCE,
        "spend_amount": segment.spend_amount,
        "spend_currency": segment.spend_currency,
        "status": status,
        "replaced_by_id": None,
        "duplicate_of_id": None,
        "verification": Verification.IMPORTED,
        "source_id": ctx.source_id,
        "import_run_id": ctx.run_id,
        "source_record_key": key,
        "source_booking_key": booking.key,
        "source_modified_at": booking.modified_at,
        "source_record_hash": digest,
        "match_key": match_key(
            employee_id, segment.travel_date, segment.mode, segment.origin, segment.destination
        ),
        "note": note((*segment.notes, *located.notes)),
        "created_at": now,
        "updated_at": now,
        "_replaces": segment.replaces_ticket,
        "_row": booking.row,
    }


@lru_cache(maxsize=100_000)
def _coordinate(value: float) -> Decimal:
    """A position in degrees as stored (six decimals); kept per value, as the same airports
    and stations recur all through an export."""
    return Decimal(repr(value)).quantize(Decimal("0.000001"))


def _plan_journeys(
    plan: Plan,
    employee_id: int,
    file_row: int,
    journeys: dict[str, list[tuple[Segment, Located, dict[str, Any]]]],
) -> None:
    """Connections of one booking form one journey; its route runs from the first origin to
    the last destination."""
    for legs in journeys.values():
        (first, first_at, first_row), (last, last_at, _) = legs[0], legs[-1]
        index = len(plan.journeys)
        plan.journeys.append(
            {
                "employee_id": employee_id,
                "kind": first.kind,
                "origin": (first.origin or "")[:120],
                "destination": (last.destination or "")[:120],
                "start_date": first.travel_date,
                "end_date": last.travel_date,
                "created_at": first_row["created_at"],
            }
        )
        route = route_km(first_at.origin, last_at.destination)
        for leg_index, (segment, located, row) in enumerate(legs):
            row["leg_index"] = leg_index
            row["_journey"] = index
            plan.planned.append(
                PlannedRow(row, segment, located, employee_id, index, route, file_row)
            )


def _write(session: Session, plan: Plan, out: BatchOutcome, now: datetime) -> None:
    ids = allocate_ids(session, ACTIVITIES, len(plan.inserts))
    journey_ids = allocate_ids(session, JOURNEYS, len(plan.journeys))
    for journey_id, journey in zip(journey_ids, plan.journeys, strict=True):
        journey["id"] = journey_id
    posts = employee_posts(session, (row["employee_id"] for row in plan.inserts))
    for activity_id, row in zip(ids, plan.inserts, strict=True):
        row["id"] = activity_id
        row["department"], row["office"] = posts.get(row["employee_id"], (None, None))
        index = row.get("_journey")
        row["journey_id"] = None if index is None else journey_ids[index]
    update_rows(session, ACTIVITIES, plan.renames)
    insert_rows(session, JOURNEYS, plan.journeys)
    insert_rows(session, ACTIVITIES, plan.inserts, _columns(plan.inserts))
    changes: list[dict[str, Any]] = []
    for old_id, new in plan.replaced.items():
        changes.append(_change(old_id, ActivityStatus.REPLACED, replaced_by=new["id"]))
        out.undone.append(old_id)
    for row in plan.inserts:
        if "_replaced_by" in row:
            changes.append(_change(row["id"], ActivityStatus.REPLACED, row["_replaced_by"]["id"]))
        if "_merges" in row:
            changes.append(_change(row["_merges"], ActivityStatus.DUPLICATE, duplicate=row["id"]))
            out.undone.append(row["_merges"])
    update_rows(session, ACTIVITIES, changes)
    update_rows(
        session,
        ACTIVITIES,
        [{"id": i, "status": s, "note": n, "updated_at": now} for i, (s, n) in plan.status.items()],
    )
    update_rows(session, ACTIVITIES, [{**r, "updated_at": now} for r in plan.refresh])
    groups: dict[int, list[NewSegment]] = {}
    for p in plan.planned:
        row = p.row
        if row["status"] is not ActivityStatus.CONFIRMED or "_replaced_by" in row:
            continue
        groups.setdefault(p.journey, []).append(
            NewSegment(row["id"], p.employee_id, p.segment, p.located, p.journey, p.route_km,
                       p.file_row)
        )  # fmt: skip
    out.journeys.extend(groups.values())


def _change(
    activity_id: int,
    status: ActivityStatus,
    replaced_by: int | None = None,
    duplicate: int | None = None,
) -> dict[str, Any]:
    return {
        "id": activity_id,
        "status": status,
        "replaced_by_id": replaced_by,
        "duplicate_of_id": duplicate,
    }


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The columns of planned rows: keys starting with "_" are the planner's bookkeeping,
    left out of the insert by name rather than by copying every row without them."""
    return [k for k in rows[0] if not k.startswith("_")] if rows else []
