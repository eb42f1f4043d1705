"""What a trip is compared with: the lower-carbon choice it made, or none.

Business travel is compared with the reference the policy names (business class where policy
allows it, a flight for rail and coach within the band, a petrol car for an electric one);
commutes with driving alone, or under personal additionality with the employee's declared
usual commute. A rail or coach journey's flight covers the whole journey, shared by its legs.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from corp_carbon.domain.factors import FactorSet, haul_label
from corp_carbon.domain.methodology import LOW_CARBON_COMMUTE_MODES, Methodology
from corp_carbon.domain.phrases import N_, Day, Num, Phrase, Word, say
from corp_carbon.domain.scoring.lookup import FactorLookup
from corp_carbon.domain.scoring.values import KG, ZERO, Baseline, Emission, Trip
from corp_carbon.domain.travel_policy import LOWEST, Entitlement, rank
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, Fuel, Mode


def baseline_for(
    lookup: FactorLookup, fs: FactorSet, trip: Trip, actual: Emission, rf: bool
) -> tuple[Baseline | None, Phrase | None]:
    """The baseline, or None and why there is none (a phrase: ``str()`` is the English)."""
    if trip.kind is ActivityKind.COMMUTE:
        return _commute_baseline(lookup, fs, trip, rf)
    if trip.mode in (Mode.RAIL, Mode.COACH):
        flight, why_not = _flight_baseline(lookup, fs, trip, rf)
        if flight is not None or trip.mode is Mode.COACH:
            return flight, why_not
        classed, _ = _class_baseline(lookup, fs, trip, actual, rf)
        return classed, (why_not if classed is None else None)
    if trip.mode is Mode.AIR:
        return _class_baseline(lookup, fs, trip, actual, rf)
    if trip.mode is Mode.CAR and trip.fuel in (Fuel.BEV, Fuel.PHEV):
        petrol = lookup.emission(fs, trip, Mode.CAR, None, Fuel.PETROL, trip.occupants, rf)
        why = say(N_("%(fuel)s car instead of a petrol car of the same size"), fuel=Word(trip.fuel))
        said = say(N_("a petrol car of the same size"))
        return _baseline("petrol_car", said, why, petrol), None
    return None, say(N_("no lower-carbon choice to credit"))


def _flight_baseline(
    lookup: FactorLookup, fs: FactorSet, trip: Trip, rf: bool
) -> tuple[Baseline | None, Phrase | None]:
    """A rail or coach journey against an economy flight, where a flight was realistic: within
    the distance band, and (if the methodology asks) with an airport near both ends."""
    m = lookup.methodology
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
    if m.airport_max_km:
        limit = Num(m.airport_max_km)
        for end, found in (
            (N_("the start"), trip.origin_airport_km),
            (N_("the end"), trip.destination_airport_km),
        ):
            if found is None:
                return None, say(
                    N_(
                        "no airport is known near %(end)s of this journey: no flight to "
                        "compare with"
                    ),
                    end=say(end),
                )
            if found > m.airport_max_km:
                return None, say(
                    N_(
                        "the nearest airport to %(end)s of this journey is %(km)s km away, more "
                        "than %(limit)s km: a flight was not a realistic alternative"
                    ),
                    end=say(end),
                    km=Num(found),
                    limit=limit,
                )
    flight = lookup.emission(fs, trip, Mode.AIR, Cabin.ECONOMY, None, 1, rf, distance_km=route)
    if m.airport_max_km:
        why = say(
            N_(
                "%(mode)s between places %(km)s km apart (great circle), within the "
                "%(low)s-%(high)s km band, with an airport within %(limit)s km of both ends"
            ),
            mode=Word(trip.mode),
            km=_km(route),
            low=low,
            high=high,
            limit=Num(m.airport_max_km),
        )
    else:
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


def _class_baseline(
    lookup: FactorLookup, fs: FactorSet, trip: Trip, actual: Emission, rf: bool
) -> tuple[Baseline | None, Phrase | None]:
    """A flight's cabin or a train's class against the class the travel policy entitled this
    traveller to on this trip: credit only below an entitlement."""
    mode = trip.mode
    taken = trip.cabin or LOWEST[mode]
    entitled, rule = entitlement(lookup.methodology, trip, actual)
    if rank(mode, taken) >= rank(mode, entitled):
        if rule is None and rank(mode, taken) == 0:
            return None, _no_entitlement(lookup.methodology, trip)
        return None, say(N_("no lower-carbon choice to credit for this class"))
    if mode is Mode.AIR and taken is Cabin.PREMIUM_ECONOMY and entitled is not Cabin.BUSINESS:
        return None, say(
            N_("premium economy is credited only against a business-class entitlement")
        )
    assert rule is not None
    other = lookup.emission(fs, trip, mode, entitled, None, 1, rf)
    code = "business_class" if entitled is Cabin.BUSINESS else "entitled_class"
    said = say(N_("%(cabin)s, as the travel policy allowed"), cabin=class_words(entitled, mode))
    why = say(
        N_("the travel policy allows %(cabin)s to %(who)s on %(where)s"),
        cabin=class_words(entitled, mode),
        who=_who(rule),
        where=_where_allowed(lookup.methodology, rule),
    )
    return _baseline(code, said, why, other), None


def entitlement(m: Methodology, trip: Trip, actual: Emission) -> tuple[Cabin, Entitlement | None]:
    """The roomiest class a rule of the travel policy allows this traveller on this trip."""
    mode = trip.mode
    best, chosen = LOWEST[mode], None
    for rule in m.travel_policy:
        if rule.mode is not mode or not rule.covers(trip.grade):
            continue
        if not _rule_applies(m, rule, trip, actual):
            continue
        if rank(mode, rule.cabin) > rank(mode, best):
            best, chosen = rule.cabin, rule
    return best, chosen


def _rule_applies(m: Methodology, rule: Entitlement, trip: Trip, actual: Emission) -> bool:
    if trip.mode is Mode.AIR:
        hauls, min_km = rule.hauls, rule.min_km
        if hauls is None and min_km is None:
            hauls, min_km = m.business_class_hauls, m.business_class_min_km or None
        by_haul = actual.haul in (hauls or ())
        by_length = bool(min_km) and actual.quantity >= (min_km or 0)
        return by_haul or by_length
    km = trip.distance_km or ZERO
    return rule.min_km is None or km >= rule.min_km


#: a cabin or rail class mid-sentence ("allows business class to ...").
CLASS_WORDS = {
    Cabin.ECONOMY: N_("economy"),
    Cabin.PREMIUM_ECONOMY: N_("premium economy"),
    Cabin.BUSINESS: N_("business class"),
    Cabin.FIRST: N_("first class"),
    Cabin.STANDARD: N_("standard class"),
    Cabin.SLEEPER: N_("a sleeper berth"),
}


def class_words(cabin: Cabin, mode: Mode = Mode.RAIL) -> Phrase:
    if mode is Mode.AIR and cabin is Cabin.FIRST:
        return say(N_("first class on the plane"))
    return say(CLASS_WORDS[cabin])


def _who(rule: Entitlement) -> Phrase:
    if not rule.grades:
        return say(N_("every traveller"))
    if len(rule.grades) == 1:
        return say(N_("grade %(grades)s"), grades=rule.grades[0])
    return say(N_("grades %(grades)s"), grades=", ".join(rule.grades))


def _where_allowed(m: Methodology, rule: Entitlement) -> Phrase:
    if rule.mode is Mode.AIR:
        if rule.hauls is None and rule.min_km is None:
            return _policy(m.business_class_hauls, m.business_class_min_km)
        return _policy(rule.hauls or (), rule.min_km)
    if rule.min_km:
        return say(N_("trains of %(km)s km or more"), km=Num(rule.min_km))
    return say(N_("any train"))


def _no_entitlement(m: Methodology, trip: Trip) -> Phrase:
    """Why the lowest class earns no class credit: said so the traveller can check it."""
    graded = any(rule.grades for rule in m.travel_policy if rule.mode is trip.mode)
    if trip.grade is None and graded:
        return say(
            N_(
                "no travel-policy grade is recorded for you, so the policy allows %(cabin)s on "
                "this trip: no class credit (ask HR if your grade is missing)"
            ),
            cabin=class_words(LOWEST[trip.mode], trip.mode),
        )
    return say(
        N_("the travel policy allows you %(cabin)s on this trip: no class credit"),
        cabin=class_words(LOWEST[trip.mode], trip.mode),
    )


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
        settled = _settled_switch(m, trip)
        if settled is not None:
            return None, settled
        emission = lookup.emission(fs, trip, declared, None, trip.declared_fuel, 1, rf)
        why = say(N_("your declared usual commute is %(mode)s"), mode=Word(declared))
        if _switched(m, trip):
            assert trip.usual_since is not None
            why = say(
                N_(
                    "you switched from %(before)s to %(mode)s on %(since)s: it counts as a "
                    "change until %(until)s, then it is your usual commute"
                ),
                before=Word(declared),
                mode=Word(trip.mode),
                since=Day(trip.usual_since),
                until=Day(add_months(trip.usual_since, m.new_commute_months)),
            )
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


def _switched(m: Methodology, trip: Trip) -> bool:
    """This commute is by the employee's new usual mode, and the change window applies."""
    return bool(
        m.new_commute_months
        and trip.usual_since is not None
        and trip.usual_mode is trip.mode
        and trip.declared_mode is not None
        and trip.declared_mode is not trip.mode
    )


def settled_switch(m: Methodology, trip: Trip) -> bool:
    """Whether a switch of usual commute is past its window (the fast path's test)."""
    return _settled_switch(m, trip) is not None


def airports_near(m: Methodology, trip: Trip) -> bool:
    """Both ends of a journey have an airport within the methodology's distance."""
    limit = m.airport_max_km
    return all(
        found is not None and found <= limit
        for found in (trip.origin_airport_km, trip.destination_airport_km)
    )


def _settled_switch(m: Methodology, trip: Trip) -> Phrase | None:
    """Why a switch no longer earns: its window is over and the new mode is the baseline."""
    if not _switched(m, trip) or trip.travel_date is None:
        return None
    assert trip.usual_since is not None
    until = add_months(trip.usual_since, m.new_commute_months)
    if trip.travel_date < until:
        return None
    return say(
        N_(
            "you have commuted by %(mode)s since %(since)s: after %(months)s months it is your "
            "usual commute, so it no longer counts as a change"
        ),
        mode=Word(trip.mode),
        since=Day(trip.usual_since),
        months=Num(m.new_commute_months),
    )


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, on the last day of a shorter month (31 Jan + 1 = 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


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
