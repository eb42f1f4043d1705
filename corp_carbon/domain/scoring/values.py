"""What the engine takes and gives: a trip, the emissions computed for it, and its assessment.

Every figure keeps the factor, fallback and baseline behind it, so ``explain.explain`` can show
the whole trail; ``Score`` is the same figures without the trail, as bulk scoring stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.factors import Factor, FactorSet
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.phrases import Phrase
from corp_carbon.domain.scoring.points import Rate
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    Cabin,
    DistanceSource,
    Fuel,
    Mode,
    VehicleSize,
)

#: kilograms are rounded to the gram, half up.
KG = Decimal("0.001")
ZERO = Decimal("0.000")
ZERO_EMISSION_MODES = frozenset({Mode.BIKE, Mode.EBIKE, Mode.WALK})


class MissingDistance(DomainError):
    code = "missing_distance"


@dataclass(frozen=True, slots=True)
class Trip:
    """What the engine needs to know about one activity (imported, logged or hypothetical)."""

    mode: Mode
    kind: ActivityKind = ActivityKind.BUSINESS_TRAVEL
    distance_km: Decimal | None = None
    distance_source: DistanceSource | None = None
    #: how the distance was obtained, in words ("great circle LHR-JFK", "declared").
    distance_note: str = ""
    cabin: Cabin | None = None
    fuel: Fuel | None = None
    vehicle_size: VehicleSize | None = None
    occupants: int = 1
    nights: int | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    #: great-circle km between the journey's origin and destination (flight baselines).
    route_km: Decimal | None = None
    year: int | None = None
    #: the employee's declared usual commute (personal additionality).
    declared_mode: Mode | None = None
    declared_fuel: Fuel | None = None
    #: how the places were read, where not literally: the airport used for a city, a
    #: station's city, a namesake to check ("please check ...").
    place_notes: tuple[str, ...] = ()
    #: the traveller's travel-policy grade: which cabin or rail class they were entitled to.
    grade: str | None = None
    travel_date: date | None = None
    #: the employee's usual commute and since when it is (personal additionality: a new
    #: usual commute counts as a change for a while, then becomes the baseline).
    usual_mode: Mode | None = None
    usual_since: date | None = None
    #: great-circle km from each end to its nearest airport (None: not known), for judging
    #: whether a flight was a realistic alternative to a train or coach.
    origin_airport_km: Decimal | None = None
    destination_airport_km: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Emission:
    """One computed figure, actual or baseline, with what it was computed from."""

    mode: Mode
    factor: Factor | None  # None: a zero-emission mode, by convention
    quantity: Decimal  # km, or room-nights for hotels
    divisor: int  # occupants sharing a per-vehicle factor
    haul: str | None
    notes: tuple[str, ...]
    wtt: Factor | None
    wtt_kg: Decimal
    kg_co2e: Decimal  # including well-to-tank when the methodology adds it
    #: this leg's part of a journey-wide figure (rail/coach journeys), else None.
    share: Decimal | None = None
    #: a train's class: its seat's floor space in standard seats, by which the published
    #: factor was multiplied (seat-space allocation); None when it was not.
    seat_space: Decimal | None = None
    cabin: Cabin | None = None


@dataclass(frozen=True, slots=True)
class Baseline:
    code: str
    description: str
    reason: str
    emission: Emission
    #: ``description`` and ``reason`` as phrases, for pages in other languages.
    said: Phrase | None = None
    why: Phrase | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    trip: Trip
    factor_set: FactorSet
    methodology: Methodology
    radiative_forcing: bool
    actual: Emission
    baseline: Baseline | None
    avoided_kg_co2e: Decimal
    points: int
    points_rule: str
    rate: Rate | None
    no_baseline_reason: str
    #: ``no_baseline_reason`` as a phrase, for pages in other languages.
    no_baseline_why: Phrase | None = None
    #: what the points reward under a points policy ("commute_bike"), else None.
    behaviour: str | None = None
    #: a per-trip cap of the points policy that cut the points, and the points before it.
    trip_cap: str | None = None
    uncapped_points: int | None = None

    @property
    def kg_co2e(self) -> Decimal:
        return self.actual.kg_co2e

    @property
    def factor_id(self) -> str:
        factor = self.actual.factor
        return factor.publisher_id if factor else "zero-emission-convention"

    def summary(self) -> str:
        """One line for a trip list: what it emitted, against what, and the points."""
        text = f"{self.kg_co2e} kg CO2e"
        if self.baseline is not None:
            text += f" vs {self.baseline.emission.kg_co2e} kg for {self.baseline.description}"
        return f"{text}: {self.points:,} points"


class Score(NamedTuple):
    """The figures of an assessment without its trail (bulk scoring), in whole grams, as the
    database stores them; ``Scorer.assess`` on the same trip gives the same figures plus the
    full explanation. A NamedTuple: five times cheaper to build than a frozen dataclass."""

    trip: Trip
    factor_set: str
    factor_id: str
    kg_co2e_g: int
    baseline: str | None
    baseline_g: int | None
    avoided_g: int
    points: int
    #: the flight's haul, as ``Assessment.actual.haul`` (None: not a flight).
    haul: str | None = None
    behaviour: str | None = None

    @property
    def kg_co2e(self) -> Decimal:
        return Decimal(self.kg_co2e_g).scaleb(-3)

    @property
    def baseline_kg_co2e(self) -> Decimal | None:
        return None if self.baseline_g is None else Decimal(self.baseline_g).scaleb(-3)

    @property
    def avoided_kg_co2e(self) -> Decimal:
        return Decimal(self.avoided_g).scaleb(-3)
