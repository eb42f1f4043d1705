"""How good a period's data is: what the imports did with the rows they read, how the
distances were obtained, what is missing, and who is still waiting for an employee record.

An auditor reads these beside the inventory: a total resting on estimated distances or on
spend-based fallbacks is weaker than one on distances the sources stated.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from corp_carbon.domain.vocabulary import DistanceSource, ImportRunStatus

#: shares are kept to a hundredth of a per cent.
SHARE = Decimal("0.0001")
#: how an activity's distance was obtained: a DistanceSource, spend-based, or none at all.
SPEND_BASED = "spend"
NO_DISTANCE = "none"
BASES = (*(s.value for s in DistanceSource), SPEND_BASED, NO_DISTANCE)
BASIS_LABELS = {
    DistanceSource.GIVEN.value: "Given by the booking source",
    DistanceSource.COMPUTED.value: "Computed between the two places",
    DistanceSource.ESTIMATED.value: "Estimated (great circle times a detour factor)",
    DistanceSource.DECLARED.value: "Declared by the employee",
    SPEND_BASED: "Spend-based (from the price, no distance)",
    NO_DISTANCE: "No distance recorded",
}


@dataclass(frozen=True, slots=True)
class RunCounts:
    """What import runs did with the rows they read."""

    read: int = 0
    imported: int = 0
    updated: int = 0
    rejected: int = 0
    duplicates: int = 0
    waiting: int = 0
    cancelled: int = 0

    def __add__(self, other: RunCounts) -> RunCounts:
        return RunCounts(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(RunCounts))
        )


@dataclass(frozen=True, slots=True)
class RunQuality:
    """One import run started in the period."""

    run_id: int
    started_at: datetime
    #: the import source's name, and its connector in words.
    source: str
    connector: str
    file_name: str
    status: ImportRunStatus
    counts: RunCounts


@dataclass(frozen=True, slots=True)
class SourceQuality:
    """The runs of one import source started in the period, added up."""

    source: str
    connector: str
    runs: int
    counts: RunCounts


@dataclass(frozen=True, slots=True)
class DistanceShare:
    """How many of the period's activities got their distance one way."""

    #: one of BASES.
    basis: str
    activities: int
    #: of all the period's activities except hotel stays (they have no distance), 0 to 1.
    share: Decimal

    @property
    def label(self) -> str:
        return BASIS_LABELS[self.basis]


def share(part: int, whole: int) -> Decimal:
    """``part / whole`` to a hundredth of a per cent; 0 of nothing is 0."""
    if whole == 0:
        return Decimal(0).quantize(SHARE)
    return (Decimal(part) / Decimal(whole)).quantize(SHARE, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class DataQuality:
    date_from: date
    date_to: date
    #: per source, then per run (oldest first); dry runs are left out: they stored nothing.
    sources: tuple[SourceQuality, ...]
    runs: tuple[RunQuality, ...]
    #: confirmed activities travelled in the period, hotel stays not counted.
    activities: int
    #: one row per basis in BASES order, rows with no activity left out.
    distances: tuple[DistanceShare, ...]
    #: confirmed flights of the period, and those whose cabin the source did not give.
    flights: int
    flights_without_cabin: int
    #: imported records whose traveller matched no employee, still waiting now (whatever
    #: the period), and how many distinct travellers (employee number and email) they name.
    waiting_records: int
    waiting_travellers: int

    @property
    def totals(self) -> RunCounts:
        result = RunCounts()
        for source in self.sources:
            result = result + source.counts
        return result

    @property
    def flights_without_cabin_share(self) -> Decimal:
        return share(self.flights_without_cabin, self.flights)
