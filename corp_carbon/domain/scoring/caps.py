"""The methodology's caps on earning: commute trips per employee and day, self-reported trips
per employee and month.

Crediting the ledger and previewing a methodology change count the same way: activities in
the order they were recorded, a capped one earns nothing and does not count towards the cap.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from corp_carbon.domain.methodology import Methodology


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
