"""Sheets 4 and 6 of the ESG workbook: the incentive programme (avoided emissions and points,
never offsets and never in the inventory) and the data quality behind the figures.

Both are the company's figures: points, import runs and waiting records are not kept per
department, so a report of one department says so instead of filtering them.
"""

from __future__ import annotations

from decimal import Decimal

from corp_carbon.domain.data_quality import SPEND_BASED, DataQuality
from corp_carbon.domain.programme import PERSONAL, REFERENCE, PointsPosition, ProgrammeFigures
from corp_carbon.domain.vocabulary import label
from corp_carbon.services.reports.layout import Block, CellValue, Column, Sheet, Styled, pairs

COMPANY_WIDE = (
    "Company-wide figures: points, import runs and waiting records are not kept per "
    "department, so they are not limited to {department}."
)
BASELINE_NAMES = {
    REFERENCE: "Reference baselines (company policy)",
    PERSONAL: "Personal baselines (each employee's declared usual commute)",
}


def programme_sheet(
    position: PointsPosition,
    figures: ProgrammeFigures | None,
    problem: str | None,
    period: str,
    department: str | None,
) -> Sheet:
    """``figures`` None: the avoided emissions could not be computed (``problem`` says why);
    the points still show."""
    lines = [
        f"{period}. The programme rewards lower-carbon choices. Avoided emissions are estimates "
        "against a baseline: they are not offsets and are never subtracted from the Scope 3 "
        "totals of the Summary.",
    ]
    if department:
        lines.append(COMPANY_WIDE.format(department=department))
    return Sheet(
        "Avoided and points",
        "Incentive programme: avoided emissions and points (not offsets, not in the inventory)",
        tuple(lines),
        [
            avoided_block(figures) if figures is not None else _no_avoided(problem or ""),
            points_block(position),
            liability_block(position),
        ],
        freeze_first_header=False,
        key="programme",
    )


def avoided_block(figures: ProgrammeFigures) -> Block:
    rows: list[tuple[CellValue, ...]] = []
    for baseline in (REFERENCE, PERSONAL):
        avoided = figures.avoided(baseline)
        rows.append(
            (
                BASELINE_NAMES[baseline],
                avoided.business_travel,
                avoided.commuting,
                avoided.total,
                "yes" if figures.points_follow == baseline else "no",
            )
        )
    return Block(
        "Avoided emissions against each baseline",
        (
            Column("Baseline", "text", 46),
            Column("Business travel (kg CO2e avoided)", "kg", 18),
            Column("Commuting (kg CO2e avoided)", "kg", 18),
            Column("Total (kg CO2e avoided)", "kg", 18),
            Column("Points follow it", "text", 14),
        ),
        rows,
        notes=(
            "The baseline the points follow is the stored one; the other is the same "
            "activities scored again in memory.",
        ),
        key="avoided",
    )


def _no_avoided(problem: str) -> Block:
    return Block(
        "Avoided emissions against each baseline",
        (Column("Baseline", "text", 46),),
        [],
        notes=(f"Avoided emissions cannot be shown: {problem}",),
        key="avoided",
    )


def points_block(figures: PointsPosition) -> Block:
    p = figures.points
    rows: list[tuple[CellValue, ...]] = [
        ("Held at the start of the period", p.opening),
        ("Issued for assessed trips", p.issued),
        ("Reversed (trips cancelled, exchanged or found duplicate)", -p.reversed),
        ("Redeemed for rewards", -p.redeemed),
        ("Refunded (redemptions rejected or cancelled)", p.refunded),
        ("Expired", -p.expired),
        ("Adjusted by HR (credits)", p.adjusted_up),
        ("Adjusted by HR (debits)", -p.adjusted_down),
    ]
    return Block(
        "Points on employee accounts",
        (Column("Movement", "text", 46), Column("Points", "int", 18)),
        rows,
        total=("Outstanding at the end of the period", p.closing),
        notes=() if p.reconciles else ("The movements do not add up to the closing balance.",),
        key="points",
    )


def liability_block(figures: PointsPosition) -> Block:
    value = figures.point_value
    liability = figures.liability
    return pairs(
        "The outstanding points as a liability",
        [
            ("Outstanding points", Styled(figures.outstanding, "int")),
            (f"Value of one point ({value.currency})", Styled(value.amount, "number")),
            (f"Liability ({liability.currency})", Styled(liability.amount, "money")),
        ],
        key="liability",
    )


def quality_sheet(quality: DataQuality, period: str, department: str | None) -> Sheet:
    lines = [
        f"{period}. Import runs by the day they started (UTC); activities by their travel "
        "date. A total resting on estimated distances or spend-based figures is weaker than "
        "one on distances the sources gave.",
    ]
    if department:
        lines.append(COMPANY_WIDE.format(department=department))
    return Sheet(
        "Data quality",
        "Data quality: what the imports read, and how each figure was obtained",
        tuple(lines),
        [
            sources_block(quality),
            runs_block(quality),
            distances_block(quality),
            gaps_block(quality),
        ],
        key="data_quality",
    )


COUNT_COLUMNS = (
    Column("Rows read", "int", 11), Column("Imported", "int", 11), Column("Updated", "int", 11),
    Column("Rejected", "int", 11), Column("Duplicates", "int", 11),
    Column("Waiting for employee", "int", 11), Column("Cancelled", "int", 11),
)  # fmt: skip


def _counts(counts: object) -> tuple[CellValue, ...]:
    return tuple(getattr(counts, name) for name in (
        "read", "imported", "updated", "rejected", "duplicates", "waiting", "cancelled",
    ))  # fmt: skip


def sources_block(quality: DataQuality) -> Block:
    rows = [(s.source, s.connector, s.runs, *_counts(s.counts)) for s in quality.sources]
    runs = sum(s.runs for s in quality.sources)
    return Block(
        "Per import source",
        (
            Column("Source", "text", 24),
            Column("Connector", "text", 28),
            Column("Runs", "int", 11),
            *COUNT_COLUMNS,
        ),
        list(rows),
        total=("Total", None, runs, *_counts(quality.totals)) if rows else None,
        notes=() if rows else ("No import ran in this period.",),
        key="sources",
    )


def runs_block(quality: DataQuality) -> Block:
    rows = [
        (
            r.source,
            r.connector,
            r.run_id,
            *_counts(r.counts),
            r.started_at.replace(tzinfo=None),
            r.file_name,
            label(r.status),
        )
        for r in quality.runs
    ]
    return Block(
        "Per import run",
        (
            Column("Source", "text", 24),
            Column("Connector", "text", 28),
            Column("Run", "id", 11),
            *COUNT_COLUMNS,
            Column("Started (UTC)", "text", 17),
            Column("File", "text", 28),
            Column("Status", "text", 20),
        ),
        list(rows),
        notes=() if rows else ("No import ran in this period.",),
        key="runs",
    )


def distances_block(quality: DataQuality) -> Block:
    rows = [(d.label, d.activities, d.share) for d in quality.distances]
    return Block(
        "How the distances of the period's activities were obtained (hotel stays left out)",
        (
            Column("Distance", "text", 24),
            Column("Activities", "int", 28),
            Column("Share (%)", "pct", 11),
        ),
        list(rows),
        total=("Total", quality.activities, Decimal(1) if quality.activities else None),
        key="distances",
    )


def gaps_block(quality: DataQuality) -> Block:
    spend = next((d.activities for d in quality.distances if d.basis == SPEND_BASED), 0)
    return pairs(
        "What is missing",
        [
            ("Flights", Styled(quality.flights, "int")),
            (
                "Flights without a cabin (given the default)",
                Styled(quality.flights_without_cabin, "int"),
            ),
            (
                "Share of flights without a cabin",
                Styled(quality.flights_without_cabin_share, "pct"),
            ),
            (
                "Spend-based activities (no distance)",
                Styled(spend, "int"),
            ),
            (
                "Records waiting for their employee (now)",
                Styled(quality.waiting_records, "int"),
            ),
            ("Travellers they name", Styled(quality.waiting_travellers, "int")),
        ],
        key="gaps",
        name_width=34,
    )
