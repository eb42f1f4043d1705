"""The explanation trail of an assessment: each step in words, with the numbers behind it.

Steps are dicts so they can be stored as JSON with the assessment and shown on pages as they
are: ``{"step": "factor", "text": "...", ...figures}``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from corp_carbon.domain.factors import haul_label
from corp_carbon.domain.scoring.points import AVOIDED_GRAMS
from corp_carbon.domain.scoring.values import Assessment, Emission
from corp_carbon.domain.vocabulary import DistanceSource, Mode, label

_HOW = {
    DistanceSource.GIVEN: "as stated by the booking source",
    DistanceSource.COMPUTED: "great-circle distance between the two places",
    DistanceSource.ESTIMATED: "estimated: great-circle distance times a detour factor",
    DistanceSource.DECLARED: "as declared by the employee",
}


def explain(a: Assessment) -> list[dict[str, Any]]:
    trip = a.trip
    fs = a.factor_set
    steps: list[dict[str, Any]] = [_step("summary", _plain(a))]
    steps += [_step("place", note) for note in trip.place_notes]
    if trip.mode is Mode.HOTEL:
        steps.append(
            _step("quantity", f"{trip.nights or 1} room-night(s)", nights=trip.nights or 1)
        )
    elif trip.distance_km is not None:
        how = trip.distance_note or _HOW.get(trip.distance_source or DistanceSource.GIVEN, "")
        steps.append(
            _step(
                "distance",
                f"Distance {_km(trip.distance_km)} km, {how}",
                distance_km=str(trip.distance_km),
                distance_source=(trip.distance_source or DistanceSource.GIVEN).value,
            )
        )
    steps.append(
        _step(
            "factor_set",
            f"Factor set {fs.title} ({fs.publisher}), version {fs.version}, {fs.licence}",
            factor_set=fs.id,
            version=fs.version,
            source=fs.source_url,
        )
    )
    steps += _emission_steps(a.actual, fs.uplift_included, fs.uplift_note, "actual")
    if a.baseline is None:
        steps.append(_step("baseline", f"No baseline: {a.no_baseline_reason}", baseline=None))
    else:
        b = a.baseline
        steps.append(
            _step(
                "baseline",
                f"Compared with {b.description}: {b.reason}",
                baseline=b.code,
            )
        )
        steps += _emission_steps(b.emission, fs.uplift_included, fs.uplift_note, "baseline")
        steps.append(
            _step(
                "avoided",
                f"Avoided: max(0, {b.emission.kg_co2e} - {a.kg_co2e}) "
                f"= {a.avoided_kg_co2e} kg CO2e",
                avoided_kg_co2e=str(a.avoided_kg_co2e),
            )
        )
    steps.append(_points_step(a))
    return steps


def _emission_steps(
    e: Emission, uplift_included: bool, uplift_note: str, role: str
) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    if e.haul is not None:
        text = f"Haul: {haul_label(e.haul)}"
        if uplift_included:
            text += "; the factor already includes the routing uplift, none is added"
        steps.append(_step("haul", text, role=role, haul=e.haul, note=uplift_note))
    for note in e.notes:
        steps.append(_step("note", note, role=role))
    if e.factor is None:
        steps.append(_step("emission", f"{label(e.mode)}: 0 kg CO2e", role=role, kg_co2e="0.000"))
        return steps
    f = e.factor
    unit = f.unit.replace(".", "-")
    steps.append(
        _step(
            "factor",
            f"Factor {f.label}: {f.value} kg CO2e per {unit} (ID {f.publisher_id})",
            role=role,
            factor_id=f.publisher_id,
            factor_key=f.key,
            factor_value=str(f.value),
            unit=f.unit,
            derivation=f.derivation,
        )
    )
    divided = f" / {e.divisor} occupants" if e.divisor > 1 else ""
    direct = e.kg_co2e - e.wtt_kg
    if e.share is None:
        text = f"{_km(e.quantity)} x {f.value}{divided} = {direct} kg CO2e"
    else:
        whole = (e.quantity * f.value / e.divisor).quantize(Decimal("0.001"), ROUND_HALF_UP)
        text = (
            f"{_km(e.quantity)} x {f.value}{divided} = {whole} kg CO2e for the whole journey; "
            f"this leg's share by distance {e.share:.1%} = {e.kg_co2e} kg CO2e"
        )
    steps.append(_step("emission", text, role=role, kg_co2e=str(e.kg_co2e)))
    if e.wtt is not None:
        steps.append(
            _step(
                "well_to_tank",
                f"Well-to-tank {e.wtt.value} per {unit} (ID {e.wtt.publisher_id}): + {e.wtt_kg} kg",
                role=role,
                factor_id=e.wtt.publisher_id,
                kg_co2e=str(e.wtt_kg),
            )
        )
    return steps


def _plain(a: Assessment) -> str:
    """The trail in one sentence, for a trip list."""
    if a.points_rule != AVOIDED_GRAMS:
        return f"{a.kg_co2e} kg CO2e; {a.points:,} points on the {a.points_rule} rate card."
    if a.baseline is None:
        return f"{a.kg_co2e} kg CO2e. No points: {a.no_baseline_reason}."
    if a.avoided_kg_co2e <= 0:
        return f"{a.kg_co2e} kg CO2e, no less than {a.baseline.description}: no points."
    return (
        f"{a.kg_co2e} kg CO2e, {a.avoided_kg_co2e} kg less than {a.baseline.description}: "
        f"{a.points:,} points."
    )


def _points_step(a: Assessment) -> dict[str, Any]:
    if a.points_rule == AVOIDED_GRAMS:
        text = f"{a.points:,} points: 1 point per gram of CO2e avoided"
    elif a.rate is None:
        text = f"0 points: {label(a.trip.mode).lower()} is not on the {a.points_rule} rate card"
    else:
        per = "per km" if a.rate.per == "km" else "per trip"
        text = (
            f"{a.points:,} points: {a.points_rule} rate card, {a.rate.label} "
            f"{a.rate.grams} g {per} (an incentive, not an emission figure)"
        )
    return _step("points", text, points=a.points, rule=a.points_rule)


def _step(step: str, text: str, **data: Any) -> dict[str, Any]:
    return {"step": step, "text": text, **data}


def _km(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
