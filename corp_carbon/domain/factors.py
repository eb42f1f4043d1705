"""Emission-factor sets as immutable values, and the rules each set declares for itself.

A set is published data (DESNZ, EPA, ...) read from a versioned TOML file by
``corp_carbon.catalogue``; this module only
describes its shape and how a factor is looked up, so the engine never hard-codes a number.
Keys follow one scheme across sets (see ``corp_carbon/catalogue/factor_sets/README.md``), e.g.
``air.long_haul.economy.rf`` or ``car.medium.bev``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.phrases import N_

HaulRule = Literal["uk_territory", "distance_bands"]

#: the hauls of the sets' air keys, as a sentence reads them (trails, policy reasons).
HAUL_LABELS = {
    "domestic": N_("domestic"),
    "short_haul": N_("short-haul"),
    "medium_haul": N_("medium-haul"),
    "long_haul": N_("long-haul"),
    "international": N_("international (to/from non-UK)"),
}


class UnknownFactorSet(DomainError):
    http_status = 404
    code = "unknown_factor_set"


class MissingFactor(DomainError):
    """The set has no factor for this activity (e.g. EPA has no ferry or hotel factor)."""

    http_status = 422
    code = "missing_factor"


@dataclass(frozen=True, slots=True)
class Factor:
    #: our key, the same across sets, e.g. "air.short_haul.economy.rf".
    key: str
    #: the publisher's own identifier of the row (DESNZ flat-file ID, EPA table and row).
    publisher_id: str
    #: kg CO2e per unit.
    value: Decimal
    #: "passenger.km", "vehicle.km" or "room.night".
    unit: str
    #: the publisher's wording of the row.
    label: str
    #: how the value was derived when it is not the published figure itself (unit conversion).
    derivation: str = ""


@dataclass(frozen=True, slots=True)
class DistanceBand:
    """Flights shorter than ``below_km`` (the last band: any distance) have this haul."""

    haul: str
    below_km: Decimal | None


@dataclass(frozen=True)
class FactorSet:
    id: str
    publisher: str
    title: str
    year: int
    version: str
    source_url: str
    licence: str
    verification: str
    gwp: str
    haul_rule: HaulRule
    #: ISO 3166-1 alpha-2 -> "domestic" | "short_haul" | "long_haul" (uk_territory rule).
    territories: Mapping[str, str]
    distance_bands: tuple[DistanceBand, ...]
    #: True when the published air factors already contain the great-circle uplift (DESNZ 8 %).
    uplift_included: bool
    #: percentage to add to great-circle flight distances (0 when included or not prescribed).
    uplift_pct: Decimal
    uplift_note: str
    #: the set publishes separate with/without radiative-forcing air factors.
    rf_available: bool
    rf_note: str
    #: key -> other key, used when the set has no factor of its own for a key (stated in the trail).
    fallbacks: Mapping[str, str]
    factors: Mapping[str, Factor]
    sha256: str = field(default="", compare=False)

    def get(self, key: str) -> Factor | None:
        return self.factors.get(key)

    def require(self, key: str) -> Factor:
        factor = self.factors.get(key)
        if factor is None:
            raise MissingFactor(f"factor set {self.id} has no factor {key!r}")
        return factor


def haul_label(haul: str) -> str:
    return HAUL_LABELS.get(haul, haul)


def parse_factor_set(data: Mapping[str, Any], sha256: str) -> FactorSet:
    """A set from its file's parsed TOML and the sha256 of its bytes; read-only throughout.

    Raises ``KeyError``, ``TypeError`` or ``ValueError`` on a malformed set.
    """
    rules = data["rules"]
    factors: dict[str, Factor] = {}
    for entry in data["factors"]:
        factor = Factor(
            key=entry["key"],
            publisher_id=str(entry["publisher_id"]),
            value=exact_decimal(entry["value"]),
            unit=entry["unit"],
            label=entry["label"],
            derivation=entry.get("derivation", ""),
        )
        if factor.key in factors:
            raise ValueError(f"duplicate factor key {factor.key!r}")
        if factor.value < 0:
            raise ValueError(f"negative factor {factor.key!r}")
        factors[factor.key] = factor
    fallbacks = dict(rules.get("fallbacks", {}))
    for key, target in fallbacks.items():
        if target not in factors:
            raise ValueError(f"fallback {key!r} -> {target!r}: no such factor")
    bands = tuple(
        DistanceBand(
            haul=b["haul"],
            below_km=None if b.get("below_km") is None else exact_decimal(b["below_km"]),
        )
        for b in rules.get("distance_bands", [])
    )
    return FactorSet(
        id=data["id"],
        publisher=data["publisher"],
        title=data["title"],
        year=int(data["year"]),
        version=str(data["version"]),
        source_url=data["source_url"],
        licence=data["licence"],
        verification=data["verification"],
        gwp=data.get("gwp", ""),
        haul_rule=rules["haul"],
        territories=MappingProxyType(dict(rules.get("territories", {}))),
        distance_bands=bands,
        uplift_included=bool(rules["uplift_included"]),
        uplift_pct=exact_decimal(rules.get("uplift_pct", "0")),
        uplift_note=rules.get("uplift_note", ""),
        rf_available=bool(rules["rf_available"]),
        rf_note=rules.get("rf_note", ""),
        fallbacks=MappingProxyType(fallbacks),
        factors=MappingProxyType(factors),
        sha256=sha256,
    )


def exact_decimal(value: object) -> Decimal:
    """Published numbers are written as strings in the files so no float ever touches them."""
    if isinstance(value, float):
        raise ValueError(f"value {value!r} written as a float; quote it")
    return Decimal(str(value))
