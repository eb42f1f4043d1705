"""The published data the engine scores with: factor sets and rate cards, loaded once.

The packaged files live in ``corp_carbon/factor_sets/`` and ``corp_carbon/rate_cards/``; an
operator adds a set by dropping a file into ``[methodology] extra_data_dir``. A set id is
loaded once per process and never changes afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from corp_carbon.config import Settings
from corp_carbon.domain.factors import FactorSet, FactorSetFileError, load_factor_set
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.points import RateCard, load_rate_card
from corp_carbon.domain.vocabulary import Fuel
from corp_carbon.resources import PACKAGE_DIR


@dataclass(frozen=True)
class Catalogue:
    factor_sets: MappingProxyType[str, FactorSet]
    rate_cards: MappingProxyType[str, RateCard]


@lru_cache(maxsize=8)
def load_catalogue(extra_dir: str = "") -> Catalogue:
    folders = [PACKAGE_DIR / "factor_sets"]
    card_folders = [PACKAGE_DIR / "rate_cards"]
    if extra_dir:
        folders.append(Path(extra_dir))
        card_folders.append(Path(extra_dir))
    sets: dict[str, FactorSet] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            if path.name.startswith("rate-card-"):
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
    return Catalogue(MappingProxyType(sets), MappingProxyType(cards))


def catalogue_for(settings: Settings) -> Catalogue:
    return load_catalogue(settings.methodology.extra_data_dir)


def methodology_from_settings(settings: Settings) -> Methodology:
    """The policy the configuration asks for (version 0 until it is stored)."""
    m = settings.methodology
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
    )
