"""What the engine needs to know about a traveller besides the trip: the travel-policy grade
(which cabin or rail class they were entitled to) and, per commute-profile version, since
when its usual mode has been their usual commute (a new usual commute counts as a change for
a set period). Loaded in bulk: scoring many trips must not query per trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.bulk import among
from corp_carbon.db.models import CommuteProfile, Employee

CHUNK = 5000


@dataclass(frozen=True)
class Traveller:
    grade: str | None = None
    #: profile version (its valid_from) -> the first day of the run of versions with the
    #: same usual mode (the day the employee switched to it).
    usual_since: Mapping[date, date] = field(default_factory=dict)


class Travellers:
    """Travellers by employee id, loaded for many employees at once and kept."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._known: dict[int, Traveller] = {}

    def load(self, employee_ids: Iterable[int] | None = None) -> None:
        """Loads the given employees (all when None) that are not known yet."""
        if employee_ids is None:
            self._fill(None)
            return
        wanted = sorted({e for e in employee_ids if e not in self._known})
        for start in range(0, len(wanted), CHUNK):
            self._fill(wanted[start : start + CHUNK])

    def get(self, employee_id: int) -> Traveller:
        if employee_id not in self._known:
            self._fill([employee_id])
        return self._known.get(employee_id, Traveller())

    def _fill(self, ids: list[int] | None) -> None:
        grades = sa.select(Employee.id, Employee.grade)
        profiles = sa.select(
            CommuteProfile.employee_id, CommuteProfile.valid_from, CommuteProfile.usual_mode
        ).order_by(CommuteProfile.employee_id, CommuteProfile.valid_from)
        if ids is not None:
            grades = grades.where(among(self._session, Employee.id, ids))
            profiles = profiles.where(among(self._session, CommuteProfile.employee_id, ids))
        found: dict[int, str | None] = dict(self._session.execute(grades).all())
        since: dict[int, dict[date, date]] = {}
        last: dict[int, tuple[object, date]] = {}
        for employee_id, valid_from, mode in self._session.execute(profiles):
            previous = last.get(employee_id)
            start = previous[1] if previous and previous[0] == mode else valid_from
            since.setdefault(employee_id, {})[valid_from] = start
            last[employee_id] = (mode, start)
        for employee_id in found if ids is None else ids:
            self._known[employee_id] = Traveller(found.get(employee_id), since.get(employee_id, {}))
