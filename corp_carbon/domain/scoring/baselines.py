"""What a trip is compared with: the lower-carbon choice it made, or none.

Business travel is compared with the reference the policy names (business class where policy
allows it, a flight for rail and coach within the band, a petrol car for an electric one);
commutes with driving alone, or under personal additionality with the employee's declared
usual commute. A rail or coach journey's flight covers the whole journey, shared by its legs.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from corp_carbon.domain.factors import FactorSet, haul_label
from corp_carbon.domain.methodology import LOW_CARBON_COMMUTE_MODES
from corp_carbon.domain.scoring.lookup import FactorLookup
from corp_carbon.domain.scoring.values import KG, ZERO, Baseline, Emission, Trip
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, Fuel, Mode, label


def baseline_for(
    lookup: FactorLookup, fs: FactorSet, trip: Trip, actual: Emission, rf: bool
) -> tuple[Baseline | None, str]:
    """The baseline, or None and why there is none."""
    if trip.kind is ActivityKind.COMMUTE:
        return _commute_baseline(lookup, fs, trip, rf)
    m = lookup.methodology
    if trip.mode in (Mode.RAIL, Mode.COACH):
        route = trip.route_km
        if route is None:
            return None, "origin and destination unknown: no flight to compare with"
        if not m.rail_vs_flight_min_km <= route <= m.rail_vs_flight_max_km:
            return None, (
                f"{route} km apart: outside the {m.rail_vs_flight_min_km}-"
                f"{m.rail_vs_flight_max_km} km band where a flight is the alternative"
            )
        flight = lookup.emission(fs, trip, Mode.AIR, Cabin.ECONOMY, None, 1, rf, distance_km=route)
        reason = (
            f"{label(trip.mode).lower()} between places {route} km apart (great circle), "
            f"within the {m.rail_vs_flight_min_km}-{m.rail_vs_flight_max_km} km band"
        )
        return Baseline("economy_flight", "an economy flight", reason, flight), ""
    if trip.mode is Mode.AIR:
        cabin = trip.cabin
        if cabin not in (Cabin.ECONOMY, Cabin.PREMIUM_ECONOMY):
            return None, "no lower-carbon choice to credit for this cabin"
        hauls = ", ".join(haul_label(h) for h in m.business_class_hauls)
        policy = f"{hauls} flights"
        if m.business_class_min_km:
            policy += f" and flights of {m.business_class_min_km:,} km or more"
        long_enough = bool(m.business_class_min_km) and actual.quantity >= m.business_class_min_km
        if actual.haul not in m.business_class_hauls and not long_enough:
            return None, f"policy allows business class only on {policy}"
        business = lookup.emission(fs, trip, Mode.AIR, Cabin.BUSINESS, None, 1, rf)
        reason = f"policy allows business class on {policy}"
        return Baseline("business_class", "business class", reason, business), ""
    if trip.mode is Mode.CAR and trip.fuel in (Fuel.BEV, Fuel.PHEV):
        petrol = lookup.emission(fs, trip, Mode.CAR, None, Fuel.PETROL, trip.occupants, rf)
        reason = f"{label(trip.fuel)} car instead of a petrol car of the same size"
        return Baseline("petrol_car", "a petrol car of the same size", reason, petrol), ""
    return None, "no lower-carbon choice to credit"


def _commute_baseline(
    lookup: FactorLookup, fs: FactorSet, trip: Trip, rf: bool
) -> tuple[Baseline | None, str]:
    m = lookup.methodology
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
        emission = lookup.emission(fs, trip, declared, None, trip.declared_fuel, 1, rf)
        reason = f"your declared usual commute is {label(declared).lower()}"
        return Baseline(
            "declared_mode", f"your usual {label(declared).lower()}", reason, emission
        ), ""
    credited = trip.mode in LOW_CARBON_COMMUTE_MODES or (
        trip.mode is Mode.CAR and (trip.occupants > 1 or trip.fuel in (Fuel.BEV, Fuel.PHEV))
    )
    if not credited:
        return None, "driving alone is the reference itself: nothing avoided"
    car = lookup.emission(fs, trip, Mode.CAR, None, m.reference_car_fuel, 1, rf)
    reason = "the company's reference commute is driving alone in an average car"
    return Baseline("solo_car", "driving alone in an average car", reason, car), ""


def journey_shares(legs: list[Trip]) -> list[Decimal]:
    """Each leg's part of a journey-wide baseline, in proportion to its distance."""
    total_km = sum((leg.distance_km or ZERO for leg in legs), ZERO)
    return [
        (leg.distance_km or ZERO) / total_km if total_km else Decimal(1) / len(legs) for leg in legs
    ]


def leg_baseline(whole: Baseline, share: Decimal) -> Baseline:
    """The journey's baseline cut to one leg's share (rounded to the gram)."""
    b = whole.emission
    kg = (b.kg_co2e * share).quantize(KG, rounding=ROUND_HALF_UP)
    wtt = (b.wtt_kg * share).quantize(KG, rounding=ROUND_HALF_UP)
    return replace(whole, emission=replace(b, kg_co2e=kg, wtt_kg=wtt, share=share))
