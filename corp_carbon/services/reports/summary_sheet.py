"""The Summary sheet of the ESG workbook: who and when, the inventory totals (measured apart
from the commuting estimate) beside the previous period of the same length, each category by
mode with a bar chart, the share of each calculation method, and a line chart by month."""

from __future__ import annotations

from decimal import Decimal

from corp_carbon.domain.inventory import (
    EXTRAPOLATION_LABEL,
    Inventory,
    Tally,
    change,
    share_of,
    tonnes,
)
from corp_carbon.domain.reporting import CATEGORY_OF, Row, other_label
from corp_carbon.domain.vocabulary import ActivityKind
from corp_carbon.services.reports.gathering import ReportData
from corp_carbon.services.reports.layout import (
    Block,
    CellValue,
    Chart,
    Column,
    Sheet,
    Styled,
    pairs,
)
from corp_carbon.services.reports.sheets import (
    CAT6,
    CAT7,
    CHANGE_PCT,
    CHANGE_T,
    MODE,
    MONTH,
    T_PREVIOUS,
    T,
    label_column,
    period_text,
    scope_text,
)
from corp_carbon.services.reports.tables import ACTIVITIES, EMPLOYEES, TONNES, TOTAL, breakdown


def summary_sheet(data: ReportData, about: list[tuple[str, CellValue]]) -> Sheet:
    blocks = [
        pairs("About this report", about, key="about"),
        totals_block(data),
        by_mode_block(data, ActivityKind.BUSINESS_TRAVEL),
        by_mode_block(data, ActivityKind.COMMUTE),
        methods_block(data),
        breakdown(
            "All activities by month",
            (MONTH,),
            data.current.by_month,
            data.min_group_size,
            measures=(ACTIVITIES, EMPLOYEES, TONNES),
            key="by_month",
            share=False,
            chart=Chart("line", "Emissions by month (t CO2e)", "t CO2e", 0, (3,)),
        ),
    ]
    return Sheet(
        "Summary",
        "ESG report: Scope 3 business travel and employee commuting",
        (
            f"{data.organisation}, {period_text(data)}, {scope_text(data)}. GHG Protocol "
            "Corporate Value Chain (Scope 3) Standard, categories 6 and 7.",
        ),
        blocks,
        freeze_first_header=False,
        key="summary",
    )


def totals_block(data: ReportData) -> Block:
    """The inventory totals, measured apart from the commuting estimate, with the previous
    period beside them when it has data."""
    cur, prev = data.current, data.previous
    rows: list[tuple[str, Decimal, Decimal | None]] = [
        (f"{CAT6} (measured)", cur.business_travel.kg_co2e, _kg(prev, "business")),
        ("   of which hotel stays (optional in category 6)", cur.hotels.kg_co2e,
         _kg(prev, "hotels")),
        (f"{CAT7} (measured)", cur.commuting.kg_co2e, _kg(prev, "commuting")),
        ("Total measured (categories 6 and 7): the sum of the Detail sheet",
         cur.business_travel.kg_co2e + cur.commuting.kg_co2e, _kg(prev, "measured")),
        ("Category 7 estimate for employees without commute data (see Commuting)",
         data.coverage.extrapolated_kg,
         data.previous_coverage.extrapolated_kg if data.previous_coverage else None),
    ]  # fmt: skip
    previous_total = None
    if prev is not None and data.previous_coverage is not None:
        previous_total = rows[3][2] + data.previous_coverage.extrapolated_kg  # type: ignore[operator]
    rows.append(
        (
            "Total including the commuting estimate",
            rows[3][1] + data.coverage.extrapolated_kg,
            previous_total,
        )
    )
    with_previous = prev is not None
    columns = [label_column("Scope 3 inventory"), T]
    if with_previous:
        columns += [T_PREVIOUS, CHANGE_T, CHANGE_PCT]
    body = []
    for name, kg, before in rows:
        values: list[CellValue] = [name, tonnes(kg)]
        if with_previous:
            difference, relative = change(kg, before)
            values += [
                tonnes(before) if before is not None else None,
                tonnes(difference) if difference is not None else None,
                relative,
            ]
        body.append(tuple(values))
    notes = [
        "Avoided emissions and points are an incentive programme, not offsets: they are "
        "never subtracted from these totals."
    ]
    if not with_previous:
        notes.append("The previous period of the same length has no activities to compare.")
    return Block("Inventory totals", tuple(columns), body, notes=tuple(notes), key="totals")


def _kg(inventory: Inventory | None, which: str) -> Decimal | None:
    if inventory is None:
        return None
    return {
        "business": inventory.business_travel.kg_co2e,
        "hotels": inventory.hotels.kg_co2e,
        "commuting": inventory.commuting.kg_co2e,
        "measured": inventory.business_travel.kg_co2e + inventory.commuting.kg_co2e,
    }[which]


def by_mode_block(data: ReportData, kind: ActivityKind) -> Block:
    """A category by mode, small modes merged, with the previous period's figure of the same
    row when that period has data (its own small groups merged apart): blank where that
    period had the mode among its small groups, 0 where it had none of it."""
    now = _Period(_by_mode(data.current, kind), data.min_group_size)
    before = None
    if data.previous is not None:
        before = _Period(_by_mode(data.previous, kind), data.min_group_size)
    keys = [r.key for r in now.rows if not r.other]
    if before is not None:
        keys += [r.key for r in before.rows if not r.other and r.key not in keys]
    keys.sort()
    other = (other_label(data.min_group_size),)
    if now.has_other or (before is not None and before.has_other):
        keys.append(other)
    columns = [MODE, ACTIVITIES.column, EMPLOYEES.column, T]
    if before is not None:
        columns += [T_PREVIOUS, CHANGE_T, CHANGE_PCT]
    body = []
    for key in keys:
        row, kg = now.find(key)
        values: list[CellValue] = [
            key[0], row.figures.activities if row else None, row.employees if row else None,
            tonnes(kg) if kg is not None else None,
        ]  # fmt: skip
        if before is not None:
            kg_before = before.find(key)[1]
            difference, relative = change(kg, kg_before) if kg is not None else (None, None)
            values += [_t(kg_before), _t(difference), relative]
        body.append(tuple(values))
    whole = now.tally.total()
    total: list[CellValue] = [
        TOTAL,
        whole.activities,
        len(now.tally.employees()),
        tonnes(whole.kg_co2e),
    ]
    if before is not None:
        before_total = before.tally.total().kg_co2e
        difference, relative = change(whole.kg_co2e, before_total)
        total += [tonnes(before_total), tonnes(difference or Decimal(0)), relative]
    title = f"{CATEGORY_OF[kind]}, by mode"
    notes: tuple[str, ...] = ()
    if before is not None:
        notes = ("Blank: in that period the mode was among the small groups (its Other row).",)
    if not keys:
        notes = (*notes, "No activities in this period.")
    business = kind is ActivityKind.BUSINESS_TRAVEL
    return Block(
        title,
        tuple(columns),
        body,
        notes=notes,
        total=tuple(total) if keys else None,
        chart=Chart("bar", title, "t CO2e", 0, (3, 4) if before else (3,)) if keys else None,
        key="business_travel_by_mode" if business else "commuting_by_mode",
    )


class _Period:
    """One period's suppressed rows of a tally, and how a key fared in them."""

    def __init__(self, tally: Tally, min_group_size: int) -> None:
        self.tally = tally
        self.rows = tally.rows(min_group_size)
        self.shown = {r.key: r for r in self.rows}
        self.present = {g.key for g in tally.groups()}
        self.has_other = any(r.other for r in self.rows)

    def find(self, key: tuple[str, ...]) -> tuple[Row | None, Decimal | None]:
        """The row and kg of ``key``: (None, None) when hidden in Other, (None, 0) when the
        period had no such activity."""
        row = self.shown.get(key)
        if row is not None:
            return row, row.figures.kg_co2e
        if key in self.present:
            return None, None
        return None, Decimal("0.000")


def _t(kg: Decimal | None) -> Decimal | None:
    return None if kg is None else tonnes(kg)


def _by_mode(inventory: Inventory, kind: ActivityKind) -> Tally:
    if kind is ActivityKind.BUSINESS_TRAVEL:
        return inventory.business_by_mode
    return inventory.commuting_by_mode


def methods_block(data: ReportData) -> Block:
    """The share of the total computed by each GHG Protocol method; the estimate for
    employees without commute data is its own row, never folded into the measured ones."""
    rows = data.current.by_method.rows(data.min_group_size)
    estimate = data.coverage.extrapolated_kg
    whole = data.current.business_travel.kg_co2e + data.current.commuting.kg_co2e + estimate
    body: list[tuple[CellValue, ...]] = [
        (
            r.key[0],
            r.figures.activities,
            tonnes(r.figures.kg_co2e),
            share_of(r.figures.kg_co2e, whole),
        )
        for r in rows
    ]
    body.append(
        (
            EXTRAPOLATION_LABEL,
            Styled(data.coverage.uncovered, "int"),
            tonnes(estimate),
            share_of(estimate, whole),
        )
    )
    return Block(
        "Calculation method and its share of the total",
        (
            label_column("Method"),
            Column("Activities", "int", 12),
            T,
            Column("Share (%)", "pct", 11),
        ),
        body,
        total=(TOTAL, None, tonnes(whole), Decimal(1) if whole else None),
        notes=("The estimate's row counts employees without commute data, not activities.",),
        key="methods",
    )
