"""The points policy: how avoided kg CO2e become points, per behaviour, within caps.

Avoided emissions stay the measure; the policy only prices them. Each behaviour (cycling to
work, rail instead of a flight, a lower class than the traveller was entitled to...) has its
own rate, in points per kg avoided, per km or per trip, so the company decides what it
rewards instead of paying most points to whoever flies furthest. Caps per trip, day, month
and year, per behaviour or overall, keep any one person or habit from capturing the scheme.

A policy is data (a TOML file with its source and version); the methodology version stores a
snapshot of it, so changing a rate makes a new version and never touches points issued.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.phrases import N_
from corp_carbon.domain.vocabulary import ActivityKind, Fuel, Mode

Per = Literal["kg", "km", "trip"]
PERS: tuple[Per, ...] = ("kg", "km", "trip")


class CapPeriod(StrEnum):
    TRIP = "trip"
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


#: the low-carbon commute modes, each a behaviour of its own ("commute_bike").
COMMUTE_BEHAVIOUR_MODES = (
    Mode.WALK, Mode.BIKE, Mode.EBIKE, Mode.BUS, Mode.TRAM, Mode.SUBWAY, Mode.RAIL,
    Mode.COACH, Mode.FERRY,
)  # fmt: skip

#: a cap may name this group: every commute by a low-carbon mode together.
COMMUTE_GROUP = "commute"
RAIL_OVER_FLIGHT = "rail_over_flight"
LOWER_CLASS = "lower_class"
ELECTRIC_CAR = "electric_car"
CAR_POOL = "car_pool"

#: how each commute behaviour reads (pages translate these).
COMMUTE_WORDS: Mapping[Mode, str] = MappingProxyType(
    {
        Mode.WALK: N_("walking to work"),
        Mode.BIKE: N_("cycling to work"),
        Mode.EBIKE: N_("e-bike to work"),
        Mode.BUS: N_("bus to work"),
        Mode.TRAM: N_("tram to work"),
        Mode.SUBWAY: N_("metro to work"),
        Mode.RAIL: N_("train to work"),
        Mode.COACH: N_("coach to work"),
        Mode.FERRY: N_("ferry to work"),
    }
)


#: every behaviour a rate or cap may name, with its words (translated on pages).
BEHAVIOURS: Mapping[str, str] = MappingProxyType(
    {
        **{f"commute_{m.value}": words for m, words in COMMUTE_WORDS.items()},
        CAR_POOL: N_("car-pool"),
        ELECTRIC_CAR: N_("electric car instead of a combustion car"),
        RAIL_OVER_FLIGHT: N_("rail or coach instead of a flight"),
        LOWER_CLASS: N_("a lower class than the travel policy allowed"),
    }
)


#: how a cap's group reads: every low-carbon commute together, or everything.
GROUP_WORDS: Mapping[str, str] = MappingProxyType(
    {"commute": N_("commuting by any low-carbon mode"), "all": N_("all behaviours together")}
)


def behaviour_words(behaviour: str | None) -> str:
    """The English words of a behaviour or a cap's group (a msgid: pages translate it)."""
    key = behaviour or "all"
    return BEHAVIOURS.get(key) or GROUP_WORDS.get(key, key)


def behaviour_of(
    kind: ActivityKind,
    mode: Mode,
    fuel: Fuel | None,
    occupants: int,
    baseline_code: str | None,
) -> str | None:
    """Which behaviour a credited trip shows, from what it was and what it was compared with
    (None: nothing credited, so no behaviour)."""
    if baseline_code is None:
        return None
    if baseline_code == "economy_flight":
        return RAIL_OVER_FLIGHT
    if baseline_code in ("business_class", "entitled_class"):
        return LOWER_CLASS
    if mode is Mode.CAR:
        if fuel in (Fuel.BEV, Fuel.PHEV) and (occupants <= 1 or baseline_code == "petrol_car"):
            return ELECTRIC_CAR
        return CAR_POOL if occupants > 1 else ELECTRIC_CAR
    if kind is ActivityKind.COMMUTE and mode in COMMUTE_BEHAVIOUR_MODES:
        return f"commute_{mode.value}"
    return None


@dataclass(frozen=True, slots=True)
class PolicyRate:
    behaviour: str
    points: Decimal
    per: Per


@dataclass(frozen=True, slots=True)
class PolicyCap:
    period: CapPeriod
    #: None: all behaviours together.
    behaviour: str | None
    points: int

    @property
    def code(self) -> str:
        """Stored on a capped earning: "per_month:commute_bike", "per_year:all"."""
        return f"per_{self.period.value}:{self.behaviour or 'all'}"

    def covers(self, behaviour: str | None) -> bool:
        """All behaviours, one, or a group ("commute": every commute by a low-carbon mode)."""
        if self.behaviour is None:
            return True
        if behaviour is None:
            return False
        if self.behaviour == COMMUTE_GROUP:
            return behaviour.startswith("commute_")
        return self.behaviour == behaviour


@dataclass(frozen=True)
class PointsPolicy:
    id: str
    title: str
    source: str
    rates: Mapping[str, PolicyRate]
    caps: tuple[PolicyCap, ...] = ()
    #: a short name for sentences ("Balanced 2026"); the title when the file gives none.
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.title)

    def points(self, behaviour: str | None, avoided_kg: Decimal, km: Decimal | None) -> int:
        """Points before caps: never negative, nothing without a reduction or a rate."""
        if behaviour is None or avoided_kg <= 0:
            return 0
        rate = self.rates.get(behaviour)
        if rate is None:
            return 0
        quantity = {"kg": avoided_kg, "km": km or Decimal(0), "trip": Decimal(1)}[rate.per]
        return max(0, int((rate.points * quantity).quantize(Decimal(1), ROUND_HALF_UP)))

    def caps_for(self, period: CapPeriod) -> tuple[PolicyCap, ...]:
        return tuple(c for c in self.caps if c.period is period)

    def trip_cap(self, behaviour: str | None, points: int) -> tuple[int, PolicyCap | None]:
        """Points after the per-trip caps, and the cap that cut them (if any)."""
        applied = None
        for cap in self.caps_for(CapPeriod.TRIP):
            if cap.covers(behaviour) and points > cap.points:
                points, applied = cap.points, cap
        return points, applied

    def parameters(self) -> dict[str, Any]:
        """JSON-safe, stored inside the methodology version."""
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "source": self.source,
            "rates": [
                {"behaviour": r.behaviour, "points": str(r.points), "per": r.per}
                for r in self.rates.values()
            ],
            "caps": [
                {"period": c.period.value, "behaviour": c.behaviour or "all", "points": c.points}
                for c in self.caps
            ],
        }


class PolicyError(DomainError):
    code = "points_policy"


def parse_policy(data: Mapping[str, Any], where: str = "points policy") -> PointsPolicy:
    """A policy from its file's parsed TOML (or a stored version's parameters); an unknown
    behaviour, unit or period is a ``PolicyError`` naming it and what is accepted."""
    rates: dict[str, PolicyRate] = {}
    for n, entry in enumerate(data.get("rates", []), start=1):
        behaviour = _behaviour(entry.get("behaviour"), f"{where}: rate {n}")
        per = entry.get("per")
        if per not in PERS:
            raise PolicyError(f"{where}: rate {n}: per {per!r}: accepted: {', '.join(PERS)}")
        points = _decimal(entry.get("points"), f"{where}: rate {n}: points")
        if points != points.quantize(Decimal("0.000001")):
            raise PolicyError(f"{where}: rate {n}: points {points}: at most 6 decimals")
        if behaviour in rates:
            raise PolicyError(f"{where}: rate {n}: {behaviour!r} has a rate already")
        rates[behaviour] = PolicyRate(behaviour, points, per)
    caps = []
    for n, entry in enumerate(data.get("caps", []), start=1):
        raw_period = entry.get("period")
        try:
            period = CapPeriod(raw_period)
        except ValueError:
            accepted = ", ".join(p.value for p in CapPeriod)
            raise PolicyError(
                f"{where}: cap {n}: period {raw_period!r}: accepted: {accepted}"
            ) from None
        raw = entry.get("behaviour", "all")
        if raw == "all":
            named = None
        elif raw == COMMUTE_GROUP:
            named = COMMUTE_GROUP
        else:
            named = _behaviour(raw, f"{where}: cap {n}")
        limit = _decimal(entry.get("points"), f"{where}: cap {n}: points")
        if limit != limit.to_integral_value():
            raise PolicyError(f"{where}: cap {n}: points {limit}: a whole number")
        caps.append(PolicyCap(period, named, int(limit)))
    if not str(data.get("id", "")).strip():
        raise PolicyError(f"{where}: id: missing")
    return PointsPolicy(
        id=str(data["id"]),
        title=str(data.get("title", data["id"])),
        name=str(data.get("name", "")),
        source=str(data.get("source", "")),
        rates=MappingProxyType(rates),
        caps=tuple(caps),
    )


def _behaviour(raw: object, where: str) -> str:
    if not isinstance(raw, str) or raw not in BEHAVIOURS:
        accepted = ", ".join(BEHAVIOURS)
        raise PolicyError(f"{where}: behaviour {raw!r}: accepted: {accepted}")
    return raw


def _decimal(raw: object, where: str) -> Decimal:
    if isinstance(raw, float):
        raise PolicyError(f"{where}: {raw!r} written as a float; quote it or use a whole number")
    try:
        value = Decimal(str(raw))
    except ArithmeticError:
        raise PolicyError(f"{where}: {raw!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise PolicyError(f"{where}: {raw!r}: a number of 0 or more")
    return value
