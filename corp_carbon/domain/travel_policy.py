"""The company's travel policy: which cabin or rail class a traveller was entitled to.

Cabin credit is for a reduction that would not have happened anyway: an economy flight
avoided business-class emissions only if the traveller was allowed to fly business on it.
The policy is a list of rules: grades (empty: everyone), a mode (air or rail), the class
allowed, and on which trips (hauls or a minimum great-circle distance; for flights the
methodology's long-flight definition when a rule names neither).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import Cabin, Mode

#: classes from highest to lowest, per mode: the first a rule allows is the entitlement.
CLASS_ORDER: Mapping[Mode, tuple[Cabin, ...]] = {
    Mode.AIR: (Cabin.FIRST, Cabin.BUSINESS, Cabin.PREMIUM_ECONOMY, Cabin.ECONOMY),
    Mode.RAIL: (Cabin.SLEEPER, Cabin.FIRST, Cabin.STANDARD),
}
#: the class everyone may take (no entitlement needed, no credit against it).
LOWEST: Mapping[Mode, Cabin] = {Mode.AIR: Cabin.ECONOMY, Mode.RAIL: Cabin.STANDARD}


class TravelPolicyError(DomainError):
    code = "travel_policy"


@dataclass(frozen=True, slots=True)
class Entitlement:
    """One rule: these grades may take ``cabin`` by ``mode`` on these trips."""

    mode: Mode
    cabin: Cabin
    #: empty: every traveller, graded or not.
    grades: tuple[str, ...] = ()
    #: hauls the rule covers (flights); None with ``min_km`` None: the methodology's
    #: long-flight definition.
    hauls: tuple[str, ...] | None = None
    #: trips at least this long (great circle, km); None: by haul only.
    min_km: Decimal | None = None

    def covers(self, grade: str | None) -> bool:
        return not self.grades or (grade is not None and grade.casefold() in self._grades())

    def _grades(self) -> frozenset[str]:
        return frozenset(g.casefold() for g in self.grades)

    def parameters(self) -> dict[str, Any]:
        return {
            "mode": self.mode.value,
            "cabin": self.cabin.value,
            "grades": list(self.grades),
            "hauls": None if self.hauls is None else list(self.hauls),
            "min_km": None if self.min_km is None else str(self.min_km),
        }


def rank(mode: Mode, cabin: Cabin | None) -> int:
    """Higher is roomier; the mode's lowest class (or an unknown one) is 0."""
    order = CLASS_ORDER.get(mode, ())
    if cabin is None or cabin not in order:
        return 0
    return len(order) - 1 - order.index(cabin)


def parse_entitlements(entries: Iterable[Mapping[str, Any]], where: str) -> tuple[Entitlement, ...]:
    """Rules from the configuration or a stored version; errors name the rule and field."""
    rules = []
    for n, entry in enumerate(entries, start=1):
        at = f"{where}: rule {n}"
        try:
            mode = Mode(entry.get("mode", "air"))
        except ValueError:
            raise TravelPolicyError(
                f"{at}: mode {entry.get('mode')!r}: accepted: air, rail"
            ) from None
        if mode not in CLASS_ORDER:
            raise TravelPolicyError(f"{at}: mode {mode.value!r}: accepted: air, rail")
        classes = CLASS_ORDER[mode]
        try:
            cabin: Cabin | None = Cabin(str(entry.get("cabin")))
        except ValueError:
            cabin = None
        if cabin is None or cabin not in classes:
            accepted = ", ".join(c.value for c in classes)
            raise TravelPolicyError(f"{at}: cabin {entry.get('cabin')!r}: accepted: {accepted}")
        grades = entry.get("grades", [])
        if not isinstance(grades, list | tuple) or not all(isinstance(g, str) for g in grades):
            raise TravelPolicyError(f"{at}: grades: a list of grade names ([] = everyone)")
        hauls = entry.get("hauls")
        raw_km = entry.get("min_km")
        min_km = None
        if raw_km is not None:
            try:
                min_km = Decimal(str(raw_km))
            except ArithmeticError:
                raise TravelPolicyError(f"{at}: min_km {raw_km!r}: a number of km") from None
            if min_km < 0:
                raise TravelPolicyError(f"{at}: min_km {raw_km!r}: 0 or more")
        rules.append(
            Entitlement(
                mode=mode,
                cabin=cabin,
                grades=tuple(grades),
                hauls=None if hauls is None else tuple(hauls),
                min_km=min_km,
            )
        )
    return tuple(rules)
