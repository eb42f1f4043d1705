"""The Scope 3 inventory of a period, tallied as its activities stream past.

The ESG workbook reads every activity of the period once: each one becomes a detail row and
adds to every breakdown (by mode, month, department, ...). Totals and breakdowns are therefore
sums of exactly the rows the Detail sheet shows. A breakdown keeps, per group, the distinct
employees in it, so small groups can be suppressed as ``reporting.suppress`` requires; the
memory it takes grows with groups x employees, never with activities.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from corp_carbon.domain.reporting import (
    HAUL_CABIN_SEPARATOR,
    ZERO_KG,
    Dimension,
    Figures,
    Group,
    Row,
    label,
    other_label,
    suppress,
)
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    Cabin,
    CalculationMethod,
    DistanceSource,
    Mode,
    Verification,
)
from corp_carbon.domain.vocabulary import label as vocabulary_label

KG = Decimal("0.001")
Key = tuple[str, ...]

#: how the calculation methods read in the Summary (GHG Protocol's names).
METHOD_LABELS = {
    CalculationMethod.DISTANCE: "Distance-based",
    CalculationMethod.SPEND: "Spend-based fallback",
}
EXTRAPOLATION_LABEL = "Average-data extrapolation (commuting estimate)"
NOT_ASSESSED_LABEL = "Not assessed (counted as 0 kg)"


class DetailRow(NamedTuple):
    """One activity as the Detail sheet shows it; ``employee`` is the internal id, used only
    to count distinct employees and never written out (``employee_key`` is)."""

    activity_id: int
    employee: int
    employee_key: str
    department: str | None
    office: str | None
    travel_date: date
    kind: ActivityKind
    mode: Mode
    origin: str | None
    destination: str | None
    distance_km: Decimal | None
    distance_source: DistanceSource | None
    cabin: Cabin | None
    nights: int | None
    occupants: int
    method: CalculationMethod
    spend_amount: Decimal | None
    spend_currency: str | None
    factor_set: str | None
    factor_id: str | None
    #: None: not assessed (it counts with 0 kg, as in every report).
    kg_co2e: Decimal | None
    baseline: str | None
    baseline_kg_co2e: Decimal | None
    avoided_kg_co2e: Decimal | None
    points: int | None
    haul: str | None
    status: ActivityStatus
    verification: Verification
    connector: str | None
    import_run: int | None


class _Sums:
    """A group's running sums (mutable: one object per group, updated per activity)."""

    __slots__ = ("activities", "avoided", "employees", "kg", "km", "nights", "points")

    def __init__(self) -> None:
        self.employees: set[Hashable] = set()
        self.kg = ZERO_KG
        self.avoided = ZERO_KG
        self.points = 0
        self.activities = 0
        self.km = ZERO_KG
        self.nights = 0

    def figures(self) -> Figures:
        return Figures(self.kg, self.avoided, self.points, self.activities, self.km, self.nights)


class Tally:
    """One breakdown's groups, filled row by row; ``rows`` suppresses the small ones."""

    def __init__(self, width: int = 1) -> None:
        self.width = width
        self._groups: dict[Key, _Sums] = {}

    def add(self, key: Key, row: DetailRow) -> None:
        sums = self._groups.get(key)
        if sums is None:
            sums = self._groups[key] = _Sums()
        sums.employees.add(row.employee)
        if row.kg_co2e is not None:
            sums.kg += row.kg_co2e
        if row.avoided_kg_co2e is not None:
            sums.avoided += row.avoided_kg_co2e
        sums.points += row.points or 0
        sums.activities += 1
        if row.distance_km is not None:
            sums.km += row.distance_km
        sums.nights += row.nights or 0

    def groups(self) -> list[Group]:
        return [Group(key, s.employees, s.figures()) for key, s in self._groups.items()]

    def rows(self, min_group_size: int) -> list[Row]:
        return suppress(self.groups(), min_group_size, self.width)

    def total(self) -> Figures:
        result = Figures()
        for sums in self._groups.values():
            result = result + sums.figures()
        return result

    def employees(self) -> set[Hashable]:
        return set().union(*(s.employees for s in self._groups.values()))


def regroup(groups: Iterable[Group], like: Sequence[Row], min_group_size: int) -> list[Row]:
    """``groups`` in the rows of ``like`` (another figure set's suppressed rows of the same
    activities): the same groups shown, everything else in the Other row, so columns of a
    comparison line up and no group hidden in one column shows in another."""
    width = len(like[0].key) if like else 1
    shown = [row.key for row in like if not row.other]
    found: dict[Key, Group] = {}
    other_people: set[Hashable] = set()
    other = Figures()
    for g in groups:
        if g.key in shown:
            found[g.key] = g
        else:
            other_people |= g.employees
            other = other + g.figures
    rows = [
        Row(key, len(found[key].employees), found[key].figures) for key in shown if key in found
    ]
    if other.activities:
        rows.append(Row((other_label(min_group_size),) * width, len(other_people), other, True))
    return rows


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def mode_label(mode: Mode) -> str:
    return vocabulary_label(mode)


def haul_cabin_label(row: DetailRow) -> str:
    """As the haul x cabin dimension of the admin reports reads it ("Not a flight" else)."""
    if row.mode is not Mode.AIR:
        return label(Dimension.HAUL_CABIN, None)
    cabin = row.cabin.value if row.cabin else ""
    return label(Dimension.HAUL_CABIN, f"{row.haul or ''}{HAUL_CABIN_SEPARATOR}{cabin}")


@dataclass(slots=True)
class FactorUse:
    """How often a factor was applied in the period, and to how many kg."""

    activities: int = 0
    kg_co2e: Decimal = ZERO_KG


@dataclass
class Inventory:
    """Every breakdown of a period's activities, filled by ``add`` one row at a time."""

    kinds: dict[ActivityKind, Tally]
    business_by_mode: Tally
    commuting_by_mode: Tally
    by_month: Tally
    by_method: Tally
    transport_by_month_mode: Tally
    transport_by_haul_cabin: Tally
    transport_by_department: Tally
    transport_by_office: Tally
    hotels_by_month: Tally
    commuting_by_department: Tally
    #: (factor set, publisher id) -> activities and kg, for the Methodology sheet.
    factors: dict[tuple[str, str], FactorUse]
    #: baseline code -> activities compared with it.
    baselines: dict[str, int]
    not_assessed: int = 0

    @classmethod
    def empty(cls) -> Inventory:
        return cls(
            kinds={kind: Tally() for kind in ActivityKind},
            business_by_mode=Tally(),
            commuting_by_mode=Tally(),
            by_month=Tally(),
            by_method=Tally(),
            transport_by_month_mode=Tally(2),
            transport_by_haul_cabin=Tally(),
            transport_by_department=Tally(),
            transport_by_office=Tally(),
            hotels_by_month=Tally(),
            commuting_by_department=Tally(),
            factors={},
            baselines={},
        )

    def add(self, row: DetailRow) -> None:
        self.kinds[row.kind].add((row.kind.value,), row)
        mode = mode_label(row.mode)
        month = month_of(row.travel_date)
        self.by_month.add((month,), row)
        if row.kg_co2e is None:
            self.not_assessed += 1
            self.by_method.add((NOT_ASSESSED_LABEL,), row)
        else:
            self.by_method.add((METHOD_LABELS[row.method],), row)
        if row.kind is ActivityKind.BUSINESS_TRAVEL:
            self.business_by_mode.add((mode,), row)
            if row.mode is Mode.HOTEL:
                self.hotels_by_month.add((month,), row)
            else:
                self.transport_by_month_mode.add((month, mode), row)
                self.transport_by_haul_cabin.add((haul_cabin_label(row),), row)
                self.transport_by_department.add(
                    (label(Dimension.DEPARTMENT, row.department),), row
                )
                self.transport_by_office.add((label(Dimension.OFFICE, row.office),), row)
        else:
            self.commuting_by_mode.add((mode,), row)
            self.commuting_by_department.add((label(Dimension.DEPARTMENT, row.department),), row)
        if row.factor_set is not None and row.factor_id is not None:
            used = self.factors.get((row.factor_set, row.factor_id))
            if used is None:
                used = self.factors[(row.factor_set, row.factor_id)] = FactorUse()
            used.activities += 1
            used.kg_co2e += row.kg_co2e or ZERO_KG
        if row.baseline is not None:
            self.baselines[row.baseline] = self.baselines.get(row.baseline, 0) + 1

    def total(self, kind: ActivityKind) -> Figures:
        return self.kinds[kind].total()

    @property
    def business_travel(self) -> Figures:
        return self.total(ActivityKind.BUSINESS_TRAVEL)

    @property
    def commuting(self) -> Figures:
        return self.total(ActivityKind.COMMUTE)

    @property
    def hotels(self) -> Figures:
        return self.hotels_by_month.total()


@dataclass(frozen=True)
class Coverage:
    """Who the commuting figures cover, and the average-data estimate for everyone else.

    Employees without a commute profile and without logged commutes in the period are assumed
    to commute like the average covered employee. The estimate is shown beside the measured
    figure, never added to it silently.
    """

    headcount: int
    covered: int
    measured_kg: Decimal

    @property
    def uncovered(self) -> int:
        return max(0, self.headcount - self.covered)

    @property
    def share(self) -> Decimal | None:
        return Decimal(self.covered) / self.headcount if self.headcount else None

    @property
    def average_kg(self) -> Decimal | None:
        """kg CO2e per covered employee, rounded to the gram (half up) like every figure."""
        if not self.covered:
            return None
        return (self.measured_kg / self.covered).quantize(KG, rounding=ROUND_HALF_UP)

    @property
    def extrapolated_kg(self) -> Decimal:
        average = self.average_kg
        return ZERO_KG if average is None else average * self.uncovered

    def assumption(self) -> str:
        average = self.average_kg
        if not self.uncovered:
            return "Every employee in the headcount is covered: nothing is extrapolated."
        if average is None:
            return (
                f"No employee is covered, so the {self.uncovered} employees without data "
                "cannot be extrapolated from anyone: no estimate is made."
            )
        return (
            f"Each of the {self.uncovered} employees without a commute profile or logged "
            f"commute is assumed to commute like the average covered employee: "
            f"{self.measured_kg:,} kg CO2e measured / {self.covered:,} covered employees = "
            f"{average:,} kg each; {average:,} kg x {self.uncovered:,} = "
            f"{self.extrapolated_kg:,} kg."
        )


def tonnes(kg: Decimal) -> Decimal:
    """kg as tonnes, exactly (kg carry three decimals, so tonnes carry six)."""
    return kg.scaleb(-3)


def change(current: Decimal, previous: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """Difference and relative difference (a fraction; None without a base)."""
    if previous is None:
        return None, None
    difference = current - previous
    return difference, (difference / previous if previous else None)


def share_of(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole if whole else None
