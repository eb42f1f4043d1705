"""The company overview (/admin) on the hand-computed fixtures, on SQLite and PostgreSQL: the
figures a reader sees, who sees which part, the period form, and the charts with their tables.

Emissions come from tests/report_fixture.py (k = 5), points, avoided emissions and data
quality from tests/programme_fixture.py; every expected figure is worked out there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from corp_carbon import create_app
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.services.scoring.assessments import assess_activities
from corp_carbon.web.state import EXTENSION_KEY, CarbonState
from tests import report_fixture
from tests.conftest import make_settings
from tests.programme_fixture import (
    AVOIDED_PERIOD,
    PERIOD,
    seed_commutes,
    seed_ledger,
    seed_quality,
)

MARCH = f"?from={PERIOD[0]}&to={PERIOD[1]}"
YEAR_2026 = "?from=2026-01-01&to=2026-12-31"


class _Tables(HTMLParser):
    """Every table's caption and rows (cell texts), and every data-figure's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.figures: dict[str, str] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._figure: tuple[str, int] | None = None
        self._depth = 0
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self._figure is not None:
            self._depth += 1
        elif found.get("data-figure"):
            self._figure, self._depth, self._text = (str(found["data-figure"]), 0), 0, []
        if tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = ""
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._figure is not None:
            if self._depth == 0:
                self.figures[self._figure[0]] = " ".join("".join(self._text).split())
                self._figure = None
            else:
                self._depth -= 1
        if tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._caption or ""] = [r for r in self._rows if r]
            self._rows, self._caption = None, None

    def handle_data(self, data: str) -> None:
        if self._figure is not None:
            self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None and self._rows is not None and self._cell is None:
            self._caption += data.strip()


def _read(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    return parser


def _signed_in(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
    *roles: str,
) -> FlaskClient:
    person = create_employee(email=f"{'-'.join(roles) or 'plain'}@example.com", roles=roles)
    log_in_as(client, person.id, *roles)
    return client


@pytest.fixture
def officer(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> FlaskClient:
    """A sustainability officer."""
    return _signed_in(client, create_employee, log_in_as, "sustainability")


@pytest.fixture
def hr(
    client: FlaskClient,
    create_employee: Callable[..., EmployeeProfile],
    log_in_as: Callable[..., None],
) -> FlaskClient:
    return _signed_in(client, create_employee, log_in_as, "hr")


def _page(client: FlaskClient, query: str, status: int = 200) -> str:
    response = client.get(f"/admin{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


# --- figures -------------------------------------------------------------------------------


def test_emissions_by_category_and_department_as_hand_computed(
    officer: FlaskClient, uow: UnitOfWork
) -> None:
    report_fixture.seed(uow)
    page = _read(_page(officer, YEAR_2026))
    # 5 x 10 kg rail + 5 x 150 kg flights = 800 kg; 4 x 4 kg car + a 0 kg bike commute = 16 kg
    assert page.figures["total-t"] == "0.816 t CO₂e"
    assert page.figures["cat6-t"] == "0.800 t CO₂e"
    assert page.figures["cat7-t"] == "0.016 t CO₂e"
    assert page.tables["Emissions by GHG Protocol Scope 3 category"] == [
        ["Category", "t CO₂e", "Share", "Activities", "Distance (km)"],
        ["Business travel (Scope 3 category 6)", "0.800", "98.0 %", "10", "6,500.000"],
        ["Employee commuting (Scope 3 category 7)", "0.016", "2.0 %", "5", "85.000"],
        ["Total", "0.816", "100.0 %", "15", "6,585.000"],
    ]
    # Legal (4 people) is merged with Sales, the next smallest, into Other
    assert page.tables["By department: the figures of the chart"][1:] == [
        ["Finance", "0.750", "91.9 %", "6", "5", "5,005.000"],
        ["Other (fewer than 5)", "0.066", "8.1 %", "9", "9", "1,580.000"],
    ]
    assert page.tables["By mode of transport: the figures of the chart"][1:] == [
        ["Flight", "0.750", "91.9 %", "5", "5", "5,000.000"],
        ["Rail", "0.050", "6.1 %", "5", "5", "1,500.000"],
        ["Other (fewer than 5)", "0.016", "2.0 %", "5", "5", "85.000"],
    ]
    assert page.tables["By month: the figures of the chart"][1:] == [
        ["Mar 2026", "0.816", "100.0 %", "15", "14", "6,585.000"],
    ]


def test_no_internal_code_and_no_small_department_on_the_page(
    officer: FlaskClient, uow: UnitOfWork
) -> None:
    report_fixture.seed(uow, stored_policy=False)
    html = _page(officer, YEAR_2026)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Legal" not in html  # a department of four is never named
    for code in ("business_travel", "short_haul", "haul_cabin", ">air<", " air ", "commute "):
        assert code not in text, code
    assert "Not a flight" in text
    # the version's policy cannot be read back: the other baseline cannot be computed, and
    # the page says so instead of failing
    assert "Avoided emissions cannot be shown: methodology: the newest stored version" in text


def test_points_liability_and_reconciliation(officer: FlaskClient, uow: UnitOfWork) -> None:
    seed_ledger(uow)
    page = _read(_page(officer, MARCH))
    assert page.figures["issued"] == "550"
    assert page.figures["redeemed"] == "100"  # 500 redeemed less 400 refunded
    assert page.figures["expired"] == "150"
    assert page.figures["outstanding"] == "1,375"
    assert page.figures["opening"] == "1,300"
    assert page.figures["liability"] == "EUR 1.38"  # 1,375 x EUR 0.001, to the cent
    assert page.figures["liability-exact"] == "1,375 points × EUR 0.001 a point = EUR 1.375"
    table = page.tables["Points from the start of the period to its end"]
    assert table[1:] == [
        ["Held by employees on 2026-03-01", "1,300"],
        ["Issued for trips", "+ 550"],
        ["Taken back (trips cancelled or exchanged)", "− 250"],
        ["Redeemed for rewards", "− 500"],
        ["Refunded (redemptions rejected or cancelled)", "+ 400"],
        ["Expired", "− 150"],
        ["Added by HR", "+ 50"],
        ["Taken by HR", "− 25"],
        ["Outstanding at the end of 2026-03-31", "1,375"],
    ]


def test_the_liability_in_the_configured_currency(
    db_url: str, tmp_path: Path, log_in_as: Callable[..., None]
) -> None:
    settings = make_settings(
        db_url, tmp_path, rewards={"point_value": "0.0125", "point_currency": "GBP"}
    )
    app: Flask = create_app(settings)
    app.config["TESTING"] = True
    state: CarbonState = app.extensions[EXTENSION_KEY]
    try:
        seed_ledger(state.uow())
        client = app.test_client()
        log_in_as(client, 1, "hr")  # ledger-a, employee 1, signed in as HR
        page = _read(_page(client, MARCH))
        assert page.figures["liability"] == "GBP 17.19"
        assert page.figures["liability-exact"] == (
            "1,375 points × GBP 0.0125 a point = GBP 17.1875"
        )
    finally:
        state.engine.dispose()


def test_avoided_against_both_baselines(
    officer: FlaskClient, uow: UnitOfWork, db_url: str, tmp_path: Path
) -> None:
    seed_commutes(uow)
    assess_activities(uow, make_settings(db_url, tmp_path))
    page = _read(_page(officer, f"?from={AVOIDED_PERIOD[0]}&to={AVOIDED_PERIOD[1]}"))
    assert page.figures["avoided-reference-cat6"] == "12.225"
    assert page.figures["avoided-reference-cat7"] == "7.192"
    assert page.figures["avoided-reference"] == "19.417"
    assert page.figures["avoided-personal-cat6"] == "12.225"
    assert page.figures["avoided-personal-cat7"] == "4.293"
    assert page.figures["avoided-personal"] == "16.518"


def test_data_quality_of_march(officer: FlaskClient, uow: UnitOfWork) -> None:
    seed_quality(uow)
    page = _read(_page(officer, MARCH))
    assert page.figures["rows-read"] == "170"
    assert page.figures["rows-rejected"] == "6"
    assert page.figures["duplicates"] == "10"
    assert page.figures["no-cabin"] == "3 of 6"
    assert page.figures["waiting-travellers"] == "3 4 bookings"
    assert page.tables["Activities by how their distance was obtained"][1:] == [
        ["Given by the booking source", "4", "36.4 %"],
        ["Computed between the two places", "2", "18.2 %"],
        ["Estimated (great circle times a detour factor)", "1", "9.1 %"],
        ["Declared by the employee", "1", "9.1 %"],
        ["Spend-based (from the price, no distance)", "2", "18.2 %"],
        ["No distance recorded", "1", "9.1 %"],
        ["Total", "11", "100.0 %"],
    ]
    sources = page.tables["Import runs started in the period"]
    assert sources[1:] == [
        ["Concur nightly SAP Concur itinerary export", "2", "150", "120", "7", "4", "10", "6", "3"],
        ["Navan uploads Navan booking export", "1", "20", "18", "0", "2", "0", "0", "0"],
        ["Total", "3", "170", "138", "7", "6", "10", "6", "3"],
    ]


# --- who sees what -------------------------------------------------------------------------


def test_hr_sees_the_points_but_no_emissions(hr: FlaskClient, uow: UnitOfWork) -> None:
    report_fixture.seed(uow)
    seed_ledger(uow)
    html = _page(hr, MARCH)
    page = _read(html)
    assert page.figures["outstanding"] == "1,375"
    assert "Points programme" in html
    for hidden in (
        "CO₂e",
        "CO2e",
        "Avoided emissions",
        "Data quality",
        '<svg class="chart columns',
    ):
        assert hidden not in html, hidden
    assert "Finance" not in html and "Sales" not in html


def test_admin_sees_every_section(operator: FlaskClient, uow: UnitOfWork) -> None:
    html = _page(operator, MARCH)
    for heading in ("Emissions", "Avoided emissions", "Points programme", "Data quality"):
        assert f">{heading}</h2>" in html


def test_an_employee_is_refused_and_a_stranger_sent_to_sign_in(
    employee: FlaskClient, app: Flask
) -> None:
    assert employee.get("/admin").status_code == 403
    assert app.test_client().get("/admin").status_code == 302


# --- the period form ------------------------------------------------------------------------


def test_the_default_period_is_this_year(officer: FlaskClient) -> None:
    html = _page(officer, "")
    today = datetime.now(UTC).date()
    assert f'name="from" value="{date(today.year, 1, 1)}"' in html
    assert f'name="to" value="{today}"' in html
    assert ">This year</a>" in re.sub(r' aria-current="true"', "", html)


def test_a_preset_fills_the_form(officer: FlaskClient) -> None:
    html = _page(officer, "?period=last-year")
    year = datetime.now(UTC).date().year - 1
    assert f'name="from" value="{year}-01-01"' in html
    assert f'name="to" value="{year}-12-31"' in html
    assert 'aria-current="true">Last year</a>' in html


@pytest.mark.parametrize(
    ("query", "message", "field"),
    [
        (
            "?from=2026-13-01&to=2026-03-31",
            "from &#39;2026-13-01&#39;: not a date (YYYY-MM-DD)",
            "from",
        ),
        (
            "?from=2026-03-01&to=31.03.2026",
            "to &#39;31.03.2026&#39;: not a date (YYYY-MM-DD)",
            "to",
        ),
        ("?from=2026-03-31&to=2026-03-01", "to 2026-03-01: before from 2026-03-31", "to"),
        ("?from=2026-03-01", "to: give the last day of the period (YYYY-MM-DD)", "to"),
        (
            "?from=2020-01-01&to=2026-01-01",
            "to 2026-01-01: a period can be at most 1098 days",
            "to",
        ),
        ("?period=fortnight", "period &#39;fortnight&#39;: one of this-month", None),
    ],
)
def test_a_bad_period_is_named_on_the_page(
    officer: FlaskClient, query: str, message: str, field: str | None
) -> None:
    html = _page(officer, query, status=400)
    assert message in html
    assert 'role="alert" id="period-error"' in html
    assert "Emissions</h2>" not in html  # no figures for a period that is not one
    if field:
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', html)


# --- charts ---------------------------------------------------------------------------------


def test_every_chart_is_an_accessible_svg_followed_by_its_table(
    officer: FlaskClient, uow: UnitOfWork
) -> None:
    report_fixture.seed(uow)
    seed_ledger(uow)
    seed_quality(uow)
    html = _page(officer, YEAR_2026)
    charts = re.findall(r'<svg class="chart [^"]*" id="([^"]+)" role="img"', html)
    assert charts == [
        "chart-month", "chart-mode", "chart-haul_cabin", "chart-department", "chart-office",
        "chart-points", "chart-distances",
    ]  # fmt: skip
    for chart_id in charts:
        start = html.index(f'id="{chart_id}"')
        end = html.index("</svg>", start)
        svg = html[start:end]
        assert f'<title id="{chart_id}-title">' in svg and f'<desc id="{chart_id}-desc">' in svg
        following = html[end:]
        next_chart = following.find("<svg")
        assert 0 <= following.index("<table") < (next_chart if next_chart >= 0 else len(following))
    department = html[html.index('id="chart-department"') :]
    department = department[: department.index("</svg>")]
    # the quality fixture's traveller has no department: with Legal's four they make five, so
    # Sales stays shown; Other is the grey bar
    assert re.findall(r"<title>([^<]+)</title>", department) == [
        "Finance: 0.750\u00a0t",
        "Sales: 0.050\u00a0t",
        "Other (fewer than 5): 0.016\u00a0t",
    ]
    assert department.count("<rect") == 3 and department.count('fill="#5f6f67"') == 1
