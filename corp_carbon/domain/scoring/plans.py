"""The distance-independent part of scoring a trip, resolved once and reused (fast paths).

Most trips of an export share a handful of (mode, cabin, fuel, places) combinations; a plan
holds what those decide (factor values, the kind of baseline), so scoring a trip is one
multiplication. Factor values are also held as integers of 10**-VALUE_SCALE kg: whole metres
times an integer factor, rounded half up, is exactly the Decimal result, and numpy can do it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from corp_carbon.domain.factors import FactorSet
from corp_carbon.domain.scoring.baselines import baseline_for, entitlement
from corp_carbon.domain.scoring.lookup import FactorLookup
from corp_carbon.domain.scoring.values import KG, ZERO, Trip
from corp_carbon.domain.travel_policy import Entitlement
from corp_carbon.domain.vocabulary import ActivityKind, Fuel, Mode

#: baseline codes of a class credit (a cabin or rail class the traveller was entitled to).
CLASS_CODES = frozenset({"business_class", "entitled_class"})

#: baseline kinds of a plan: none, the same distance, business class (if policy allows on
#: this flight), an economy flight over the journey's route (rail and coach).
BASELINE_NONE, BASELINE_SAME, BASELINE_BUSINESS, BASELINE_ROUTE = 0, 1, 2, 3

#: factor values in the integer path are held as multiples of 10**-VALUE_SCALE kg (EPA's
#: converted values have 10 decimal places).
VALUE_SCALE = 10
#: (2 * metres * value + HALF) // TWICE: grams from whole metres, rounded half up.
HALF = 10**VALUE_SCALE
TWICE = 2 * HALF


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
    #: the travel-policy rule behind a class baseline (its own hauls or length may apply).
    entitlement: Entitlement | None
    #: the flight's haul under the set's rule (None: not a flight), stored for reports.
    haul: str | None
    #: one factor, no well-to-tank, nobody to share with: a single multiplication.
    simple: bool
    b_simple: bool
    factor_set: FactorSet
    #: the plan holds for one distance band only (EPA flights): not cached by raw fields.
    banded: bool
    #: integer arithmetic gives this plan's figures exactly (one factor, no well-to-tank, no
    #: sharing, no uplift, not a hotel): bulk scorers may take their fast path.
    bulk: bool
    #: what the plan's trips are, for the behaviour a points policy rewards.
    kind: ActivityKind = ActivityKind.BUSINESS_TRAVEL
    mode: Mode = Mode.AIR
    fuel: Fuel | None = None
    occupants: int = 1


def build_plan(lookup: FactorLookup, fs: FactorSet, trip: Trip, *, banded: bool) -> Plan:
    methodology = lookup.methodology
    rf = methodology.radiative_forcing and fs.rf_available
    probe = trip if trip.distance_km is not None else replace(trip, distance_km=ZERO)
    # the day decides whether a switch of usual commute is past its window: tested per trip
    probe = replace(probe, travel_date=None)
    actual = lookup.emission(fs, probe, trip.mode, trip.cabin, trip.fuel, trip.occupants, rf)
    factor = actual.factor
    uplift = 1 + fs.uplift_pct / 100 if trip.mode is Mode.AIR and fs.uplift_pct else None
    kind, code, b_value, b_wtt, b_divisor, haul_ok = BASELINE_NONE, None, ZERO, None, 1, False
    rule: Entitlement | None = None
    own_rule = False
    business = trip.kind is ActivityKind.BUSINESS_TRAVEL
    if business and trip.mode in (Mode.RAIL, Mode.COACH):
        kind, code = BASELINE_ROUTE, "economy_flight"
    else:
        # the full rules on a probe that passes any distance test; the distance tests are
        # re-applied per trip by the scorer
        # (banded sets: no shorter than the trip itself, so the probe stays in its band)
        far_km = max(
            [Decimal(methodology.business_class_min_km or 0)]
            + [r.min_km for r in methodology.travel_policy if r.min_km is not None]
        )
        if banded:
            far_km = max(far_km, probe.distance_km or ZERO)
        far = replace(probe, distance_km=far_km)
        far_actual = replace(actual, quantity=max(actual.quantity, far.distance_km or ZERO))
        baseline, _ = baseline_for(lookup, fs, far, far_actual, rf)
        if baseline is not None:
            e = baseline.emission
            classed = trip.mode is Mode.AIR and baseline.code in CLASS_CODES
            kind = BASELINE_BUSINESS if classed else BASELINE_SAME
            code = baseline.code
            b_value = e.factor.value if e.factor else ZERO
            b_wtt = e.wtt.value if e.wtt else None
            b_divisor = e.divisor
            if classed:
                rule = entitlement(methodology, far, far_actual)[1]
                hauls = methodology.business_class_hauls
                if rule is not None and (rule.hauls is not None or rule.min_km is not None):
                    hauls = rule.hauls or ()
                    own_rule = True
                haul_ok = actual.haul in hauls
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
        entitlement=rule,
        kind=trip.kind,
        mode=trip.mode,
        fuel=trip.fuel,
        occupants=trip.occupants,
        haul=actual.haul,
        simple=actual.divisor == 1 and actual.wtt is None,
        b_simple=b_divisor == 1 and b_wtt is None,
        factor_set=fs,
        banded=banded,
        bulk=(
            actual.divisor == 1
            and actual.wtt is None
            and uplift is None
            and trip.mode is not Mode.HOTEL
            and (kind != BASELINE_SAME or (b_divisor == 1 and b_wtt is None))
            and (kind != BASELINE_BUSINESS or (b_wtt is None and not own_rule))
            and max(value_i, b_value_i) < 10 ** (VALUE_SCALE + 1)
        ),
    )


def grams_of(quantity: Decimal, value: Decimal, wtt: Decimal | None, divisor: int) -> int:
    """``quantity`` x ``value`` (+ well-to-tank) / ``divisor``, each rounded to the gram."""
    if divisor == 1:
        kg = (quantity * value).quantize(KG, rounding=ROUND_HALF_UP)
        if wtt is not None:
            kg += (quantity * wtt).quantize(KG, rounding=ROUND_HALF_UP)
    else:
        kg = (quantity * value / divisor).quantize(KG, rounding=ROUND_HALF_UP)
        if wtt is not None:
            kg += (quantity * wtt / divisor).quantize(KG, rounding=ROUND_HALF_UP)
    return int(kg.scaleb(3))


def _integer_value(value: Decimal) -> int:
    scaled = value.scaleb(VALUE_SCALE)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"factor {value} has more than {VALUE_SCALE} decimal places")
    return int(scaled)
