"""Points rules: 1 point per gram avoided, or a city carbon-inclusion rate card.

Rate-card points are incentives aligned with a city scheme (grams credited per km or per
trip by mode). They are never emissions and never enter the inventory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any, Literal

from corp_carbon.domain.vocabulary import Mode

AVOIDED_GRAMS = "avoided_grams"


@dataclass(frozen=True, slots=True)
class Rate:
    mode: Mode
    grams: Decimal
    per: Literal["km", "trip"]
    #: the scheme's own words for it, e.g. "metro" or "shared bike".
    label: str


@dataclass(frozen=True)
class RateCard:
    id: str
    title: str
    source: str
    status: str
    rates: MappingProxyType[Mode, Rate]

    def points(self, mode: Mode, distance_km: Decimal | None) -> tuple[int, Rate | None]:
        rate = self.rates.get(mode)
        if rate is None:
            return 0, None
        amount = rate.grams if rate.per == "trip" else rate.grams * (distance_km or Decimal(0))
        return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)), rate


def parse_rate_card(data: Mapping[str, Any]) -> RateCard:
    """A card from its file's parsed TOML (raises ``KeyError`` or ``ValueError`` if malformed)."""
    rates = {}
    for entry in data["rates"]:
        mode = Mode(entry["mode"])
        rates[mode] = Rate(
            mode=mode, grams=Decimal(str(entry["grams"])), per=entry["per"], label=entry["label"]
        )
    return RateCard(
        id=data["id"],
        title=data["title"],
        source=data["source"],
        status=data["status"],
        rates=MappingProxyType(rates),
    )


def grams(kg: Decimal) -> int:
    """Avoided kilograms (already rounded to the gram) as whole points."""
    return int((kg * 1000).to_integral_value(rounding=ROUND_HALF_UP))
