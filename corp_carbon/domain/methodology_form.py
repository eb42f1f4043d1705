"""Reading a proposed methodology from the methodology page's form, field by field.

Every field is checked and every problem named with its field, so the page can show them all
at once beside the values as typed. Items the form does not offer (detour factors) carry
over from the version the proposal starts from. The limits are the configuration's own, so a
version saved on the page could also have been written in ``[methodology]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.factors import HAUL_LABELS
from corp_carbon.domain.methodology import BY_YEAR, Methodology
from corp_carbon.domain.scoring.points import AVOIDED_GRAMS
from corp_carbon.domain.scoring.policy import PointsPolicy
from corp_carbon.domain.vocabulary import Fuel

#: "by-year:<family>" in the factor-set field: each trip's year within that family.
BY_YEAR_PREFIX = BY_YEAR + ":"
#: the longest great-circle distance on Earth, rounded up (km).
MAX_KM = 20_038
MAX_COMMUTE_TRIPS_PER_DAY = 10
MAX_SELF_REPORTED_PER_MONTH = 1000
MAX_REASON = 500
REFERENCE_CAR_FUELS = (Fuel.UNKNOWN, Fuel.PETROL, Fuel.DIESEL)
ADDITIONALITY = ("reference", "personal")
#: the form's fields with several values.
MULTI_FIELDS = frozenset({"business_class_hauls"})
#: the form's fields, in the order the page shows them (and names their problems).
FIELDS = (
    "factor_set",
    "radiative_forcing",
    "include_well_to_tank",
    "band_low",
    "band_high",
    "business_class_hauls",
    "business_class_min_km",
    "reference_car_fuel",
    "additionality",
    "points_rule",
    "commute_trips_per_day",
    "self_reported_per_month",
    "reason",
)

FormValues = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class Offer:
    """What the catalogue offers to choose from."""

    factor_sets: tuple[str, ...]
    #: families with at least one set (the "by-year" choices).
    families: tuple[str, ...]
    rate_cards: tuple[str, ...]
    hauls: tuple[str, ...] = tuple(HAUL_LABELS)
    #: points policies by id (a chosen one is stored whole in the new version).
    policies: Mapping[str, PointsPolicy] = field(default_factory=dict)


class InvalidProposal(DomainError):
    """One message per field that is wrong; nothing is stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def factor_set_value(m: Methodology) -> str:
    """The factor-set field's value for a methodology."""
    return BY_YEAR_PREFIX + m.family if m.factor_set == BY_YEAR else m.factor_set


def form_values(m: Methodology) -> dict[str, str | list[str]]:
    """The form filled in with a version's policy (a blank reason)."""
    return {
        "factor_set": factor_set_value(m),
        "radiative_forcing": "on" if m.radiative_forcing else "",
        "include_well_to_tank": "on" if m.include_well_to_tank else "",
        "band_low": _whole(m.rail_vs_flight_min_km),
        "band_high": _whole(m.rail_vs_flight_max_km),
        "business_class_hauls": list(m.business_class_hauls),
        "business_class_min_km": _whole(m.business_class_min_km),
        "reference_car_fuel": m.reference_car_fuel.value,
        "additionality": m.additionality,
        "points_rule": m.points_rule,
        "commute_trips_per_day": str(m.commute_trips_per_day),
        "self_reported_per_month": str(m.self_reported_per_month),
        "reason": "",
    }


def read_proposal(values: FormValues, base: Methodology, offer: Offer) -> Methodology:
    """The policy the form asks for, starting from ``base`` (version 0: not stored).

    Raises ``InvalidProposal`` naming every field that is wrong."""
    errors: dict[str, str] = {}
    factor_set, family = _factor_set(_one(values, "factor_set"), offer, errors)
    low = _km(values, "band_low", "Rail-vs-flight band, from", errors)
    high = _km(values, "band_high", "Rail-vs-flight band, to", errors)
    if low is not None and high is not None and low >= high:
        errors["band_high"] = (
            f"Rail-vs-flight band: the upper end ({high:,} km) must be above the lower end "
            f"({low:,} km)"
        )
    hauls = [h for h in _many(values, "business_class_hauls") if h]
    unknown = [h for h in hauls if h not in offer.hauls]
    if unknown:
        errors["business_class_hauls"] = (
            f"Business class allowed on: {', '.join(repr(h) for h in unknown)} is not a haul "
            f"(choose among {', '.join(offer.hauls)})"
        )
    min_km = _km(values, "business_class_min_km", "Business class on flights from", errors)
    fuel = _one(values, "reference_car_fuel")
    if fuel not in {f.value for f in REFERENCE_CAR_FUELS}:
        errors["reference_car_fuel"] = (
            f"Reference car: {fuel!r} is not one of unknown (average car), petrol, diesel"
        )
    additionality = _one(values, "additionality")
    if additionality not in ADDITIONALITY:
        errors["additionality"] = (
            f"Commute baseline: {additionality!r} is neither reference nor personal"
        )
    points_rule = _one(values, "points_rule")
    if (
        points_rule != AVOIDED_GRAMS
        and points_rule not in offer.rate_cards
        and points_rule not in offer.policies
    ):
        known = ", ".join([*offer.policies, *offer.rate_cards])
        errors["points_rule"] = (
            f"Points rule: {points_rule!r} is neither points per gram avoided nor a known "
            f"points policy or rate card ({known})"
        )
    per_day = _count(
        values, "commute_trips_per_day", "Commute trips per day", MAX_COMMUTE_TRIPS_PER_DAY, errors
    )
    per_month = _count(
        values,
        "self_reported_per_month",
        "Self-reported trips per month",
        MAX_SELF_REPORTED_PER_MONTH,
        errors,
    )
    if (
        errors
        or low is None
        or high is None
        or min_km is None
        or per_day is None
        or per_month is None
    ):
        raise InvalidProposal(errors)
    return replace(
        base,
        version=0,
        factor_set=factor_set,
        family=family or base.family,
        radiative_forcing=_flag(values, "radiative_forcing"),
        include_well_to_tank=_flag(values, "include_well_to_tank"),
        rail_vs_flight_min_km=Decimal(low),
        rail_vs_flight_max_km=Decimal(high),
        business_class_hauls=tuple(h for h in offer.hauls if h in hauls),
        business_class_min_km=Decimal(min_km),
        reference_car_fuel=Fuel(fuel),
        additionality="personal" if additionality == "personal" else "reference",
        points_rule=points_rule,
        points_policy=offer.policies.get(points_rule),
        commute_trips_per_day=per_day,
        self_reported_per_month=per_month,
    )


def read_reason(values: FormValues) -> str:
    """The reason for saving a version: required, at most ``MAX_REASON`` characters."""
    reason = " ".join(_one(values, "reason").split())
    if not reason:
        raise InvalidProposal({"reason": "Reason: say why the methodology changes"})
    if len(reason) > MAX_REASON:
        raise InvalidProposal(
            {"reason": f"Reason: at most {MAX_REASON} characters (this one has {len(reason)})"}
        )
    return reason


def _factor_set(raw: str, offer: Offer, errors: dict[str, str]) -> tuple[str, str | None]:
    """The set and, for "by year", its family (None: a fixed set, the family stays)."""
    if raw.startswith(BY_YEAR_PREFIX):
        family = raw.removeprefix(BY_YEAR_PREFIX)
        if family in offer.families:
            return BY_YEAR, family
    elif raw in offer.factor_sets:
        return raw, None
    errors["factor_set"] = f"Factor set: {raw!r} is not a published factor set of this service"
    return BY_YEAR, None


def _km(values: FormValues, name: str, words: str, errors: dict[str, str]) -> int | None:
    raw = _one(values, name).replace(",", "").replace(" ", "")
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_KM:
        shown = _one(values, name)
        errors[name] = f"{words}: {shown!r} is not a whole number of km from 0 to {MAX_KM:,}"
        return None
    return int(raw)


def _count(
    values: FormValues, name: str, words: str, maximum: int, errors: dict[str, str]
) -> int | None:
    raw = _one(values, name).strip()
    if not raw.isascii() or not raw.isdigit() or int(raw) > maximum:
        errors[name] = f"{words}: {raw!r} is not a whole number from 0 to {maximum:,}"
        return None
    return int(raw)


def _flag(values: FormValues, name: str) -> bool:
    return _one(values, name) in ("on", "true", "1", "yes")


def _one(values: FormValues, name: str) -> str:
    value = values.get(name, "")
    if not isinstance(value, str):
        value = value[0] if value else ""
    return value.strip()


def _many(values: FormValues, name: str) -> list[str]:
    value = values.get(name, ())
    return [value] if isinstance(value, str) else list(value)


def _whole(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value)
