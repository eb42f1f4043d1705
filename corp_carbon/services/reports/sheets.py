"""The inventory sheets of the ESG workbook: Summary, business travel (Scope 3 category 6),
commuting (category 7) and the methodology comparison.

Figures are t CO2e (the kg of the Detail sheet / 1000, exactly). Groups of fewer employees
than ``[privacy] min_group_size`` are merged into "Other (fewer than k)" in every table; the
category totals are not, being the whole company's (or department's) figure.
"""

from __future__ import annotations

from decimal import Decimal

from corp_carbon.domain.inventory import (
    EXTRAPOLATION_LABEL,
    Coverage,
    Inventory,
    Tally,
    change,
    regroup,
    share_of,
    tonnes,
)
from corp_carbon.domain.reporting import CATEGORY_OF, Row, other_label, suppress
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
from corp_carbon.services.reports.tables import (
    ACTIVITIES,
    EMPLOYEES,
    NIGHTS,
    STAYS,
    TONNES,
    TOTAL,
    breakdown,
)

CAT6, CAT7 = CATEGORY_OF[ActivityKind.BUSINESS_TRAVEL], CATEGORY_OF[ActivityKind.COMMUTE]
T = Column("Emissions (t CO2e)", "t", 18)
T_PREVIOUS = Column("Previous period (t CO2e)", "t", 18)
CHANGE_T = Column("Change (t CO2e)", "t", 15)
CHANGE_PCT = Column("Change (%)", "pct", 11)
MONTH = Column("Month", "text", 12)
MODE = Column("Mode", "text", 22)
#: the first column of most tables: wide enough for "Other (fewer than 5)" and long labels.
LABEL_WIDTH = 46


def _label(title: str) -> Column:
    return Column(title, "text", LABEL_WIDTH)


def period_text(data: ReportData) -> str:
    r = data.request
    return f"{r.date_from.isoformat()} to {r.date_to.isoformat()} ({r.days} days)"


def scope_text(data: ReportData) -> str:
    department = data.request.department
    return f"department {department}" if department else "all departments"


# -- Summary --------------------------------------------------------------------------------


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
    columns = [_label("Scope 3 inventory"), T]
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
            _label("Method"),
            Column("Activities", "int", 12),
            T,
            Column("Share (%)", "pct", 11),
        ),
        body,
        total=(TOTAL, None, tonnes(whole), Decimal(1) if whole else None),
        notes=("The estimate's row counts employees without commute data, not activities.",),
        key="methods",
    )


# -- Category 6 and 7 -------------------------------------------------------------------------


def business_travel_sheet(data: ReportData) -> Sheet:
    inv, k = data.current, data.min_group_size
    transport = inv.business_travel.kg_co2e - inv.hotels.kg_co2e
    return Sheet(
        "Business travel (cat 6)",
        f"{CAT6}",
        (
            f"{period_text(data)}, {scope_text(data)}. Category 6 total: "
            f"{tonnes(inv.business_travel.kg_co2e):,.3f} t CO2e = transport "
            f"{tonnes(transport):,.3f} t + hotel stays {tonnes(inv.hotels.kg_co2e):,.3f} t "
            "(hotels are optional in category 6 and shown apart at the end).",
        ),
        [
            breakdown(
                "Transport by month and mode",
                (MONTH, MODE),
                inv.transport_by_month_mode,
                k,
                key="transport_by_month_mode",
            ),
            breakdown(
                "Transport by haul and cabin (flights; other transport one row)",
                (_label("Haul and cabin"),),
                inv.transport_by_haul_cabin,
                k,
                key="transport_by_haul_cabin",
            ),
            breakdown(
                "Transport by department (at the time of travel)",
                (_label("Department"),),
                inv.transport_by_department,
                k,
                key="transport_by_department",
            ),
            breakdown(
                "Transport by office (at the time of travel)",
                (_label("Office"),),
                inv.transport_by_office,
                k,
                key="transport_by_office",
            ),
            breakdown(
                "Hotel stays by month",
                (MONTH,),
                inv.hotels_by_month,
                k,
                measures=(STAYS, EMPLOYEES, NIGHTS, TONNES),
                key="hotels_by_month",
            ),
        ],
        key="business_travel",
    )


def commuting_sheet(data: ReportData) -> Sheet:
    inv, k = data.current, data.min_group_size
    return Sheet(
        "Commuting (cat 7)",
        f"{CAT7}",
        (
            f"{period_text(data)}, {scope_text(data)}. Measured figures from commute profiles "
            "and logged commutes; the estimate for employees without any is shown apart.",
        ),
        [
            breakdown("By mode", (MODE,), inv.commuting_by_mode, k, key="commuting_by_mode"),
            breakdown(
                "By department (at the time of travel)",
                (_label("Department"),),
                inv.commuting_by_department,
                k,
                key="commuting_by_department",
            ),
            coverage_block(data.coverage, data.request.department),
        ],
        key="commuting",
    )


def coverage_block(coverage: Coverage, department: str | None) -> Block:
    headcount = "Headcount: employees active at some time in the period"
    if department:
        headcount += f" (now in {department})"
    measured = coverage.measured_kg
    rows: list[tuple[str, CellValue]] = [
        (headcount, Styled(coverage.headcount, "int")),
        ("Covered: with a commute profile or a logged commute", Styled(coverage.covered, "int")),
        ("Not covered", Styled(coverage.uncovered, "int")),
        ("Coverage (%)", Styled(coverage.share, "pct")),
        ("Measured (t CO2e)", Styled(tonnes(measured), "t")),
        ("Average per covered employee (kg CO2e)", Styled(coverage.average_kg, "kg")),
        ("Estimate for the employees not covered (t CO2e)",
         Styled(tonnes(coverage.extrapolated_kg), "t")),
        ("Category 7 including the estimate (t CO2e)",
         Styled(tonnes(measured + coverage.extrapolated_kg), "t")),
    ]  # fmt: skip
    block = pairs(
        "Coverage and the estimate for employees without data (average-data method)",
        rows,
        key="coverage",
    )
    block.notes = (
        f"Assumption: {coverage.assumption()}",
        "The estimate is not part of the measured figures above or of the Detail sheet.",
    )
    return block


# -- Methodology comparison ---------------------------------------------------------------------


def comparison_sheet(data: ReportData, set_titles: dict[str, str]) -> Sheet:
    """The same activities under the reported figures and each asked set, by category and
    mode; each set is compared with the first column of the comparison: the first set when
    several are asked, else the reported figures."""
    comparison = data.comparison
    assert comparison is not None
    k = data.min_group_size
    reported = suppress(comparison.reported, k, 2)
    columns_sets = list(comparison.sets)
    figures = {s: regroup(comparison.by_set[s], reported, k) for s in columns_sets}
    base = columns_sets[0] if len(columns_sets) > 1 else None
    columns = [Column("Category", "text", 28), MODE, ACTIVITIES.column, EMPLOYEES.column,
               Column("As reported (t CO2e)", "t", 16)]  # fmt: skip
    columns += [Column(f"{s} (t CO2e)", "t", 18) for s in columns_sets]
    compared = [s for s in columns_sets if s != base]
    against = base or "as reported"
    for s in compared:
        columns += [
            Column(f"{s} - {against} (t CO2e)", "t", 18),
            Column(f"{s} - {against} (%)", "pct", 14),
        ]
    body = []
    keys = [r.key for r in reported]
    for index, key in enumerate(keys):
        row = reported[index]
        values: list[CellValue] = [
            *key,
            row.figures.activities,
            row.employees,
            tonnes(row.figures.kg_co2e),
        ]
        by_set = {s: _kg_of(figures[s], key) for s in columns_sets}
        values += [tonnes(by_set[s]) for s in columns_sets]
        reference = by_set[base] if base else row.figures.kg_co2e
        for s in compared:
            difference, relative = change(by_set[s], reference)
            values += [tonnes(difference or Decimal(0)), relative]
        body.append(tuple(values))
    totals = {
        s: sum((g.figures.kg_co2e for g in comparison.by_set[s]), Decimal("0.000"))
        for s in columns_sets
    }
    reported_total = data.current.business_travel.kg_co2e + data.current.commuting.kg_co2e
    total: list[CellValue] = [TOTAL, None, data.activities, None, tonnes(reported_total)]
    total += [tonnes(totals[s]) for s in columns_sets]
    reference_total = totals[base] if base else reported_total
    for s in compared:
        difference, relative = change(totals[s], reference_total)
        total += [tonnes(difference or Decimal(0)), relative]
    notes = [f"{s}: {set_titles.get(s, s)}." for s in columns_sets]
    notes += [
        f"{s}: {n} {'activity' if n == 1 else 'activities'} it has no factor or distance "
        f"for {'counts' if n == 1 else 'count'} 0 kg under it."
        for s, n in comparison.unscored.items()
        if n
    ]
    notes.append(
        "Spend-based activities keep their reported figure under every set. The sets are "
        "applied in memory: stored figures and issued points are unchanged."
    )
    return Sheet(
        "Methodology comparison",
        "Methodology comparison: the same activities under each factor set",
        (
            f"{period_text(data)}, {scope_text(data)}. Differences are against "
            f"{'the first set, ' + base if base else 'the reported figures (sheets 1-7)'}; "
            f"groups of fewer than {k} employees are in {other_label(k)!r} in every column.",
        ),
        [
            Block(
                "By category and mode",
                tuple(columns),
                body,
                notes=tuple(notes),
                total=tuple(total),
                key="by_mode",
            )
        ],
        key="comparison",
    )


def _kg_of(rows: list[Row], key: tuple[str, ...]) -> Decimal:
    for row in rows:
        if row.key == key:
            return row.figures.kg_co2e
    return Decimal("0.000")
