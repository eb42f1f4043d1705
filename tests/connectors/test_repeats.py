"""A segment repeated inside its booking (an export re-run or pasted twice) is read once, with
a warning naming the row it repeats; a return leg or another flight on the same day is not a
repeat. The same rule in every connector that builds segments."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from connectors import ConnectorOptions, get_connector
from corp_carbon.domain.bookings import BookingRecord, Record, RowProblem
from tests.connectors.golden import GOLDEN

CONCUR_HEADER = (
    "TripId,TripStatus,UserLoginID,EmployeeID,NameFirst,NameLast,TextName,BookingSource,"
    "RecordLocator,SegmentType,LegId,Vendor,VendorName,FlightNumber,TrainNumber,StartCityCode,"
    "EndCityCode,StartRailStationName,EndRailStationName,StartDateLocal,EndDateLocal,"
    "ClassOfService,Cabin,SegmentStatus,Miles,TicketNumber,ExchangedTicketNumber,CouponStatus,"
    "TotalFare,TotalFareCurrency,CarbonEmissionLbs,DateCancelledUtc,DateModifiedUtc"
)


def _concur_row(flight: str, start: str, end: str, day: str, leg: int = 1) -> str:
    return (
        f"T1,1,zhang.wei@example.com,E1002,Wei,Zhang,,Navan,P3XW9D,Air,{leg},LH,Lufthansa,"
        f"{flight},,{start},{end},,,{day}T13:40:00,{day}T19:35:00,C,C,HK,5505,2202000012345,,"
        "OPEN,31840.00,CNY,,,2025-05-02T10:14:33"
    )


def _extract(connector: str, path: Path, mapping: dict[str, Any] | None = None) -> list[Record]:
    options = ConnectorOptions(mapping=mapping or {})
    return list(get_connector(connector, options).extract(path))


def _split(records: list[Record]) -> tuple[list[BookingRecord], list[RowProblem]]:
    bookings = [r for r in records if isinstance(r, BookingRecord)]
    problems = [r for r in records if isinstance(r, RowProblem)]
    return bookings, problems


def _repeats(problems: list[RowProblem]) -> list[tuple[int, int | None, bool]]:
    return [(p.row, p.repeat_of, p.rejected) for p in problems if p.repeat_of is not None]


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_concur_repeated_row_is_one_segment(tmp_path: Path) -> None:
    row = _concur_row("729", "PVG", "FRA", "2025-05-12")
    path = _write(tmp_path, "itinerary.csv", [CONCUR_HEADER, row, row])
    (booking,), problems = _split(_extract("concur-itinerary", path))
    assert len(booking.segments) == 1
    assert _repeats(problems) == [(3, 2, False)]
    (warning,) = problems
    assert warning.reason == "same segment as row 2: counted once"


@pytest.mark.parametrize(
    ("second", "why"),
    [
        (("729", "FRA", "PVG", "2025-05-12"), "the way back"),
        (("731", "PVG", "FRA", "2025-05-12"), "another flight on the same route and day"),
        (("729", "PVG", "FRA", "2025-05-13"), "the same flight on another day"),
    ],
)
def test_concur_a_return_or_another_flight_stays_a_leg(
    tmp_path: Path, second: tuple[str, str, str, str], why: str
) -> None:
    rows = [_concur_row("729", "PVG", "FRA", "2025-05-12"), _concur_row(*second, leg=2)]
    path = _write(tmp_path, "itinerary.csv", [CONCUR_HEADER, *rows])
    (booking,), problems = _split(_extract("concur-itinerary", path))
    assert len(booking.segments) == 2, why
    assert _repeats(problems) == []


def test_navan_item_listed_twice_in_a_booking_is_one_segment(tmp_path: Path) -> None:
    sample = (GOLDEN / "navan" / "navan_bookings_export.csv").read_text(encoding="utf-8")
    header, first = sample.splitlines()[:2]
    twice = first.replace(
        "PVG>FRA LH729 2025-05-12T13:40;FRA>BOS LH422 2025-05-12T21:05",
        "PVG>FRA LH729 2025-05-12T13:40;PVG>FRA LH729 2025-05-12T13:40;FRA>BOS LH422 "
        "2025-05-12T21:05",
    )
    assert twice != first
    path = _write(tmp_path, "navan.csv", [header, twice])
    (booking,), problems = _split(_extract("navan", path))
    assert [(s.origin, s.destination) for s in booking.segments] == [("PVG", "FRA"), ("FRA", "BOS")]
    assert [s.key for s in booking.segments] == ["0", "2"]  # positional keys stay stable
    assert _repeats(problems) == [(2, 2, False)]


def test_travelperk_segment_listed_twice_is_one_segment(tmp_path: Path) -> None:
    sample = GOLDEN / "travelperk" / "travelperk_trips_export.json"
    data = json.loads(sample.read_text(encoding="utf-8"))
    booking = data["trips"][0]["bookings"][0]  # BER>LHR BA983 and back, BA986
    leg = booking["legs"][0]
    leg["segments"].append(copy.deepcopy(leg["segments"][0]))
    path = tmp_path / "travelperk.json"
    path.write_text(json.dumps({"trips": [data["trips"][0]]}), encoding="utf-8")
    bookings, problems = _split(_extract("travelperk", path))
    flight = next(b for b in bookings if b.key == "90211")
    assert [s.service_number for s in flight.segments] == ["983", "986"]
    ((row, first, rejected),) = _repeats(problems)
    assert (row, first, rejected) == (flight.row, flight.row, False)
    assert next(p for p in problems if p.repeat_of).field.endswith("legs[0].segments[1]")


def test_generic_csv_repeated_row_is_one_segment(tmp_path: Path) -> None:
    folder = GOLDEN / "generic-csv"
    mapping = tomllib.loads((folder / "reisen_de.mapping.toml").read_text(encoding="utf-8"))
    lines = (folder / "reisen_de.csv").read_text(encoding="utf-8").splitlines()
    path = _write(tmp_path, "reisen.csv", [lines[0], lines[1], lines[1], lines[2]])
    (booking,), problems = _split(_extract("generic-csv", path, mapping))
    assert [s.destination for s in booking.segments] == ["MUC", "BER"]
    assert _repeats(problems) == [(3, 2, False)]
    assert next(p for p in problems if p.repeat_of).field == "Buchungsnr"


def _sae(tmp_path: Path, extra: list[str]) -> Path:
    lines = (GOLDEN / "concur-sae" / "sae_expense_extract.txt").read_text(encoding="utf-8")
    head, *details = lines.splitlines()
    cells = head.split("|")
    cells[2] = str(int(cells[2]) + len(extra))
    return _write(tmp_path, "sae.txt", ["|".join(cells), details[0], *extra, *details[1:]])


def test_sae_line_pasted_twice_is_one_expense(tmp_path: Path) -> None:
    details = (GOLDEN / "concur-sae" / "sae_expense_extract.txt").read_text(encoding="utf-8")
    first_line = details.splitlines()[1]
    bookings, problems = _split(_extract("concur-sae", _sae(tmp_path, [first_line])))
    assert [b.row for b in bookings if b.key.startswith("RPT-100:5001")] == [2]
    assert _repeats(problems) == [(3, 2, False)]


def test_sae_allocation_lines_of_one_entry_are_not_repeats(tmp_path: Path) -> None:
    """A 50/50 split: two lines of the same entry and amount, told apart by the allocation."""
    first_line = (
        (GOLDEN / "concur-sae" / "sae_expense_extract.txt").read_text(encoding="utf-8")
    ).splitlines()[1]
    cells = first_line.split("|")
    cells += [""] * max(0, 212 - len(cells))
    one, other = list(cells), list(cells)
    one[188], other[188] = "ALLOC-1", "ALLOC-2"
    path = _sae(tmp_path, ["|".join(other)])
    text = path.read_text(encoding="utf-8").replace(first_line, "|".join(one))
    path.write_text(text, encoding="utf-8")
    bookings, problems = _split(_extract("concur-sae", path))
    assert [b.key for b in bookings if b.key.startswith("RPT-100:5001")] == [
        "RPT-100:5001",
        "RPT-100:5001:2",
    ]
    assert _repeats(problems) == []
