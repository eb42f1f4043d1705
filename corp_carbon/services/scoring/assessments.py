"""Assessing stored activities: build each trip, score it, keep the figures and their trail.

Assessments are stored per (activity, methodology version, factor set, RF). Assessing again
under another factor set (for reports and comparisons) adds rows; it never touches points
already issued in the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Generator, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from corp_carbon.catalogue import catalogue_for
from corp_carbon.config import Settings
from corp_carbon.db.models import (
    Activity,
    CommuteProfile,
    FactorSetRecord,
    Journey,
    MethodologyVersion,
)
from corp_carbon.db.models import (
    Assessment as AssessmentRow,
)
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.factors import FactorSet, UnknownFactorSet
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.explain import explain
from corp_carbon.domain.scoring.values import Assessment, Trip
from corp_carbon.domain.vocabulary import ActivityKind, ActivityStatus, DistanceSource, Mode
from corp_carbon.geo import places, resolve
from corp_carbon.geo.airports import nearest_km as nearest_airport_km
from corp_carbon.services.scoring import methodology as methodology_service
from corp_carbon.services.scoring.travellers import Traveller, Travellers

log = logging.getLogger("corp_carbon.assessments")
BATCH = 500


@dataclass(frozen=True)
class AssessRun:
    assessed: int
    skipped: int
    #: activity id -> why it could not be assessed (missing distance, unknown place, ...).
    problems: dict[int, str]
    kg_co2e: Decimal
    points: int


@lru_cache(maxsize=20_000)
def _place(text: str, air: bool = False) -> places.Place | None:
    try:
        return resolve.air(text)[0].place if air else resolve.ground(text).place
    except DomainError:
        return None


@lru_cache(maxsize=20_000)
def _pair(origin: str, destination: str, air: bool) -> tuple[places.Place, places.Place] | None:
    """Both ends as the import read them: a flight's airports, a ground trip without a
    namesake abroad."""
    try:
        if air:
            start, end = resolve.flight(origin, destination)
        else:
            start, end, _ = resolve.ground_pair(origin, destination)
    except DomainError:
        return None
    return start.place, end.place


def trip_for(
    activity: Activity,
    journey: Journey | None,
    profile: CommuteProfile | None,
    methodology: Methodology,
    traveller: Traveller | None = None,
) -> Trip:
    """The engine's view of a stored activity; fills in a missing distance from the places.
    ``traveller``: the employee's grade and commute switches (none: not known)."""
    air = activity.mode is Mode.AIR
    origin: places.Place | None
    destination: places.Place | None
    pair = None
    if activity.origin and activity.destination:
        pair = _pair(activity.origin, activity.destination, air)
    if pair is not None:
        origin, destination = pair
    else:
        origin = _place(activity.origin, air) if activity.origin else None
        destination = _place(activity.destination, air) if activity.destination else None
    distance, source = activity.distance_km, activity.distance_source
    note = ""
    if distance is None and origin and destination:
        great_circle = places.great_circle_km(origin, destination)
        if activity.mode is Mode.AIR:
            distance, source = great_circle, DistanceSource.COMPUTED
            note = f"great-circle distance {origin.code}-{destination.code}"
        else:
            detour = methodology.detour(activity.mode)
            distance = (great_circle * detour).quantize(Decimal("0.001"))
            source = DistanceSource.ESTIMATED
            note = f"estimated: great circle {great_circle} km x detour factor {detour}"
    route_km = None
    ends = (origin, destination)
    if journey is not None and activity.mode in (Mode.RAIL, Mode.COACH):
        whole = _pair(journey.origin, journey.destination, False)
        if whole:
            route_km = places.great_circle_km(*whole)
            ends = whole
    if route_km is None and origin and destination:
        route_km = places.great_circle_km(origin, destination)
    airports: tuple[Decimal | None, Decimal | None] = (None, None)
    if activity.mode in (Mode.RAIL, Mode.COACH) and ends[0] and ends[1]:
        airports = (nearest_airport_km(ends[0]), nearest_airport_km(ends[1]))
    traveller = traveller or Traveller()
    usual_since = traveller.usual_since.get(profile.valid_from) if profile else None
    return Trip(
        mode=activity.mode,
        kind=activity.kind,
        distance_km=distance,
        distance_source=source,
        distance_note=note,
        cabin=activity.cabin,
        fuel=activity.fuel,
        vehicle_size=activity.vehicle_size,
        occupants=activity.occupants,
        nights=activity.nights,
        origin_country=origin.country if origin else None,
        destination_country=_country(destination, origin, activity),
        route_km=route_km,
        year=activity.travel_date.year,
        declared_mode=profile.baseline_mode if profile else None,
        declared_fuel=profile.car_fuel if profile else None,
        grade=traveller.grade,
        travel_date=activity.travel_date,
        usual_mode=profile.usual_mode if profile else None,
        usual_since=usual_since,
        origin_airport_km=airports[0],
        destination_airport_km=airports[1],
    )


def _country(
    destination: places.Place | None, origin: places.Place | None, activity: Activity
) -> str | None:
    """The destination's country; a hotel stay is where it is (its only place, or its
    coordinates when the place is not a known city)."""
    if activity.mode is Mode.HOTEL and destination is None:
        if origin is not None:
            return origin.country
        if activity.origin_lat is not None and activity.origin_lon is not None:
            return places.country_at(float(activity.origin_lat), float(activity.origin_lon))
    return destination.country if destination else None


def assess_activities(
    uow: UnitOfWork,
    settings: Settings,
    *,
    activity_ids: Iterable[int] | None = None,
    factor_set: str | None = None,
) -> AssessRun:
    """Assesses confirmed activities (all, or the given ids) and stores the results.

    With ``factor_set`` the activities are re-assessed under that set for comparison; the
    methodology's own choice applies otherwise.
    """
    catalogue = catalogue_for(settings)
    if factor_set is not None and factor_set not in catalogue.factor_sets:
        accepted = ", ".join(sorted(catalogue.factor_sets))
        raise UnknownFactorSet(f"factor set {factor_set!r}: accepted: {accepted}")
    with uow:
        run = assess_within(uow.session, settings, activity_ids=activity_ids, factor_set=factor_set)
        uow.commit()
    log.info("assessed %d activities (%d skipped)", run.assessed, run.skipped)
    return run


def assess_within(
    session: Session,
    settings: Settings,
    *,
    activity_ids: Iterable[int] | None = None,
    factor_set: str | None = None,
) -> AssessRun:
    """``assess_activities`` inside the caller's transaction (flushes, never commits), for a
    use case that stores activities and assesses them in one go (logged commutes)."""
    catalogue = catalogue_for(settings)
    if activity_ids is not None:
        activity_ids = list(activity_ids)
    methodology = methodology_service.current(session, settings)
    scorer = Scorer(methodology, catalogue.factor_sets, catalogue.rate_cards)
    chosen = catalogue.factor_sets[factor_set] if factor_set else None
    version_id = session.scalar(
        sa.select(MethodologyVersion.id).where(MethodologyVersion.version == methodology.version)
    )
    assert version_id is not None
    recorded: set[str] = set()
    existing = _existing(session, version_id, activity_ids)
    pending: list[dict[str, object]] = []
    assessed = skipped = points = 0
    kg = Decimal("0.000")
    problems: dict[int, str] = {}
    groups = journey_groups(session, activity_ids)
    travellers = Travellers(session)
    travellers.load(None if activity_ids is None else _owners(session, activity_ids))
    try:
        for group in groups:
            try:
                trips = [
                    trip_for(a, j, p, methodology, travellers.get(a.employee_id))
                    for a, j, p in group
                ]
                results = scorer.assess_journey(trips, chosen)
            except DomainError as exc:
                for activity, _, _ in group:
                    problems[activity.id] = exc.message
                skipped += len(group)
                continue
            for (activity, _, _), result in zip(group, results, strict=True):
                record_factor_set(session, result.factor_set, recorded)
                own_set = scorer.factor_set_for(result.trip.year).id
                comparison = result.factor_set.id != own_set
                pending.append(_row(activity.id, version_id, result, comparison))
                assessed += 1
                kg += result.kg_co2e
                points += result.points
            if len(pending) >= BATCH:
                _write(session, pending, existing)
                pending = []
    finally:
        groups.close()
    _write(session, pending, existing)
    return AssessRun(assessed, skipped, problems, kg, points)


def _owners(session: Session, activity_ids: list[int]) -> set[int]:
    owners: set[int] = set()
    for start in range(0, len(activity_ids), BATCH):
        chunk = activity_ids[start : start + BATCH]
        owners.update(
            session.scalars(sa.select(Activity.employee_id).where(Activity.id.in_(chunk)))
        )
    return owners


def journey_groups(
    session: Session,
    activity_ids: Iterable[int] | None = None,
    period: tuple[date, date] | None = None,
    kinds: Collection[ActivityKind] | None = None,
) -> Generator[list[tuple[Activity, Journey | None, CommuteProfile | None]], None, None]:
    """Confirmed activities with their journey and the owner's commute profile, journey by
    journey (legs in order), streamed in batches.

    With ``period`` only activities of those dates, and every leg of a journey that has a
    leg in it: a rail journey's flight baseline is shared by all its legs, so a leg is only
    scored right beside the others. With ``kinds`` only activities of those kinds.
    """
    query = (
        sa.select(Activity, Journey, CommuteProfile)
        .outerjoin(Journey, Activity.journey_id == Journey.id)
        .outerjoin(
            CommuteProfile,
            sa.and_(
                CommuteProfile.employee_id == Activity.employee_id,
                CommuteProfile.valid_from
                == sa.select(sa.func.max(CommuteProfile.valid_from))
                .where(
                    CommuteProfile.employee_id == Activity.employee_id,
                    CommuteProfile.valid_from <= Activity.travel_date,
                )
                .correlate(Activity)
                .scalar_subquery(),
            ),
        )
        .where(Activity.status == ActivityStatus.CONFIRMED)
        .order_by(
            sa.func.coalesce(Activity.journey_id, -Activity.id), Activity.leg_index, Activity.id
        )
    )
    if activity_ids is not None:
        query = query.where(Activity.id.in_(list(activity_ids)))
    if kinds is not None:
        query = query.where(Activity.kind.in_(list(kinds)))
    if period is not None:
        query = query.where(_in_period(session, *period))
    group: list[tuple[Activity, Journey | None, CommuteProfile | None]] = []
    result = session.execute(query.execution_options(yield_per=BATCH))
    try:
        for activity, journey, profile in result:
            if group and (journey is None or group[-1][0].journey_id != activity.journey_id):
                yield group
                group = []
            group.append((activity, journey, profile))
        if group:
            yield group
    finally:
        result.close()  # a server-side cursor on PostgreSQL, also when the caller stops early


def _in_period(session: Session, first: date, last: date) -> sa.ColumnElement[bool]:
    """Activities of [first, last], and the other legs of their journeys: both by index, so
    a month of a long history reads that month (a condition on the journey's dates, across
    the outer join, read every activity ever stored).

    Only a journey with legs on both sides of the period's edge (fewer legs in the period
    than in all, counted per journey by the journey index) has legs the dates miss, so only
    those journeys are looked up: a handful, where every journey of the period (a year's:
    millions at 100,000 employees) had been held in memory. On PostgreSQL they come first,
    as one array parameter: PostgreSQL then hashes it for the rows it checks again, where an
    array computed inside the query is searched end to end for each row."""
    legs, other = aliased(Activity), aliased(Activity)
    in_period_legs = (
        sa.select(legs.journey_id, sa.func.count().label("legs"))
        .where(legs.travel_date >= first, legs.travel_date <= last, legs.journey_id.is_not(None))
        .group_by(legs.journey_id)
        .subquery()
    )
    all_legs = (  # per journey, by the journey index: a join here would read every activity
        sa.select(sa.func.count())
        .where(other.journey_id == in_period_legs.c.journey_id)
        .scalar_subquery()
    )
    crossing = sa.select(in_period_legs.c.journey_id).where(in_period_legs.c.legs < all_legs)
    in_period = sa.and_(Activity.travel_date >= first, Activity.travel_date <= last)
    if session.get_bind().dialect.name != "postgresql":
        return sa.or_(in_period, Activity.journey_id.in_(crossing))
    ids = list(session.scalars(crossing))
    listed = sa.bindparam("period_journeys", ids, type_=sa.ARRAY(sa.Integer))
    return sa.or_(in_period, Activity.journey_id == sa.any_(listed))


def record_factor_set(session: Session, fs: FactorSet, recorded: set[str]) -> None:
    """Pins the exact content of each factor set used; a changed file under an old id is refused."""
    pin_published_set(
        session, recorded, id=fs.id, publisher=fs.publisher, title=fs.title, year=fs.year,
        version=fs.version, source_url=fs.source_url, licence=fs.licence, sha256=fs.sha256,
    )  # fmt: skip


def pin_published_set(session: Session, recorded: set[str], **published: Any) -> None:
    """Stores a published factor set's description on first use, keyed by its id; the same
    id with another file hash later is refused: new data must be published under a new id."""
    set_id = str(published["id"])
    if set_id in recorded:
        return
    row = session.get(FactorSetRecord, set_id)
    if row is None:
        session.add(FactorSetRecord(**published))
        session.flush()
    elif row.sha256 != published["sha256"]:
        raise DomainError(
            f"factor set {set_id}: its data file changed since it was first used "
            f"(sha256 {row.sha256[:12]}... now {str(published['sha256'])[:12]}...); "
            "publish it under a new id"
        )
    recorded.add(set_id)


def _existing(
    session: Session, version_id: int, activity_ids: list[int] | None = None
) -> dict[tuple[int, str, bool], int]:
    """Assessments already stored under this methodology version (of the given activities,
    or all), by their natural key."""
    query = sa.select(
        AssessmentRow.activity_id,
        AssessmentRow.factor_set_id,
        AssessmentRow.radiative_forcing,
        AssessmentRow.id,
    ).where(AssessmentRow.methodology_version_id == version_id)
    if activity_ids is not None:
        query = query.where(AssessmentRow.activity_id.in_(activity_ids))
    rows = session.execute(query)
    return {(a, f, r): i for a, f, r, i in rows}


def _row(
    activity_id: int, version_id: int, result: Assessment, comparison: bool
) -> dict[str, object]:
    baseline = result.baseline
    return {
        "comparison": comparison,
        "activity_id": activity_id,
        "methodology_version_id": version_id,
        "factor_set_id": result.factor_set.id,
        "radiative_forcing": result.radiative_forcing,
        "factor_id": result.factor_id,
        "kg_co2e": result.kg_co2e,
        "baseline": baseline.code if baseline else None,
        "baseline_kg_co2e": baseline.emission.kg_co2e if baseline else None,
        "avoided_kg_co2e": result.avoided_kg_co2e,
        "points": result.points,
        "haul": result.actual.haul,
        "explanation": explain(result),
        "created_at": utcnow(),
    }


def _write(
    session: Session, rows: list[dict[str, object]], existing: dict[tuple[int, str, bool], int]
) -> None:
    """Inserts new assessments and refreshes existing ones, in bulk (the same inputs give the
    same figures; a refresh matters when an activity was corrected)."""
    inserts, updates = [], []
    for row in rows:
        key = (
            int(str(row["activity_id"])),
            str(row["factor_set_id"]),
            bool(row["radiative_forcing"]),
        )
        if key in existing:
            updates.append({**row, "id": existing[key]})
        else:
            inserts.append(row)
    if inserts:
        session.execute(sa.insert(AssessmentRow), inserts)
    if updates:
        session.execute(sa.update(AssessmentRow), updates)
