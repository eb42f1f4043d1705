"""The ESG workbook on the hand-computed fixture (tests/report_fixture.py, ``seed_workbook``):
every figure of every sheet as worked out by hand, totals equal to the Detail rows, no
personal data, small groups merged, no formula; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from corp_carbon.config import Settings
from corp_carbon.db.models import Employee
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.factors import UnknownFactorSet
from corp_carbon.services.reports import xlsx
from corp_carbon.services.reports.gathering import ReportRequest
from corp_carbon.services.reports.quality import connector_words
from corp_carbon.services.reports.workbook import ReportWritten, write_report
from tests.report_fixture import HOSTILE_DEPARTMENT, HOSTILE_PLACE, PERIOD, seed_workbook

OTHER = "Other (fewer than 5)"
CAT6 = "Category 6: business travel"
SHEETS = [
    "Summary",
    "Business travel (cat 6)",
    "Commuting (cat 7)",
    "Avoided and points",
    "Methodology",
    "Data quality",
    "Detail",
    "Methodology comparison",
]
AGGREGATE_SHEETS = [s for s in SHEETS if s != "Detail"]
Rows = list[tuple[Any, ...]]


def _write(
    uow: UnitOfWork, settings: Settings, path: Path, output: str = "xlsx", **asked: Any
) -> ReportWritten:
    request = ReportRequest(*PERIOD, **asked)
    with path.open("wb") as target:
        return write_report(uow, settings, request, target, output)  # type: ignore[arg-type]


@pytest.fixture
def book(uow: UnitOfWork, settings: Settings, tmp_path: Path) -> Workbook:
    seed_workbook(uow)
    path = tmp_path / "esg.xlsx"
    written = _write(uow, settings, path, factor_sets=("desnz-2025", "epa-2025"))
    assert written.activities == 22
    assert written.sheets == tuple(SHEETS)
    return load_workbook(path)


def _rows(book: Workbook, title: str) -> Rows:
    rows = []
    for row in book[title].iter_rows(values_only=True):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        rows.append(tuple(values))
    return rows


def _block(book: Workbook, sheet: str, title: str) -> Rows:
    """The rows of one block: its header, rows, total and notes, up to the next blank row."""
    rows = _rows(book, sheet)
    start = rows.index((title,))
    end = next((i for i in range(start, len(rows)) if rows[i] == ()), len(rows))
    return rows[start + 1 : end]


def test_summary_totals_by_mode_method_and_month(book: Workbook) -> None:
    def totals(rows: Rows) -> Rows:
        return rows[1:-1]  # between the header and the note

    assert totals(_block(book, "Summary", "Inventory totals")) == [
        # 2026: 848 kg business travel (20 of it hotels), 16 kg commuting; 2025: one 150 kg flight
        ("Scope 3 category 6: business travel (measured)", 0.848, 0.15, 0.698, 698 / 150),
        ("   of which hotel stays (optional in category 6)", 0.02, 0, 0.02),
        ("Scope 3 category 7: employee commuting (measured)", 0.016, 0, 0.016),
        ("Total measured (categories 6 and 7): the sum of the Detail sheet", 0.864, 0.15,
         0.714, 714 / 150),
        # 16 kg / 6 covered = 2.667 kg x 9 not covered; 2025 covered nobody
        ("Category 7 estimate for employees without commute data (see Commuting)", 0.024003,
         0, 0.024003),
        ("Total including the commuting estimate", 0.888003, 0.15, 0.738003,
         pytest.approx(738.003 / 150)),
    ]  # fmt: skip
    # Hotel (1 person) is small; Taxi (5, 25 kg) the smallest shown group goes with it.
    # Flights were 2025's only (small) group: blank there, its kg in that period's Other.
    assert _block(book, "Summary", "Scope 3 category 6: business travel, by mode")[1:] == [
        ("Flight", 5, 5, 0.75),
        ("Rail", 6, 6, 0.053, 0, 0.053),
        (OTHER, 6, 6, 0.045, 0.15, -0.105, pytest.approx(-0.7)),
        ("Total", 17, 11, 0.848, 0.15, 0.698, pytest.approx(698 / 150)),
        ("Blank: in that period the mode was among the small groups (its Other row).",),
    ]
    # bicycle (1) and car (4, Legal) together are 5 people
    assert _block(book, "Summary", "Scope 3 category 7: employee commuting, by mode")[1:-1] == [
        (OTHER, 5, 5, 0.016, 0, 0.016),
        ("Total", 5, 5, 0.016, 0, 0.016),
    ]
    assert _block(book, "Summary", "Calculation method and its share of the total")[1:-1] == [
        ("Distance-based", 17, 0.839, pytest.approx(839 / 888.003)),
        ("Spend-based fallback", 5, 0.025, pytest.approx(25 / 888.003)),
        ("Average-data extrapolation (commuting estimate)", 9, 0.024003,
         pytest.approx(24.003 / 888.003)),
        ("Total", None, 0.888003, 1),
    ]  # fmt: skip
    assert _block(book, "Summary", "All activities by month")[1:] == [
        ("2026-03", 22, 15, 0.864),
        ("Total", 22, 15, 0.864),
    ]
    about = dict(_block(book, "Summary", "About this report")[1:])
    assert about["Organisation"] == "Example Corp"
    assert about["Period"] == "2026-01-01 to 2026-12-31 (365 days)"
    assert about["Previous period (compared)"] == "2025-01-01 to 2025-12-31"
    assert about["Factor sets of the reported figures"] == "fixture-set, useeio-v1.2-2021usd"
    assert about["Factor sets compared (last sheet)"] == "desnz-2025, epa-2025"
    assert about["Methodology version"] == 1
    assert about["Radiative forcing (flights)"] == "included"


def test_the_summary_has_a_bar_chart_per_category_and_a_line_by_month(book: Workbook) -> None:
    charts = book["Summary"]._charts
    kinds = sorted(type(chart).__name__ for chart in charts)
    assert kinds == ["BarChart", "BarChart", "LineChart"]


def test_business_travel_breakdowns(book: Workbook) -> None:
    sheet = "Business travel (cat 6)"
    share = pytest.approx
    assert _block(book, sheet, "Transport by month and mode")[1:] == [
        ("2026-03", "Flight", 5, 5, 5000, 0.75, share(750 / 828)),
        ("2026-03", "Rail", 6, 6, 1600, 0.053, share(53 / 828)),
        ("2026-03", "Taxi", 5, 5, 0, 0.025, share(25 / 828)),  # spend-based: no distance
        ("Total", None, 16, 11, 6600, 0.828, 1),
    ]
    # short-haul economy (4 people) and business (1) are both small: together 5
    assert _block(book, sheet, "Transport by haul and cabin (flights; other transport one row)")[
        1:
    ] == [
        ("Not a flight", 11, 6, 1600, 0.078, share(78 / 828)),
        (OTHER, 5, 5, 5000, 0.75, share(750 / 828)),
        ("Total", 16, 11, 6600, 0.828, 1),
    ]
    # Mallory's department (1 person) is small; Sales (5, 75 kg) goes with it
    assert _block(book, sheet, "Transport by department (at the time of travel)")[1:] == [
        ("Finance", 5, 5, 5000, 0.75, share(750 / 828)),
        (OTHER, 11, 6, 1600, 0.078, share(78 / 828)),
        ("Total", 16, 11, 6600, 0.828, 1),
    ]
    assert _block(book, sheet, "Transport by office (at the time of travel)")[1:] == [
        ("Berlin", 16, 11, 6600, 0.828, 1),
        ("Total", 16, 11, 6600, 0.828, 1),
    ]
    assert _block(book, sheet, "Hotel stays by month")[1:] == [
        (OTHER, 1, 1, 2, 0.02, 1),
        ("Total", 1, 1, 2, 0.02, 1),
    ]
    # the first table scrolls under its frozen header and can be filtered
    assert book[sheet].freeze_panes == "A6" and book[sheet].auto_filter.ref == "A5:G8"
    assert _rows(book, sheet)[1][0].startswith(
        "2026-01-01 to 2026-12-31 (365 days), all departments. Category 6 total: 0.848 t CO2e "
        "= transport 0.828 t + hotel stays 0.020 t"
    )


def test_commuting_breakdowns_and_the_estimate_stated_apart(book: Workbook) -> None:
    sheet = "Commuting (cat 7)"
    assert _block(book, sheet, "By mode")[1:] == [
        (OTHER, 5, 5, 85, 0.016, 1),
        ("Total", 5, 5, 85, 0.016, 1),
    ]
    assert _block(book, sheet, "By department (at the time of travel)")[1:] == [
        (OTHER, 5, 5, 85, 0.016, 1),
        ("Total", 5, 5, 85, 0.016, 1),
    ]
    coverage = _block(
        book, sheet, "Coverage and the estimate for employees without data (average-data method)"
    )
    assert coverage[1:] == [
        # 14 + Mallory; Former left in 2025
        ("Headcount: employees active at some time in the period", 15),
        # five commuters and sales0, who declared a commute profile
        ("Covered: with a commute profile or a logged commute", 6),
        ("Not covered", 9),
        ("Coverage (%)", 0.4),
        ("Measured (t CO2e)", 0.016),
        ("Average per covered employee (kg CO2e)", 2.667),
        ("Estimate for the employees not covered (t CO2e)", 0.024003),
        ("Category 7 including the estimate (t CO2e)", 0.040003),
        (
            "Assumption: Each of the 9 employees without a commute profile or logged commute is "
            "assumed to commute like the average covered employee: 16.000 kg CO2e measured / 6 "
            "covered employees = 2.667 kg each; 2.667 kg x 9 = 24.003 kg.",
        ),
        ("The estimate is not part of the measured figures above or of the Detail sheet.",),
    ]


def test_the_incentive_programme_apart_from_the_inventory(book: Workbook) -> None:
    sheet = "Avoided and points"
    assert _rows(book, sheet)[0] == (
        "Incentive programme: avoided emissions and points (not offsets, not in the inventory)",
    )
    # the stored (reference) figures: finance4's bike commute, 1.5 kg; under personal
    # baselines nobody declared a usual commute to compare with, so nothing is avoided
    assert _block(book, sheet, "Avoided emissions against each baseline")[1:3] == [
        ("Reference baselines (company policy)", 0, 1.5, 1.5, "yes"),
        ("Personal baselines (each employee's declared usual commute)", 0, 0, 0, "no"),
    ]
    assert _block(book, sheet, "Points on employee accounts")[1:] == [
        ("Held at the start of the period", 0),
        ("Issued for assessed trips", 1500),
        ("Reversed (trips cancelled, exchanged or found duplicate)", 0),
        ("Redeemed for rewards", -500),
        ("Refunded (redemptions rejected or cancelled)", 0),
        ("Expired", -100),
        ("Adjusted by HR (credits)", 0),
        ("Adjusted by HR (debits)", 0),
        ("Outstanding at the end of the period", 900),
    ]
    assert _block(book, sheet, "The outstanding points as a liability")[1:] == [
        ("Outstanding points", 900),
        ("Value of one point (EUR)", 0.001),
        ("Liability (EUR)", 0.9),
    ]


def test_data_quality_of_the_period(book: Workbook) -> None:
    sheet = "Data quality"
    sources = _block(book, sheet, "Per import source")
    assert sources[1][0] == "Expense reports" and sources[1][2:] == (1, 5, 5, 0, 0, 0, 0, 0)
    assert sources[2] == ("Total", None, 1, 5, 5, 0, 0, 0, 0, 0)
    runs = _block(book, sheet, "Per import run")
    assert runs[1][3:] == (5, 5, 0, 0, 0, 0, 0, datetime(2026, 3, 6, 8, 0),
                           "expenses-2026-03.csv", "Succeeded")  # fmt: skip
    # 21 activities that are not hotel stays: Mallory's distance was given, five taxis are
    # spend-based, the fixture's other 15 recorded no distance source
    title = "How the distances of the period's activities were obtained (hotel stays left out)"
    assert _block(book, sheet, title)[1:] == [
        ("Given by the booking source", 1, 0.0476),
        ("Spend-based (from the price, no distance)", 5, 0.2381),
        ("No distance recorded", 15, 0.7143),
        ("Total", 21, 1),
    ]
    assert _block(book, sheet, "What is missing")[1:] == [
        ("Flights", 5),
        ("Flights without a cabin (given the default)", 0),
        ("Share of flights without a cabin", 0),
        ("Spend-based activities (no distance)", 5),
        ("Records waiting for their employee (now)", 0),
        ("Travellers they name", 0),
    ]


def test_methodology_names_every_factor_set_and_factor_used(book: Workbook) -> None:
    sets = _block(book, "Methodology", "Factor sets used")
    assert sets[1][:9] == ("fixture-set", "Test", "Fixture", 2026, "1", "https://example.com",
                           "CC0", None, 17)  # fmt: skip
    assert sets[2][0] == "useeio-v1.2-2021usd" and sets[2][3] == 2021 and sets[2][8] == 5
    factors = _block(book, "Methodology", "Factors used (one row per factor applied in the period)")
    assert factors[1:3] == [
        # the fixture's own set is not installed: its record is all there is
        ("fixture-set", "f", None, "not in the installed catalogue: see the set's source", None,
         None, None, 17, 839),
        ("useeio-v1.2-2021usd", "485310", "taxi", "NAICS 485310 Taxi Service", 0.499,
         "USD spent (2021 prices)", "USEEIO 485000", 5, 25),
    ]  # fmt: skip
    version = dict(_block(book, "Methodology", "Methodology version")[1:])
    assert version["Version"] == 1
    assert version["Factor set"] == (
        "by year: the desnz set of the activity's year, else the newest desnz set"
    )
    assert version["Radiative forcing (flights)"] == "included"
    assert version["Points rule"] == "1 point per gram CO2e avoided"
    steps = dict(_block(book, "Methodology", "How a Detail row is computed")[1:])
    assert "rounded to the gram (0.001 kg, half up)" in steps["Rounding"]


def test_the_comparison_scores_the_same_activities_under_each_set(book: Workbook) -> None:
    rows = _block(book, "Methodology comparison", "By category and mode")
    assert rows[0] == (
        "Category", "Mode", "Activities", "Employees", "As reported (t CO2e)",
        "desnz-2025 (t CO2e)", "epa-2025 (t CO2e)", "epa-2025 - desnz-2025 (t CO2e)",
        "epa-2025 - desnz-2025 (%)",
    )  # fmt: skip
    approx = pytest.approx
    assert rows[1:4] == [
        # DESNZ: 4 x 109.160 + 316.560 kg; EPA: 5 x 80.842 kg (medium haul, no cabins)
        (CAT6, "Flight", 5, 5, 0.75, 0.7532, 0.40421, -0.34899, approx(-348.99 / 753.2)),
        # DESNZ: 5 x 10.638 + 3.546; EPA: 5 x 18.036 + 6.012
        (CAT6, "Rail", 6, 6, 0.053, 0.056736, 0.096192, 0.039456, approx(39.456 / 56.736)),
        # hotel (DESNZ 20.800, EPA none: 0) + bicycle 0 + cars (DESNZ 4 x 3.345, EPA 4 x
        # 3.710), and the taxis (spend-based: 5 kg each under every set): category 6 is shown
        # whole elsewhere, so shown taxis would leave the one hotel stay to subtraction
        (OTHER, OTHER, 11, 11, 0.061, 0.05918, 0.03984, -0.01934, approx(-19.34 / 59.18)),
    ]
    assert rows[4] == (
        "Total", None, 22, None, 0.864, 0.869116, 0.540242, -0.328874,
        approx(-328.874 / 869.116),
    )  # fmt: skip
    assert "epa-2025: 1 activity it has no factor or distance for counts 0 kg under it." in [
        r[0] for r in rows[5:]
    ]


def test_detail_rows(book: Workbook) -> None:
    rows = _rows(book, "Detail")
    header, body = rows[0], rows[1:]
    assert len(body) == 22
    assert header[:6] == ("Activity ID", "Employee key (pseudonymous)",
                          "Department (at the time)", "Office (at the time)", "Date",
                          "Scope 3 category")  # fmt: skip
    column = {name: index for index, name in enumerate(header)}
    taxi = next(r for r in body if r[column["Mode"]] == "Taxi")
    assert taxi[column["Calculation method"]] == "Spend-based fallback"
    assert taxi[column["Spend amount"]] == 40 and taxi[column["Spend currency"]] == "EUR"
    assert taxi[column["Factor set"]] == "useeio-v1.2-2021usd"
    assert taxi[column["Factor ID"]] == "485310"
    assert taxi[column["Source connector"]] == connector_words("concur-sae") != "concur-sae"
    assert isinstance(taxi[column["Import run"]], int)
    bike = next(r for r in body if r[column["Mode"]] == "Bicycle")
    assert bike[column["Scope 3 category"]] == 7
    assert (bike[column["Avoided (kg CO2e)"]], bike[column["Points"]]) == (1.5, 1500)
    # Legal's car commutes stay in Legal although one of them moved to Finance since
    legal = [r for r in body if r[column["Department (at the time)"]] == "Legal"]
    assert len(legal) == 4
    keys = {r[column["Employee key (pseudonymous)"]] for r in body}
    assert len(keys) == 15 and all(len(k) == 20 for k in keys)


def test_every_total_equals_the_sum_of_the_detail_rows(book: Workbook) -> None:
    rows = _rows(book, "Detail")
    column = {name: index for index, name in enumerate(rows[0])}

    def kg(*, category: int | None = None, hotel: bool | None = None) -> Decimal:
        total = Decimal(0)
        for row in rows[1:]:
            if category is not None and row[column["Scope 3 category"]] != category:
                continue
            if hotel is not None and (row[column["Mode"]] == "Hotel stay") != hotel:
                continue
            total += Decimal(str(row[column["Emissions (kg CO2e)"]]))
        return total

    def tonnes(value: object) -> Decimal:
        return Decimal(str(value)) * 1000

    totals = {r[0]: r[1] for r in _block(book, "Summary", "Inventory totals")[1:-1]}
    assert tonnes(totals["Scope 3 category 6: business travel (measured)"]) == kg(category=6)
    assert tonnes(totals["   of which hotel stays (optional in category 6)"]) == kg(hotel=True)
    assert tonnes(totals["Scope 3 category 7: employee commuting (measured)"]) == kg(category=7)
    assert tonnes(totals["Total measured (categories 6 and 7): the sum of the Detail sheet"]) == (
        kg()
    )
    expected = {
        ("Summary", "Scope 3 category 6: business travel, by mode"): kg(category=6),
        ("Summary", "Scope 3 category 7: employee commuting, by mode"): kg(category=7),
        ("Summary", "All activities by month"): kg(),
        ("Business travel (cat 6)", "Transport by month and mode"): kg(category=6, hotel=False),
        ("Business travel (cat 6)", "Transport by haul and cabin (flights; other transport one "
         "row)"): kg(category=6, hotel=False),
        ("Business travel (cat 6)", "Transport by department (at the time of travel)"): kg(
            category=6, hotel=False),
        ("Business travel (cat 6)", "Transport by office (at the time of travel)"): kg(
            category=6, hotel=False),
        ("Business travel (cat 6)", "Hotel stays by month"): kg(hotel=True),
        ("Commuting (cat 7)", "By mode"): kg(category=7),
        ("Commuting (cat 7)", "By department (at the time of travel)"): kg(category=7),
        ("Methodology comparison", "By category and mode"): kg(),
    }  # fmt: skip
    for (sheet, title), detail_kg in expected.items():
        block = _block(book, sheet, title)
        index = block[0].index(
            "As reported (t CO2e)" if sheet == "Methodology comparison" else "Emissions (t CO2e)"
        )
        body = [r for r in block[1:] if len(r) > index and r[0] != "Total"]
        total = next(r for r in block if r[0] == "Total")
        assert tonnes(total[index]) == detail_kg, (sheet, title)
        shown = sum((tonnes(r[index]) for r in body if r[index] is not None), Decimal(0))
        assert shown == detail_kg, (sheet, title)


def test_no_personal_data_in_any_cell(book: Workbook, uow: UnitOfWork, settings: Settings) -> None:
    with uow:
        people = uow.session.execute(
            sa.select(Employee.name, Employee.email, Employee.employee_number, Employee.public_id)
        ).all()
    personal = {str(v).lower() for person in people for v in person if v}
    assert len(personal) == 4 * 16
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                text = str(value).lower() if value is not None else ""
                assert not any(p in text for p in personal), (ws.title, value)


def test_a_department_of_four_is_merged_into_other_everywhere(book: Workbook) -> None:
    for title in AGGREGATE_SHEETS:
        for row in book[title].iter_rows(values_only=True):
            assert not any(isinstance(v, str) and "Legal" in v for v in row), (title, row)
    details = [r for r in _rows(book, "Detail") if "Legal" in r]
    assert len(details) == 4  # the detail rows still say where the trips belong


def test_no_text_becomes_a_formula(book: Workbook) -> None:
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    detail = book["Detail"]
    hostile = [c for row in detail.iter_rows(min_row=2) for c in row
               if c.value in (HOSTILE_DEPARTMENT, HOSTILE_PLACE)]  # fmt: skip
    assert len(hostile) == 2
    for cell in hostile:  # exactly as given, stored as text with Excel's quote prefix
        assert cell.data_type == "s" and cell.quotePrefix


def test_the_csv_carries_every_detail_row_with_formulas_defused(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    seed_workbook(uow)
    path = tmp_path / "esg.csv"
    written = _write(uow, settings, path, "csv")
    assert written.sheets == () and written.activities == 22
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffActivity ID,")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 23
    mallory = next(r for r in rows if r[8].endswith(HOSTILE_PLACE))
    assert mallory[2] == "'" + HOSTILE_DEPARTMENT and mallory[8] == "'" + HOSTILE_PLACE
    assert sum(Decimal(r[20]) for r in rows[1:]) == Decimal("864.000")


def test_json_holds_the_tables_and_the_detail_when_asked(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    seed_workbook(uow)
    path = tmp_path / "esg.json"
    _write(uow, settings, path, "json")
    report = json.loads(path.read_text())
    assert "detail" not in report
    sheets = {s["key"]: s for s in report["sheets"]}
    assert list(sheets) == [
        "summary", "business_travel", "commuting", "programme", "methodology", "data_quality",
    ]  # fmt: skip
    totals = next(b for b in sheets["summary"]["blocks"] if b["key"] == "totals")
    assert totals["rows"][0][:2] == ["Scope 3 category 6: business travel (measured)", 0.848]
    with path.open("wb") as target:
        write_report(uow, settings, ReportRequest(*PERIOD), target, "json", json_detail=True)
    report = json.loads(path.read_text())
    assert len(report["detail"]) == 22
    assert sum(Decimal(str(r["kg_co2e"])) for r in report["detail"]) == Decimal("864")
    assert {r["department"] for r in report["detail"]} >= {HOSTILE_DEPARTMENT, "Legal"}


def test_one_department_at_the_time_of_travel(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    seed_workbook(uow)
    path = tmp_path / "finance.xlsx"
    # Finance: five flights, finance4's bike commute and finance0's hotel stay; legal3 moved
    # to Finance afterwards, but the car commute stays Legal's
    written = _write(uow, settings, path, department="Finance")
    assert (written.activities, written.business_travel_kg, written.commuting_kg) == (
        7, Decimal("770.000"), Decimal("0.000"),
    )  # fmt: skip
    book = load_workbook(path)
    assert dict(_block(book, "Summary", "About this report")[1:])["Department"] == "Finance"
    assert {r[2] for r in _rows(book, "Detail")[1:]} == {"Finance"}


def test_more_rows_than_a_sheet_holds_go_on_further_detail_sheets(
    uow: UnitOfWork, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_workbook(uow)
    monkeypatch.setattr(xlsx, "DETAIL_SHEET_ROWS", 10)
    path = tmp_path / "split.xlsx"
    written = _write(uow, settings, path)
    assert written.sheets[-3:] == ("Detail", "Detail (2)", "Detail (3)")
    book = load_workbook(path)
    sizes = [len(_rows(book, t)) - 1 for t in written.sheets[-3:]]
    assert sizes == [10, 10, 2]
    ids = [r[0] for t in written.sheets[-3:] for r in _rows(book, t)[1:]]
    assert len(set(ids)) == 22
    assert book["Detail (2)"].auto_filter.ref == "A1:AC11"
    assert book["Detail (2)"].freeze_panes == "A2"


def test_bad_requests_name_what_is_wrong(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    seed_workbook(uow)
    with pytest.raises(DomainError, match="--from 2026-12-31 is after --to 2026-01-01"):
        ReportRequest(PERIOD[1], PERIOD[0])
    with pytest.raises(UnknownFactorSet, match=r"--factor-set 'desnz-1999'.*desnz-2025"):
        _write(uow, settings, tmp_path / "x.xlsx", factor_sets=("desnz-1999",))
    with pytest.raises(NotFound, match=r"--department 'Legl'.*known: .*Finance, Legal, Sales"):
        _write(uow, settings, tmp_path / "x.xlsx", department="Legl")


def test_a_period_without_activities_is_a_workbook_that_says_so(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "empty.xlsx"
    written = _write(uow, settings, path)
    assert written.activities == 0
    book = load_workbook(path)
    assert _block(book, "Business travel (cat 6)", "Transport by month and mode")[1:] == [
        ("No activities in this period.",)
    ]
    assert _rows(book, "Detail")[1:] == []


def test_a_version_without_its_policy_still_gives_the_points_and_says_why(
    uow: UnitOfWork, settings: Settings, tmp_path: Path
) -> None:
    seed_workbook(uow, stored_policy=False)
    path = tmp_path / "esg.xlsx"
    _write(uow, settings, path)
    book = load_workbook(path)
    avoided = _block(book, "Avoided and points", "Avoided emissions against each baseline")
    assert avoided[1][0].startswith(
        "Avoided emissions cannot be shown: methodology: the newest stored version cannot be "
        "read back"
    )
    points = _block(book, "Avoided and points", "Points on employee accounts")
    assert points[-1] == ("Outstanding at the end of the period", 900)
    version = dict(_block(book, "Methodology", "Methodology version")[1:])
    assert version == {"Version": "1: its stored policy cannot be read back"}
    # re-scoring under a policy nobody can read back is refused, with the reason
    with pytest.raises(DomainError, match="cannot be read back"):
        _write(uow, settings, path, factor_sets=("epa-2025",))
