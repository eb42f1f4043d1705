"""generic-csv: a German mapping with dd.mm.yyyy dates, XLSX, and mapping validation."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors import ConnectorOptions, get_connector
from connectors.reading import UnreadableFile, head_of
from corp_carbon.domain.bookings import BookingRecord, Record, RecordStatus, RowProblem
from corp_carbon.domain.vocabulary import Cabin, CalculationMethod, Mode
from tests.connectors.golden import GOLDEN

FOLDER = GOLDEN / "generic-csv"
GERMAN = FOLDER / "reisen_de.csv"


def _mapping(name: str) -> dict[str, Any]:
    return tomllib.loads((FOLDER / f"{name}.mapping.toml").read_text(encoding="utf-8"))


def _extract(path: Path, mapping: dict[str, Any]) -> list[Record]:
    return list(get_connector("generic-csv", ConnectorOptions(mapping=mapping)).extract(path))


def _bookings(records: list[Record]) -> dict[str, BookingRecord]:
    return {r.key: r for r in records if isinstance(r, BookingRecord)}


@pytest.fixture(scope="module")
def german() -> list[Record]:
    return _extract(GERMAN, _mapping("reisen_de"))


def test_consecutive_rows_form_one_booking(german: list[Record]) -> None:
    booking = _bookings(german)["B-1001"]
    assert [s.key for s in booking.segments] == ["0", "1"]
    assert booking.segments[0].travel_date.isoformat() == "2025-03-03"
    assert (booking.segments[0].origin, booking.segments[0].destination) == ("TXL", "MUC")
    assert booking.segments[0].cabin is Cabin.ECONOMY
    assert booking.traveller.email == "zoe.mueller@example.com"


def test_german_values_mapped(german: list[Record]) -> None:
    bookings = _bookings(german)
    rail = bookings["B-1002"].segments[0]
    assert rail.mode is Mode.RAIL and rail.distance_km == Decimal("623.000")
    assert bookings["B-1003"].segments[0].nights == 2
    assert bookings["B-1004"].segments[0].status is RecordStatus.CANCELLED


def test_iso_date_under_german_format_is_rejected(german: list[Record]) -> None:
    problem = next(p for p in german if isinstance(p, RowProblem) and p.row == 7)
    assert problem.field == "Abreise" and "%d.%m.%Y" in problem.reason


def test_spend_row_without_places(german: list[Record]) -> None:
    taxi = _bookings(german)["B-1007"].segments[0]
    assert taxi.method is CalculationMethod.SPEND and taxi.spend_amount == Decimal("34.50")


def test_unmapped_mode_names_the_table(german: list[Record]) -> None:
    problem = next(p for p in german if isinstance(p, RowProblem) and p.row == 11)
    assert "values.mode" in problem.reason and problem.value == "Fähre"


def test_xlsx_in_miles() -> None:
    records = _extract(FOLDER / "trips_en.xlsx", _mapping("trips_en"))
    rail = _bookings(records)["TP-2"].segments[0]
    assert rail.distance_km == Decimal("262.323")
    assert _bookings(records)["TP-1"].segments[1].travel_date.isoformat() == "2025-04-06"


def test_missing_column_names_it(tmp_path: Path) -> None:
    mapping = _mapping("reisen_de")
    mapping["columns"]["distance"] = "Kilometer"
    with pytest.raises(UnreadableFile, match=r"'Kilometer' \(sources.mapping.columns.distance\)"):
        _extract(GERMAN, mapping)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": {"record_key": "Buchungsnr", "date": "Abreise"}}, "columns.mode is required"),
        ({"columns": {"record_key": "a", "date": "b", "mode": "c", "colour": "d"}}, "'colour'"),
        ({"separator": ";"}, "'separator'"),
        ({"distance_unit": "furlong"}, "distance_unit"),
    ],
)
def test_invalid_mapping(change: dict[str, Any], message: str) -> None:
    mapping = {**_mapping("reisen_de"), **change}
    with pytest.raises(UnreadableFile, match=message):
        _extract(GERMAN, mapping)


def test_identify_by_required_columns() -> None:
    head = head_of(GERMAN, ConnectorOptions().xlsx_guard)
    good = get_connector("generic-csv", ConnectorOptions(mapping=_mapping("reisen_de")))
    assert good.identify(head)
    other = get_connector("generic-csv", ConnectorOptions(mapping=_mapping("trips_en")))
    assert not other.identify(head)
    assert not get_connector("generic-csv").identify(head)
