"""The inventory sheets of the ESG workbook: business travel (Scope 3 category 6), commuting
(category 7) and the methodology comparison (the Summary is ``summary_sheet``).

Figures are t CO2e (the kg of the Detail sheet / 1000, exactly). Groups of fewer employees
than ``[privacy] min_group_size`` are merged into "Other (fewer than k)" in every table; the
category totals are not, being the whole company's (or department's) figure.
"""

from __future__ import annotations

from decimal import Decimal

from corp_carbon.domain.inventory import (
    Coverage,
    change,
    regroup,
    tonnes,
)
from corp_carbon.domain.reporting import CATEGORY_OF, Row, other_label, suppress
from corp_carbon.domain.vocabulary import ActivityKind
from corp_carbon.services.reports.gathering import ReportData
from corp_carbon.services.reports.layout import (
    Block,
    CellValue,
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


def label_column(title: str) -> Column:
    """The first column of most tables: a label wide enough for long names."""
    return Column(title, "text", LABEL_WIDTH)


def period_text(data: ReportData) -> str:
    r = data.request
    return f"{r.date_from.isoformat()} to {r.date_to.isoformat()} ({r.days} days)"


def scope_text(data: ReportData) -> str:
    department = data.request.department
    return f"department {department}" if department else "all departments"


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
                (label_column("Haul and cabin"),),
                inv.transport_by_haul_cabin,
                k,
                key="transport_by_haul_cabin",
            ),
            breakdown(
                "Transport by department (at the time of travel)",
                (label_column("Department"),),
                inv.transport_by_department,
                k,
                key="transport_by_department",
            ),
            breakdown(
                "Transport by office (at the time of travel)",
                (label_column("Office"),),
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
                (label_column("Department"),),
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
