"""Reporting rules shared by the ESG workbook and the admin dashboards.

Figures are grouped by any of a few dimensions; groups with fewer than ``min_group_size``
distinct employees are merged into one "Other" row, together with enough of the smallest
shown groups that no hidden figure can be recovered by subtracting the shown rows from the
total. Employees in detail rows are named only by a keyed hash of their public id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from corp_carbon.domain.factors import haul_label
from corp_carbon.domain.suppression import hidden_groups
from corp_carbon.domain.vocabulary import ActivityKind, Cabin
from corp_carbon.domain.vocabulary import label as vocabulary_label

#: hex characters kept of the HMAC: 80 bits, enough to never collide within a company.
PSEUDONYM_LENGTH = 20
ZERO_KG = Decimal("0.000")


class Dimension(StrEnum):
    """What a report row can be keyed by (the ``group_by`` of the API)."""

    MONTH = "month"
    MODE = "mode"
    DEPARTMENT = "department"
    OFFICE = "office"
    CATEGORY = "category"
    #: flights by haul and cabin ("Long-haul · Economy"). Every other activity is one "Not a
    #: flight" row, so this breakdown adds up to the period's total like every other one
    #: (an auditor reconciles each breakdown with the inventory total).
    HAUL_CABIN = "haul_cabin"


#: GHG Protocol Scope 3 category of each kind of activity.
CATEGORY_OF = {
    ActivityKind.BUSINESS_TRAVEL: "Scope 3 category 6: business travel",
    ActivityKind.COMMUTE: "Scope 3 category 7: employee commuting",
}
NO_DEPARTMENT = "(no department)"
NO_OFFICE = "(no office)"
NOT_A_FLIGHT = "Not a flight"
#: a flight without a stored haul: unassessed, or bulk-imported before the haul was kept.
NO_HAUL = "Haul not recorded"
NO_CABIN = "Cabin not given"
#: between haul and cabin in the database's ``haul_cabin`` key of a flight.
HAUL_CABIN_SEPARATOR = "|"


def label(dimension: Dimension, value: str | None) -> str:
    """How a stored value reads in a row (a missing department or office is a group too)."""
    if dimension is Dimension.CATEGORY:
        return CATEGORY_OF[ActivityKind(value or "")]
    if dimension is Dimension.DEPARTMENT:
        return value or NO_DEPARTMENT
    if dimension is Dimension.OFFICE:
        return value or NO_OFFICE
    if dimension is Dimension.HAUL_CABIN:
        return _haul_cabin(value)
    return value or ""


def _haul_cabin(value: str | None) -> str:
    """``"long_haul|economy"`` as "Long-haul · Economy"; None (not a flight) as one group."""
    if value is None:
        return NOT_A_FLIGHT
    haul, _, cabin = value.partition(HAUL_CABIN_SEPARATOR)
    haul_text = haul_label(haul) if haul else NO_HAUL
    haul_text = haul_text[:1].upper() + haul_text[1:]
    cabin_text = vocabulary_label(Cabin(cabin)) if cabin else NO_CABIN
    return f"{haul_text} · {cabin_text}"


def parse_dimensions(text: str) -> tuple[Dimension, ...]:
    """``"month,mode"`` as dimensions, in the order given, each once; ValueError names the
    unknown one."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    found: list[Dimension] = []
    for name in names:
        try:
            dimension = Dimension(name)
        except ValueError:
            allowed = ", ".join(d.value for d in Dimension)
            raise ValueError(f"unknown dimension {name!r} (one of {allowed})") from None
        if dimension not in found:
            found.append(dimension)
    return tuple(found)


def other_label(min_group_size: int) -> str:
    return f"Other (fewer than {min_group_size})"


@dataclass(frozen=True, slots=True)
class Figures:
    """The additive figures of a set of activities (exact: Decimal kg and km, whole points)."""

    kg_co2e: Decimal = ZERO_KG
    avoided_kg_co2e: Decimal = ZERO_KG
    points: int = 0
    activities: int = 0
    distance_km: Decimal = ZERO_KG
    #: room-nights of hotel stays (reported apart within category 6).
    nights: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.kg_co2e + other.kg_co2e,
            self.avoided_kg_co2e + other.avoided_kg_co2e,
            self.points + other.points,
            self.activities + other.activities,
            self.distance_km + other.distance_km,
            self.nights + other.nights,
        )


def total(figures: Iterable[Figures]) -> Figures:
    result = Figures()
    for item in figures:
        result = result + item
    return result


@dataclass(frozen=True, slots=True)
class Cell:
    """The figures of one employee's activities in one group (what the database returns:
    grouped by the report's dimensions and the employee, so distinct employees of any
    merge of groups can be counted exactly)."""

    key: tuple[str, ...]
    employee: Hashable
    figures: Figures


@dataclass(frozen=True, slots=True)
class Row:
    """One shown row: its key (one label per dimension), distinct employees and figures.
    The merged row has ``other=True`` and the "Other" label in every position."""

    key: tuple[str, ...]
    employees: int
    figures: Figures
    other: bool = False


@dataclass
class Group:
    """One group before suppression: its key, the distinct employees in it and its figures."""

    key: tuple[str, ...]
    employees: set[Hashable] = field(default_factory=set)
    figures: Figures = field(default_factory=Figures)

    @property
    def kg(self) -> Decimal:
        return self.figures.kg_co2e


def group(cells: Iterable[Cell]) -> list[Group]:
    groups: dict[tuple[str, ...], Group] = {}
    for cell in cells:
        held = groups.get(cell.key)
        if held is None:
            held = groups[cell.key] = Group(cell.key)
        held.employees.add(cell.employee)
        held.figures = held.figures + cell.figures
    return list(groups.values())


def suppressed_rows(cells: Iterable[Cell], min_group_size: int, width: int) -> list[Row]:
    """Rows by key, small groups merged into a last "Other" row (``width`` labels wide).

    A group under ``min_group_size`` employees is never shown, nor can it be recovered by
    subtracting shown rows from the total or from a coarser table of the same period (see
    ``suppression``). The Other row takes at least two groups and ``min_group_size``
    distinct employees, or everything.
    """
    return suppress(group(cells), min_group_size, width)


def suppress(groups: Iterable[Group], min_group_size: int, width: int) -> list[Row]:
    """``suppressed_rows`` of groups already formed (by a caller that tallies as it streams);
    which groups are hidden is ``suppression.hidden_groups``' rule."""
    groups = list(groups)
    hide = hidden_groups(groups, min_group_size)
    shown = [g for i, g in enumerate(groups) if i not in hide]
    hidden = [g for i, g in enumerate(groups) if i in hide]
    rows = sorted((Row(g.key, len(g.employees), g.figures) for g in shown), key=lambda row: row.key)
    if hidden:
        people: set[Hashable] = set().union(*(g.employees for g in hidden))
        label = other_label(min_group_size)
        rows.append(
            Row((label,) * width, len(people), total(g.figures for g in hidden), other=True)
        )
    return rows


@dataclass(frozen=True, slots=True)
class Summary:
    """A period's rows with the totals of business travel (cat 6) and commuting (cat 7)."""

    dimensions: tuple[Dimension, ...]
    rows: Sequence[Row]
    business_travel: Figures
    commuting: Figures
    min_group_size: int

    @property
    def total(self) -> Figures:
        return self.business_travel + self.commuting


def summarise(
    cells: Iterable[tuple[ActivityKind, Cell]],
    dimensions: Sequence[Dimension],
    min_group_size: int,
) -> Summary:
    """Rows keyed by ``dimensions`` (small groups suppressed) and totals per category.

    ``cells`` is read once and not kept: each cell is added to its group as it comes, so a
    year of 100,000 employees (millions of cells) holds only the groups and their employees'
    keys, not every cell."""
    by_kind = {kind: Figures() for kind in ActivityKind}

    def tallied() -> Iterator[Cell]:
        for kind, cell in cells:
            by_kind[kind] = by_kind[kind] + cell.figures
            yield cell

    rows = suppressed_rows(tallied(), min_group_size, len(dimensions))
    return Summary(
        tuple(dimensions),
        rows,
        by_kind[ActivityKind.BUSINESS_TRAVEL],
        by_kind[ActivityKind.COMMUTE],
        min_group_size,
    )


def pseudonym(secret: str, employee_public_id: str) -> str:
    """A stable key for one employee in report detail rows: HMAC-SHA256 of the public id
    under the configured secret, so rows of one person can be linked across reports but not
    back to the person without the secret. The secret is hashed to a fixed-length key first:
    HMAC pads short keys with zeros, so a secret and the same with a NUL added would
    otherwise give the same keys."""
    key = hashlib.sha256(secret.encode()).digest()
    digest = hmac.new(key, employee_public_id.encode(), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_LENGTH]
