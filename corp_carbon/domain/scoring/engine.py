"""The emission and scoring engine: trip + methodology + factor set -> CO2e, baseline, points.

Pure and deterministic: Decimal arithmetic, kg rounded to 0.001 with ROUND_HALF_UP, points as
integers. Every figure keeps the factor, fallback and baseline behind it, so ``explanation()``
can show the whole trail. Factor look-ups are resolved once per distinct combination and
cached, which keeps bulk assessment close to the cost of a bare multiplication.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.factors import Factor, FactorSet, MissingFactor, UnknownFactorSet
from corp_carbon.domain.methodology import BY_YEAR, LOW_CARBON_COMMUTE_MODES, Methodology
from corp_carbon.domain.scoring.points import AVOIDED_GRAMS, Rate, RateCard, grams
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    Cabin,
    DistanceSource,
    Fuel,
    Mode,
    VehicleSize,
    label,
)

KG = Decimal("0.001")
ZERO = Decimal("0.000")
ZERO_EMISSION_MODES = frozenset({Mode.BIKE, Mode.EBIKE, Mode.WALK})
CABIN_ORDER = (Cabin.FIRST, Cabin.BUSINESS, Cabin.PREMIUM_ECONOMY, Cabin.ECONOMY)
_HAUL_WORDS = {
    "domestic": "domestic",
    "short_haul": "short-haul",
    "medium_haul": "medium-haul",
    "long_haul": "long-haul",
    "international": "international, to/from non-UK",
}


#: a factor, the notes on how it was found, and its well-to-tank add-on.
Resolved = tuple[Factor | None, tuple[str, ...], Factor | None]


class MissingDistance(DomainError):
    code = "missing_distance"


@dataclass(frozen=True, slots=True)
class Trip:
    """What the engine needs to know about one activity (imported, logged or hypothetical)."""

    mode: Mode
    kind: ActivityKind = ActivityKind.BUSINESS_TRAVEL
    distance_km: Decimal | None = None
    distance_source: DistanceSource | None = None
    #: how the distance was obtained, in words ("great circle LHR-JFK", "declared").
    distance_note: str = ""
    cabin: Cabin | None = None
    fuel: Fuel | None = None
    vehicle_size: VehicleSize | None = None
    occupants: int = 1
    nights: int | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    #: great-circle km between the journey's origin and destination (flight baselines).
    route_km: Decimal | None = None
    year: int | None = None
    #: the employee's declared usual commute (personal additionality).
    declared_mode: Mode | None = None
    declared_fuel: Fuel | None = None
    #: how the places were read, where not literally: the airport used for a city, a
    #: station's city, a namesake to check ("please check ...").
    place_notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Emission:
    """One computed figure, actual or baseline, with what it was computed from."""

    mode: Mode
    factor: Factor | None  # None: a zero-emission mode, by convention
    quantity: Decimal  # km, or room-nights for hotels
    divisor: int  # occupants sharing a per-vehicle factor
    haul: str | None
    notes: tuple[str, ...]
    wtt: Factor | None
    wtt_kg: Decimal
    kg_co2e: Decimal  # including well-to-tank when the methodology adds it
    #: this leg's part of a journey-wide figure (rail/coach journeys), else None.
    share: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Baseline:
    code: str
    description: str
    reason: str
    emission: Emission


@dataclass(frozen=True, slots=True)
class Assessment:
    trip: Trip
    factor_set: FactorSet
    methodology: Methodology
    radiative_forcing: bool
    actual: Emission
    baseline: Baseline | None
    avoided_kg_co2e: Decimal
    points: int
    points_rule: str
    rate: Rate | None
    no_baseline_reason: str

    @property
    def kg_co2e(self) -> Decimal:
        return self.actual.kg_co2e

    @property
    def factor_id(self) -> str:
        factor = self.actual.factor
        return factor.publisher_id if factor else "zero-emission-convention"

    def summary(self) -> str:
        """One line for a trip list: what it emitted, against what, and the points."""
        text = f"{self.kg_co2e} kg CO2e"
        if self.baseline is not None:
            text += f" vs {self.baseline.emission.kg_co2e} kg for {self.baseline.description}"
        return f"{text}: {self.points:,} points"

    def explanation(self) -> list[dict[str, Any]]:
        return _explain(self)


class Score(NamedTuple):
    """The figures of an assessment without its trail (bulk scoring), in whole grams, as the
    database stores them; ``Scorer.assess`` on the same trip gives the same figures plus the
    full explanation. A NamedTuple: five times cheaper to build than a frozen dataclass."""

    trip: Trip
    factor_set: str
    factor_id: str
    kg_co2e_g: int
    baseline: str | None
    baseline_g: int | None
    avoided_g: int
    points: int

    @property
    def kg_co2e(self) -> Decimal:
        return Decimal(self.kg_co2e_g).scaleb(-3)

    @property
    def baseline_kg_co2e(self) -> Decimal | None:
        return None if self.baseline_g is None else Decimal(self.baseline_g).scaleb(-3)

    @property
    def avoided_kg_co2e(self) -> Decimal:
        return Decimal(self.avoided_g).scaleb(-3)


#: baseline kinds of a plan: none, the same distance, business class (if policy allows on
#: this flight), an economy flight over the journey's route (rail and coach).
_NONE, _SAME, _BUSINESS, _ROUTE = 0, 1, 2, 3
BASELINE_NONE, BASELINE_SAME, BASELINE_BUSINESS, BASELINE_ROUTE = _NONE, _SAME, _BUSINESS, _ROUTE


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything about a trip that does not depend on its distance, resolved once."""

    #: factor values as integers of 10**-VALUE_SCALE kg, for exact integer arithmetic.
    value_i: int
    b_value_i: int

    uplift: Decimal | None
    value: Decimal
    wtt: Decimal | None
    divisor: int
    factor_id: str
    baseline_kind: int
    baseline_code: str | None
    b_value: Decimal
    b_wtt: Decimal | None
    b_divisor: int
    haul_allows_business: bool
    #: one factor, no well-to-tank, nobody to share with: a single multiplication.
    simple: bool
    b_simple: bool
    factor_set: FactorSet
    #: the plan holds for one distance band only (EPA flights): not cached by raw fields.
    banded: bool
    #: integer arithmetic gives this plan's figures exactly (one factor, no well-to-tank, no
    #: sharing, no uplift, not a hotel): bulk scorers may take their fast path.
    bulk: bool


#: factor values in the integer path are held as multiples of 10**-VALUE_SCALE kg (EPA's
#: converted values have 10 decimal places).
VALUE_SCALE = 10
_HALF = 10**VALUE_SCALE
_TWICE = 2 * 10**VALUE_SCALE


def _integer_value(value: Decimal) -> int:
    scaled = value.scaleb(VALUE_SCALE)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"factor {value} has more than {VALUE_SCALE} decimal places")
    return int(scaled)


def _grams(kg: Decimal) -> int:
    return int(kg.scaleb(3))


def _kg(quantity: Decimal, value: Decimal, wtt: Decimal | None, divisor: int) -> Decimal:
    if divisor == 1:
        kg = (quantity * value).quantize(KG, rounding=ROUND_HALF_UP)
        if wtt is not None:
            kg += (quantity * wtt).quantize(KG, rounding=ROUND_HALF_UP)
        return kg
    kg = (quantity * value / divisor).quantize(KG, rounding=ROUND_HALF_UP)
    if wtt is not None:
        kg += (quantity * wtt / divisor).quantize(KG, rounding=ROUND_HALF_UP)
    return kg


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
            raise UnknownFactorSet(_unknown_set_message(methodology.factor_set, factor_sets))
        if (
            methodology.points_rule != AVOIDED_GRAMS
            and methodology.points_rule not in self.rate_cards
        ):
            accepted = ", ".join([AVOIDED_GRAMS, *sorted(self.rate_cards)])
            raise DomainError(f"points rule {methodology.points_rule!r}: accepted: {accepted}")
        self._family = sorted(
            (s for s in factor_sets.values() if s.id.startswith(methodology.family + "-")),
            key=lambda s: s.year,
        )
        self._by_year: dict[int | None, FactorSet] = {}
        self._resolved: dict[tuple[Any, ...], Resolved] = {}
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
        actual = self._emission(fs, trip, trip.mode, trip.cabin, trip.fuel, trip.occupants, rf)
        baseline, why_none = self._baseline(fs, trip, actual, rf)
        avoided = ZERO
        if baseline is not None:
            avoided = max(ZERO, baseline.emission.kg_co2e - actual.kg_co2e)
        points, rate = self._points(trip, avoided)
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
            no_baseline_reason=why_none,
        )

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
        if plan.simple and whole == metres and (kind != _SAME or plan.b_simple):
            # whole metres x integer factor: exact, and the cheapest path (most trips)
            g = (2 * whole * plan.value_i + _HALF) // _TWICE
            if kind == _SAME:
                b = (2 * whole * plan.b_value_i + _HALF) // _TWICE
            elif kind == _NONE:
                b = None
            else:
                b = self._baseline_g(plan, trip, quantity)
        else:
            g = _grams(_kg(quantity, plan.value, plan.wtt, plan.divisor))
            if kind == _SAME:
                b = _grams(_kg(quantity, plan.b_value, plan.b_wtt, plan.b_divisor))
            elif kind == _NONE:
                b = None
            else:
                b = self._baseline_g(plan, trip, quantity)
        if b is None or b <= g:
            avoided = 0
            code = plan.baseline_code if b is not None else None
        else:
            avoided = b - g
            code = plan.baseline_code
        points = avoided if self._grams else self._points(trip, Decimal(avoided).scaleb(-3))[0]
        return Score(trip, plan.factor_set.id, plan.factor_id, g, code, b, avoided, points)

    def _baseline_g(self, plan: Plan, trip: Trip, quantity: Decimal) -> int | None:
        """Business class and flight baselines, whose existence depends on a distance."""
        if plan.baseline_kind == _BUSINESS:
            minimum = self.methodology.business_class_min_km
            if plan.haul_allows_business or (minimum and quantity >= minimum):
                return _grams(_kg(quantity, plan.b_value, plan.b_wtt, 1))
            return None
        route = trip.route_km
        m = self.methodology
        if route is not None and m.rail_vs_flight_min_km <= route <= m.rail_vs_flight_max_km:
            value, wtt = self._route_flight(plan.factor_set, trip, route)
            return _grams(_kg(route, value, wtt, 1))
        return None

    def plan(self, trip: Trip) -> Plan:
        """The distance-independent part of scoring ``trip`` (cached), for bulk scorers."""
        mode = trip.mode
        raw = (
            trip.year, mode, trip.kind, trip.cabin, trip.fuel, trip.vehicle_size, trip.occupants,
            trip.origin_country, trip.destination_country, trip.declared_mode,
            trip.declared_fuel, trip.nights,
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
            band = self._haul(fs, trip, km * (1 + fs.uplift_pct / 100))[0]
        if mode is Mode.AIR or mode is Mode.HOTEL:
            places = (trip.origin_country, trip.destination_country)
        elif mode is Mode.RAIL:
            places = (self._scope(trip, mode), None)
        else:
            places = (None, None)
        declared = (
            (trip.declared_mode, trip.declared_fuel)
            if self._personal and trip.kind is ActivityKind.COMMUTE
            else None
        )
        key = (
            fs.id, mode, trip.kind, trip.cabin, trip.fuel, trip.vehicle_size, trip.occupants,
            places, declared, band, trip.nights,
        )  # fmt: skip
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(fs, trip, banded=band is not None)
            self._plans[key] = plan
        return plan

    def _plan(self, fs: FactorSet, trip: Trip, *, banded: bool) -> Plan:
        rf = self.methodology.radiative_forcing and fs.rf_available
        probe = trip if trip.distance_km is not None else replace(trip, distance_km=ZERO)
        actual = self._emission(fs, probe, trip.mode, trip.cabin, trip.fuel, trip.occupants, rf)
        factor = actual.factor
        uplift = 1 + fs.uplift_pct / 100 if trip.mode is Mode.AIR and fs.uplift_pct else None
        kind, code, b_value, b_wtt, b_divisor, haul_ok = _NONE, None, ZERO, None, 1, False
        business = trip.kind is ActivityKind.BUSINESS_TRAVEL
        if business and trip.mode in (Mode.RAIL, Mode.COACH):
            kind, code = _ROUTE, "economy_flight"
        else:
            # the full rules on a probe that passes any distance test; the distance tests are
            # re-applied per trip above
            # (banded sets: no shorter than the trip itself, so the probe stays in its band)
            far_km = Decimal(self.methodology.business_class_min_km or 0)
            if banded:
                far_km = max(far_km, probe.distance_km or ZERO)
            far = replace(probe, distance_km=far_km)
            far_actual = replace(actual, quantity=max(actual.quantity, far.distance_km or ZERO))
            baseline, _ = self._baseline(fs, far, far_actual, rf)
            if baseline is not None:
                e = baseline.emission
                kind = _BUSINESS if baseline.code == "business_class" else _SAME
                code = baseline.code
                b_value = e.factor.value if e.factor else ZERO
                b_wtt = e.wtt.value if e.wtt else None
                b_divisor = e.divisor
                haul_ok = actual.haul in self.methodology.business_class_hauls
        value_i = _integer_value(factor.value if factor else ZERO)
        b_value_i = _integer_value(b_value)
        return Plan(
            value_i=value_i,
            b_value_i=b_value_i,
            uplift=uplift,
            value=factor.value if factor else ZERO,
            wtt=actual.wtt.value if actual.wtt else None,
            divisor=actual.divisor,
            factor_id=factor.publisher_id if factor else "zero-emission-convention",
            baseline_kind=kind,
            baseline_code=code,
            b_value=b_value,
            b_wtt=b_wtt,
            b_divisor=b_divisor,
            haul_allows_business=haul_ok,
            simple=actual.divisor == 1 and actual.wtt is None,
            b_simple=b_divisor == 1 and b_wtt is None,
            factor_set=fs,
            banded=banded,
            bulk=(
                actual.divisor == 1
                and actual.wtt is None
                and uplift is None
                and trip.mode is not Mode.HOTEL
                and (kind != _SAME or (b_divisor == 1 and b_wtt is None))
                and (kind != _BUSINESS or b_wtt is None)
                and max(value_i, b_value_i) < 10 ** (VALUE_SCALE + 1)
            ),
        )

    def _route_flight(
        self, fs: FactorSet, trip: Trip, route: Decimal
    ) -> tuple[Decimal, Decimal | None]:
        rf = self.methodology.radiative_forcing and fs.rf_available
        band = self._haul(fs, trip, route)[0] if fs.haul_rule == "distance_bands" else None
        key = (fs.id, band, trip.origin_country, trip.destination_country)
        cached = self._route_flights.get(key)
        if cached is None:
            e = self._emission(fs, trip, Mode.AIR, Cabin.ECONOMY, None, 1, rf, distance_km=route)
            assert e.factor is not None
            cached = (e.factor.value, e.wtt.value if e.wtt else None)
            self._route_flights[key] = cached
        return cached

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
        total_km = sum((leg.distance_km or ZERO for leg in legs), ZERO)
        results = []
        for leg in legs:
            own = self.assess(leg, fs)
            share = (leg.distance_km or ZERO) / total_km if total_km else Decimal(1) / len(legs)
            b = whole.baseline.emission
            kg = (b.kg_co2e * share).quantize(KG, rounding=ROUND_HALF_UP)
            wtt = (b.wtt_kg * share).quantize(KG, rounding=ROUND_HALF_UP)
            emission = replace(b, kg_co2e=kg, wtt_kg=wtt, share=share)
            baseline = replace(whole.baseline, emission=emission)
            avoided = max(ZERO, kg - own.kg_co2e)
            points, rate = self._points(leg, avoided)
            results.append(
                replace(own, baseline=baseline, avoided_kg_co2e=avoided, points=points, rate=rate)
            )
        return results

    def _points(self, trip: Trip, avoided: Decimal) -> tuple[int, Rate | None]:
        rule = self.methodology.points_rule
        if rule == AVOIDED_GRAMS:
            return grams(avoided), None
        if avoided <= 0 and self.methodology.additionality == "personal":
            return 0, None
        return self.rate_cards[rule].points(trip.mode, trip.distance_km)

    def _emission(
        self,
        fs: FactorSet,
        trip: Trip,
        mode: Mode,
        cabin: Cabin | None,
        fuel: Fuel | None,
        occupants: int,
        rf: bool,
        *,
        distance_km: Decimal | None = None,
    ) -> Emission:
        distance = trip.distance_km if distance_km is None else distance_km
        if mode is Mode.HOTEL:
            quantity = Decimal(trip.nights or 1)
        elif mode in ZERO_EMISSION_MODES and distance is None:
            quantity = ZERO
        elif distance is None:
            raise MissingDistance(f"distance: unknown for this {label(mode).lower()} trip")
        else:
            quantity = distance
        haul = None
        notes: tuple[str, ...] = ()
        if mode is Mode.AIR:
            if fs.uplift_pct:
                quantity = quantity * (1 + fs.uplift_pct / 100)
            haul, haul_note = self._haul(fs, trip, quantity)
            notes = (haul_note,) if haul_note else ()
        size = trip.vehicle_size if mode in (Mode.CAR, Mode.MOTORBIKE) else None
        key = (fs.id, mode, cabin, fuel, size, haul, rf, self._scope(trip, mode))
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolve(fs, mode, cabin, fuel, size, haul, rf, trip)
            self._resolved[key] = resolved
        factor, lookup_notes, wtt = resolved
        divisor = occupants if factor is not None and factor.unit == "vehicle.km" else 1
        if factor is None:
            kg = ZERO
        else:
            kg = (quantity * factor.value / divisor).quantize(KG, rounding=ROUND_HALF_UP)
        wtt_kg = ZERO
        if wtt is not None:
            wtt_kg = (quantity * wtt.value / divisor).quantize(KG, rounding=ROUND_HALF_UP)
        return Emission(
            mode=mode,
            factor=factor,
            quantity=quantity,
            divisor=divisor,
            haul=haul,
            notes=notes + lookup_notes,
            wtt=wtt,
            wtt_kg=wtt_kg,
            kg_co2e=kg + wtt_kg,
        )

    @staticmethod
    def _scope(trip: Trip, mode: Mode) -> str | None:
        """What else decides the factor: national or international rail, the hotel's country."""
        if mode is Mode.HOTEL:
            return trip.destination_country
        if mode is not Mode.RAIL:
            return None
        o, d = trip.origin_country, trip.destination_country
        return "international" if o and d and o != d else "national"

    def _haul(self, fs: FactorSet, trip: Trip, km: Decimal) -> tuple[str, str]:
        if fs.haul_rule == "distance_bands":
            for band in fs.distance_bands:
                if band.below_km is None or km < band.below_km:
                    return band.haul, ""
            return fs.distance_bands[-1].haul, ""
        o, d = trip.origin_country, trip.destination_country
        if not o or not d:
            return "international", "airports unknown: treated as a flight between non-UK airports"
        territory = fs.territories
        o_haul, d_haul = territory.get(o), territory.get(d)
        if o_haul == "domestic" and d_haul == "domestic":
            return "domestic", ""
        if o_haul == "domestic" or d_haul == "domestic":
            other = d if o_haul == "domestic" else o
            haul = territory.get(other)
            if haul is None:
                return (
                    "long_haul",
                    f"{other} is not in the set's haul definition: long-haul assumed",
                )
            return haul, ""
        return "international", ""

    def _resolve(
        self,
        fs: FactorSet,
        mode: Mode,
        cabin: Cabin | None,
        fuel: Fuel | None,
        size: VehicleSize | None,
        haul: str | None,
        rf: bool,
        trip: Trip,
    ) -> Resolved:
        if mode in ZERO_EMISSION_MODES:
            return (
                None,
                (f"{label(mode)}: 0 kg CO2e by convention (no fuel burnt; no factor published)",),
                None,
            )
        notes: list[str] = []
        candidates = self._candidates(fs, mode, cabin, fuel, size, haul, rf, trip, notes)
        factor, key = _first(fs, candidates, notes)
        wtt = None
        if self.methodology.include_well_to_tank:
            wtt = fs.get("wtt." + key)
            if wtt is None:
                notes.append(f"no well-to-tank factor for {key} in {fs.id}: not added")
        return factor, tuple(notes), wtt

    def _candidates(
        self,
        fs: FactorSet,
        mode: Mode,
        cabin: Cabin | None,
        fuel: Fuel | None,
        size: VehicleSize | None,
        haul: str | None,
        rf: bool,
        trip: Trip,
        notes: list[str],
    ) -> list[str]:
        if mode is Mode.AIR:
            suffix = "rf" if rf else "no_rf"
            if self.methodology.radiative_forcing and not fs.rf_available:
                notes.append(f"{fs.id} publishes no radiative-forcing factors: shown without RF")
            if cabin is None:
                notes.append("cabin unknown: the average-passenger factor applies")
                return [f"air.{haul}.average.{suffix}"]
            lower = CABIN_ORDER[CABIN_ORDER.index(cabin) :]
            return [f"air.{haul}.{c.value}.{suffix}" for c in lower] + [
                f"air.{haul}.average.{suffix}"
            ]
        if mode is Mode.RAIL:
            return [f"rail.{self._scope(trip, mode)}", "rail.national"]
        if mode is Mode.CAR:
            s = (size or VehicleSize.AVERAGE).value
            f = (fuel or Fuel.UNKNOWN).value
            return [f"car.{s}.{f}", f"car.average.{f}", f"car.{s}.unknown", "car.average.unknown"]
        if mode is Mode.MOTORBIKE:
            return [f"motorbike.{(size or VehicleSize.AVERAGE).value}", "motorbike.average"]
        if mode is Mode.HOTEL:
            country = trip.destination_country or "GB"
            return [f"hotel.{country}", "hotel.GB"]
        return list(_SIMPLE_KEYS[mode])

    def _baseline(
        self, fs: FactorSet, trip: Trip, actual: Emission, rf: bool
    ) -> tuple[Baseline | None, str]:
        if trip.kind is ActivityKind.COMMUTE:
            return self._commute_baseline(fs, trip, rf)
        m = self.methodology
        if trip.mode in (Mode.RAIL, Mode.COACH):
            route = trip.route_km
            if route is None:
                return None, "origin and destination unknown: no flight to compare with"
            if not m.rail_vs_flight_min_km <= route <= m.rail_vs_flight_max_km:
                return None, (
                    f"{route} km apart: outside the {m.rail_vs_flight_min_km}-"
                    f"{m.rail_vs_flight_max_km} km band where a flight is the alternative"
                )
            flight = self._emission(
                fs, trip, Mode.AIR, Cabin.ECONOMY, None, 1, rf, distance_km=route
            )
            reason = (
                f"{label(trip.mode).lower()} between places {route} km apart (great circle), "
                f"within the {m.rail_vs_flight_min_km}-{m.rail_vs_flight_max_km} km band"
            )
            return Baseline("economy_flight", "an economy flight", reason, flight), ""
        if trip.mode is Mode.AIR:
            cabin = trip.cabin
            if cabin not in (Cabin.ECONOMY, Cabin.PREMIUM_ECONOMY):
                return None, "no lower-carbon choice to credit for this cabin"
            hauls = ", ".join(_HAUL_WORDS.get(h, h) for h in m.business_class_hauls)
            policy = f"{hauls} flights"
            if m.business_class_min_km:
                policy += f" and flights of {m.business_class_min_km:,} km or more"
            long_enough = (
                bool(m.business_class_min_km) and actual.quantity >= m.business_class_min_km
            )
            if actual.haul not in m.business_class_hauls and not long_enough:
                return None, f"policy allows business class only on {policy}"
            business = self._emission(fs, trip, Mode.AIR, Cabin.BUSINESS, None, 1, rf)
            reason = f"policy allows business class on {policy}"
            return Baseline("business_class", "business class", reason, business), ""
        if trip.mode is Mode.CAR and trip.fuel in (Fuel.BEV, Fuel.PHEV):
            petrol = self._emission(fs, trip, Mode.CAR, None, Fuel.PETROL, trip.occupants, rf)
            reason = f"{label(trip.fuel)} car instead of a petrol car of the same size"
            return Baseline("petrol_car", "a petrol car of the same size", reason, petrol), ""
        return None, "no lower-carbon choice to credit"

    def _commute_baseline(self, fs: FactorSet, trip: Trip, rf: bool) -> tuple[Baseline | None, str]:
        m = self.methodology
        if m.additionality == "personal":
            declared = trip.declared_mode
            if declared is None:
                return None, "no usual commute declared: personal additionality credits nothing"
            same = declared is trip.mode and (
                declared is not Mode.CAR or trip.declared_fuel == trip.fuel
            )
            if same and trip.occupants <= 1:
                return (
                    None,
                    f"you declared {label(declared).lower()} as your usual commute: none avoided",
                )
            emission = self._emission(fs, trip, declared, None, trip.declared_fuel, 1, rf)
            reason = f"your declared usual commute is {label(declared).lower()}"
            return Baseline(
                "declared_mode", f"your usual {label(declared).lower()}", reason, emission
            ), ""
        credited = trip.mode in LOW_CARBON_COMMUTE_MODES or (
            trip.mode is Mode.CAR and (trip.occupants > 1 or trip.fuel in (Fuel.BEV, Fuel.PHEV))
        )
        if not credited:
            return None, "driving alone is the reference itself: nothing avoided"
        car = self._emission(fs, trip, Mode.CAR, None, m.reference_car_fuel, 1, rf)
        reason = "the company's reference commute is driving alone in an average car"
        return Baseline("solo_car", "driving alone in an average car", reason, car), ""


_SIMPLE_KEYS: dict[Mode, tuple[str, ...]] = {
    Mode.SUBWAY: ("rail.underground", "rail.light_rail_tram"),
    Mode.TRAM: ("rail.light_rail_tram",),
    Mode.BUS: ("bus.local",),
    Mode.COACH: ("bus.coach",),
    Mode.TAXI: ("taxi.regular",),
    Mode.FERRY: ("ferry.foot_passenger", "ferry.average"),
}


def _first(fs: FactorSet, keys: list[str], notes: list[str]) -> tuple[Factor, str]:
    for index, key in enumerate(keys):
        factor = fs.get(key)
        if factor is None and key in fs.fallbacks:
            target = fs.fallbacks[key]
            notes.append(f"{fs.id} has no {key}: its declared fallback {target} applies")
            factor, key = fs.require(target), target
        if factor is not None:
            if index:
                notes.append(f"{fs.id} has no {keys[0]}: {key} applies instead")
            return factor, key
    raise MissingFactor(f"factor set {fs.id} has no factor for {keys[0]} (tried {', '.join(keys)})")


def _unknown_set_message(name: str, sets: Mapping[str, FactorSet]) -> str:
    return f"factor set {name!r}: accepted: {', '.join(sorted(sets))}"


def _explain(a: Assessment) -> list[dict[str, Any]]:
    from corp_carbon.domain.scoring.explain import explain

    return explain(a)
