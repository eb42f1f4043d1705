"""Breakdown tables of the workbook: suppressed rows of a tally as a block, with its total.

Every breakdown block ends with a total row that is the sum of all its rows, the Other row
included, so it equals the category total and the sum of the Detail rows it covers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import NamedTuple

from corp_carbon.domain.inventory import Tally, share_of, tonnes
from corp_carbon.domain.reporting import Figures, Row
from corp_carbon.services.reports.layout import Block, CellValue, Chart, Column

TOTAL = "Total"


class Measure(NamedTuple):
    column: Column
    value: Callable[[Row], CellValue]
    total: Callable[[Figures, int], CellValue]


def _t(figures: Figures) -> Decimal:
    return tonnes(figures.kg_co2e)


ACTIVITIES = Measure(
    Column("Activities", "int", 12), lambda r: r.figures.activities, lambda f, _: f.activities
)
STAYS = Measure(
    Column("Stays", "int", 12), lambda r: r.figures.activities, lambda f, _: f.activities
)
EMPLOYEES = Measure(Column("Employees", "int", 12), lambda r: r.employees, lambda _, n: n)
DISTANCE = Measure(
    Column("Distance (km)", "km", 15), lambda r: r.figures.distance_km, lambda f, _: f.distance_km
)
NIGHTS = Measure(
    Column("Room-nights", "int", 13), lambda r: r.figures.nights, lambda f, _: f.nights
)
TONNES = Measure(Column("Emissions (t CO2e)", "t", 18), lambda r: _t(r.figures), lambda f, _: _t(f))
STANDARD = (ACTIVITIES, EMPLOYEES, DISTANCE, TONNES)


def breakdown(
    title: str,
    keys: Sequence[Column],
    tally: Tally,
    min_group_size: int,
    *,
    measures: Sequence[Measure] = STANDARD,
    notes: tuple[str, ...] = (),
    key: str = "",
    chart: Chart | None = None,
    share: bool = True,
) -> Block:
    """The tally's groups as rows (small ones merged into Other), a share of the block's
    t CO2e per row, and the total row."""
    rows = tally.rows(min_group_size)
    whole = tally.total()
    people = len(tally.employees())
    columns = [*keys, *(m.column for m in measures)]
    if share:
        columns.append(Column("Share (%)", "pct", 11))
    body = []
    for row in rows:
        values: list[CellValue] = [*row.key, *(m.value(row) for m in measures)]
        if share:
            values.append(share_of(row.figures.kg_co2e, whole.kg_co2e))
        body.append(tuple(values))
    total: tuple[CellValue, ...] | None = None
    if rows:
        blanks: list[CellValue] = [None] * (len(keys) - 1)
        total_values: list[CellValue] = [
            TOTAL,
            *blanks,
            *(m.total(whole, people) for m in measures),
        ]
        if share:
            total_values.append(Decimal(1) if whole.kg_co2e else None)
        total = tuple(total_values)
    return Block(
        title,
        tuple(columns),
        body,
        notes=notes if rows else (*notes, "No activities in this period."),
        total=total,
        chart=chart,
        key=key,
    )
