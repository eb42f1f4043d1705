"""A train's class of travel, read from each connector: standard, first or a sleeper berth.

Real sample rows from the reference exports, with one class edited in where the sample has
none, and bad values that must come back as a problem naming the row and the field.
"""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path
from typing import Any

import pytest

from connectors import ConnectorOptions, get_connector
from connectors.fields import FieldError, rail_class
from corp_carbon.domain.bookings import BookingRecord, Record, RowProblem
from corp_carbon.domain.vocabulary import Cabin, Mode
from tests.connectors.golden import GOLDEN

CONCUR = GOLDEN / "concur-itinerary" / "concur_itinerary_export.csv"
NAVAN = GOLDEN / "navan" / "navan_bookings_export.csv"
TRAVELPERK = GOLDEN / "travelperk" / "travelperk_trips_export.json"
GENERIC = GOLDEN / "generic-csv"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("standard", Cabin.STANDARD),
        ("Second", Cabin.STANDARD),
        ("2nd", Cabin.STANDARD),
        ("2", Cabin.STANDARD),
        ("Standard Class", Cabin.STANDARD),
        ("coach", Cabin.STANDARD),
        ("ECONOMY", Cabin.STANDARD),
        ("二等座", Cabin.STANDARD),
        ("二等", Cabin.STANDARD),
        ("first", Cabin.FIRST),
        ("1st", Cabin.FIRST),
        ("1", Cabin.FIRST),
        ("First class", Cabin.FIRST),
        ("business", Cabin.FIRST),
        ("premium", Cabin.FIRST),
        ("Standard Premier", Cabin.FIRST),
        ("一等座", Cabin.FIRST),
        ("商务座", Cabin.FIRST),
        ("特等座", Cabin.FIRST),
        ("sleeper", Cabin.SLEEPER),
        ("Couchette", Cabin.SLEEPER),
        ("berth", Cabin.SLEEPER),
        ("sleeping-car", Cabin.SLEEPER),
        ("  Sleeping car ", Cabin.SLEEPER),
        ("卧铺", Cabin.SLEEPER),
        ("软卧", Cabin.SLEEPER),
        ("硬卧", Cabin.SLEEPER),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_rail_class_reads_the_words_and_codes_exports_use(
    written: str | None, expected: Cabin | None
) -> None:
    assert rail_class(written) is expected


@pytest.mark.parametrize("written", ["premium economy", "upper deck", "3", "F", "deluxe"])
def test_an_unknown_class_names_the_accepted_words(written: str) -> None:
    with pytest.raises(FieldError) as raised:
        rail_class(written)
    assert repr(written) in str(raised.value)
    assert "standard" in str(raised.value) and "first" in str(raised.value)
    assert "sleeper" in str(raised.value)


# --- Concur itinerary ------------------------------------------------------------------------


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _extract(name: str, path: Path, options: ConnectorOptions | None = None) -> list[Record]:
    return list(get_connector(name, options).extract(path))


def _rail(records: list[Record]) -> list[tuple[str, Cabin | None]]:
    return [
        (r.key, s.cabin)
        for r in records
        if isinstance(r, BookingRecord)
        for s in r.segments
        if s.mode is Mode.RAIL
    ]


def _concur_rail_row(path: Path, **changes: str) -> Path:
    header, rows = _rows(CONCUR)
    (berlin_munich,) = [r for r in rows if r["TrainNumber"] == "ICE 1001"]
    return _write(path, header, [{**berlin_munich, **changes}])


def test_concur_reads_class_of_service_then_cabin() -> None:
    found = dict(_rail(_extract("concur-itinerary", CONCUR)))
    # Eurostar: ClassOfService "B" is a fare letter, Cabin "Standard Premier" the class
    assert found["9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c04"] is Cabin.FIRST
    # Deutsche Bahn: ClassOfService "2", Cabin empty
    assert found["d6e7f8a9-0b1c-4d2e-8f3a-4b5c6d7e8f06"] is Cabin.STANDARD


def test_concur_train_without_a_class_stays_without_one(tmp_path: Path) -> None:
    path = _concur_rail_row(tmp_path / "no_class.csv", ClassOfService="", Cabin="")
    records = _extract("concur-itinerary", path)
    assert _rail(records) == [("d6e7f8a9-0b1c-4d2e-8f3a-4b5c6d7e8f06", None)]
    assert not [r for r in records if isinstance(r, RowProblem)]


def test_concur_sleeper_in_the_cabin_column(tmp_path: Path) -> None:
    path = _concur_rail_row(tmp_path / "sleeper.csv", ClassOfService="S", Cabin="Couchette")
    assert _rail(_extract("concur-itinerary", path))[0][1] is Cabin.SLEEPER


def test_concur_bad_class_rejects_the_trip_naming_row_and_field(tmp_path: Path) -> None:
    path = _concur_rail_row(tmp_path / "bad.csv", ClassOfService="Comfort Plus")
    (problem,) = _extract("concur-itinerary", path)
    assert isinstance(problem, RowProblem) and problem.rejected
    assert (problem.row, problem.field, problem.value) == (2, "ClassOfService", "Comfort Plus")
    assert "unknown class of travel on a train" in problem.reason


# --- Navan -----------------------------------------------------------------------------------


def _navan_rail_row(path: Path, **changes: str) -> Path:
    header, rows = _rows(NAVAN)
    (madrid_barcelona,) = [r for r in rows if r["bookingType"] == "RAIL"]
    return _write(path, header, [{**madrid_barcelona, **changes}])


def test_navan_reads_fare_class_then_cabin(tmp_path: Path) -> None:
    first = _navan_rail_row(tmp_path / "first.csv", fareClass="FIRST", cabin="")
    assert [c for _, c in _rail(_extract("navan", first))] == [Cabin.FIRST]
    cabin_only = _navan_rail_row(tmp_path / "cabin.csv", fareClass="", cabin="STANDARD")
    assert [c for _, c in _rail(_extract("navan", cabin_only))] == [Cabin.STANDARD]


def test_navan_sample_train_has_no_class_and_first_is_never_guessed() -> None:
    assert [c for _, c in _rail(_extract("navan", NAVAN))] == [None]


def test_navan_bad_class_names_row_and_field(tmp_path: Path) -> None:
    path = _navan_rail_row(tmp_path / "bad.csv", fareClass="PREFERENTE PLUS")
    (problem,) = _extract("navan", path)
    assert isinstance(problem, RowProblem) and problem.rejected
    assert (problem.row, problem.field) == (2, "fareClass")


# --- TravelPerk ------------------------------------------------------------------------------


def test_travelperk_trains_come_without_a_class() -> None:
    """The format has no class for trains (no fare class; GreenPerk's train query has none)."""
    found = _rail(_extract("travelperk", TRAVELPERK))
    assert found and all(cabin is None for _, cabin in found)


# --- generic CSV -----------------------------------------------------------------------------


def _mapping() -> dict[str, Any]:
    mapping = tomllib.loads((GENERIC / "reisen_de.mapping.toml").read_text(encoding="utf-8"))
    mapping["values"]["cabin"]["1. Klasse"] = "first"
    mapping["values"]["cabin"]["Liegewagen"] = "sleeper"
    return mapping


def _german_rail(path: Path, classes: list[str]) -> Path:
    """The German sample's Munich-Berlin train, once per class, each its own booking."""
    lines = (GENERIC / "reisen_de.csv").read_text(encoding="utf-8").splitlines()
    (train,) = [line for line in lines if line.startswith("B-1002;")]
    rows = [
        ";".join([f"B-{n}", *train.split(";")[1:9], klasse, *train.split(";")[10:]])
        for n, klasse in enumerate(classes)
    ]
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    return path


def test_generic_csv_cabin_column_and_mapping_give_a_trains_class(tmp_path: Path) -> None:
    path = _german_rail(tmp_path / "bahn.csv", ["2. Klasse", "1. Klasse", "Liegewagen", "", "1"])
    options = ConnectorOptions(mapping=_mapping())
    assert _rail(_extract("generic-csv", path, options)) == [
        ("B-0", Cabin.STANDARD),  # mapped to "economy": a train's economy is standard class
        ("B-1", Cabin.FIRST),
        ("B-2", Cabin.SLEEPER),
        ("B-3", None),
        ("B-4", Cabin.FIRST),  # our own words and codes need no mapping
    ]


def test_generic_csv_bad_class_names_row_and_column(tmp_path: Path) -> None:
    path = _german_rail(tmp_path / "bahn.csv", ["2. Klasse", "Großraum"])
    records = _extract("generic-csv", path, ConnectorOptions(mapping=_mapping()))
    (problem,) = [r for r in records if isinstance(r, RowProblem)]
    assert (problem.row, problem.field, problem.value) == (3, "Klasse", "Großraum")
    assert "unknown class of travel on a train" in problem.reason
    assert _rail(records) == [("B-0", Cabin.STANDARD)]
