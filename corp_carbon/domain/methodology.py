"""The company's scoring policy as a value: factor-set choice, RF, baselines, points rule, caps.

A stored methodology version is never edited; a change of policy is a new version, and every
assessment records the version it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from corp_carbon.domain.scoring.policy import PointsPolicy, parse_policy
from corp_carbon.domain.travel_policy import Entitlement, parse_entitlements
from corp_carbon.domain.vocabulary import Cabin, Fuel, Mode

BY_YEAR = "by-year"
Additionality = Literal["reference", "personal"]


class VersionOrigin(StrEnum):
    """Where a stored version came from, which decides whether the configuration may replace it.

    A version taken from ``[methodology]`` in the configuration stays current until the
    configuration changes again or someone saves one on the methodology page; one saved on
    the page stays current until a newer page version, or until the configuration itself
    changes (compared with the last version taken from it).
    """

    CONFIGURATION = "configuration"
    PAGE = "page"


#: commute modes credited against the reference solo car (car-pool and EVs are judged separately).
LOW_CARBON_COMMUTE_MODES = frozenset(
    {
        Mode.BIKE,
        Mode.EBIKE,
        Mode.WALK,
        Mode.BUS,
        Mode.COACH,
        Mode.SUBWAY,
        Mode.TRAM,
        Mode.RAIL,
        Mode.FERRY,
    }
)


@dataclass(frozen=True)
class Methodology:
    version: int = 0  # 0: not stored yet (estimates from the config)
    #: a factor-set id, or "by-year": the set of the activity's year in ``family``, else the newest.
    factor_set: str = BY_YEAR
    family: str = "desnz"
    radiative_forcing: bool = True
    include_well_to_tank: bool = False
    #: "avoided_grams" (1 point per gram avoided) or a rate-card id, e.g. "wuhan-2024".
    points_rule: str = "avoided_grams"
    additionality: Additionality = "reference"
    #: rail/coach journeys this far apart (great circle, km) are compared with an economy flight.
    rail_vs_flight_min_km: Decimal = Decimal("150")
    rail_vs_flight_max_km: Decimal = Decimal("1500")
    #: hauls on which policy allows business class, so economy there is credited against it.
    business_class_hauls: tuple[str, ...] = ("long_haul",)
    #: ...and on any flight at least this long (great circle); 0 = by haul only. Needed where
    #: the set's hauls say nothing of length (DESNZ: every non-UK flight is "international").
    business_class_min_km: Decimal = Decimal("3700")
    #: the fuel of the reference car: "unknown" = the publisher's average car of unknown fuel.
    reference_car_fuel: Fuel = Fuel.UNKNOWN
    #: great-circle x detour = estimated ground distance when the source gives none.
    detour_factors: dict[str, Decimal] = field(
        default_factory=lambda: {
            "rail": Decimal("1.2"),
            "bus": Decimal("1.25"),
            "coach": Decimal("1.25"),
            "car": Decimal("1.25"),
            "taxi": Decimal("1.25"),
            "motorbike": Decimal("1.25"),
            "ferry": Decimal("1.1"),
        }
    )
    #: commute trips per employee and day that earn points (two: there and back).
    commute_trips_per_day: int = 2
    #: self-reported trips per employee and month that earn points.
    self_reported_per_month: int = 60
    #: the points policy ``points_rule`` names (a snapshot of its file), else None.
    points_policy: PointsPolicy | None = None
    #: who was entitled to which cabin or rail class; cabin credit only against an
    #: entitlement. The default is the earlier rule: anyone, business on long flights.
    travel_policy: tuple[Entitlement, ...] = (Entitlement(Mode.AIR, Cabin.BUSINESS),)
    #: rail or coach beats a flight only where both ends have an airport this close (great
    #: circle, km); 0: not required.
    airport_max_km: Decimal = Decimal("0")
    #: personal additionality: a new usual commute counts against the mode used before for
    #: this many months after the change, then becomes the baseline itself; 0: for ever.
    new_commute_months: int = 0
    #: seat-space allocation of a train's emissions by class, relative to standard class.
    rail_class_space: dict[str, Decimal] = field(
        default_factory=lambda: {"standard": Decimal("1"), "first": Decimal("1"),
                                 "sleeper": Decimal("1")}
    )  # fmt: skip

    def rail_space(self, cabin: Cabin | None) -> Decimal:
        """A train seat's share relative to standard class (1 when the class is unknown)."""
        if cabin is None:
            return Decimal(1)
        return self.rail_class_space.get(cabin.value, Decimal(1))

    def detour(self, mode: Mode) -> Decimal:
        return self.detour_factors.get(mode.value, Decimal("1.25"))

    def parameters(self) -> dict[str, Any]:
        """The policy as JSON-safe data, to store with the version (decimals as strings)."""
        raw = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "version"}
        raw["points_policy"] = self.points_policy.parameters() if self.points_policy else None
        raw["travel_policy"] = [rule.parameters() for rule in self.travel_policy]
        data: dict[str, Any] = _jsonable(raw)
        return data

    def same_policy(self, other: Methodology) -> bool:
        return self.parameters() == other.parameters()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mode | Fuel | Cabin):
        return value.value
    return value


def methodology_from_parameters(version: int, data: dict[str, Any]) -> Methodology:
    """The inverse of ``Methodology.parameters``: a stored version back as a value."""
    return Methodology(
        version=version,
        factor_set=data["factor_set"],
        family=data["family"],
        radiative_forcing=bool(data["radiative_forcing"]),
        include_well_to_tank=bool(data["include_well_to_tank"]),
        points_rule=data["points_rule"],
        additionality=data["additionality"],
        rail_vs_flight_min_km=Decimal(data["rail_vs_flight_min_km"]),
        rail_vs_flight_max_km=Decimal(data["rail_vs_flight_max_km"]),
        business_class_hauls=tuple(data["business_class_hauls"]),
        business_class_min_km=Decimal(data["business_class_min_km"]),
        reference_car_fuel=Fuel(data["reference_car_fuel"]),
        detour_factors={k: Decimal(v) for k, v in data["detour_factors"].items()},
        commute_trips_per_day=int(data["commute_trips_per_day"]),
        self_reported_per_month=int(data["self_reported_per_month"]),
        # versions stored before the points policy and the travel policy keep their meaning
        points_policy=(
            parse_policy(data["points_policy"], f"methodology version {version}")
            if data.get("points_policy")
            else None
        ),
        travel_policy=(
            parse_entitlements(data["travel_policy"], f"methodology version {version}")
            if "travel_policy" in data
            else Methodology.travel_policy
        ),
        airport_max_km=Decimal(data.get("airport_max_km", "0")),
        new_commute_months=int(data.get("new_commute_months", 0)),
        rail_class_space={
            k: Decimal(v)
            for k, v in data.get("rail_class_space", Methodology().rail_class_space).items()
        },
    )


@dataclass(frozen=True)
class MethodologyRecord:
    """A stored version with its history: where it came from, why, when and by whom."""

    methodology: Methodology
    origin: VersionOrigin
    #: why it was made: the reason typed on the page, or what the configuration did.
    reason: str
    created_at: datetime
    #: the name of who saved it on the page; None for a version taken from the configuration.
    author: str | None
