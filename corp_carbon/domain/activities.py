"""Read-only views of activities and aggregates, as pages and exports show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    Cabin,
    CalculationMethod,
    DistanceSource,
    Mode,
)


@dataclass(frozen=True)
class ActivityView:
    id: int
    travel_date: date
    kind: ActivityKind
    mode: Mode
    origin: str | None
    destination: str | None
    cabin: Cabin | None
    distance_km: Decimal | None
    distance_source: DistanceSource | None
    status: ActivityStatus
    carrier: str | None
    service_number: str | None
    nights: int | None
    #: the assessment under the current methodology, when there is one.
    kg_co2e: Decimal | None = None
    points: int | None = None
    baseline: str | None = None
    #: the baseline and points steps of the trail, in words.
    plain: str = ""
    explanation: tuple[dict[str, Any], ...] = ()
    factor_set: str | None = None
    #: "distance" or "spend" (GHG Protocol spend-based fallback: no distance was available)
    method: CalculationMethod = CalculationMethod.DISTANCE
    #: what the import assumed or could not check, in words
    note: str | None = None


@dataclass(frozen=True)
class ModeTotal:
    mode: Mode
    trips: int
    distance_km: Decimal


@dataclass(frozen=True)
class DepartmentTotal:
    """Aggregate for one department; figures are None when the group is too small to show."""

    department: str
    employees: int
    business_trips: int | None
    commute_trips: int | None
    distance_km: Decimal | None
    suppressed: bool
