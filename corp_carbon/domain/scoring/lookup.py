"""Which factor applies to a trip, and the emission it gives.

A set may lack the exact factor (no premium-economy row, no BEV van): the look-up falls back
along a declared order (a lower cabin, the average car, the set's own ``fallbacks``) and says
so in the trail. Each distinct combination is resolved once per ``FactorLookup`` and cached.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from corp_carbon.domain.factors import Factor, FactorSet, MissingFactor
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.values import (
    KG,
    ZERO,
    ZERO_EMISSION_MODES,
    Emission,
    MissingDistance,
    Trip,
)
from corp_carbon.domain.vocabulary import Cabin, Fuel, Mode, VehicleSize, label

CABIN_ORDER = (Cabin.FIRST, Cabin.BUSINESS, Cabin.PREMIUM_ECONOMY, Cabin.ECONOMY)

#: a factor, the notes on how it was found, and its well-to-tank add-on.
Resolved = tuple[Factor | None, tuple[str, ...], Factor | None]


class FactorQuery(NamedTuple):
    """Everything that decides which factor of a set applies."""

    mode: Mode
    cabin: Cabin | None
    fuel: Fuel | None
    size: VehicleSize | None
    haul: str | None
    rf: bool
    #: national or international rail, the hotel's country (see ``scope``).
    scope: str | None


class FactorLookup:
    """Emissions under one methodology's factor rules (radiative forcing, well-to-tank)."""

    def __init__(self, methodology: Methodology) -> None:
        self.methodology = methodology
        self._resolved: dict[tuple[str, FactorQuery], Resolved] = {}

    def emission(
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
        """``trip`` by ``mode`` (its own or a baseline's), over ``distance_km`` if given."""
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
            haul, haul_note = haul_of(fs, trip, quantity)
            notes = (haul_note,) if haul_note else ()
        size = trip.vehicle_size if mode in (Mode.CAR, Mode.MOTORBIKE) else None
        query = FactorQuery(mode, cabin, fuel, size, haul, rf, scope(trip, mode))
        resolved = self._resolved.get((fs.id, query))
        if resolved is None:
            resolved = self._resolve(fs, query)
            self._resolved[fs.id, query] = resolved
        factor, lookup_notes, wtt = resolved
        if mode is Mode.RAIL and factor is not None:
            factor, lookup_notes, wtt = self._rail_class(factor, wtt, lookup_notes, cabin)
        divisor = occupants if factor is not None and factor.unit == "vehicle.km" else 1
        if factor is None:
            kg = ZERO
        else:
            kg = (quantity * factor.value / divisor).quantize(KG, rounding=ROUND_HALF_UP)
        wtt_kg = ZERO
        if wtt is not None:
            wtt_kg = (quantity * wtt.value / divisor).quantize(KG, rounding=ROUND_HALF_UP)
        space = self.methodology.rail_space(cabin) if mode is Mode.RAIL else Decimal(1)
        return Emission(
            seat_space=space if space != 1 and factor is not None else None,
            cabin=cabin,
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

    def _rail_class(
        self, factor: Factor, wtt: Factor | None, notes: tuple[str, ...], cabin: Cabin | None
    ) -> Resolved:
        """A train's factor for its class: the published average per passenger is taken as a
        standard seat's; first class and sleeper berths take more of the train's floor, so
        they carry more of its emissions (seat-space allocation, ``rail_class_space``)."""
        space = self.methodology.rail_space(cabin)
        if space == 1:
            return factor, notes, wtt
        assert cabin is not None
        seat = {Cabin.FIRST: "a first-class seat", Cabin.SLEEPER: "a sleeper berth"}.get(
            cabin, label(cabin).lower()
        )
        why = (
            f"{seat}: {space} x a standard seat's space (seat-space allocation of the methodology)"
        )
        scaled = replace(factor, value=factor.value * space, derivation=_joined(factor, why))
        scaled_wtt = None if wtt is None else replace(wtt, value=wtt.value * space)
        return scaled, notes, scaled_wtt

    def _resolve(self, fs: FactorSet, query: FactorQuery) -> Resolved:
        if query.mode in ZERO_EMISSION_MODES:
            note = (
                f"{label(query.mode)}: 0 kg CO2e by convention (no fuel burnt; no factor published)"
            )
            return None, (note,), None
        notes: list[str] = []
        candidates = self._candidates(fs, query, notes)
        factor, key = _first(fs, candidates, notes)
        wtt = None
        if self.methodology.include_well_to_tank:
            wtt = fs.get("wtt." + key)
            if wtt is None:
                notes.append(f"no well-to-tank factor for {key} in {fs.id}: not added")
        return factor, tuple(notes), wtt

    def _candidates(self, fs: FactorSet, query: FactorQuery, notes: list[str]) -> list[str]:
        """The keys to try, best first."""
        mode, cabin, haul = query.mode, query.cabin, query.haul
        if mode is Mode.AIR:
            suffix = "rf" if query.rf else "no_rf"
            if self.methodology.radiative_forcing and not fs.rf_available:
                notes.append(f"{fs.id} publishes no radiative-forcing factors: shown without RF")
            if cabin is not None and cabin not in CABIN_ORDER:
                notes.append(f"{label(cabin)} is a train's class, not a cabin: ignored")
                cabin = None
            if cabin is None:
                notes.append("cabin unknown: the average-passenger factor applies")
                return [f"air.{haul}.average.{suffix}"]
            lower = CABIN_ORDER[CABIN_ORDER.index(cabin) :]
            return [f"air.{haul}.{c.value}.{suffix}" for c in lower] + [
                f"air.{haul}.average.{suffix}"
            ]
        size = (query.size or VehicleSize.AVERAGE).value
        if mode is Mode.RAIL:
            return [f"rail.{query.scope}", "rail.national"]
        if mode is Mode.CAR:
            f = (query.fuel or Fuel.UNKNOWN).value
            return [
                f"car.{size}.{f}",
                f"car.average.{f}",
                f"car.{size}.unknown",
                "car.average.unknown",
            ]
        if mode is Mode.MOTORBIKE:
            return [f"motorbike.{size}", "motorbike.average"]
        if mode is Mode.HOTEL:
            return [f"hotel.{query.scope or 'GB'}", "hotel.GB"]
        return list(_SIMPLE_KEYS[mode])


def scope(trip: Trip, mode: Mode) -> str | None:
    """What else decides the factor: national or international rail, the hotel's country."""
    if mode is Mode.HOTEL:
        return trip.destination_country
    if mode is not Mode.RAIL:
        return None
    o, d = trip.origin_country, trip.destination_country
    return "international" if o and d and o != d else "national"


def haul_of(fs: FactorSet, trip: Trip, km: Decimal) -> tuple[str, str]:
    """The flight's haul by the set's rule, and a note when it had to be assumed."""
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


def _joined(factor: Factor, why: str) -> str:
    return f"{factor.derivation}; {why}" if factor.derivation else why
