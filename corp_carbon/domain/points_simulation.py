"""What a points policy would have cost and whom it would have paid, on a past period.

Before a policy goes live the company wants to know: how many points (and how much money) it
issues, which behaviours earn them, whether a few employees capture most of them, and what
a tonne of avoided CO2e costs. ``simulate`` answers from trips already scored under the
policy, applying the caps in the order the trips were recorded, as crediting does: the
methodology's count caps (commute trips per day, self-reported trips per month) first, then
the policy's caps per day, month and year. The period starts with nothing earned: earnings
before it do not fill its caps.

Who counts: every employee with at least one confirmed trip in the period, whether it
earned or not, so a policy that pays few people shows a high top-tenth share and a low
median. A year is 365 days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.reporting import NO_DEPARTMENT, Cell, Figures, suppressed_rows
from corp_carbon.domain.scoring.caps import Caps, PointCaps

#: the methodology's count caps, as they appear among the capped points.
COMMUTE_TRIPS_PER_DAY = "commute_trips_per_day"
SELF_REPORTED_PER_MONTH = "self_reported_per_month"
#: points earned outside any behaviour of the policy (rate cards, 1 point per gram).
OTHER_BEHAVIOUR = "other"

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
DAYS_IN_YEAR = 365


@dataclass(frozen=True, slots=True)
class SimulatedTrip:
    """One confirmed trip of the period as the policy scored it (after its per-trip cap,
    before the caps per day, month and year)."""

    employee: int
    department: str | None
    day: date
    behaviour: str | None
    points: int
    avoided_kg: Decimal
    commute: bool = False
    self_reported: bool = False
    #: the per-trip cap that cut the points, and the points before it.
    trip_cap: str | None = None
    uncapped_points: int | None = None


@dataclass(frozen=True, slots=True)
class BehaviourLine:
    behaviour: str
    points: int
    #: percent of all points, one decimal.
    share: Decimal


@dataclass(frozen=True, slots=True)
class DepartmentLine:
    """A department (``other``: the small ones merged) and the people with trips in it."""

    department: str
    employees: int
    points: int
    share: Decimal
    other: bool = False


@dataclass(frozen=True, slots=True)
class CapLine:
    """Points a cap removed from ``trips`` trips. ``cap`` is the policy's code
    ("per_month:all": at most ``limit`` points per ``period`` for ``behaviour``, None: all
    together) or a count cap (``COMMUTE_TRIPS_PER_DAY``, ``SELF_REPORTED_PER_MONTH``: at
    most ``limit`` trips per ``period`` earn)."""

    cap: str
    period: str
    behaviour: str | None
    limit: int
    points: int
    trips: int

    @property
    def counts_trips(self) -> bool:
        return self.cap in (COMMUTE_TRIPS_PER_DAY, SELF_REPORTED_PER_MONTH)


@dataclass(frozen=True)
class Simulation:
    policy: str
    title: str
    date_from: date
    date_to: date
    point_value: Decimal
    currency: str
    min_group_size: int
    #: confirmed trips in the period, and those that earned after every cap.
    trips: int
    credited_trips: int
    #: employees with trips in the period, and those of them who earned.
    employees: int
    earners: int
    points: int
    money: Decimal
    by_behaviour: tuple[BehaviourLine, ...]
    by_department: tuple[DepartmentLine, ...]
    #: the top tenth of employees by points (at least one person) and their share in percent.
    top_tenth_employees: int
    top_tenth_share: Decimal
    median_points: Decimal
    max_points: int
    points_per_employee_year: Decimal
    money_per_employee_year: Decimal
    #: kg avoided by the trips that earned; money per tonne of it (None: nothing avoided).
    avoided_kg: Decimal
    cost_per_tonne: Decimal | None
    capped: tuple[CapLine, ...]

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def capped_points(self) -> int:
        return sum(line.points for line in self.capped)

    def to_json(self) -> dict[str, object]:
        """JSON-safe (Decimals as strings, so no figure is rounded by a float)."""
        return {
            "policy": self.policy,
            "title": self.title,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "days": self.days,
            "point_value": str(self.point_value),
            "currency": self.currency,
            "trips": self.trips,
            "credited_trips": self.credited_trips,
            "employees": self.employees,
            "employees_counted": "every employee with a confirmed trip in the period",
            "earners": self.earners,
            "points": self.points,
            "money": str(self.money),
            "by_behaviour": [
                {"behaviour": b.behaviour, "points": b.points, "share_percent": str(b.share)}
                for b in self.by_behaviour
            ],
            "by_department": [
                {
                    "department": d.department,
                    "employees": d.employees,
                    "points": d.points,
                    "share_percent": str(d.share),
                    "other": d.other,
                }
                for d in self.by_department
            ],
            "min_group_size": self.min_group_size,
            "top_tenth_employees": self.top_tenth_employees,
            "top_tenth_share_percent": str(self.top_tenth_share),
            "median_points_per_employee": str(self.median_points),
            "max_points_per_employee": self.max_points,
            "points_per_employee_year": str(self.points_per_employee_year),
            "money_per_employee_year": str(self.money_per_employee_year),
            "avoided_kg_co2e": str(self.avoided_kg),
            "cost_per_tonne": None if self.cost_per_tonne is None else str(self.cost_per_tonne),
            "capped_points": self.capped_points,
            "capped": [
                {
                    "cap": c.cap,
                    "period": c.period,
                    "behaviour": c.behaviour or "all",
                    "limit": c.limit,
                    "limit_of": "trips" if c.counts_trips else "points",
                    "points": c.points,
                    "trips": c.trips,
                }
                for c in self.capped
            ],
        }


@dataclass(frozen=True)
class Terms:
    """What the figures are measured in and shown by."""

    policy: str
    title: str
    date_from: date
    date_to: date
    point_value: Decimal
    currency: str
    min_group_size: int


def simulate(trips: Iterable[SimulatedTrip], methodology: Methodology, terms: Terms) -> Simulation:
    """The period's figures under ``methodology`` (its points policy's caps), from its trips
    in the order they were recorded."""
    caps = Caps(methodology)
    point_caps = PointCaps(methodology.points_policy)
    per_employee: Counter[int] = Counter()
    by_behaviour: Counter[str] = Counter()
    by_department: dict[tuple[str, int], int] = {}
    removed: Counter[str] = Counter()
    removed_trips: Counter[str] = Counter()
    count = credited = 0
    avoided = Decimal("0.000")
    for trip in trips:
        count += 1
        per_employee[trip.employee] += 0
        department = trip.department or NO_DEPARTMENT
        key = (department, trip.employee)
        by_department.setdefault(key, 0)
        if trip.trip_cap and trip.uncapped_points is not None:
            removed[trip.trip_cap] += trip.uncapped_points - trip.points
            removed_trips[trip.trip_cap] += 1
        if trip.points <= 0:
            continue
        count_cap = _count_cap(caps, trip)
        if count_cap is not None:
            removed[count_cap] += trip.points
            removed_trips[count_cap] += 1
            continue
        admitted = point_caps.admit(trip.employee, trip.day, trip.behaviour, trip.points)
        if admitted.cap is not None:
            removed[admitted.cap] += trip.points - admitted.points
            removed_trips[admitted.cap] += 1
        if admitted.points <= 0:
            continue
        credited += 1
        avoided += trip.avoided_kg
        per_employee[trip.employee] += admitted.points
        by_behaviour[trip.behaviour or OTHER_BEHAVIOUR] += admitted.points
        by_department[key] += admitted.points
    lines = _cap_lines(methodology, removed, removed_trips)
    return _figures(
        terms, count, credited, per_employee, by_behaviour, by_department, avoided, lines
    )  # fmt: skip


def _count_cap(caps: Caps, trip: SimulatedTrip) -> str | None:
    """The count cap that refuses this trip, else None (and the trip is counted)."""
    commute_full = (
        trip.commute and caps.per_day[(trip.employee, trip.day)] >= caps.commute_trips_per_day
    )
    if caps.admit(trip.employee, trip.day, commute=trip.commute, self_reported=trip.self_reported):
        return None
    return COMMUTE_TRIPS_PER_DAY if commute_full else SELF_REPORTED_PER_MONTH


def _figures(
    terms: Terms,
    trips: int,
    credited: int,
    per_employee: Counter[int],
    by_behaviour: Counter[str],
    by_department: dict[tuple[str, int], int],
    avoided: Decimal,
    capped: tuple[CapLine, ...],
) -> Simulation:
    total = sum(per_employee.values())
    people = len(per_employee)
    ranked = sorted(per_employee.values(), reverse=True)
    top = max(1, -(-people // 10)) if people else 0
    money = _money(total * terms.point_value)
    years = Decimal(terms.date_to.toordinal() - terms.date_from.toordinal() + 1) / DAYS_IN_YEAR
    per_year = Decimal(total) / people / years if people else Decimal(0)
    tonnes = avoided / 1000
    return Simulation(
        policy=terms.policy,
        title=terms.title,
        date_from=terms.date_from,
        date_to=terms.date_to,
        point_value=terms.point_value,
        currency=terms.currency,
        min_group_size=terms.min_group_size,
        trips=trips,
        credited_trips=credited,
        employees=people,
        earners=sum(1 for p in ranked if p > 0),
        points=total,
        money=money,
        by_behaviour=tuple(
            BehaviourLine(b, p, _share(p, total))
            for b, p in sorted(by_behaviour.items(), key=lambda item: (-item[1], item[0]))
        ),
        by_department=_departments(by_department, total, terms.min_group_size),
        top_tenth_employees=top,
        top_tenth_share=_share(sum(ranked[:top]), total),
        median_points=_median(ranked),
        max_points=ranked[0] if ranked else 0,
        points_per_employee_year=per_year.quantize(Decimal(1), ROUND_HALF_UP),
        money_per_employee_year=_money(per_year * terms.point_value),
        avoided_kg=avoided,
        cost_per_tonne=_money(money / tonnes) if tonnes > 0 else None,
        capped=capped,
    )


def _cap_lines(
    methodology: Methodology, removed: Counter[str], trips: Counter[str]
) -> tuple[CapLine, ...]:
    """The caps that removed points, most points first, each with what it allows."""
    known: dict[str, tuple[str, str | None, int]] = {
        COMMUTE_TRIPS_PER_DAY: ("day", None, methodology.commute_trips_per_day),
        SELF_REPORTED_PER_MONTH: ("month", None, methodology.self_reported_per_month),
    }
    policy = methodology.points_policy
    for cap in policy.caps if policy else ():
        known[cap.code] = (cap.period.value, cap.behaviour, cap.points)
    lines = []
    for code, points in sorted(removed.items(), key=lambda item: (-item[1], item[0])):
        if points > 0:
            period, behaviour, limit = known[code]
            lines.append(CapLine(code, period, behaviour, limit, points, trips[code]))
    return tuple(lines)


def _departments(
    points: dict[tuple[str, int], int], total: int, min_group_size: int
) -> tuple[DepartmentLine, ...]:
    """Departments by points; those with fewer people than ``min_group_size`` merged into
    one "Other" line (with enough others that none can be recovered), as in every report."""
    cells = [
        Cell((department,), employee, Figures(points=p))
        for (department, employee), p in points.items()
    ]
    rows = suppressed_rows(cells, min_group_size, 1)
    lines = [
        DepartmentLine(
            row.key[0], row.employees, row.figures.points, _share(row.figures.points, total),
            row.other,
        )
        for row in rows
    ]  # fmt: skip
    shown = sorted((x for x in lines if not x.other), key=lambda x: (-x.points, x.department))
    return tuple(shown + [x for x in lines if x.other])


def _share(part: int, total: int) -> Decimal:
    if total <= 0:
        return Decimal("0.0")
    return (Decimal(part) * 100 / total).quantize(TENTH, ROUND_HALF_UP)


def _median(ranked: list[int]) -> Decimal:
    if not ranked:
        return Decimal(0)
    middle = len(ranked) // 2
    if len(ranked) % 2:
        return Decimal(ranked[middle])
    return Decimal(ranked[middle - 1] + ranked[middle]) / 2


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)
