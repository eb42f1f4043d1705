"""The published data the engine scores with: factor sets, rate cards and spend sets.

The packaged files live in this package's ``factor_sets/`` (spend sets in ``factor_sets/spend/``)
and ``rate_cards/``; an operator adds a set by dropping a file into ``[methodology]
extra_data_dir``. A set id is loaded once per process and never changes afterwards. Files are
read by ``files``; exchange rates for spend come from ``rates``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from corp_carbon.catalogue.files import (
    FactorSetFileError,
    SpendDataError,
    load_factor_set,
    load_points_policy,
    load_rate_card,
    load_spend_set,
)
from corp_carbon.config import Settings
from corp_carbon.domain.factors import FactorSet
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.points import RateCard
from corp_carbon.domain.scoring.policy import PointsPolicy
from corp_carbon.domain.spend import SpendFactorSet
from corp_carbon.domain.travel_policy import parse_entitlements
from corp_carbon.domain.vocabulary import Fuel

FACTOR_SETS_DIR = Path(__file__).resolve().with_name("factor_sets")
RATE_CARDS_DIR = Path(__file__).resolve().with_name("rate_cards")
POLICIES_DIR = Path(__file__).resolve().with_name("points_policies")
SPEND_DIR = FACTOR_SETS_DIR / "spend"


@dataclass(frozen=True)
class Catalogue:
    factor_sets: MappingProxyType[str, FactorSet]
    rate_cards: MappingProxyType[str, RateCard]
    points_policies: MappingProxyType[str, PointsPolicy]


@lru_cache(maxsize=8)
def load_catalogue(extra_dir: str = "") -> Catalogue:
    folders = [FACTOR_SETS_DIR]
    card_folders = [RATE_CARDS_DIR]
    if extra_dir:
        folders.append(Path(extra_dir))
        card_folders.append(Path(extra_dir))
    sets: dict[str, FactorSet] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            if path.name.startswith(("rate-card-", "points-policy-")):
                continue
            loaded = load_factor_set(path)
            if loaded.id != path.stem:
                raise FactorSetFileError(f"{path}: id {loaded.id!r} differs from the file name")
            if loaded.id in sets:
                raise FactorSetFileError(f"{path}: factor set {loaded.id!r} is already defined")
            sets[loaded.id] = loaded
    cards: dict[str, RateCard] = {}
    for folder in card_folders:
        pattern = "*.toml" if folder.name == "rate_cards" else "rate-card-*.toml"
        for path in sorted(folder.glob(pattern)):
            card = load_rate_card(path)
            cards[card.id] = card
    policies: dict[str, PointsPolicy] = {}
    policy_folders = [(POLICIES_DIR, "*.toml")]
    if extra_dir:
        policy_folders.append((Path(extra_dir), "points-policy-*.toml"))
    for folder, pattern in policy_folders:
        for path in sorted(folder.glob(pattern)):
            policy = load_points_policy(path)
            if policy.id in policies or policy.id in cards:
                raise FactorSetFileError(f"{path}: points rule {policy.id!r} is already defined")
            policies[policy.id] = policy
    return Catalogue(MappingProxyType(sets), MappingProxyType(cards), MappingProxyType(policies))


def load_spend_sets(folder: Path = SPEND_DIR) -> Mapping[str, SpendFactorSet]:
    sets: dict[str, SpendFactorSet] = {}
    for path in sorted(folder.glob("*.toml")):
        loaded = load_spend_set(path)
        if loaded.id != path.stem:
            raise SpendDataError(f"{path}: id {loaded.id!r} differs from the file name")
        sets[loaded.id] = loaded
    return MappingProxyType(sets)


def catalogue_for(settings: Settings) -> Catalogue:
    return load_catalogue(settings.methodology.extra_data_dir)


def methodology_from_settings(settings: Settings) -> Methodology:
    """The policy the configuration asks for (version 0 until it is stored); a points policy
    named by ``points_rule`` is taken in whole, so a later edit of its file is a new version."""
    m = settings.methodology
    policies = catalogue_for(settings).points_policies
    low, high = [*m.rail_vs_flight_band_km, 0, 0][:2]
    road = Decimal(str(m.detour_road))
    return Methodology(
        factor_set=m.factor_set,
        family=m.family,
        radiative_forcing=m.radiative_forcing,
        include_well_to_tank=m.include_well_to_tank,
        points_rule=m.points_rule,
        additionality=m.additionality,
        rail_vs_flight_min_km=Decimal(low),
        rail_vs_flight_max_km=Decimal(high),
        business_class_hauls=tuple(m.business_class_hauls),
        business_class_min_km=Decimal(m.business_class_min_km),
        reference_car_fuel=Fuel(m.reference_car_fuel),
        detour_factors={
            "rail": Decimal(str(m.detour_rail)),
            "bus": road,
            "coach": road,
            "car": road,
            "taxi": road,
            "motorbike": road,
            "ferry": Decimal(str(m.detour_ferry)),
        },
        commute_trips_per_day=m.commute_trips_per_day,
        self_reported_per_month=m.self_reported_per_month,
        points_policy=policies.get(m.points_rule),
        travel_policy=parse_entitlements(
            [rule.model_dump() for rule in m.travel_policy], "[methodology] travel_policy"
        ),
        airport_max_km=Decimal(m.airport_max_km),
        new_commute_months=m.new_commute_months,
        rail_class_space={
            "standard": Decimal(1),
            "first": Decimal(str(m.rail_first_class_space)),
            "sleeper": Decimal(str(m.rail_sleeper_space)),
        },
    )
