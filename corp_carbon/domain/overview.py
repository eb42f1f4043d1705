"""The company overview's figures computed ahead: what a stored snapshot holds, and when it
no longer says what the data says.

A large company's overview takes minutes to add up (re-scoring a year of commutes against
the other baseline), so its figures are computed in the background and stored; the page
reads them and says how old they are. A snapshot is *current* while nothing it was computed
from has moved: the same period, the same settings that shape its figures, no import run
finished and no methodology change since (the ``Watermark``), and younger than the refresh
interval (the catch-all for what the watermark cannot see, such as an employee moving
department). Trips and points added one by one move the watermark too (``TRICKLED``): a
small period is then computed again, a large one waits for the interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from corp_carbon.domain.data_quality import DataQuality
from corp_carbon.domain.periods import Period
from corp_carbon.domain.programme import PointsPosition, ProgrammeFigures
from corp_carbon.domain.reporting import Dimension, Summary

#: the breakdowns of the emissions section, in page order.
BREAKDOWNS = (
    Dimension.MONTH,
    Dimension.MODE,
    Dimension.HAUL_CABIN,
    Dimension.DEPARTMENT,
    Dimension.OFFICE,
)


@dataclass(frozen=True, slots=True)
class OverviewFigures:
    """Everything the overview shows for a period, already suppressed (no group under
    ``min_group_size`` people can be read from it): the sustainability view in full; HR's
    view is its ``position`` alone."""

    period: Period
    #: one summary per dimension of BREAKDOWNS, in that order.
    summaries: tuple[Summary, ...]
    #: None when the avoided emissions cannot be computed; ``avoided_problem`` says why.
    programme: ProgrammeFigures | None
    avoided_problem: str | None
    position: PointsPosition
    quality: DataQuality

    def summary(self, dimension: Dimension) -> Summary:
        return self.summaries[BREAKDOWNS.index(dimension)]


@dataclass(frozen=True, slots=True)
class Watermark:
    """How far the source data had got when figures were read: the newest row of each
    append-mostly table the figures come from, and the last import run to finish. Each is
    one indexed lookup, so a page can ask for it on every request."""

    activity: int
    assessment: int
    ledger_transaction: int
    methodology_version: int
    #: ISO time the newest finished import run ended; "" before any.
    import_finished: str

    def to_json(self) -> dict[str, int | str]:
        return {
            "activity": self.activity,
            "assessment": self.assessment,
            "ledger_transaction": self.ledger_transaction,
            "methodology_version": self.methodology_version,
            "import_finished": self.import_finished,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Watermark:
        return cls(
            activity=_int(data, "activity"),
            assessment=_int(data, "assessment"),
            ledger_transaction=_int(data, "ledger_transaction"),
            methodology_version=_int(data, "methodology_version"),
            import_finished=str(data.get("import_finished") or ""),
        )

    def moved_on_from(self, earlier: Watermark) -> bool:
        """An import finished or the methodology changed since ``earlier``: figures may
        differ anywhere. (Trips logged and points posted one by one are ``__ne__`` only.)"""
        return (self.import_finished, self.methodology_version) != (
            earlier.import_finished,
            earlier.methodology_version,
        )


def _int(data: dict[str, object], key: str) -> int:
    value = data.get(key, 0)
    return value if isinstance(value, int) else 0


class Staleness(StrEnum):
    """Why shown figures may not be the data's: the page words each case."""

    CURRENT = "current"
    #: trips logged or points posted since, one by one: a large company's data never stands
    #: still, so its figures are shown as current until they are older than the interval.
    TRICKLED = "trickled"
    #: an import finished or the methodology changed since.
    DATA_CHANGED = "data_changed"
    #: older than the refresh interval.
    OLD = "old"
    #: the figures of an earlier period of the same preset ("this year" up to yesterday).
    OTHER_PERIOD = "other_period"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Stored figures and what they were computed from."""

    period: Period
    #: the preset the period was computed for (its name), or None for a from/to period.
    preset: str | None
    computed_at: datetime
    #: the methodology version the figures were scored under (None: the configured policy).
    methodology_version: int | None
    watermark: Watermark
    figures: OverviewFigures


def staleness(
    snapshot: Snapshot, asked: Period, watermark: Watermark, now: datetime, max_age: timedelta
) -> Staleness:
    """The first reason the snapshot's figures may differ from the data's now."""
    if snapshot.period != asked:
        return Staleness.OTHER_PERIOD
    if watermark.moved_on_from(snapshot.watermark):
        return Staleness.DATA_CHANGED
    if now - snapshot.computed_at > max_age:
        return Staleness.OLD
    if watermark != snapshot.watermark:
        return Staleness.TRICKLED
    return Staleness.CURRENT
