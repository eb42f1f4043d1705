"""What a methodology version changed compared with the one before, item by item.

The history on the methodology page reads as a diff of policy items ("radiative forcing: on
-> off"), not of stored parameter keys: the factor set and its family are one choice, the
rail band's two ends are one item. Values stay typed; the page puts them into words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from corp_carbon.domain.methodology import BY_YEAR, Methodology

#: the policy items in the order the page shows them.
POLICY_ITEMS = (
    "factor_set",
    "radiative_forcing",
    "include_well_to_tank",
    "rail_vs_flight_band",
    "business_class",
    "reference_car_fuel",
    "additionality",
    "points_rule",
    "commute_trips_per_day",
    "self_reported_per_month",
    "detour_factors",
)


@dataclass(frozen=True)
class FactorSetChoice:
    """A fixed set, or each trip's year within a family (``family`` is None for a fixed set)."""

    factor_set: str
    family: str | None

    @property
    def by_year(self) -> bool:
        return self.factor_set == BY_YEAR


@dataclass(frozen=True)
class BusinessClassRule:
    """Where policy allows business class: on these hauls, and on flights this long (0: none)."""

    hauls: tuple[str, ...]
    min_km: Decimal


@dataclass(frozen=True)
class Change:
    item: str
    before: object
    after: object


def policy_items(m: Methodology) -> dict[str, object]:
    """The methodology as the page's policy items, each a comparable value."""
    return {
        "factor_set": FactorSetChoice(m.factor_set, m.family if m.factor_set == BY_YEAR else None),
        "radiative_forcing": m.radiative_forcing,
        "include_well_to_tank": m.include_well_to_tank,
        "rail_vs_flight_band": (m.rail_vs_flight_min_km, m.rail_vs_flight_max_km),
        "business_class": BusinessClassRule(
            tuple(sorted(m.business_class_hauls)), m.business_class_min_km
        ),
        "reference_car_fuel": m.reference_car_fuel,
        "additionality": m.additionality,
        "points_rule": m.points_rule,
        "commute_trips_per_day": m.commute_trips_per_day,
        "self_reported_per_month": m.self_reported_per_month,
        "detour_factors": tuple(sorted(m.detour_factors.items())),
    }


def changes(before: Methodology | None, after: Methodology) -> list[Change]:
    """The items ``after`` changed compared with ``before`` (none before: no changes, it is
    the first version); an empty list for a version that repeats its predecessor's policy."""
    if before is None:
        return []
    old, new = policy_items(before), policy_items(after)
    return [Change(item, old[item], new[item]) for item in POLICY_ITEMS if old[item] != new[item]]
