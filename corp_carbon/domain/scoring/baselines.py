"""What a trip is compared with: the lower-carbon choice it made, or none.

Business travel is compared with the reference the policy names (business class where policy
allows it, a flight for rail and coach within the band, a petrol car for an electric one);
commutes with driving alone, or under personal additionality with the employee's declared
usual commute. A rail or coach journey's flight covers the whole journey, shared by its legs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from corp_carbon.domain.factors import FactorSet, haul_label
from corp_carbon.domain.methodology import LOW_CARBON_COMMUTE_MODES
from corp_carbon.domain.phrases import N_, Num, Phrase, Word, say
from corp_carbon.domain.scoring.lookup import FactorLookup
from corp_carbon.domain.scoring.values import KG, ZERO, Baseline, Emission, Trip
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, Fuel, Mode


def baseline_for(
    lookup: FactorLookup, fs: FactorSet, trip: Trip, actual: Emission, rf: bool
) -> tuple[Baseline | None, Phrase | None]:
    """The baseline, or None and why there is none (a phrase: ``str()`` is the English)."""
    if trip.kind is ActivityKind.COMMUTE:
        return _commute_baseline(lookup, fs, trip, rf)
    m = lookup.methodology
    if trip.mode in (Mode.RAIL, Mode.COACH):
        route = trip.route_km
        if route is None:
            return None, say(N_("origin and destination unknown: no flight to compare with"))
        low, high = Num(m.rail_vs_flight_min_km), Num(m.rail_vs_flight_max_km)
        if not m.rail_vs_flight_min_km <= route <= m.rail_vs_flight_max_km:
            return None, say(
                N_(
                    "%(km)s km apart: outside the %(low)s-%(high)s km band where a flight "
                    "is the alternative"
                ),
                km=_km(route),
                low=low,
                high=high,
            )
        flight = lookup.emission(fs, trip, Mode.AIR, Cabin.ECONOMY, None, 1, rf, distance_km=route)
        why = say(
            N_(
                "%(mode)s between places %(km)s km apart (great circle), within the "
                "%(low)s-%(high)s km band"
            ),
            mode=Word(trip.mode),
            km=_km(route),
            low=low,
            high=high,
        )
        return _baseline("economy_flight", say(N_("an economy flight")), why, flight), None
    if trip.mode is Mode.AIR:
        cabin = trip.cabin
        if cabin not in (Cabin.ECONOMY, Cabin.PREMIUM_ECONOMY):
            return None, say(N_("no lower-carbon choice to credit for this cabin"))
        policy = _policy(m.business_class_hauls, m.business_class_min_km)
        long_enough = bool(m.business_class_min_km) and actual.quantity >= m.business_class_min_km
        if actual.haul not in m.business_class_hauls and not long_enough:
            return None, say(N_("policy allows business class only on %(policy)s"), policy=policy)
        business = lookup.emission(fs, trip, Mode.AIR, Cabin.BUSINESS, None, 1, rf)
        why = say(N_("policy allows business class on %(policy)s"), policy=policy)
        return _baseline("business_class", say(N_("business class")), why, business), None
    if trip.mode is Mode.CAR and trip.fuel in (Fuel.BEV, Fuel.PHEV):
        petrol = lookup.emission(fs, trip, Mode.CAR, None, Fuel.PETROL, trip.occupants, rf)
        why = say(N_("%(fuel)s car instead of a petrol car of the same size"), fuel=Word(trip.fuel))
        said = say(N_("a petrol car of the same size"))
        return _baseline("petrol_car", said, why, petrol), None
    return None, say(N_("no lower-carbon choice to credit"))


def _commute_baseline(
    lookup: FactorLookup, fs: FactorSet, trip: Trip, rf: bool
) -> tuple[Baseline | None, Phrase | None]:
    m = lookup.methodology
    if m.additionality == "personal":
        declared = trip.declared_mode
        if declared is None:
            return None, say(
                N_("no usual commute declared: personal additionality credits nothing")
            )
        same = declared is trip.mode and (
            declared is not Mode.CAR or trip.declared_fuel == trip.fuel
        )
        if same and trip.occupants <= 1:
            return None, say(
                N_("you declared %(mode)s as your usual commute: none avoided"),
                mode=Word(declared),
            )
        emission = lookup.emission(fs, trip, declared, None, trip.declared_fuel, 1, rf)
        why = say(N_("your declared usual commute is %(mode)s"), mode=Word(declared))
        said = say(N_("your usual %(mode)s"), mode=Word(declared))
        return _baseline("declared_mode", said, why, emission), None
    credited = trip.mode in LOW_CARBON_COMMUTE_MODES or (
        trip.mode is Mode.CAR and (trip.occupants > 1 or trip.fuel in (Fuel.BEV, Fuel.PHEV))
    )
    if not credited:
        return None, say(N_("driving alone is the reference itself: nothing avoided"))
    car = lookup.emission(fs, trip, Mode.CAR, None, m.reference_car_fuel, 1, rf)
    why = say(N_("the company's reference commute is driving alone in an average car"))
    said = say(N_("driving alone in an average car"))
    return _baseline("solo_car", said, why, car), None


def _baseline(code: str, said: Phrase, why: Phrase, emission: Emission) -> Baseline:
    return Baseline(code, str(said), str(why), emission, said=said, why=why)


def _policy(hauls: Iterable[str], min_km: int | Decimal | None) -> Phrase:
    """The flights business class is allowed on: "long-haul flights and flights of 3,700 km
    or more"."""
    listed = list(hauls)
    words = say(N_("%(hauls)s flights"), hauls=_hauls(listed)) if listed else None
    if min_km:
        if words is None:
            return say(N_("flights of %(km)s km or more"), km=Num(min_km))
        return say(N_("%(policy)s and flights of %(km)s km or more"), policy=words, km=Num(min_km))
    return words or say(N_("no flights"))


def _hauls(hauls: list[str]) -> Phrase:
    """Haul names joined by commas, each one a phrase of its own (translated one by one)."""
    first = say(haul_label(hauls[0]))
    for haul in hauls[1:]:
        first = say(N_("%(first)s, %(next)s"), first=first, next=say(haul_label(haul)))
    return first


def _km(value: Decimal) -> Num:
    """A distance as the trail states it: whole km as whole, else to the metre."""
    exponent = value.normalize().as_tuple().exponent
    digits = 0 if value == value.to_integral() else min(3, -int(exponent))
    return Num(value, digits)


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
