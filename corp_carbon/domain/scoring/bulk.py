"""Scoring many trips at once, as columns ready for a bulk insert.

The engine's per-trip ``Scorer.score`` spends most of its time in Python's per-object
overhead. Here the distance-independent part (the plan) is looked up per trip, the distances
become integer metres, and the arithmetic runs on numpy integer arrays. Integer metres times
integer factors rounded half up is exactly what ``Scorer.score`` computes in Decimal; trips
off the common path (well-to-tank, car-pools, hotels, rate cards, distances finer than a
metre) take ``Scorer.score`` itself. A test checks both agree on random trips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.plans import (
    BASELINE_BUSINESS,
    BASELINE_ROUTE,
    BASELINE_SAME,
    HALF,
    TWICE,
    VALUE_SCALE,
    Plan,
)
from corp_carbon.domain.scoring.points import AVOIDED_GRAMS
from corp_carbon.domain.scoring.policy import PointsPolicy, behaviour_of
from corp_carbon.domain.scoring.values import Score, Trip
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, Fuel, Mode

#: beyond this a metres x factor product could overflow int64: such trips take the full path.
_MAX_METRES = 50_000_000


@dataclass(frozen=True)
class ScoredColumns:
    """The figures of ``Scorer.score`` for each trip, column by column (grams, points)."""

    trips: Sequence[Trip]
    factor_set: list[str]
    factor_id: list[str]
    kg_co2e_g: list[int]
    baseline: list[str | None]
    baseline_g: list[int | None]
    avoided_g: list[int]
    points: list[int]
    haul: list[str | None]
    #: what the points reward (points policy and rate cards; None on the grams fast path).
    behaviour: list[str | None]

    def __len__(self) -> int:
        return len(self.trips)

    def __getitem__(self, i: int) -> Score:
        return Score(
            self.trips[i],
            self.factor_set[i],
            self.factor_id[i],
            self.kg_co2e_g[i],
            self.baseline[i],
            self.baseline_g[i],
            self.avoided_g[i],
            self.points[i],
            self.haul[i],
            self.behaviour[i],
        )


def _metres(km: Decimal | None) -> int | None:
    """Whole metres, or None when the distance is finer than a metre (or missing)."""
    if km is None:
        return None
    numerator, denominator = km.as_integer_ratio()
    if 1000 % denominator:
        return None
    metres = numerator * (1000 // denominator)
    return metres if 0 <= metres <= _MAX_METRES else None


def score_many(scorer: Scorer, trips: Sequence[Trip]) -> ScoredColumns:
    """The figures of ``Scorer.score`` for each trip, as columns."""
    columns = TripColumns.from_trips(trips)
    return score_columns(scorer, columns)


@dataclass(frozen=True)
class TripColumns:
    """Trips as parallel columns, the shape an importer parses a file into: categories as
    enum members, distances as whole metres (no Decimal per row)."""

    year: Sequence[int]
    mode: Sequence[Mode]
    kind: Sequence[ActivityKind]
    cabin: Sequence[Cabin | None]
    fuel: Sequence[Fuel | None]
    occupants: Sequence[int]
    origin_country: Sequence[str | None]
    destination_country: Sequence[str | None]
    distance_m: Sequence[int]
    route_m: Sequence[int | None]
    #: the trips these columns came from, when there are any (their exact values win).
    source: Sequence[Trip] | None = None
    #: the traveller's grade where it can matter (flights and trains), else None.
    grade: Sequence[str | None] | None = None
    #: rows with fields the columns do not carry (nights, declared mode, vehicle size).
    extra: Sequence[bool] | None = None

    @classmethod
    def from_trips(cls, trips: Sequence[Trip]) -> TripColumns:
        routes = [_metres(t.route_km) for t in trips]
        return cls(
            year=[t.year or 0 for t in trips],
            mode=[t.mode for t in trips],
            kind=[t.kind for t in trips],
            cabin=[t.cabin for t in trips],
            fuel=[t.fuel for t in trips],
            occupants=[t.occupants for t in trips],
            origin_country=[t.origin_country for t in trips],
            destination_country=[t.destination_country for t in trips],
            # -1: not whole metres (or none): such trips take the one-by-one path
            distance_m=[-1 if (m := _metres(t.distance_km)) is None else m for t in trips],
            route_m=[
                r if r is not None or t.route_km is None else -1
                for r, t in zip(routes, trips, strict=True)
            ],
            source=trips,
            extra=[
                t.nights is not None
                or t.declared_mode is not None
                or t.vehicle_size is not None
                or t.usual_since is not None
                for t in trips
            ],
            grade=[
                t.grade.casefold() if t.grade and t.mode in (Mode.AIR, Mode.RAIL) else None
                for t in trips
            ],
        )

    def __len__(self) -> int:
        return len(self.mode)

    def trip(self, i: int) -> Trip:
        if self.source is not None:
            return self.source[i]
        route = self.route_m[i]
        return Trip(
            mode=self.mode[i],
            kind=self.kind[i],
            distance_km=Decimal(self.distance_m[i]).scaleb(-3),
            cabin=self.cabin[i],
            fuel=self.fuel[i],
            occupants=self.occupants[i],
            origin_country=self.origin_country[i],
            destination_country=self.destination_country[i],
            route_km=None if route is None else Decimal(route).scaleb(-3),
            year=self.year[i],
            grade=self.grade[i] if self.grade is not None else None,
        )


def score_columns(scorer: Scorer, columns: TripColumns) -> ScoredColumns:
    """``score_many`` for trips given as columns: per trip only a plan look-up in Python, the
    arithmetic and the gathering of per-plan values in numpy. Trips off the common path are
    scored one by one, as there."""
    n = len(columns)
    m = scorer.methodology
    grams_rule = m.points_rule == AVOIDED_GRAMS
    policy = m.points_policy is not None and m.points_rule == m.points_policy.id
    low_m, high_m = int(m.rail_vs_flight_min_km * 1000), int(m.rail_vs_flight_max_km * 1000)
    airports = bool(m.airport_max_km)
    rail_classes = any(rule.mode is Mode.RAIL for rule in m.travel_policy)
    plans: dict[tuple[object, ...], tuple[Plan, int]] = {}
    plan_list: list[Plan] = []
    flights: dict[tuple[object, ...], int | None] = {}
    index: list[int] = []
    metres: list[int] = []
    pids: list[int] = []
    route_pos: list[int] = []
    route_m: list[int] = []
    route_values: list[int] = []
    slow: dict[int, Score] = {}
    extra = columns.extra
    grades = columns.grade if columns.grade is not None else [None] * n
    rows = zip(
        columns.year, columns.mode, columns.kind, columns.cabin, columns.fuel,
        columns.occupants, columns.origin_country, columns.destination_country,
        columns.distance_m, columns.route_m, grades, strict=True,
    )  # fmt: skip
    for i, row in enumerate(rows):
        year, mode, kind, cabin, fuel, occupants, o, d, distance, route, grade = row
        key = (year, mode, kind, cabin, fuel, occupants, o, d, grade)
        entry = plans.get(key)
        if entry is None:
            plan = scorer.plan(columns.trip(i))
            entry = (plan, len(plan_list))
            plan_list.append(plan)
            if not plan.banded:  # an EPA flight's plan holds for its own distance band only
                plans[key] = entry
        plan, pid = entry
        special = extra is not None and extra[i]
        if special or not ((grams_rule or policy) and plan.bulk and 0 <= distance <= _MAX_METRES):
            slow[i] = scorer.score(columns.trip(i))
            continue
        if route == -1:  # a route finer than a metre
            slow[i] = scorer.score(columns.trip(i))
            continue
        if plan.baseline_kind == BASELINE_ROUTE and (airports or rail_classes):
            slow[i] = scorer.score(columns.trip(i))  # airports and classes: per trip
            continue
        if plan.baseline_kind == BASELINE_ROUTE and route is not None and low_m <= route <= high_m:
            fs = plan.factor_set
            flight_key = (fs.id, o, d, route if fs.haul_rule == "distance_bands" else None)
            if flight_key in flights:
                value = flights[flight_key]
            else:
                flight = scorer.route_flight_value(plan, columns.trip(i), Decimal(route).scaleb(-3))
                value = None if flight is None else int(flight.scaleb(VALUE_SCALE))
                flights[flight_key] = value
            if value is None:
                slow[i] = scorer.score(columns.trip(i))
                continue
            route_pos.append(len(index))
            route_m.append(route)
            route_values.append(value)
        index.append(i)
        metres.append(distance)
        pids.append(pid)
    return _assemble(
        scorer, columns, n, plan_list, index, metres, pids, route_pos, route_m, route_values, slow
    )


def _assemble(
    scorer: Scorer,
    columns: TripColumns,
    n: int,
    plan_list: list[Plan],
    index: list[int],
    metres: list[int],
    pids: list[int],
    route_pos: list[int],
    route_m: list[int],
    route_values: list[int],
    slow: dict[int, Score],
) -> ScoredColumns:
    """The vectorised arithmetic, then the columns with the one-by-one results put in place."""
    per_plan: dict[str, Any] = {
        "value": np.asarray([p.value_i for p in plan_list], dtype=np.int64),
        "b_value": np.asarray([p.b_value_i for p in plan_list], dtype=np.int64),
        "kind": np.asarray([p.baseline_kind for p in plan_list], dtype=np.int8),
        "business": np.asarray([p.haul_allows_business for p in plan_list], dtype=bool),
        "set": np.asarray([p.factor_set.id for p in plan_list] or [""], dtype=object),
        "factor": np.asarray([p.factor_id for p in plan_list] or [""], dtype=object),
        "code": np.asarray([p.baseline_code for p in plan_list] or [None], dtype=object),
        "haul": np.asarray([p.haul for p in plan_list] or [None], dtype=object),
    }
    pid = np.asarray(pids, dtype=np.int64)
    m = np.asarray(metres, dtype=np.int64)
    kind = per_plan["kind"][pid] if len(pid) else np.zeros(0, dtype=np.int8)
    g = (2 * m * per_plan["value"][pid] + HALF) // TWICE if len(pid) else m
    same = (2 * m * per_plan["b_value"][pid] + HALF) // TWICE if len(pid) else m
    rm = np.full(len(m), -1, dtype=np.int64)
    rv = np.zeros(len(m), dtype=np.int64)
    if route_pos:
        rm[route_pos] = route_m
        rv[route_pos] = route_values
    route = (2 * rm * rv + HALF) // TWICE
    minimum = int(scorer.methodology.business_class_min_km * 1000)
    business = per_plan["business"][pid] if len(pid) else np.zeros(0, dtype=bool)
    if minimum:
        business = business | (m >= minimum)
    has = (
        (kind == BASELINE_SAME)
        | ((kind == BASELINE_BUSINESS) & business)
        | ((kind == BASELINE_ROUTE) & (rm >= 0))
    )
    b = np.where(kind == BASELINE_ROUTE, route, same)
    saved = np.where(has & (b > g), b - g, 0)
    at = np.asarray(index, dtype=np.int64)
    kg_all = np.zeros(n, dtype=np.int64)
    saved_all = np.zeros(n, dtype=np.int64)
    kg_all[at] = g
    saved_all[at] = saved
    sets = np.empty(n, dtype=object)
    factors = np.empty(n, dtype=object)
    codes = np.empty(n, dtype=object)
    base = np.empty(n, dtype=object)
    hauls = np.empty(n, dtype=object)
    if len(pid):
        sets[at] = per_plan["set"][pid]
        factors[at] = per_plan["factor"][pid]
        codes[at] = np.where(has, per_plan["code"][pid], np.full(len(b), None, dtype=object))
        base[at] = np.where(has, b.astype(object), np.full(len(b), None, dtype=object))
        hauls[at] = per_plan["haul"][pid]
    kg = kg_all.tolist()
    avoided = saved_all.tolist()
    points = list(avoided)
    behaviour: list[str | None] = [None] * n
    policy = scorer.methodology.points_policy
    if policy is not None and scorer.methodology.points_rule == policy.id and len(pid):
        earned, said = _policy_points(policy, plan_list, pid, has, saved, m)
        points_all = np.zeros(n, dtype=np.int64)
        points_all[at] = earned
        points = points_all.tolist()
        said_all = np.full(n, None, dtype=object)
        said_all[at] = np.where(earned > 0, said, np.full(len(said), None, dtype=object))
        behaviour = said_all.tolist()
    set_list, factor_list, code_list, base_list, haul_list = (
        sets.tolist(), factors.tolist(), codes.tolist(), base.tolist(), hauls.tolist()
    )  # fmt: skip
    for i, score in slow.items():
        behaviour[i] = score.behaviour
        set_list[i], factor_list[i], code_list[i], haul_list[i] = (
            score.factor_set,
            score.factor_id,
            score.baseline,
            score.haul,
        )
        kg[i], base_list[i], avoided[i], points[i] = (
            score.kg_co2e_g, score.baseline_g, score.avoided_g, score.points
        )  # fmt: skip
    return ScoredColumns(
        _LazyTrips(columns),
        set_list,
        factor_list,
        kg,
        code_list,
        base_list,
        avoided,
        points,
        haul_list,
        behaviour,
    )


#: rates and trip caps as integers of 10**-RATE_SCALE points (exact for 6 decimals).
RATE_SCALE = 6


def _policy_points(
    policy: PointsPolicy,
    plans: list[Plan],
    pid: Any,
    has: Any,
    saved: Any,
    metres: Any,
) -> tuple[Any, Any]:
    """The points policy on the fast path: per plan its behaviour, rate and per-trip cap;
    per trip round_half_up(rate x quantity), as ``PointsPolicy.points`` in Decimal."""
    unit = 10**RATE_SCALE
    rate_i = np.zeros(len(plans), dtype=np.int64)
    per = np.zeros(len(plans), dtype=np.int8)  # 0 none, 1 kg, 2 km, 3 trip
    cap = np.full(len(plans), np.iinfo(np.int64).max, dtype=np.int64)
    said = np.full(len(plans), None, dtype=object)
    for k, plan in enumerate(plans):
        behaviour = behaviour_of(
            plan.kind, plan.mode, plan.fuel, plan.occupants, plan.baseline_code
        )
        rate = policy.rates.get(behaviour) if behaviour else None
        if rate is None:
            continue
        said[k] = behaviour
        rate_i[k] = int(rate.points.scaleb(RATE_SCALE))
        per[k] = {"kg": 1, "km": 2, "trip": 3}[rate.per]
        limit, _ = policy.trip_cap(behaviour, 2**62)
        cap[k] = limit
    r, kinds = rate_i[pid], per[pid]
    # kg: rate x grams / 1000; km: rate x metres / 1000; trip: rate (each rounded half up)
    quantity = np.where(kinds == 1, saved, np.where(kinds == 2, metres, 1000))
    raw = (2 * r * quantity + unit * 1000) // (2 * unit * 1000)
    earned = np.where((kinds > 0) & has & (saved > 0), np.minimum(raw, cap[pid]), 0)
    return earned, said[pid]


class _LazyTrips(Sequence[Trip]):
    """The trips of a column set, built only when someone asks for one."""

    def __init__(self, columns: TripColumns) -> None:
        self._columns = columns

    def __len__(self) -> int:
        return len(self._columns)

    def __getitem__(self, i: int) -> Trip:  # type: ignore[override]
        return self._columns.trip(i)
