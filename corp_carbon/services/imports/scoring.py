"""Scoring and crediting the new activities of one import batch, in bulk.

The figures come from the column scorer (``domain.scoring.bulk.score_columns``), which a test holds
equal to ``Scorer.score``; rail and coach journeys with connections take
``Scorer.assess_journey``, which shares one flight baseline across the legs. The step-by-step
trail is not stored for bulk rows (it would be about 2 KB per segment): it is rebuilt on
demand from the activity, the stored methodology version and the pinned factor set, and
``services.trails`` checks that the rebuilt figures equal the stored ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.bulk import allocate_ids, insert_rows, table_of
from corp_carbon.db.models import Assessment as AssessmentRow
from corp_carbon.db.models import CommuteProfile
from corp_carbon.db.types import utcnow
from corp_carbon.domain.bookings import RowProblem
from corp_carbon.domain.currency import MissingRate, RateProvider
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.scoring.bulk import TripColumns, score_columns
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.values import ZERO_EMISSION_MODES, Trip
from corp_carbon.domain.spend import SpendFactorSet, score_spend
from corp_carbon.domain.vocabulary import ActivityKind, Fuel, Mode
from corp_carbon.geo.segments import Located, route_km, spend_based
from corp_carbon.services.imports.batch_plan import NewSegment
from corp_carbon.services.ledger.earnings import Earning, earn_many
from corp_carbon.services.scoring.assessments import pin_published_set, record_factor_set

ASSESSMENTS = table_of(AssessmentRow)
GRAM = Decimal("0.001")


@dataclass(frozen=True)
class ScoringContext:
    scorer: Scorer
    methodology_version_id: int
    methodology_version: int
    #: spend-based factors and the exchange rates, for activities without a distance
    spend_set: SpendFactorSet | None = None
    rates: RateProvider | None = None
    #: factor sets already pinned in this run (their file hash checked against the database)
    recorded: set[str] = field(default_factory=set)


@dataclass
class ScoringOutcome:
    assessed: int = 0
    points: int = 0
    kg_co2e: Decimal = Decimal("0.000")
    problems: list[RowProblem] = field(default_factory=list)
    #: commute activities: credited through the capped path by the caller
    capped_path: list[int] = field(default_factory=list)


def trip_of(member: NewSegment, declared: Declared | None = None) -> Trip:
    """The engine's view of a new activity, as ``assessments.trip_for`` builds it for a
    stored one: rail and coach judged on their journey's route, others on their own."""
    segment, located = member.segment, member.located
    route = member.route_km
    if segment.mode not in (Mode.RAIL, Mode.COACH):
        route = route_km(located.origin, located.destination)
    return Trip(
        mode=segment.mode,
        kind=segment.kind,
        distance_km=located.distance_km,
        distance_source=located.distance_source,
        cabin=segment.cabin if segment.mode in (Mode.AIR, Mode.RAIL) else None,
        fuel=segment.fuel,
        vehicle_size=segment.vehicle_size,
        occupants=segment.occupants,
        nights=segment.nights,
        origin_country=located.origin.country if located.origin else None,
        destination_country=_where(located, segment.mode),
        route_km=route,
        year=segment.travel_date.year,
        declared_mode=declared[0] if declared else None,
        declared_fuel=declared[1] if declared else None,
    )


def _where(located: Located, mode: Mode) -> str | None:
    """The destination's country; a hotel stay is where it is (its only place)."""
    end = located.destination
    if end is None and mode is Mode.HOTEL:
        end = located.origin
    return end.country if end else None


#: an employee's declared usual commute (mode, car fuel), for the personal baseline
Declared = tuple[Mode | None, Fuel | None]


def _declared(session: Session, journeys: list[list[NewSegment]]) -> dict[int, Declared]:
    """The commute profile's declared baseline of each commuter in the batch (the latest)."""
    people = {
        m.employee_id for ms in journeys for m in ms if m.segment.kind is ActivityKind.COMMUTE
    }
    if not people:
        return {}
    found: dict[int, Declared] = {}
    for employee_id, mode, fuel in session.execute(
        sa.select(CommuteProfile.employee_id, CommuteProfile.baseline_mode, CommuteProfile.car_fuel)
        .where(CommuteProfile.employee_id.in_(sorted(people)))
        .order_by(CommuteProfile.valid_from)
    ):
        found[employee_id] = (mode, fuel)
    return found


def _ground_connection(members: list[NewSegment]) -> bool:
    return len(members) > 1 and all(
        m.segment.mode in (Mode.RAIL, Mode.COACH) and m.segment.kind is ActivityKind.BUSINESS_TRAVEL
        for m in members
    )


def _scorable(member: NewSegment, out: ScoringOutcome) -> bool:
    segment = member.segment
    if spend_based(segment, member.located):
        return False  # assessed by the spend method
    if (
        member.located.distance_km is None
        and segment.mode is not Mode.HOTEL
        and segment.mode not in ZERO_EMISSION_MODES
    ):
        where = " to ".join(p for p in (segment.origin, segment.destination) if p)
        out.problems.append(
            RowProblem(
                member.row,
                "distance",
                f"distance unknown for this {segment.mode.value} trip"
                + (f" ({where})" if where else "")
                + ": stored without figures or points",
                None,
                rejected=False,
            )
        )
        return False
    return True


def score_batch(
    session: Session, ctx: ScoringContext, journeys: list[list[NewSegment]]
) -> ScoringOutcome:
    """Assesses the batch's new confirmed activities and credits their points."""
    out = ScoringOutcome()
    simple: list[NewSegment] = []
    rows: list[dict[str, Any]] = []
    now = utcnow()
    declared = _declared(session, journeys)
    for members in journeys:
        rows.extend(_spend_rows(session, ctx, members, out, now))
        usable = [m for m in members if _scorable(m, out)]
        if not usable:
            continue
        if _ground_connection(usable):
            try:
                results = ctx.scorer.assess_journey(
                    [trip_of(m, declared.get(m.employee_id)) for m in usable]
                )
            except DomainError as exc:
                out.problems.extend(
                    RowProblem(m.row, "distance", exc.message, None, rejected=False) for m in usable
                )
                continue
            for member, result in zip(usable, results, strict=True):
                record_factor_set(session, result.factor_set, ctx.recorded)
                baseline = result.baseline
                rows.append(
                    _row(ctx, member, result.factor_set.id, result.radiative_forcing,
                         result.factor_id, result.kg_co2e, baseline.code if baseline else None,
                         baseline.emission.kg_co2e if baseline else None,
                         result.avoided_kg_co2e, result.points, now, result.actual.haul)
                )  # fmt: skip
        else:
            simple.extend(usable)
    if simple:
        trips = [trip_of(m, declared.get(m.employee_id)) for m in simple]
        scored = score_columns(ctx.scorer, TripColumns.from_trips(trips))
        sets = ctx.scorer.factor_sets
        for i, member in enumerate(simple):
            fs = sets[scored.factor_set[i]]
            if fs.id not in ctx.recorded:  # pinned once per run: skip the call per row
                record_factor_set(session, fs, ctx.recorded)
            rf = ctx.scorer.methodology.radiative_forcing and fs.rf_available
            baseline_g = scored.baseline_g[i]
            rows.append(
                _row(ctx, member, fs.id, rf, scored.factor_id[i],
                     Decimal(scored.kg_co2e_g[i]) * GRAM, scored.baseline[i],
                     None if baseline_g is None else Decimal(baseline_g) * GRAM,
                     Decimal(scored.avoided_g[i]) * GRAM, scored.points[i], now,
                     scored.haul[i])
            )  # fmt: skip
    ids = allocate_ids(session, ASSESSMENTS, len(rows))
    earnings: list[Earning] = []
    for assessment_id, row in zip(ids, rows, strict=True):
        row["id"] = assessment_id
        owner: NewSegment = row.pop("_member")
        out.assessed += 1
        out.kg_co2e += row["kg_co2e"]
        if row["points"] <= 0:
            continue
        if owner.segment.kind is ActivityKind.COMMUTE:
            out.capped_path.append(owner.activity_id)  # caps per day apply to commutes
            continue
        out.points += row["points"]
        earnings.append(
            Earning(
                employee_id=owner.employee_id,
                activity_id=owner.activity_id,
                points=row["points"],
                methodology_version=ctx.methodology_version,
                assessment_id=assessment_id,
            )
        )
    insert_rows(session, ASSESSMENTS, rows)
    if earnings:
        earn_many(session, earnings)
    return out


def _spend_rows(
    session: Session,
    ctx: ScoringContext,
    members: list[NewSegment],
    out: ScoringOutcome,
    now: datetime,
) -> list[dict[str, Any]]:
    """Spend-based assessments (GHG Protocol spend method): never a baseline, never points.
    Refund lines (negative amounts) are netted by the planner and not assessed."""
    rows = []
    for member in members:
        segment = member.segment
        amount = segment.spend_amount
        if not spend_based(segment, member.located) or amount is None or amount <= 0:
            continue
        if ctx.spend_set is None or ctx.rates is None or segment.spend_currency is None:
            continue
        try:
            result = score_spend(
                segment.mode, amount, segment.spend_currency, segment.travel_date,
                ctx.spend_set, ctx.rates,
            )  # fmt: skip
        except MissingRate as exc:
            out.problems.append(_not_assessed(member, exc.field, exc.message, exc.value))
            continue
        except DomainError as exc:
            out.problems.append(_not_assessed(member, "amount", exc.message, str(amount)))
            continue
        if result.warning:
            out.problems.append(
                RowProblem(member.row, "date", result.warning, segment.travel_date.isoformat(),
                           rejected=False)
            )  # fmt: skip
        record_spend_set(session, ctx.spend_set, ctx.recorded)
        row = _row(ctx, member, result.factor_set_id, False, result.factor_id, result.kg_co2e,
                   None, None, Decimal("0.000"), 0, now)  # fmt: skip
        row["explanation"] = result.explanation
        rows.append(row)
    return rows


def _not_assessed(member: NewSegment, field: str, reason: str, value: str) -> RowProblem:
    """The activity is kept (its booking is real) but has no figure: never a guessed 1:1 rate."""
    return RowProblem(member.row, field, f"{reason}: spend not assessed", value, rejected=False)


def record_spend_set(session: Session, spend_set: SpendFactorSet, recorded: set[str]) -> None:
    """Pins the spend set's content like a distance factor set (a changed file is refused)."""
    pin_published_set(
        session, recorded, id=spend_set.id, publisher=spend_set.publisher[:200],
        title=spend_set.title[:300], year=spend_set.price_year, version=spend_set.version[:200],
        source_url=spend_set.source_url[:500], licence=spend_set.licence[:200],
        sha256=spend_set.sha256,
    )  # fmt: skip


def _row(
    ctx: ScoringContext,
    member: NewSegment,
    factor_set: str,
    rf: bool,
    factor_id: str,
    kg: Decimal,
    baseline: str | None,
    baseline_kg: Decimal | None,
    avoided: Decimal,
    points: int,
    now: datetime,
    haul: str | None = None,
) -> dict[str, Any]:
    return {
        "_member": member,
        "activity_id": member.activity_id,
        "methodology_version_id": ctx.methodology_version_id,
        "factor_set_id": factor_set,
        "radiative_forcing": rf,
        "comparison": False,
        "factor_id": factor_id,
        "kg_co2e": kg,
        "baseline": baseline,
        "baseline_kg_co2e": baseline_kg,
        "avoided_kg_co2e": avoided,
        "points": points,
        "haul": haul,
        "explanation": [],
        "created_at": now,
    }
