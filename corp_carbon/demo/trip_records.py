"""The records the demo's travel generator works on: a trip with its legs, and a year of travel.

``clone`` copies an activity for a ticket exchange or a duplicate the other agency sends;
``match_key`` computes the cross-source identity exactly as the import pipeline does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from corp_carbon.db.models import Activity, Journey
from corp_carbon.demo.people import Person
from corp_carbon.demo.sources import Feed
from corp_carbon.domain import matching

_COORD = Decimal("0.000001")
#: Activity columns copied when a record is cloned (exchange ticket, duplicate).
_CLONED = tuple(
    a.key
    for a in sa.inspect(Activity).column_attrs
    if a.key
    not in (
        "id",
        "created_at",
        "updated_at",
        "journey_id",
        "replaced_by_id",
        "duplicate_of_id",
        "source_id",
        "import_run_id",
        "source_record_key",
        "source_record_hash",
    )
)


def dec6(value: float | str) -> Decimal:
    return Decimal(repr(value) if isinstance(value, float) else value).quantize(_COORD)


def match_key(person: Person, activity: Activity) -> str:
    """Cross-source identity of a segment, as the import pipeline computes it."""
    return matching.match_key(
        person.employee.id, activity.travel_date, activity.mode, activity.origin,
        activity.destination,
    )  # fmt: skip


def clone(activity: Activity, **changes: Any) -> Activity:
    values = {k: getattr(activity, k) for k in _CLONED}
    values.update(changes)
    return Activity(**{k: v for k, v in values.items() if v is not None})


@dataclass
class Trip:
    person: Person
    feed: Feed
    booking: str
    depart: date
    back: date
    #: transport legs of the outbound and the return journey.
    outbound: list[Activity]
    inbound: list[Activity]
    hotel: Activity | None = None
    extras: list[Activity] = field(default_factory=list)
    scripted: bool = False

    def core(self) -> list[Activity]:
        return [*self.outbound, *self.inbound, *([self.hotel] if self.hotel else [])]


@dataclass
class Travel:
    activities: list[Activity]
    journeys: list[Journey]
    #: (original, replacement) per ticket exchange; (duplicate, original) per duplicate.
    exchanges: list[tuple[Activity, Activity]]
    duplicates: list[tuple[Activity, Activity]]
    #: employee id -> days away on business (no commute then).
    busy: dict[int, set[date]]
