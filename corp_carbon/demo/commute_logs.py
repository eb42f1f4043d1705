"""A sample of logged commutes for the demo's commute profiles: about one week a month per
employee, with office days, holidays and first-mile legs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from corp_carbon.db.models import CommuteProfile, Journey
from corp_carbon.demo.commutes import EMPTY_ACTIVITY_ROW, FIRST_MILE_MODES, KM_STEP, CommutePlan
from corp_carbon.demo.sources import Feed
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    CalculationMethod,
    DistanceSource,
    Mode,
    VehicleSize,
    Verification,
)


def _holiday(office: str, day: date) -> bool:
    if office == "Shanghai":
        return (day.month, day.day) == (1, 1) or (day.month == 10 and day.day <= 7)
    return (day.month == 12 and day.day >= 24) or (day.month, day.day) == (1, 1)


def _sample_weeks(rng: random.Random, start: date, end: date) -> list[date]:
    """One Monday per calendar month of the window, about one in seven skipped (holidays)."""
    by_month: dict[tuple[int, int], list[date]] = {}
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        mid = monday + timedelta(days=2)
        by_month.setdefault((mid.year, mid.month), []).append(monday)
        monday += timedelta(days=7)
    return [rng.choice(ms) for ms in by_month.values() if rng.random() > 0.14]


@dataclass
class CommuteRows:
    """Commute activities as column values for a bulk insert (there are many of them).

    ``journeys[i]`` is the journey of ``rows[i]`` (None for single-leg commutes); its id
    goes into the row's ``journey_id`` once the journeys are flushed.
    """

    rows: list[dict[str, Any]]
    journeys: list[Journey | None]

    def distinct_journeys(self) -> list[Journey]:
        seen: dict[int, Journey] = {}
        for journey in self.journeys:
            if journey is not None:
                seen.setdefault(id(journey), journey)
        return list(seen.values())

    def link_journeys(self) -> None:
        for row, journey in zip(self.rows, self.journeys, strict=True):
            if journey is not None:
                row["journey_id"] = journey.id


def build_commutes(
    rng: random.Random,
    plans: list[CommutePlan],
    busy: dict[int, set[date]],
    today: date,
    survey: Feed,
) -> CommuteRows:
    """Two one-way trips per office day in about a dozen sample weeks; two legs when mixed."""
    start, end = today - timedelta(days=365), today - timedelta(days=1)
    out = CommuteRows([], [])
    for plan in plans:
        person, emp = plan.person, plan.person.employee
        office = person.office.name
        away = busy.get(emp.id, set())
        for monday in _sample_weeks(rng, start, end):
            for weekday in plan.weekdays:
                day = monday + timedelta(days=weekday)
                if not start <= day <= end or _holiday(office, day) or day in away:
                    continue
                if (person.leaves and day > person.leaves) or rng.random() < 0.07:
                    continue
                current = [p for p in plan.profiles if p.valid_from <= day]
                if not current:
                    continue
                profile = current[-1]
                for direction, origin, destination in (
                    ("out", "Home", office),
                    ("back", office, "Home"),
                ):
                    legs = _legs(profile, origin, destination, plan, direction)
                    journey = None
                    if len(legs) > 1:
                        journey = Journey(
                            employee_id=emp.id,
                            kind=ActivityKind.COMMUTE,
                            origin=origin,
                            destination=destination,
                            start_date=day,
                            end_date=day,
                        )
                    for index, (mode, km, leg_from, leg_to) in enumerate(legs):
                        row = _commute(profile, emp.id, day, mode, km, leg_from, leg_to)
                        row.update(department=emp.department, office=emp.office)
                        if journey is not None:
                            row["leg_index"] = index
                        if profile.import_run_id is not None:
                            row.update(
                                source_id=survey.source.id,
                                import_run_id=survey.run.id,
                                source_record_key=f"{emp.employee_number}/{day.isoformat()}"
                                f"/{direction}/{index}",
                                verification=Verification.IMPORTED,
                            )
                        out.rows.append(row)
                        out.journeys.append(journey)
    return out


def _legs(
    profile: CommuteProfile, origin: str, destination: str, plan: CommutePlan, direction: str
) -> list[tuple[Mode, Decimal, str, str]]:
    total = profile.one_way_km
    if profile.secondary_mode is None or profile.usual_mode_share_pct >= 100:
        return [(profile.usual_mode, total, origin, destination)]
    main = (total * profile.usual_mode_share_pct / 100).quantize(KM_STEP)
    # A first mile ends at a stop near home; a last mile starts at one near the office.
    if profile.secondary_mode in FIRST_MILE_MODES:
        hub, outbound = (
            plan.home_stop,
            [(profile.secondary_mode, total - main), (profile.usual_mode, main)],
        )
    else:
        hub, outbound = (
            plan.office_stop,
            [(profile.usual_mode, main), (profile.secondary_mode, total - main)],
        )
    order = outbound if direction == "out" else outbound[::-1]
    return [(order[0][0], order[0][1], origin, hub), (order[1][0], order[1][1], hub, destination)]


def _commute(
    profile: CommuteProfile,
    employee_id: int,
    day: date,
    mode: Mode,
    km: Decimal,
    origin: str,
    destination: str,
) -> dict[str, Any]:
    is_car = mode is Mode.CAR
    note = None
    if is_car and (profile.car_occupants or 1) > 1:
        note = f"car-pool, {profile.car_occupants} occupants"
    return {
        **EMPTY_ACTIVITY_ROW,
        "employee_id": employee_id,
        "kind": ActivityKind.COMMUTE,
        "mode": mode,
        "fuel": profile.car_fuel if is_car else None,
        "vehicle_size": VehicleSize.AVERAGE if is_car else None,
        "origin": origin,
        "destination": destination,
        "travel_date": day,
        "distance_km": km,
        "distance_source": DistanceSource.DECLARED,
        "occupants": (profile.car_occupants or 1) if is_car else 1,
        "method": CalculationMethod.DISTANCE,
        "status": ActivityStatus.CONFIRMED,
        "verification": Verification.SELF_REPORTED,
        "note": note,
    }
