"""The same trip told twice, found before a batch is written: a copy from another source
(or typed in by hand), a ticket exchanged for another, a refund netting an expense line."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.bulk import among
from corp_carbon.domain.bookings import RowProblem
from corp_carbon.domain.matching import same_trip, service_id
from corp_carbon.domain.vocabulary import ActivityStatus, CalculationMethod
from corp_carbon.services.imports.batch_plan import (
    ACTIVITIES,
    BatchContext,
    BatchOutcome,
    Plan,
    chunks,
    note,
)


def dedupe(session: Session, ctx: BatchContext, plan: Plan, out: BatchOutcome) -> None:
    """The same trip from another source (or typed in by hand) is recognised by its match key
    and its carrier and number or ticket."""
    confirmed = [r for r in plan.inserts if r["status"] is ActivityStatus.CONFIRMED]
    keys = sorted({r["match_key"] for r in confirmed})
    if not keys:
        return
    a = ACTIVITIES.c
    candidates: dict[str, list[tuple[int, int | None, str, str | None]]] = defaultdict(list)
    for chunk in chunks(keys):
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


def link_exchanges(session: Session, ctx: BatchContext, plan: Plan) -> None:
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
    travellers = sorted({row["employee_id"] for row in wanted.values()})
    rows = session.execute(
        sa.select(a.id, a.ticket_number, a.employee_id).where(
            # by the travellers' index: a ticket is replaced only for its own traveller, and
            # tickets have no index (by source, this read every stored trip of the source:
            # a fifth of the server's work late in a million-segment import)
            a.employee_id.in_(travellers),
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


def net_refunds(session: Session, ctx: BatchContext, plan: Plan, out: BatchOutcome) -> None:
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
            match["note"] = note((match["note"] or "", "refunded in the same export"))
            refund["note"] = note((refund["note"] or "", "refund of an expense line above"))
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
            refund["note"] = note((refund["note"] or "", f"refund of activity {stored}"))
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
