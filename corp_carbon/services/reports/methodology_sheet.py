"""The Methodology sheet: enough for an auditor to recompute any detail row.

Every factor applied in the period (publisher, set, year, the publisher's row id, value,
unit, source address, licence), each set's rules (haul, uplift, radiative forcing, cabin
fallbacks), the baselines the avoided figures were taken against, the stored methodology
version, and how a row's figures follow from its distance, factor and baseline.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from corp_carbon.catalogue import Catalogue
from corp_carbon.db.workbook import PublishedSet
from corp_carbon.domain.factors import Factor, FactorSet, haul_label
from corp_carbon.domain.inventory import FactorUse
from corp_carbon.domain.methodology import BY_YEAR, Methodology
from corp_carbon.domain.scoring.policy import PointsPolicy, behaviour_words
from corp_carbon.domain.spend import SpendFactorSet
from corp_carbon.domain.travel_policy import Entitlement
from corp_carbon.domain.vocabulary import label
from corp_carbon.services.reports.gathering import ReportData
from corp_carbon.services.reports.layout import Block, CellValue, Column, Sheet, Styled, pairs

ZERO_CONVENTION = "zero-emission-convention"
NAME_WIDTH = 22
SET = Column("Factor set", "text", NAME_WIDTH)
NOT_INSTALLED = "not in the installed catalogue: see the set's source"
TEXT = Column("", "text", 40)


def methodology_sheet(data: ReportData, catalogue: Catalogue, default_cabin: str) -> Sheet:
    used_sets = sorted({set_id for set_id, _ in data.current.factors})
    blocks = [
        version_block(data),
        sets_block(used_sets, data, catalogue),
        factors_block(data.current.factors, catalogue, data.spend_sets),
        rules_block(used_sets, catalogue),
        baselines_block(data.current.baselines, data.methodology),
        computation_block(data.methodology, default_cabin),
    ]
    return Sheet(
        "Methodology",
        "Methodology: how every figure was computed",
        (
            "Each Detail row names its factor set and the publisher's factor ID; the tables "
            "below give each factor's value and unit and the rules applied to it.",
        ),
        blocks,
        freeze_first_header=False,
        key="methodology",
    )


def version_block(data: ReportData) -> Block:
    version, m = data.version, data.methodology
    if version is None or m is None:
        why = (
            "none stored yet: no activity has been assessed"
            if version is None
            else f"{version.version}: its stored policy cannot be read back"
        )
        return pairs("Methodology version", [("Version", why)], key="version",
                     name_width=NAME_WIDTH)  # fmt: skip
    choice = (
        f"by year: the {m.family} set of the activity's year, else the newest {m.family} set"
        if m.factor_set == BY_YEAR
        else m.factor_set
    )
    policy = m.points_policy
    if m.points_rule == "avoided_grams":
        points = "1 point per gram CO2e avoided"
    elif policy is not None and policy.id == m.points_rule:
        points = f"points policy {policy.name} ({policy.id}): {policy.title}; {policy.source}"
    else:
        points = f"rate card {m.points_rule}"
    rows: list[tuple[str, CellValue]] = [
        ("Version", Styled(version.version, "int")),
        ("Stored", version.created_at.replace(tzinfo=None)),
        ("Why it was stored", version.note or "-"),
        ("Factor set", choice),
        ("Radiative forcing (flights)", "included" if m.radiative_forcing else "not included"),
        ("Well-to-tank emissions", "included" if m.include_well_to_tank else "not included"),
        ("Points rule", points),
        ("Baseline credited (additionality)",
         "the company's reference baselines" if m.additionality == "reference"
         else "the employee's declared usual commute (personal)"),
        ("Rail or coach compared with a flight between",
         f"{m.rail_vs_flight_min_km} and {m.rail_vs_flight_max_km} km (great circle)"),
        ("Long flights (where a travel-policy flight rule names no length)",
         ", ".join(haul_label(h) for h in m.business_class_hauls)
         + (f" flights, and flights of {m.business_class_min_km} km or more"
            if m.business_class_min_km else " flights")),
        ("Travel policy (cabin and class credit only below an entitlement)",
         "; ".join(travel_rule_words(m, rule) for rule in m.travel_policy) or "no rules"),
        ("Rail or coach compared with a flight only with an airport within",
         f"{m.airport_max_km} km of both ends" if m.airport_max_km else "not required"),
        ("Rail seat space (seat-space allocation, standard seat = 1)",
         ", ".join(f"{k} {v}" for k, v in sorted(m.rail_class_space.items()))),
        ("New usual commute counts as a change for (personal additionality)",
         f"{m.new_commute_months} months" if m.new_commute_months else "ever"),
        *(policy_rows(policy) if policy is not None and policy.id == m.points_rule else []),
        ("Reference car fuel", label(m.reference_car_fuel)),
        ("Detour factors (ground distance = great circle x factor)",
         ", ".join(f"{label(k)} {v}" for k, v in sorted(m.detour_factors.items()))),
        ("Commute trips per day that earn points", Styled(m.commute_trips_per_day, "int")),
        ("Self-reported trips per month that earn points",
         Styled(m.self_reported_per_month, "int")),
    ]  # fmt: skip
    return pairs("Methodology version", rows, key="version", name_width=NAME_WIDTH)


#: a cabin or rail class as the workbook names it.
CLASS_NAMES = {
    "premium_economy": "premium economy",
    "business": "business class",
    "first": "first class",
    "sleeper": "a sleeper berth",
}


def travel_rule_words(m: Methodology, rule: Entitlement) -> str:
    """One rule in words: "grades executive, director: business class on flights (long-haul
    or 3,700 km or more)"."""
    who = "everyone" if not rule.grades else "grades " + ", ".join(rule.grades)
    cabin = CLASS_NAMES.get(rule.cabin.value, rule.cabin.value)
    if rule.mode.value == "rail":
        where = f"{rule.min_km:,} km or more" if rule.min_km else "any length"
        return f"{who}: {cabin} on trains ({where})"
    min_km: Decimal
    if rule.hauls is None and rule.min_km is None:
        hauls, min_km = list(m.business_class_hauls), m.business_class_min_km
    else:
        hauls, min_km = list(rule.hauls or ()), rule.min_km or Decimal(0)
    where = ", ".join(haul_label(h) for h in hauls)
    if min_km:
        where = f"{where} or {min_km:,} km or more" if where else f"{min_km:,} km or more"
    return f"{who}: {cabin} on flights ({where or 'none'})"


def policy_rows(policy: PointsPolicy) -> list[tuple[str, CellValue]]:
    """The points policy's rates and caps, as the methodology version stored them."""
    per = {"kg": "per kg CO2e avoided", "km": "per km", "trip": "per trip"}
    rates = "; ".join(
        f"{behaviour_words(r.behaviour)}: {r.points} points {per[r.per]}"
        for r in policy.rates.values()
    )
    caps = "; ".join(
        f"at most {c.points:,} points per {c.period.value}, {behaviour_words(c.behaviour)}"
        for c in policy.caps
    )
    return [("Points policy rates", rates or "none"), ("Points policy caps", caps or "none")]


def sets_block(used: list[str], data: ReportData, catalogue: Catalogue) -> Block:
    columns = (
        SET, Column("Publisher", "text", 24), Column("Title", "text", 30),
        Column("Year", "number", 30), Column("Version", "text", 16),
        Column("Source address", "text", 22), Column("Licence", "text", 24),
        Column("GWP", "text", 12), Column("Activities", "int", 14),
    )  # fmt: skip
    rows: list[tuple[CellValue, ...]] = []
    for set_id in used:
        activities = sum(u.activities for (s, _), u in data.current.factors.items() if s == set_id)
        fs = catalogue.factor_sets.get(set_id)
        spend = data.spend_sets.get(set_id)
        if fs is not None:
            rows.append((fs.id, fs.publisher, fs.title, fs.year, fs.version, fs.source_url,
                         fs.licence, fs.gwp, activities))  # fmt: skip
        elif spend is not None:
            rows.append((spend.id, spend.publisher, spend.title, spend.price_year,
                         spend.version, spend.source_url, spend.licence, spend.gwp,
                         activities))  # fmt: skip
        else:
            p: PublishedSet | None = data.published.get(set_id)
            rows.append((set_id, p.publisher if p else NOT_INSTALLED, p.title if p else None,
                         p.year if p else None, p.version if p else None,
                         p.source_url if p else None, p.licence if p else None, None,
                         activities))  # fmt: skip
    return Block("Factor sets used", columns, rows, key="factor_sets")


def factors_block(
    used: Mapping[tuple[str, str], FactorUse],
    catalogue: Catalogue,
    spend_sets: Mapping[str, SpendFactorSet],
) -> Block:
    columns = (
        SET, Column("Factor ID (publisher)", "text", 24), Column("Key", "text", 30),
        Column("Description", "text", 30), Column("Value (kg CO2e per unit)", "number", 16),
        Column("Unit", "text", 22), Column("Derivation", "text", 24),
        Column("Activities", "int", 12), Column("Emissions (kg CO2e)", "kg", 14),
    )  # fmt: skip
    rows: list[tuple[CellValue, ...]] = []
    for (set_id, factor_id), use in sorted(used.items()):
        rows.append(
            (
                set_id,
                factor_id,
                *_factor(set_id, factor_id, catalogue, spend_sets),
                use.activities,
                use.kg_co2e,
            )
        )
    return Block(
        "Factors used (one row per factor applied in the period)",
        columns,
        rows,
        notes=(
            "kg CO2e of a row = quantity x value / occupants (per vehicle-km factors only); "
            "the quantity is km (with the set's flight uplift when not included), room-nights "
            "for hotels, or the amount spent in the set's currency.",
        ),
        key="factors",
    )


def _factor(
    set_id: str, factor_id: str, catalogue: Catalogue, spend_sets: Mapping[str, SpendFactorSet]
) -> tuple[CellValue, ...]:
    """(key, description, value, unit, derivation) of a factor as published."""
    if factor_id == ZERO_CONVENTION:
        return ("-", "Walking and cycling: 0 kg CO2e by convention", Decimal(0), "-", "")
    fs = catalogue.factor_sets.get(set_id)
    if fs is not None:
        found = [f for f in fs.factors.values() if f.publisher_id == factor_id]
        if found:
            return _published(found)
    spend = spend_sets.get(set_id)
    if spend is not None:
        for factor in spend.factors.values():
            if factor.naics == factor_id:
                unit = f"{spend.currency} spent ({spend.price_year} prices)"
                return (factor.category, f"NAICS {factor.naics} {factor.naics_title}",
                        factor.value, unit, f"USEEIO {factor.useeio_code}")  # fmt: skip
    return (None, NOT_INSTALLED, None, None, None)


def _published(found: list[Factor]) -> tuple[CellValue, ...]:
    first = found[0]
    keys = "; ".join(f.key for f in found)
    return (keys, first.label, first.value, first.unit.replace(".", "-"), first.derivation)


def rules_block(used: list[str], catalogue: Catalogue) -> Block:
    rows: list[tuple[CellValue, ...]] = []
    for set_id in used:
        fs = catalogue.factor_sets.get(set_id)
        if fs is None:
            continue
        rows.append((fs.id, "Haul of a flight", _haul_rule(fs)))
        uplift = (
            "included in the published factors: great-circle km x factor"
            if fs.uplift_included
            else f"great-circle km + {fs.uplift_pct} %"
        )
        rows.append((fs.id, "Distance uplift (flights)", f"{uplift}. {fs.uplift_note}".strip()))
        rows.append((fs.id, "Radiative forcing", fs.rf_note or "-"))
        for key, target in sorted(fs.fallbacks.items()):
            rows.append((fs.id, "Fallback", f"{key}: no own factor, uses {target}"))
    return Block(
        "Rules of each factor set (haul, uplift, radiative forcing, cabin fallbacks)",
        (SET, Column("Rule", "text", 24), Column("How", "text", 30)),
        rows,
        span_last=True,
        notes=(
            "A cabin without a factor of its own falls back to the next lower cabin "
            "(first, business, premium economy, economy); the trail of each activity says so.",
        ),
        key="rules",
    )


def _haul_rule(fs: FactorSet) -> str:
    if fs.haul_rule == "uk_territory":
        return (
            "by the other end's country: domestic within the UK, short-haul to Europe, "
            "long-haul beyond (the publisher's territory list); international for non-UK "
            "flights"
        )
    bands = ", ".join(
        f"{haul_label(b.haul)} below {b.below_km} km" if b.below_km is not None
        else f"{haul_label(b.haul)} beyond"
        for b in fs.distance_bands
    )  # fmt: skip
    return f"by distance: {bands}"


BASELINE_RULES = {
    "economy_flight": "Rail or coach journeys whose ends are {low}-{high} km apart (great "
    "circle) are compared with an economy flight over that distance; the legs of one journey "
    "share it in proportion to their distance.",
    "business_class": "Economy and premium economy flights are compared with business class "
    "where the travel policy entitled the traveller to it ({hauls}, by grade).",
    "entitled_class": "A flight or train below the class the travel policy entitled the "
    "traveller to is compared with that class (first class by train: seat-space allocation).",
    "petrol_car": "Electric and plug-in hybrid cars are compared with a petrol car of the "
    "same size.",
    "solo_car": "Commutes by public transport, bicycle, on foot, shared or electric car are "
    "compared with driving alone in an average car.",
    "declared_mode": "Commutes are compared with the employee's declared usual commute "
    "(personal additionality).",
}


def baselines_block(used: Mapping[str, int], m: Methodology | None) -> Block:
    rows: list[tuple[CellValue, ...]] = []
    for code, activities in sorted(used.items()):
        rule = BASELINE_RULES.get(code, "")
        if m is not None:
            hauls = ", ".join(haul_label(h) for h in m.business_class_hauls) + " flights"
            if m.business_class_min_km:
                hauls += f" and flights of {m.business_class_min_km} km or more"
            rule = rule.format(
                low=m.rail_vs_flight_min_km, high=m.rail_vs_flight_max_km, hauls=hauls
            )
        rows.append((label(code), rule, activities))
    return Block(
        "Baselines the avoided figures were taken against",
        (
            Column("Baseline", "text", 22),
            Column("Rule", "text", 110),
            Column("Activities", "int", 12),
        ),
        rows,
        notes=(
            "Avoided kg = baseline kg - actual kg, never below 0. Avoided emissions are an "
            "incentive programme, not offsets, and never part of the inventory.",
        ),
        key="baselines",
    )


def computation_block(m: Methodology | None, default_cabin: str) -> Block:
    rows: list[tuple[CellValue, ...]] = [
        ("Distance", "As the source gave it; else great circle between the two places "
         "(flights), or great circle x the detour factor (ground travel). The Detail sheet's "
         "'Distance source' column says which."),
        ("Flights without a cabin", f"Scored as {label(default_cabin).lower()} (the "
         "configured default) and counted on the Data quality sheet."),
        ("Per vehicle factors", "Car factors per vehicle-km are divided by the people sharing "
         "the car (the Detail sheet's 'Occupants')."),
        ("Spend-based fallback", "Only where no distance or nights are known: the amount is "
         "converted into the set's currency at the dated ECB reference rate, then x the "
         "factor per currency unit. It never earns points."),
        ("Rounding", "Each activity's kg CO2e is rounded to the gram (0.001 kg, half up). "
         "Every total is the sum of the rounded Detail rows; t CO2e = kg / 1000 exactly."),
        ("Employee key", "HMAC-SHA256 of the employee's internal public id under the "
         "configured secret ([privacy] pseudonym_secret), first 20 hex characters: the same "
         "person has the same key in every report, and no name, email or number is shown."),
    ]  # fmt: skip
    if m is not None and m.radiative_forcing:
        rows.insert(2, ("Radiative forcing", "Flights use the set's 'with RF' factors where "
                        "it publishes them (see the rules above)."))  # fmt: skip
    return Block(
        "How a Detail row is computed",
        (Column("Step", "text", 22), Column("Rule", "text", 24)),
        rows,
        span_last=True,
        key="computation",
    )
