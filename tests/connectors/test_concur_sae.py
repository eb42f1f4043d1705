"""Concur SAE: expense lines to bookings, refunds, skips and the record-count check."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from connectors import ConnectorOptions, get_connector
from connectors.reading import head_of
from corp_carbon.domain.bookings import BookingRecord, Record, RowProblem
from corp_carbon.domain.vocabulary import CalculationMethod, DistanceSource, Mode
from tests.connectors.golden import GOLDEN

SAMPLE = GOLDEN / "concur-sae" / "sae_expense_extract.txt"
WIDTH = 400


def _line(**cols: str) -> str:
    cells = [""] * WIDTH
    cells[0] = "DETAIL"
    for name, value in cols.items():
        cells[int(name[1:]) - 1] = value
    return "|".join(cells)


def _extract(path: Path, **mapping: str) -> list[Record]:
    return list(get_connector("concur-sae", ConnectorOptions(mapping=mapping)).extract(path))


@pytest.fixture(scope="module")
def sample() -> list[Record]:
    return _extract(SAMPLE)


def _bookings(records: list[Record]) -> dict[str, BookingRecord]:
    return {r.key: r for r in records if isinstance(r, BookingRecord)}


def test_identify() -> None:
    connector = get_connector("concur-sae")
    assert connector.identify(head_of(SAMPLE, ConnectorOptions().xlsx_guard))
    survey = GOLDEN / "commute-survey" / "commute_survey.csv"
    assert not connector.identify(head_of(survey, ConnectorOptions().xlsx_guard))


def test_air_with_from_to_is_distance_based(sample: list[Record]) -> None:
    air = _bookings(sample)["RPT-100:5001"]
    segment = air.segments[0]
    assert (segment.mode, segment.origin, segment.destination) == (Mode.AIR, "Berlin", "Munich")
    assert segment.method is CalculationMethod.DISTANCE
    assert air.traveller.employee_number == "E1001" and air.traveller.name == "Zoë Müller"


def test_rail_without_from_to_is_spend(sample: list[Record]) -> None:
    segment = _bookings(sample)["RPT-101:5002"].segments[0]
    assert segment.method is CalculationMethod.SPEND
    assert (segment.spend_amount, segment.spend_currency) == (Decimal("89.90"), "EUR")
    assert "spend-based: no distance in the expense line" in segment.notes


def test_mileage_uses_business_distance(sample: list[Record]) -> None:
    segment = _bookings(sample)["RPT-102:5003"].segments[0]
    assert segment.mode is Mode.CAR and segment.distance_km == Decimal("120.000")
    assert segment.distance_source is DistanceSource.GIVEN


def test_mileage_in_miles(tmp_path: Path) -> None:
    path = tmp_path / "sae.txt"
    row = _line(
        c5="E1", c19="R", c61="1", c63="Mileage", c64="2025-01-02", c65="USD", c123="10", c171="10"
    )
    path.write_text(f"EXTRACT|2025-01-31|1|10|1\n{row}\n", encoding="utf-8")
    booking = _bookings(_extract(path, distance_unit="mi"))["R:1"]
    assert booking.segments[0].distance_km == Decimal("16.093")


def test_email_lower_cased(sample: list[Record]) -> None:
    assert _bookings(sample)["RPT-103:5004"].traveller.email == "zhang.wei@example.com"


def test_refund_is_negative_spend(sample: list[Record]) -> None:
    segment = _bookings(sample)["RPT-104:5006"].segments[0]
    assert segment.method is CalculationMethod.SPEND
    assert segment.spend_amount == Decimal("-50.00")
    assert segment.mode is Mode.HOTEL


def test_credit_with_positive_amount_is_negated(tmp_path: Path) -> None:
    path = tmp_path / "sae.txt"
    row = _line(
        c5="E1",
        c19="R",
        c61="9",
        c63="Airfare",
        c64="2025-01-02",
        c65="EUR",
        c123="300.00",
        c168="CR",
        c169="-300.00",
        c336="Berlin",
        c337="Paris",
    )
    path.write_text(f"EXTRACT|2025-01-31|1|-300|1\n{row}\n", encoding="utf-8")
    segment = _bookings(_extract(path))["R:9"].segments[0]
    assert segment.spend_amount == Decimal("-300.00")
    assert segment.method is CalculationMethod.SPEND


def test_itemisation_rows_get_distinct_keys(sample: list[Record]) -> None:
    keys = _bookings(sample)
    assert "RPT-105:5007" in keys and "RPT-105:5007:3" in keys


def test_personal_meals_and_fees_skipped_silently(sample: list[Record]) -> None:
    keys = _bookings(sample)
    assert "RPT-107:5009" not in keys  # personal hotel
    assert "RPT-108:5010" not in keys  # meals
    assert "RPT-100:5013" not in keys  # booking fees (hotel)
    assert not any(isinstance(p, RowProblem) and p.row in (12, 13, 16) for p in sample)


def test_bad_date_is_a_row_problem(sample: list[Record]) -> None:
    problem = next(p for p in sample if isinstance(p, RowProblem) and p.row == 11)
    assert problem.rejected and problem.value == "03/05/2025"
    assert problem.field.startswith("Report Entry Transaction Date")


def test_short_row_is_a_row_problem(sample: list[Record]) -> None:
    problem = next(p for p in sample if isinstance(p, RowProblem) and p.row == 17)
    assert problem.field == "columns" and "337" in problem.reason


def test_taxi_with_from_to_keeps_places(sample: list[Record]) -> None:
    segment = _bookings(sample)["RPT-106:5012"].segments[0]
    assert segment.mode is Mode.TAXI and segment.origin == "London Bridge"


def test_count_mismatch_warns_on_row_one() -> None:
    records = _extract(GOLDEN / "concur-sae" / "sae_truncated.txt")
    problem = records[-1]
    assert isinstance(problem, RowProblem)
    assert (problem.row, problem.rejected) == (1, False)
    assert "truncated" in problem.reason


def test_matching_count_gives_no_warning(sample: list[Record]) -> None:
    assert not any(isinstance(p, RowProblem) and p.row == 1 for p in sample)


def test_expense_type_mapping_overrides_keywords(tmp_path: Path) -> None:
    path = tmp_path / "sae.txt"
    row = _line(
        c5="E1", c19="R", c61="2", c63="Reisekosten Bahn", c64="2025-01-02", c65="EUR", c123="45.00"
    )
    path.write_text(f"EXTRACT|2025-01-31|1|45|1\n{row}\n", encoding="utf-8")
    options = ConnectorOptions(mapping={"expense_types": {"Reisekosten Bahn": "rail"}})
    records = list(get_connector("concur-sae", options).extract(path))
    assert _bookings(records)["R:2"].segments[0].mode is Mode.RAIL
