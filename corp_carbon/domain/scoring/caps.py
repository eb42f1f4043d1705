"""The methodology's caps on earning: commute trips per employee and day, self-reported trips
per employee and month, and the points policy's caps per day, month and year (per behaviour
or overall).

Crediting the ledger, previewing a methodology change and simulating a points policy count
the same way: activities in the order they were recorded; a trip over a count cap earns
nothing, a trip over a points cap earns what is left under it (and says which cap applied).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.policy import CapPeriod, PointsPolicy, PolicyCap


class Caps:
    """Admits earnings one by one until a cap is reached; start from what already earned."""

    def __init__(
        self,
        methodology: Methodology,
        per_day: Counter[tuple[int, date]] | None = None,
        per_month: Counter[tuple[int, int, int]] | None = None,
    ) -> None:
        self.commute_trips_per_day = methodology.commute_trips_per_day
        self.self_reported_per_month = methodology.self_reported_per_month
        #: commute trips already earning, per (employee, day).
        self.per_day: Counter[tuple[int, date]] = per_day if per_day is not None else Counter()
        #: self-reported trips already earning, per (employee, year, month).
        self.per_month: Counter[tuple[int, int, int]] = (
            per_month if per_month is not None else Counter()
        )

    def admit(self, employee_id: int, day: date, *, commute: bool, self_reported: bool) -> bool:
        """Whether this activity may earn (and if so, count it towards its caps)."""
        day_key = (employee_id, day)
        month_key = (employee_id, day.year, day.month)
        if commute and self.per_day[day_key] >= self.commute_trips_per_day:
            return False
        if self_reported and self.per_month[month_key] >= self.self_reported_per_month:
            return False
        if commute:
            self.per_day[day_key] += 1
        if self_reported:
            self.per_month[month_key] += 1
        return True


#: points already earned, per (employee, period key, behaviour or "all").
PeriodKey = tuple[int, CapPeriod, tuple[int, ...], str]


@dataclass(frozen=True, slots=True)
class Admitted:
    points: int
    #: the cap that cut the points ("per_month:commute_bike"), else None.
    cap: str | None = None


class PointCaps:
    """The points policy's caps per day, month and year, filled in the order trips earn.

    Start it from what already earned (``earned``: each standing earning as employee, day,
    behaviour, points) so a new trip is capped against the same period's earlier points.
    """

    def __init__(self, policy: PointsPolicy | None) -> None:
        self.caps: tuple[PolicyCap, ...] = tuple(
            c for c in (policy.caps if policy else ()) if c.period is not CapPeriod.TRIP
        )
        self.used: Counter[PeriodKey] = Counter()

    def __bool__(self) -> bool:
        return bool(self.caps)

    def count(self, employee_id: int, day: date, behaviour: str | None, points: int) -> None:
        """An earning made before: it fills its periods."""
        for cap in self.caps:
            if cap.covers(behaviour):
                self.used[self._key(employee_id, day, cap)] += points

    def admit(self, employee_id: int, day: date, behaviour: str | None, points: int) -> Admitted:
        """What this trip may earn under every cap, counted towards them."""
        if not self.caps or points <= 0:
            return Admitted(max(points, 0))
        allowed, applied = points, None
        for cap in self.caps:
            if not cap.covers(behaviour):
                continue
            left = max(0, cap.points - self.used[self._key(employee_id, day, cap)])
            if left < allowed:
                allowed, applied = left, cap
        if allowed:
            self.count(employee_id, day, behaviour, allowed)
        return Admitted(allowed, applied.code if applied else None)

    @staticmethod
    def _key(employee_id: int, day: date, cap: PolicyCap) -> PeriodKey:
        if cap.period is CapPeriod.DAY:
            period: tuple[int, ...] = (day.year, day.month, day.day)
        elif cap.period is CapPeriod.MONTH:
            period = (day.year, day.month)
        else:
            period = (day.year,)
        return (employee_id, cap.period, period, cap.behaviour or "all")
