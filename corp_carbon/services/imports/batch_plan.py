"""What one batch of bookings will write, gathered before anything is written, and what it
did: the vocabulary shared by the batch's steps (``batches``, ``travellers``, ``same_trips``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from corp_carbon.db.bulk import table_of
from corp_carbon.db.models import Activity, Journey
from corp_carbon.domain.bookings import RowProblem, Segment
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.vocabulary import ActivityStatus
from corp_carbon.geo.segments import Located

ACTIVITIES = table_of(Activity)
JOURNEYS = table_of(Journey)


@dataclass(frozen=True)
class BatchContext:
    source_id: int
    run_id: int
    methodology: Methodology


@dataclass(frozen=True, slots=True)
class NewSegment:
    """A segment about to become an activity, with what scoring needs to know."""

    activity_id: int
    employee_id: int
    segment: Segment
    located: Located
    journey_index: int
    route_km: Decimal | None
    #: the booking's row in the file (for problems found while scoring).
    row: int


@dataclass
class BatchOutcome:
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[RowProblem] = field(default_factory=list)
    #: new confirmed activities to assess and credit, journey by journey (legs in order).
    journeys: list[list[NewSegment]] = field(default_factory=list)
    #: activities that stopped being confirmed in this batch: their earnings are reversed.
    undone: list[int] = field(default_factory=list)


@dataclass(slots=True)
class PlannedRow:
    row: dict[str, Any]
    segment: Segment
    located: Located
    employee_id: int
    journey: int
    route_km: Decimal | None
    file_row: int


class Plan:
    """What one batch will write, gathered before anything is written. Rows are plain dicts
    (keys starting with "_" are bookkeeping, dropped before the insert)."""

    def __init__(self) -> None:
        self.inserts: list[dict[str, Any]] = []
        self.planned: list[PlannedRow] = []
        self.renames: list[dict[str, Any]] = []
        #: stored activity id -> the planned row that replaces it
        self.replaced: dict[int, dict[str, Any]] = {}
        self.status: dict[int, tuple[ActivityStatus, str | None]] = {}
        self.refresh: list[dict[str, Any]] = []
        self.journeys: list[dict[str, Any]] = []


def note(notes: Iterable[str]) -> str | None:
    text = "; ".join(notes)
    return text[:500] or None


def chunks(values: Sequence[Any], size: int = 5000) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
