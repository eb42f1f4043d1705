"""The emission and scoring engine: trip + methodology + factor set -> CO2e, baseline, points.

Pure and deterministic: Decimal arithmetic, kg rounded to 0.001 with ROUND_HALF_UP, points as
integers. ``assess`` keeps the factor, fallback and baseline behind every figure (see
``explain``); ``score`` gives the same figures from a cached plan, which keeps bulk
assessment close to the cost of a bare multiplication.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.factors import FactorSet, UnknownFactorSet
from corp_carbon.domain.methodology import BY_YEAR, Methodology
from corp_carbon.domain.scoring.baselines import (
    airports_near,
    baseline_for,
    journey_shares,
    leg_baseline,
    settled_switch,
)
from corp_carbon.domain.scoring.lookup import FactorLookup, haul_of, scope
from corp_carbon.domain.scoring.plans import (
    BASELINE_BUSINESS,
    BASELINE_NONE,
    BASELINE_SAME,
    HALF,
    TWICE,
    Plan,
    build_plan,
    grams_of,
)
from corp_carbon.domain.scoring.points import AVOIDED_GRAMS, Rate, RateCard, grams
from corp_carbon.domain.scoring.policy import behaviour_of
from corp_carbon.domain.scoring.values import (
    ZERO,
    ZERO_EMISSION_MODES,
    Assessment,
    MissingDistance,
    Score,
    Trip,
)
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, Mode, label


class Scorer:
    """Assesses trips under one methodology; reuse one instance for many trips."""

    def __init__(
        self,
        methodology: Methodology,
        factor_sets: Mapping[str, FactorSet],
        rate_cards: Mapping[str, RateCard] | None = None,
    ) -> None:
        self.methodology = methodology
        self.factor_sets = factor_sets
        self.rate_cards = rate_cards or {}
        if methodology.factor_set != BY_YEAR and methodology.factor_set not in factor_sets:
            accepted = ", ".join(sorted(factor_sets))
            raise UnknownFactorSet(f"factor set {methodology.factor_set!r}: accepted: {accepted}")
        self.policy = methodology.points_policy
        if (
            methodology.points_rule != AVOIDED_GRAMS
            and methodology.points_rule not in self.rate_cards
            and (self.policy is None or self.policy.id != methodology.points_rule)
        ):
            accepted = ", ".join([AVOIDED_GRAMS, *sorted(self.rate_cards)])
            raise DomainError(f"points rule {methodology.points_rule!r}: accepted: {accepted}")
        self._family = sorted(
            (s for s in factor_sets.values() if s.id.startswith(methodology.family + "-")),
            key=lambda s: s.year,
        )
        self._lookup = FactorLookup(methodology)
        self._by_year: dict[int | None, FactorSet] = {}
        self._plans: dict[tuple[Any, ...], Plan] = {}
        self._fast: dict[tuple[Any, ...], Plan] = {}
        self._personal = methodology.additionality == "personal"
        self._grams = methodology.points_rule == AVOIDED_GRAMS
        self._route_flights: dict[tuple[Any, ...], tuple[Decimal, Decimal | None]] = {}

    # -- choosing the set -----------------------------------------------------------------

    def factor_set_for(self, year: int | None) -> FactorSet:
        """The fixed set, or the family's set of that year, else its newest."""
        if self.methodology.factor_set != BY_YEAR:
            return self.factor_sets[self.methodology.factor_set]
        cached = self._by_year.get(year)
        if cached is not None:
            return cached
        if not self._family:
            raise UnknownFactorSet(f"no factor set of family {self.methodology.family!r}")
        chosen = next((s for s in self._family if s.year == year), self._family[-1])
        self._by_year[year] = chosen
        return chosen

    # -- assessing ------------------------------------------------------------------------

    def assess(self, trip: Trip, factor_set: FactorSet | None = None) -> Assessment:
        fs = factor_set or self.factor_set_for(trip.year)
        rf = self.methodology.radiative_forcing and fs.rf_available
        actual = self._lookup.emission(
            fs, trip, trip.mode, trip.cabin, trip.fuel, trip.occupants, rf
        )
        baseline, why_none = baseline_for(self._lookup, fs, trip, actual, rf)
        avoided = ZERO
        if baseline is not None:
            avoided = max(ZERO, baseline.emission.kg_co2e - actual.kg_co2e)
        code = baseline.code if baseline is not None else None
        behaviour = behaviour_of(trip.kind, trip.mode, trip.fuel, trip.occupants, code)
        points, rate, cap, uncapped = self._points(trip, avoided, behaviour)
        return Assessment(
            trip=trip,
            factor_set=fs,
            methodology=self.methodology,
            radiative_forcing=rf,
            actual=actual,
            baseline=baseline,
            avoided_kg_co2e=avoided,
            points=points,
            points_rule=self.methodology.points_rule,
            rate=rate,
            no_baseline_reason=str(why_none) if why_none else "",
            no_baseline_why=why_none,
            behaviour=behaviour if points or uncapped else None,
            trip_cap=cap,
            uncapped_points=uncapped,
        )

    def assess_journey(
        self, legs: list[Trip], factor_set: FactorSet | None = None
    ) -> list[Assessment]:
        """Legs of one journey. A rail or coach journey is judged as a whole: its flight
        baseline covers origin to destination, and each leg carries a share of it in
        proportion to its distance (connections do not each earn a flight).
        """
        ground = legs and all(
            leg.mode in (Mode.RAIL, Mode.COACH) and leg.kind is ActivityKind.BUSINESS_TRAVEL
            for leg in legs
        )
        if len(legs) < 2 or not ground:
            return [self.assess(leg, factor_set) for leg in legs]
        fs = factor_set or self.factor_set_for(legs[0].year)
        whole = self.assess(legs[0], fs)  # the first leg carries the journey's route_km
        if whole.baseline is None:
            return [self.assess(leg, fs) for leg in legs]
        results = []
        for leg, share in zip(legs, journey_shares(legs), strict=True):
            own = self.assess(leg, fs)
            baseline = leg_baseline(whole.baseline, share)
            avoided = max(ZERO, baseline.emission.kg_co2e - own.kg_co2e)
            behaviour = behaviour_of(leg.kind, leg.mode, leg.fuel, leg.occupants, baseline.code)
            points, rate, cap, uncapped = self._points(leg, avoided, behaviour)
            results.append(
                replace(
                    own,
                    baseline=baseline,
                    avoided_kg_co2e=avoided,
                    points=points,
                    rate=rate,
                    behaviour=behaviour if points or uncapped else None,
                    trip_cap=cap,
                    uncapped_points=uncapped,
                )
            )
        return results

    def _points(
        self, trip: Trip, avoided: Decimal, behaviour: str | None
    ) -> tuple[int, Rate | None, str | None, int | None]:
        """Points, the rate card's rate, and a per-trip cap that cut them (with the points
        before it)."""
        rule = self.methodology.points_rule
        if self.policy is not None and rule == self.policy.id:
            raw = self.policy.points(behaviour, avoided, trip.distance_km)
            capped, cap = self.policy.trip_cap(behaviour, raw)
            return capped, None, cap.code if cap else None, raw if cap else None
        if rule == AVOIDED_GRAMS:
            return grams(avoided), None, None, None
        if avoided <= 0 and self.methodology.additionality == "personal":
            return 0, None, None, None
        points, rate = self.rate_cards[rule].points(trip.mode, trip.distance_km)
        return points, rate, None, None

    # -- scoring from plans -----------------------------------------------------------------

    def score(self, trip: Trip) -> Score:
        """The figures of ``assess`` at a fraction of the cost: everything that does not depend
        on the distance is resolved once per distinct kind of trip and cached."""
        mode = trip.mode
        plan = self.plan(trip)
        km = trip.distance_km
        if km is None or mode is Mode.HOTEL:
            if mode is Mode.HOTEL:
                quantity = Decimal(trip.nights or 1)
            elif mode in ZERO_EMISSION_MODES:
                quantity = ZERO
            else:
                raise MissingDistance(f"distance: unknown for this {label(mode).lower()} trip")
        else:
            quantity = km if plan.uplift is None else km * plan.uplift
        kind = plan.baseline_kind
        metres = quantity * 1000
        whole = int(metres)
        b: int | None
        override: str | None = None
        if plan.simple and whole == metres and (kind != BASELINE_SAME or plan.b_simple):
            # whole metres x integer factor: exact, and the cheapest path (most trips)
            g = (2 * whole * plan.value_i + HALF) // TWICE
            if kind == BASELINE_SAME:
                b = (2 * whole * plan.b_value_i + HALF) // TWICE
            elif kind == BASELINE_NONE:
                b = None
            else:
                b, override = self._baseline_g(plan, trip, quantity)
        else:
            g = grams_of(quantity, plan.value, plan.wtt, plan.divisor)
            if kind == BASELINE_SAME:
                b = grams_of(quantity, plan.b_value, plan.b_wtt, plan.b_divisor)
            elif kind == BASELINE_NONE:
                b = None
            else:
                b, override = self._baseline_g(plan, trip, quantity)
        if b is not None and kind == BASELINE_SAME and self._settled(plan, trip):
            b = None  # a switch of usual commute past its window: the new mode is the baseline
        if b is None or b <= g:
            avoided = 0
            code = (override or plan.baseline_code) if b is not None else None
        else:
            avoided = b - g
            code = override or plan.baseline_code
        behaviour = None
        if self._grams:
            points = avoided
        else:
            behaviour = behaviour_of(trip.kind, mode, trip.fuel, trip.occupants, code)
            points = self._points(trip, Decimal(avoided).scaleb(-3), behaviour)[0]
        return Score(
            trip, plan.factor_set.id, plan.factor_id, g, code, b, avoided, points, plan.haul,
            behaviour if points else None,
        )  # fmt: skip

    def _settled(self, plan: Plan, trip: Trip) -> bool:
        return plan.baseline_code == "declared_mode" and settled_switch(self.methodology, trip)

    def _baseline_g(
        self, plan: Plan, trip: Trip, quantity: Decimal
    ) -> tuple[int | None, str | None]:
        """Class and flight baselines, whose existence depends on a distance (with the
        baseline's code where it is not the plan's)."""
        if plan.baseline_kind == BASELINE_BUSINESS:
            if self._entitled_here(plan, trip, quantity):
                return grams_of(quantity, plan.b_value, plan.b_wtt, 1), None
            return None, None
        route = trip.route_km
        m = self.methodology
        if route is not None and m.rail_vs_flight_min_km <= route <= m.rail_vs_flight_max_km:
            if m.airport_max_km and not airports_near(m, trip):
                return self._class_fallback(trip)

            value, wtt = self._route_flight(plan.factor_set, trip, route)
            return grams_of(route, value, wtt, 1), None
        return self._class_fallback(trip)

    def _entitled_here(self, plan: Plan, trip: Trip, quantity: Decimal) -> bool:
        """The plan's class credit holds on this trip's length (the rule that entitled it)."""
        if trip.mode is not Mode.AIR:
            return True
        rule = plan.entitlement
        if rule is None:
            return False
        hauls, min_km = rule.hauls, rule.min_km
        if hauls is None and min_km is None:
            hauls = self.methodology.business_class_hauls
            min_km = self.methodology.business_class_min_km or None
        return (plan.haul in (hauls or ())) or bool(min_km and quantity >= min_km)

    def _class_fallback(self, trip: Trip) -> tuple[int | None, str | None]:
        """A train without a flight to compare with may still be below its entitled class:
        the full rules decide (rare: no need for a fast path)."""
        if trip.mode is not Mode.RAIL or not any(
            rule.mode is Mode.RAIL for rule in self.methodology.travel_policy
        ):
            return None, None
        found = self.assess(trip)
        if found.baseline is None:
            return None, None
        return int(found.baseline.emission.kg_co2e.scaleb(3)), found.baseline.code

    def plan(self, trip: Trip) -> Plan:
        """The distance-independent part of scoring ``trip`` (cached), for bulk scorers."""
        mode = trip.mode
        raw = (
            trip.year, mode, trip.kind, trip.cabin, trip.fuel, trip.vehicle_size, trip.occupants,
            trip.origin_country, trip.destination_country, trip.declared_mode,
            trip.declared_fuel, trip.nights, trip.grade,
        )  # fmt: skip
        plan = self._fast.get(raw)
        if plan is None:
            plan = self._plan_for(trip)
            if not plan.banded:
                self._fast[raw] = plan
        elif plan.banded:
            plan = self._plan_for(trip)
        return plan

    def route_flight_value(self, plan: Plan, trip: Trip, route: Decimal) -> Decimal | None:
        """The economy-flight factor a rail/coach trip is compared with; None with well-to-tank
        (bulk scorers then take the full path)."""
        value, wtt = self._route_flight(plan.factor_set, trip, route)
        return None if wtt is not None else value

    def _plan_for(self, trip: Trip) -> Plan:
        """The plan by what really matters for the factor and the baseline (shared widely)."""
        fs = self._by_year.get(trip.year) or self.factor_set_for(trip.year)
        mode = trip.mode
        km = trip.distance_km
        band = None
        if mode is Mode.AIR and fs.haul_rule == "distance_bands" and km is not None:
            band = haul_of(fs, trip, km * (1 + fs.uplift_pct / 100))[0]
        if mode is Mode.AIR or mode is Mode.HOTEL:
            places = (trip.origin_country, trip.destination_country)
        elif mode is Mode.RAIL:
            places = (scope(trip, mode), None)
        else:
            places = (None, None)
        declared = (
            (trip.declared_mode, trip.declared_fuel)
            if self._personal and trip.kind is ActivityKind.COMMUTE
            else None
        )
        key = (
            fs.id, mode, trip.kind, trip.cabin, trip.fuel, trip.vehicle_size, trip.occupants,
            places, declared, band, trip.nights, self._entitlement_key(trip),
        )  # fmt: skip
        plan = self._plans.get(key)
        if plan is None:
            plan = build_plan(self._lookup, fs, trip, banded=band is not None)
            self._plans[key] = plan
        return plan

    def _entitlement_key(self, trip: Trip) -> str | None:
        """Grades matter to a plan only for flights and trains (cabin and class credit)."""
        return trip.grade.casefold() if trip.grade and trip.mode in (Mode.AIR, Mode.RAIL) else None

    def _route_flight(
        self, fs: FactorSet, trip: Trip, route: Decimal
    ) -> tuple[Decimal, Decimal | None]:
        rf = self.methodology.radiative_forcing and fs.rf_available
        band = haul_of(fs, trip, route)[0] if fs.haul_rule == "distance_bands" else None
        key = (fs.id, band, trip.origin_country, trip.destination_country)
        cached = self._route_flights.get(key)
        if cached is None:
            e = self._lookup.emission(
                fs, trip, Mode.AIR, Cabin.ECONOMY, None, 1, rf, distance_km=route
            )
            assert e.factor is not None
            cached = (e.factor.value, e.wtt.value if e.wtt else None)
            self._route_flights[key] = cached
        return cached
