"""One batch of bookings into activities, inside the caller's transaction.

The steps, in order: keep the newest copy of each booking; match travellers (employee
number, then email; the unmatched wait in ``pending_records``); place each segment and find
its distance; compare with what the source sent before (unchanged, changed in place, changed
materially = a new activity replacing the old one, cancelled, dropped from the booking);
recognise the same trip from another source (the later copy becomes a duplicate; a manual
entry is merged into the import); link ticket exchanges; then write everything in bulk.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.bulk import allocate_ids, among, insert_rows, table_of, update_rows
from corp_carbon.db.models import Activity, Employee, Journey, PendingRecord
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bookings import BookingRecord, RecordStatus, RowProblem, Segment, Traveller
from corp_carbon.domain.email_address import lookup_key
from corp_carbon.domain.matching import match_key, record_hash, same_trip, service_id
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.vocabulary import ActivityStatus, CalculationMethod, Verification
from corp_carbon.geo.segments import (
    Located,
    PlaceProblem,
    locate,
    route_km,
    spend_based,
)
from corp_carbon.services.imports.record_codec import to_payload

ACTIVITIES = table_of(Activity)
JOURNEYS = table_of(Journey)


@dataclass(frozen=True)
class BatchContext:
    source_id: int
    run_id: int
    methodology: Methodology


@dataclass(frozen=True, slots=True)
class NewSegment:
    """A segment about to become an activity, with what scoring needs to know."""

    activity_id: int
    employee_id: int
    segment: Segment
    located: Located
    journey_index: int
    route_km: Decimal | None
    #: the booking's row in the file (for problems found while scoring).
    row: int


@dataclass
class BatchOutcome:
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[RowProblem] = field(default_factory=list)
    #: new confirmed activities to assess and credit, journey by journey (legs in order).
    journeys: list[list[NewSegment]] = field(default_factory=list)
    #: activities that stopped being confirmed in this batch: their earnings are reversed.
    undone: list[int] = field(default_factory=list)


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


def match_travellers(
    session: Session, travellers: Iterable[Traveller]
) -> dict[Traveller, int | None]:
    """Employee ids by employee number first, then by email (stored canonical, lower-case)."""
    wanted = set(travellers)
    numbers = {t.employee_number for t in wanted if t.employee_number}
    emails = {lookup_key(t.email) for t in wanted if t.email}
    by_number: dict[str, int] = {}
    by_email: dict[str, int] = {}
    for chunk in _chunks(sorted(numbers)):
        for number, employee_id in session.execute(
            sa.select(Employee.employee_number, Employee.id).where(
                among(session, Employee.employee_number, chunk)
            )
        ):
            by_number[str(number)] = employee_id
    for chunk in _chunks(sorted(emails)):
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


def _chunks(values: Sequence[Any], size: int = 5000) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


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
    for chunk in _chunks(list(keys)):
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


@dataclass(slots=True)
class _Planned:
    row: dict[str, Any]
    segment: Segment
    located: Located
    employee_id: int
    journey: int
    route_km: Decimal | None
    file_row: int


class _Plan:
    """What one batch will write, gathered before anything is written. Rows are plain dicts
    (keys starting with "_" are bookkeeping, dropped before the insert)."""

    def __init__(self) -> None:
        self.inserts: list[dict[str, Any]] = []
        self.planned: list[_Planned] = []
        self.renames: list[dict[str, Any]] = []
        #: stored activity id -> the planned row that replaces it
        self.replaced: dict[int, dict[str, Any]] = {}
        self.status: dict[int, tuple[ActivityStatus, str | None]] = {}
        self.refresh: list[dict[str, Any]] = []
        self.journeys: list[dict[str, Any]] = []


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
    plan = _Plan()
    now = utcnow()
    for booking, employee_id in known:
        _plan_booking(plan, out, ctx, booking, employee_id, existing.get(booking.key, []), now)
    _dedupe(session, ctx, plan, out)
    _link_exchanges(session, ctx, plan)
    _net_refunds(session, ctx, plan, out)
    _write(session, plan, out, now)
    return out


def _plan_booking(
    plan: _Plan,
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
    plan: _Plan,
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
            "note": _note(segment.notes),
        }
    )
    if held.status is ActivityStatus.CONFIRMED and status is ActivityStatus.CANCELLED:
        plan.status[held.id] = (ActivityStatus.CANCELLED, _note(segment.notes))
        out.undone.append(held.id)
        out.counts["cancelled"] += 1
    else:
        out.counts["updated"] += 1


def _note(notes: Iterable[str]) -> str | None:
    text = "; ".join(notes)
    return text[:500] or None


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
        "note": _note((*segment.notes, *located.notes)),
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
    plan: _Plan,
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
                _Planned(row, segment, located, employee_id, index, route, file_row)
            )


def _dedupe(session: Session, ctx: BatchContext, plan: _Plan, out: BatchOutcome) -> None:
    """The same trip from another source (or typed in by hand) is recognised by its match key
    and its carrier and number or ticket."""
    confirmed = [r for r in plan.inserts if r["status"] is ActivityStatus.CONFIRMED]
    keys = sorted({r["match_key"] for r in confirmed})
    if not keys:
        return
    a = ACTIVITIES.c
    candidates: dict[str, list[tuple[int, int | None, str, str | None]]] = defaultdict(list)
    for chunk in _chunks(keys):
        rows = session.execute(
            sa.select(a.id, a.source_id, a.match_key, a.carrier, a.service_number, a.ticket_number)
            .where(
                among(session, a.match_key, chunk),
                a.status == ActivityStatus.CONFIRMED.value,
                sa.or_(a.source_id.is_(None), a.source_id != ctx.source_id),
            )
            .order_by(a.id)
        )
        for activity_id, source_id, key, carrier, number, ticket in rows:
            candidates[key].append((activity_id, source_id, service_id(carrier, number), ticket))
    for row in confirmed:
        mine = service_id(row["carrier"], row["service_number"])
        for activity_id, source_id, theirs, ticket in candidates.get(row["match_key"], []):
            if activity_id in plan.status or activity_id in plan.replaced:
                continue
            if not same_trip(mine, row["ticket_number"], theirs, ticket):
                continue
            if source_id is None:  # a manual entry: the import is the better record
                row["_merges"] = activity_id
                out.counts["merged_manual"] += 1
            else:
                row["status"] = ActivityStatus.DUPLICATE
                row["duplicate_of_id"] = activity_id
                if row["_counted"] == "imported":
                    out.counts["imported"] -= 1
                    out.counts["duplicates"] += 1
            break


def _link_exchanges(session: Session, ctx: BatchContext, plan: _Plan) -> None:
    """A segment on a ticket exchanged from an older ticket replaces that ticket's segments
    (stored before, or planned in this batch)."""
    wanted = {r["_replaces"]: r for r in plan.inserts if r.get("_replaces")}
    if not wanted:
        return
    for row in plan.inserts:
        new = wanted.get(row.get("ticket_number") or "")
        if new is not None and new is not row and row["status"] is not ActivityStatus.CONFIRMED:
            row["_replaced_by"] = new
    a = ACTIVITIES.c
    rows = session.execute(
        sa.select(a.id, a.ticket_number, a.employee_id).where(
            a.source_id == ctx.source_id,
            a.ticket_number.in_(sorted(wanted)),
            a.status.in_([ActivityStatus.CONFIRMED.value, ActivityStatus.CANCELLED.value]),
        )
    )
    for activity_id, ticket, employee_id in rows:
        new = wanted[ticket]
        if new["employee_id"] == employee_id and activity_id not in plan.replaced:
            plan.replaced[activity_id] = new
            plan.status.pop(activity_id, None)


def _net_refunds(session: Session, ctx: BatchContext, plan: _Plan, out: BatchOutcome) -> None:
    """A refund line (negative spend) cancels the traveller's expense line of the same kind
    and amount, from this source; both are kept, cancelled, with a note naming the other."""
    refunds = [
        r for r in plan.inserts
        if r["method"] is CalculationMethod.SPEND and (r["spend_amount"] or 0) < 0
    ]  # fmt: skip
    if not refunds:
        return
    taken: set[int] = set()
    a = ACTIVITIES.c
    for refund in refunds:
        amount = -refund["spend_amount"]
        _recount(out, refund, "cancelled")
        refund["status"] = ActivityStatus.CANCELLED
        match = next((r for r in plan.inserts if _refunds(refund, r, taken)), None)
        if match is not None:
            taken.add(id(match))
            _recount(out, match, "cancelled")
            match["status"] = ActivityStatus.CANCELLED
            match["note"] = _note((match["note"] or "", "refunded in the same export"))
            refund["note"] = _note((refund["note"] or "", "refund of an expense line above"))
            continue
        stored = session.execute(
            sa.select(a.id)
            .where(
                a.source_id == ctx.source_id,
                a.employee_id == refund["employee_id"],
                a.mode == refund["mode"].value,
                a.status == ActivityStatus.CONFIRMED.value,
                a.method == CalculationMethod.SPEND.value,
                a.spend_currency == refund["spend_currency"],
                a.spend_amount == int(amount.scaleb(4)),
            )
            .order_by(a.id)
            .limit(1)
        ).scalar()
        if stored is not None and stored not in plan.status:
            plan.status[stored] = (ActivityStatus.CANCELLED, "refunded in a later export")
            out.undone.append(stored)
            refund["note"] = _note((refund["note"] or "", f"refund of activity {stored}"))
        else:
            out.problems.append(
                RowProblem(
                    refund["_row"],
                    "amount",
                    f"refund of {amount} {refund['spend_currency']} matches no expense line "
                    "of this traveller: kept, not netted",
                    str(refund["spend_amount"]),
                    rejected=False,
                )
            )


def _refunds(refund: dict[str, Any], row: dict[str, Any], taken: set[int]) -> bool:
    """Whether ``refund`` undoes the expense ``row``: same traveller, kind and amount."""
    return (
        row is not refund
        and id(row) not in taken
        and row["status"] is ActivityStatus.CONFIRMED
        and row["employee_id"] == refund["employee_id"]
        and row["mode"] == refund["mode"]
        and row["spend_amount"] == -refund["spend_amount"]
        and row["spend_currency"] == refund["spend_currency"]
    )


def _recount(out: BatchOutcome, row: dict[str, Any], now_counted: str) -> None:
    """Moves a planned row from the count it was given to another."""
    before = row.get("_counted")
    if before and before != now_counted:
        out.counts[before] -= 1
        out.counts[now_counted] += 1
        row["_counted"] = now_counted


def _write(session: Session, plan: _Plan, out: BatchOutcome, now: datetime) -> None:
    ids = allocate_ids(session, ACTIVITIES, len(plan.inserts))
    journey_ids = allocate_ids(session, JOURNEYS, len(plan.journeys))
    for journey_id, journey in zip(journey_ids, plan.journeys, strict=True):
        journey["id"] = journey_id
    for activity_id, row in zip(ids, plan.inserts, strict=True):
        row["id"] = activity_id
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
