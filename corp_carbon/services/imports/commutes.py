"""Commute-survey answers into commute profiles and the commute trips they imply.

The latest answer per employee counts (by submission time). The profile is what the
employee's pages and the personal baseline read; the expected monthly trips go through the
same booking pipeline as travel (matching, waiting for unknown employees, re-sends, scoring).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import CommuteProfile
from corp_carbon.domain.bookings import CommuteResponse
from corp_carbon.domain.commutes import expected_commutes, who
from corp_carbon.services.imports.batch_plan import BatchContext, BatchOutcome
from corp_carbon.services.imports.batches import store_bookings
from corp_carbon.services.imports.travellers import match_travellers


def latest_answers(responses: Sequence[CommuteResponse]) -> list[CommuteResponse]:
    """One answer per respondent: the latest submitted (the later row on a tie)."""
    chosen: dict[str, CommuteResponse] = {}
    for response in responses:
        key = who(response)
        held = chosen.get(key)
        if held is None or response.submitted_at >= held.submitted_at:
            chosen[key] = response
    return list(chosen.values())


def store(
    session: Session,
    ctx: BatchContext,
    responses: Sequence[CommuteResponse],
    outcome: BatchOutcome,
    months: int,
) -> None:
    """Stores the batch's answers; adds what the trips need (scoring, reversals) to outcome."""
    answers = latest_answers(responses)
    outcome.counts["unchanged"] += len(responses) - len(answers)
    employees = match_travellers(session, (a.traveller for a in answers))
    for answer in answers:
        employee_id = employees[answer.traveller]
        if employee_id is not None and answer.legs:
            _profile(session, ctx, answer, employee_id)
    bookings = [b for a in answers for b in expected_commutes(a, months)]
    trips = store_bookings(session, ctx, bookings)
    outcome.counts.update(trips.counts)
    outcome.problems.extend(trips.problems)
    outcome.journeys.extend(trips.journeys)
    outcome.undone.extend(trips.undone)


def _profile(
    session: Session, ctx: BatchContext, answer: CommuteResponse, employee_id: int
) -> None:
    """The answer as the employee's commute profile from its date; the first profile's mode
    stays the declared baseline (what they did before the scheme)."""
    valid_from = answer.submitted_at.date()
    earlier = session.scalar(
        sa.select(CommuteProfile)
        .where(CommuteProfile.employee_id == employee_id, CommuteProfile.valid_from < valid_from)
        .order_by(CommuteProfile.valid_from)
        .limit(1)
    )
    main = answer.legs[0]
    second = answer.legs[1] if len(answer.legs) > 1 else None
    profile = session.scalar(
        sa.select(CommuteProfile).where(
            CommuteProfile.employee_id == employee_id, CommuteProfile.valid_from == valid_from
        )
    )
    if profile is None:
        profile = CommuteProfile(employee_id=employee_id, valid_from=valid_from)
        session.add(profile)
    profile.usual_mode = main.mode
    profile.secondary_mode = second.mode if second else None
    profile.usual_mode_share_pct = main.share_pct
    profile.one_way_km = answer.one_way_km or Decimal(0)
    profile.distance_source = answer.distance_source
    profile.office_days_per_week = answer.office_days_per_week
    profile.remote_days_per_week = answer.remote_days_per_week
    profile.weeks_per_year = answer.weeks_per_year
    profile.car_fuel = answer.car_fuel
    profile.car_occupants = answer.car_occupants
    profile.baseline_mode = earlier.baseline_mode if earlier else main.mode
    profile.source = "survey"
    profile.import_run_id = ctx.run_id
    session.flush()
