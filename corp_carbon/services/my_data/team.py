"""The team page's figures: the employee's department this month and this year, and the
leaderboard of colleagues who joined it.

Privacy first: a department with fewer people than ``[privacy] min_group_size`` shows no
totals, a leaderboard with fewer members than that is not shown, and only people who opted in
are ever named. Three grouped queries, each reading one department by index (employees by
department; trips by department and date; the members' trips by employee and date).

A department's figures are the same for all its members and cost a scan of its year of trips
(a few hundred milliseconds for a 2,500-person department at 100,000 employees): they are
kept per process for ``CACHE_SECONDS`` and shared by every member who opens the page, so the
page is a dictionary lookup for all but the first. Changing one's own leaderboard choice
drops the department's entry at once (in this process; other workers follow within
``CACHE_SECONDS``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from corp_carbon.db.models import Activity, Employee
from corp_carbon.db.models import Assessment as AssessmentRow
from corp_carbon.db.queries import COUNTABLE, CurrentAssessment, current_assessment_of
from corp_carbon.db.session import UnitOfWork
from corp_carbon.db.types import utcnow
from corp_carbon.domain.errors import NotFound

#: how many colleagues the leaderboard names (the employee is added below when further down).
LEADERBOARD_SIZE = 20
#: how long a department's figures are reused before they are counted again.
CACHE_SECONDS = 300
#: the most departments kept at once (the oldest entry goes first).
CACHE_ENTRIES = 1024
ZERO = Decimal("0.000")


@dataclass(frozen=True)
class Totals:
    kg_co2e: Decimal
    avoided_kg_co2e: Decimal
    points: int
    trips: int


@dataclass(frozen=True)
class Leader:
    rank: int
    employee_id: int
    name: str
    points: int
    avoided_kg_co2e: Decimal
    is_me: bool


@dataclass(frozen=True)
class TeamView:
    department: str | None
    #: active people in the department (the group the totals are about).
    people: int
    #: of whom this many joined the leaderboard.
    opted_in: int
    min_group_size: int
    me_opted_in: bool
    month_start: date
    year_start: date
    #: None: no department, or fewer people than ``min_group_size``.
    month: Totals | None
    year: Totals | None
    #: None: fewer members than ``min_group_size``; else the top, and the employee if lower.
    leaderboard: list[Leader] | None
    #: when the department's figures were counted (they are reused for a few minutes).
    counted_at: datetime | None = None

    @property
    def totals_shown(self) -> bool:
        return self.month is not None


def _current_figures(session: Session) -> CurrentAssessment:
    """Each trip's current figures: a department's year of trips in 12 ms on PostgreSQL,
    where the plain join hashed the whole assessments table (200 ms at 200,000 assessments,
    growing with the company)."""
    row = AssessmentRow
    return current_assessment_of(session, row.kg_co2e, row.avoided_kg_co2e, row.points)


def _headcount(session: Session, department: str) -> tuple[int, int]:
    people, opted_in = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(Employee.leaderboard_opt_in.is_(True)),
        ).where(
            Employee.department == department,
            Employee.active.is_(True),
            Employee.erased_at.is_(None),
        )
    ).one()
    return int(people), int(opted_in)


def _totals(
    session: Session, department: str, year_start: date, month_start: date, today: date
) -> tuple[Totals, Totals]:
    """The department's confirmed trips of this year and of this month, in one query: trips
    count for the department they were made in (``Activity.department``), as in reports."""
    this_month = Activity.travel_date >= month_start
    current = _current_figures(session)
    f = current.c
    row = session.execute(
        sa.select(
            sa.func.sum(f.kg_co2e),
            sa.func.sum(f.avoided_kg_co2e),
            sa.func.sum(f.points),
            sa.func.count(Activity.id),
            sa.func.sum(f.kg_co2e).filter(this_month),
            sa.func.sum(f.avoided_kg_co2e).filter(this_month),
            sa.func.sum(f.points).filter(this_month),
            sa.func.count(Activity.id).filter(this_month),
        )
        .select_from(Activity)
        .outerjoin(current.source, current.on)
        .where(
            Activity.department == department,
            Activity.travel_date >= year_start,
            Activity.travel_date <= today,
            Activity.status.in_(COUNTABLE),
        )
    ).one()
    year = Totals(row[0] or ZERO, row[1] or ZERO, int(row[2] or 0), int(row[3] or 0))
    month = Totals(row[4] or ZERO, row[5] or ZERO, int(row[6] or 0), int(row[7] or 0))
    return month, year


def _ranking(session: Session, department: str, month_start: date, today: date) -> list[Leader]:
    """Every opted-in member of the department, ranked by this month's points."""
    members = dict(
        session.execute(
            sa.select(Employee.id, Employee.name).where(
                Employee.department == department,
                Employee.leaderboard_opt_in.is_(True),
                Employee.active.is_(True),
                Employee.erased_at.is_(None),
            )
        ).all()
    )
    current = _current_figures(session)
    f = current.c
    sums = {
        employee_id: (int(points or 0), avoided)
        for employee_id, points, avoided in session.execute(
            sa.select(Activity.employee_id, sa.func.sum(f.points), sa.func.sum(f.avoided_kg_co2e))
            .select_from(Activity)
            .join(current.source, current.on)
            .where(
                Activity.employee_id.in_(list(members)),
                Activity.travel_date >= month_start,
                Activity.travel_date <= today,
                Activity.status.in_(COUNTABLE),
            )
            .group_by(Activity.employee_id)
        )
    }
    rows = []
    for employee_id, name in members.items():
        points, avoided = sums.get(employee_id, (0, None))
        rows.append((points, avoided or ZERO, name, employee_id))
    rows.sort(key=lambda r: (-r[0], -r[1], r[2].casefold(), r[3]))
    return [
        Leader(rank, employee_id, name, points, avoided, False)
        for rank, (points, avoided, name, employee_id) in enumerate(rows, start=1)
    ]


def _as_seen_by(ranked: list[Leader], me: int) -> list[Leader]:
    """The top of the ranking, and the employee below it when further down, marked."""
    marked = [replace(leader, is_me=leader.employee_id == me) for leader in ranked]
    top = marked[:LEADERBOARD_SIZE]
    top += [leader for leader in marked[LEADERBOARD_SIZE:] if leader.is_me]
    return top


@dataclass(frozen=True)
class _Department:
    """What every member of a department sees alike."""

    people: int
    opted_in: int
    month: Totals | None
    year: Totals | None
    ranking: list[Leader] | None
    counted_at: datetime


#: (database, department, day, min_group_size) -> (expires at, figures).
_cache: dict[tuple[str, str, date, int], tuple[float, _Department]] = {}
_cache_lock = threading.Lock()


def forget_department(department: str | None) -> None:
    """Drops the department's figures (a member's leaderboard choice changed)."""
    with _cache_lock:
        for key in [k for k in _cache if k[1] == department]:
            del _cache[key]


def _department(session: Session, department: str, day: date, min_group_size: int) -> _Department:
    key = (str(session.get_bind().engine.url), department, day, min_group_size)
    now = time.monotonic()
    with _cache_lock:
        held = _cache.get(key)
    if held is not None and held[0] > now:
        return held[1]
    month_start, year_start = day.replace(day=1), day.replace(month=1, day=1)
    people, opted_in = _headcount(session, department)
    month = year = None
    if people >= min_group_size:
        month, year = _totals(session, department, year_start, month_start, day)
    ranking = None
    if opted_in >= min_group_size:
        ranking = _ranking(session, department, month_start, day)
    found = _Department(people, opted_in, month, year, ranking, utcnow())
    with _cache_lock:
        if len(_cache) >= CACHE_ENTRIES:
            del _cache[min(_cache, key=lambda k: _cache[k][0])]
        _cache[key] = (now + CACHE_SECONDS, found)
    return found


def team_view(
    uow: UnitOfWork, employee_id: int, *, min_group_size: int, today: date | None = None
) -> TeamView:
    """The employee's department this month and this year, and its leaderboard, each left
    out when its group is smaller than ``min_group_size``."""
    day = today or utcnow().date()
    month_start, year_start = day.replace(day=1), day.replace(month=1, day=1)
    with uow:
        session = uow.session
        me = session.get(Employee, employee_id)
        if me is None or me.erased_at is not None:
            raise NotFound(f"employee {employee_id} does not exist")
        department = me.department
        if not department:
            return TeamView(
                None, 0, 0, min_group_size, me.leaderboard_opt_in, month_start, year_start,
                None, None, None,
            )  # fmt: skip
        seen = _department(session, department, day, min_group_size)
        return TeamView(
            department=department,
            people=seen.people,
            opted_in=seen.opted_in,
            min_group_size=min_group_size,
            me_opted_in=me.leaderboard_opt_in,
            month_start=month_start,
            year_start=year_start,
            month=seen.month,
            year=seen.year,
            leaderboard=_as_seen_by(seen.ranking, me.id) if seen.ranking is not None else None,
            counted_at=seen.counted_at,
        )
