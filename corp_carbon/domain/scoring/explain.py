"""The explanation trail of an assessment: each step in words, with the numbers behind it.

Steps are dicts so they can be stored as JSON with the assessment and shown on pages as they
are: ``{"step": "factor", "text": "...", ...figures}``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from corp_carbon.domain.factors import haul_label
from corp_carbon.domain.phrases import N_, Num, Phrase, Word, say
from corp_carbon.domain.scoring.points import AVOIDED_GRAMS
from corp_carbon.domain.scoring.policy import PointsPolicy, behaviour_of, behaviour_words
from corp_carbon.domain.scoring.values import Assessment, Emission
from corp_carbon.domain.vocabulary import Cabin, DistanceSource, Mode

_HOW = {
    DistanceSource.GIVEN: N_("as stated by the booking source"),
    DistanceSource.COMPUTED: N_("great-circle distance between the two places"),
    DistanceSource.ESTIMATED: N_("estimated: great-circle distance times a detour factor"),
    DistanceSource.DECLARED: N_("as declared by the employee"),
}


def explain(a: Assessment) -> list[dict[str, Any]]:
    """The steps; each has ``text`` (English), ``say`` (the phrase, for other languages) and
    its figures. Free-text notes (place look-ups, fallbacks, transcription notes) stay as
    the data wrote them: ``place`` and ``note`` steps, and ``detail``/``derivation`` fields."""
    trip = a.trip
    fs = a.factor_set
    steps: list[dict[str, Any]] = [_step("summary", _plain(a))]
    steps += [_step("place", say(note)) for note in trip.place_notes]
    if trip.mode is Mode.HOTEL:
        nights = trip.nights or 1
        steps.append(
            _step("quantity", say(N_("%(n)s room-night(s)"), n=Num(nights)), nights=nights)
        )
    elif trip.distance_km is not None:
        source = trip.distance_source or DistanceSource.GIVEN
        how = say(_HOW.get(source, N_("as stated by the booking source")))
        extra = {"detail": trip.distance_note} if trip.distance_note else {}
        steps.append(
            _step(
                "distance",
                say(N_("Distance %(km)s km, %(how)s"), km=_num(trip.distance_km), how=how),
                distance_km=str(trip.distance_km),
                distance_source=source.value,
                **extra,
            )
        )
    steps.append(
        _step(
            "factor_set",
            say(
                N_("Factor set %(title)s (%(publisher)s), version %(version)s, %(licence)s"),
                title=fs.title,
                publisher=fs.publisher,
                version=fs.version,
                licence=fs.licence,
            ),
            factor_set=fs.id,
            version=fs.version,
            source=fs.source_url,
            title=fs.title,
            publisher=fs.publisher,
            year=fs.year,
        )
    )
    steps += _emission_steps(a.actual, fs.uplift_included, fs.uplift_note, "actual")
    steps.append(_baseline_step(a))
    if a.baseline is not None:
        b = a.baseline
        steps += _emission_steps(b.emission, fs.uplift_included, fs.uplift_note, "baseline")
        steps.append(
            _step(
                "avoided",
                say(
                    N_("Avoided: max(0, %(baseline)s - %(actual)s) = %(avoided)s kg CO2e"),
                    baseline=Num(b.emission.kg_co2e, 3),
                    actual=Num(a.kg_co2e, 3),
                    avoided=Num(a.avoided_kg_co2e, 3),
                ),
                avoided_kg_co2e=str(a.avoided_kg_co2e),
                baseline_kg_co2e=str(b.emission.kg_co2e),
            )
        )
    steps.append(_points_step(a))
    return steps


def explain_brief(a: Assessment) -> list[dict[str, Any]]:
    """Only the steps a list of trips shows, as ``explain`` writes them: the summary and
    what the trip was compared with (a fifth of the work of the whole trail)."""
    return [_step("summary", _plain(a)), _baseline_step(a)]


def _baseline_step(a: Assessment) -> dict[str, Any]:
    if a.baseline is None:
        why = a.no_baseline_why or say(a.no_baseline_reason)
        return _step("baseline", say(N_("No baseline: %(why)s"), why=why), baseline=None)
    b = a.baseline
    return _step(
        "baseline",
        say(
            N_("Compared with %(what)s: %(why)s"),
            what=b.said or say(b.description),
            why=b.why or say(b.reason),
        ),
        baseline=b.code,
    )


#: a train's class as its seat, mid-sentence.
SEAT_WORDS = {Cabin.FIRST: N_("a first-class seat"), Cabin.SLEEPER: N_("a sleeper berth")}


def _emission_steps(
    e: Emission, uplift_included: bool, uplift_note: str, role: str
) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    if e.haul is not None:
        haul = say(haul_label(e.haul))
        text = say(N_("Haul: %(haul)s"), haul=haul)
        if uplift_included:
            text = say(
                N_("Haul: %(haul)s; the factor already includes the routing uplift, none is added"),
                haul=haul,
            )
        steps.append(_step("haul", text, role=role, haul=e.haul, note=uplift_note))
    for note in e.notes:
        steps.append(_step("note", say(note), role=role))
    if e.factor is None:
        steps.append(
            _step(
                "emission",
                say(N_("%(mode)s: 0 kg CO2e"), mode=Word(e.mode)),
                role=role,
                kg_co2e="0.000",
            )
        )
        return steps
    f = e.factor
    unit = _unit(f.unit)
    text = say(
        N_("Factor “%(name)s”: %(value)s kg CO2e per %(unit)s (ID %(id)s)"),
        name=f.label,
        value=_num(f.value),
        unit=unit,
        id=f.publisher_id,
    )
    if e.seat_space is not None and e.cabin is not None:
        text = say(
            N_(
                "Factor “%(name)s”: %(published)s kg CO2e per %(unit)s (ID %(id)s), for a "
                "standard seat; %(seat)s takes %(space)s times its floor space (seat-space "
                "allocation): %(published)s x %(space)s = %(value)s"
            ),
            name=f.label,
            published=_num(f.value / e.seat_space),
            unit=unit,
            id=f.publisher_id,
            seat=say(SEAT_WORDS.get(e.cabin, N_("this class"))),
            space=_num(e.seat_space),
            value=_num(f.value),
        )
    steps.append(
        _step(
            "factor",
            text,
            role=role,
            factor_id=f.publisher_id,
            factor_key=f.key,
            factor_label=f.label,
            factor_value=str(f.value),
            unit=f.unit,
            derivation=f.derivation,
        )
    )
    direct = e.kg_co2e - e.wtt_kg
    figures = {"qty": _num(e.quantity), "value": _num(f.value), "direct": Num(direct, 3)}
    if e.divisor > 1:
        figures["divisor"] = Num(e.divisor)
    if e.share is None:
        template = (
            N_("%(qty)s x %(value)s / %(divisor)s occupants = %(direct)s kg CO2e")
            if e.divisor > 1
            else N_("%(qty)s x %(value)s = %(direct)s kg CO2e")
        )
        text = say(template, **figures)
    else:
        whole = (e.quantity * f.value / e.divisor).quantize(Decimal("0.001"), ROUND_HALF_UP)
        figures.update(whole=Num(whole, 3), share=Num(e.share * 100, 1), kg=Num(e.kg_co2e, 3))
        template = (
            N_(
                "%(qty)s x %(value)s / %(divisor)s occupants = %(whole)s kg CO2e for the whole "
                "journey; this leg's share by distance %(share)s%% = %(kg)s kg CO2e"
            )
            if e.divisor > 1
            else N_(
                "%(qty)s x %(value)s = %(whole)s kg CO2e for the whole journey; this leg's "
                "share by distance %(share)s%% = %(kg)s kg CO2e"
            )
        )
        text = say(template, **figures)
    steps.append(
        _step("emission", text, role=role, kg_co2e=str(e.kg_co2e), quantity=str(e.quantity))
    )
    if e.wtt is not None:
        steps.append(
            _step(
                "well_to_tank",
                say(
                    N_("Well-to-tank %(value)s per %(unit)s (ID %(id)s): + %(kg)s kg"),
                    value=_num(e.wtt.value),
                    unit=unit,
                    id=e.wtt.publisher_id,
                    kg=Num(e.wtt_kg, 3),
                ),
                role=role,
                factor_id=e.wtt.publisher_id,
                kg_co2e=str(e.wtt_kg),
            )
        )
    return steps


def _plain(a: Assessment) -> Phrase:
    """The trail in one sentence, for a trip list."""
    kg = Num(a.kg_co2e, 1)
    if a.points_rule != AVOIDED_GRAMS and a.methodology.points_policy is None:
        return say(
            N_("%(kg)s kg CO2e; %(points)s points on the %(rule)s rate card."),
            kg=kg,
            points=Num(a.points),
            rule=a.points_rule,
        )
    if a.baseline is None:
        why = a.no_baseline_why or say(a.no_baseline_reason)
        return say(N_("%(kg)s kg CO2e. No points: %(why)s."), kg=kg, why=why)
    what = a.baseline.said or say(a.baseline.description)
    if a.avoided_kg_co2e <= 0:
        return say(N_("%(kg)s kg CO2e, no less than %(what)s: no points."), kg=kg, what=what)
    return say(
        N_("%(kg)s kg CO2e, %(avoided)s kg less than %(what)s: %(points)s points."),
        kg=kg,
        avoided=Num(a.avoided_kg_co2e, 1),
        what=what,
        points=Num(a.points),
    )


def _policy_points(a: Assessment, policy: PointsPolicy) -> Phrase:
    """Points under the points policy: the behaviour, its rate, and a per-trip cap."""
    code = a.baseline.code if a.baseline else None
    trip = a.trip
    behaviour = behaviour_of(trip.kind, trip.mode, trip.fuel, trip.occupants, code)
    if behaviour is None or a.avoided_kg_co2e <= 0:
        return say(
            N_("0 points: nothing avoided against a credible baseline, so nothing to reward")
        )
    rate = policy.rates.get(behaviour)
    if rate is None:
        return say(
            N_("0 points: the points policy has no rate for %(behaviour)s"),
            behaviour=say(behaviour_words(behaviour)),
        )
    unit = {
        "kg": N_("%(rate)s points per kg CO2e avoided"),
        "km": N_("%(rate)s points per km"),
        "trip": N_("%(rate)s points a trip"),
    }[rate.per]
    exponent = int(rate.points.normalize().as_tuple().exponent)
    digits = max(0, -exponent)
    text = say(
        N_("%(points)s points: %(rate)s for %(behaviour)s (points policy “%(policy)s”)"),
        points=Num(a.uncapped_points if a.uncapped_points is not None else a.points),
        rate=say(unit, rate=Num(rate.points, digits)),
        behaviour=say(behaviour_words(behaviour)),
        policy=policy.name,
    )
    if a.trip_cap is None:
        return text
    cap = next((c for c in policy.caps if c.code == a.trip_cap), None)
    limit = Num(cap.points if cap else a.points)
    group = say(behaviour_words(cap.behaviour if cap else None))
    return say(
        N_("%(text)s; capped at %(limit)s points a trip for %(group)s: %(points)s points"),
        text=text,
        limit=limit,
        group=group,
        points=Num(a.points),
    )


def _points_step(a: Assessment) -> dict[str, Any]:
    points = Num(a.points)
    policy = a.methodology.points_policy
    if policy is not None and a.points_rule == policy.id:
        return _step(
            "points", _policy_points(a, policy), points=a.points, rule=a.points_rule,
            cap=a.trip_cap,
        )  # fmt: skip
    if a.points_rule == AVOIDED_GRAMS:
        text = say(N_("%(points)s points: 1 point per gram of CO2e avoided"), points=points)
    elif a.rate is None:
        text = say(
            N_("0 points: %(mode)s is not on the %(rule)s rate card"),
            mode=Word(a.trip.mode),
            rule=a.points_rule,
        )
    else:
        per = N_("per km") if a.rate.per == "km" else N_("per trip")
        text = say(
            N_(
                "%(points)s points: %(rule)s rate card, %(rate)s %(grams)s g %(per)s (an "
                "incentive, not an emission figure)"
            ),
            points=points,
            rule=a.points_rule,
            rate=a.rate.label,
            grams=Num(a.rate.grams),
            per=say(per),
        )
    return _step("points", text, points=a.points, rule=a.points_rule)


def _step(step: str, text: Phrase, **data: Any) -> dict[str, Any]:
    return {"step": step, "text": str(text), "say": text.to_json(), **data}


_UNITS = {
    "passenger.km": N_("passenger-km"),
    "vehicle.km": N_("vehicle-km"),
    "room.night": N_("room-night"),
}


def _unit(unit: str) -> Phrase:
    """The factor's unit in words: "passenger.km" is per passenger-km."""
    return say(_UNITS.get(unit, unit.replace(".", "-")))


def _num(value: Decimal) -> Num:
    """A figure with the decimals it has (trailing zeros dropped), as published."""
    exponent = value.normalize().as_tuple().exponent
    return Num(value, 0 if value == value.to_integral() else -int(exponent))
