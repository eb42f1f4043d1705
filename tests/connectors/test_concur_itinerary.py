"""Concur itinerary connector: the hard cases of the reference sample (§8.2), one by one."""

from __future__ import annotations

import contextlib
import csv
import tracemalloc
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors import ConnectorOptions, get_connector
from connectors.reading import XlsxGuard, head_of
from corp_carbon.domain.bookings import BookingRecord, Record, RecordStatus, RowProblem
from corp_carbon.domain.vocabulary import Cabin, DistanceSource, Mode
from tests.connectors.golden import GOLDEN

FOLDER = GOLDEN / "concur-itinerary"
SAMPLE = FOLDER / "concur_itinerary_export.csv"
BROKEN = FOLDER / "concur_broken_rows.csv"


def _extract(path: Path, options: ConnectorOptions | None = None) -> list[Record]:
    return list(get_connector("concur-itinerary", options).extract(path))


def _bookings(path: Path = SAMPLE) -> dict[str, BookingRecord]:
    found = {}
    for record in _extract(path):
        if isinstance(record, BookingRecord):
            found[record.key] = record
    return found


def _problems(path: Path = SAMPLE) -> list[RowProblem]:
    return [r for r in _extract(path) if isinstance(r, RowProblem)]


def _booking(prefix: str, path: Path = SAMPLE) -> BookingRecord:
    (match,) = [b for k, b in _bookings(path).items() if k.startswith(prefix)]
    return match


def test_one_record_per_trip_keyed_by_trip_id() -> None:
    bookings = _bookings()
    assert len(bookings) == 8  # 9 trips; the one with 2025-02-30 is rejected
    assert "1b2c3d4e-5f6a-4b7c-9d8e-9f0a1b2c3d09" not in bookings
    assert _booking("3f1a9c2e").row == 2  # spreadsheet numbering: header is row 1


def test_round_trip_on_one_ticket_has_the_fare_once_and_two_journeys() -> None:
    outbound, back = _booking("3f1a9c2e").segments
    assert (outbound.origin, outbound.destination) == ("BER", "LHR")
    assert (back.origin, back.destination) == ("LHR", "BER")
    assert outbound.spend_amount == Decimal("286.40")
    assert outbound.spend_currency == "EUR"
    assert back.spend_amount is None
    assert outbound.journey != back.journey
    assert outbound.ticket_number == back.ticket_number == "1252000044701"


def test_connection_is_one_journey_with_given_distances_in_km() -> None:
    booking = _booking("8b2d4f60")
    first, second, hotel = booking.segments
    assert (first.origin, first.destination, second.destination) == ("PVG", "FRA", "BOS")
    assert first.journey == second.journey
    assert hotel.journey != first.journey
    assert first.distance_km == Decimal("8859.439")  # 5505 mi
    assert second.distance_km == Decimal("5888.590")  # 3659 mi
    assert first.distance_source is DistanceSource.GIVEN
    assert (first.carrier, first.service_number) == ("LH", "729")
    assert first.cabin is Cabin.BUSINESS
    assert first.spend_amount == Decimal("31840.00") and second.spend_amount is None


def test_hotel_counts_nights_and_keeps_its_own_rate() -> None:
    hotel = _booking("8b2d4f60").segments[2]
    assert hotel.mode is Mode.HOTEL
    assert hotel.nights == 3
    assert hotel.origin == "BOS"
    assert (hotel.spend_amount, hotel.spend_currency) == (Decimal("897.00"), "USD")
    assert hotel.cabin is None and hotel.distance_km is None


def test_exchange_marks_the_old_coupon_and_links_the_new_ticket() -> None:
    old, new = _booking("5c7e9a11").segments
    assert old.status is RecordStatus.EXCHANGED
    assert old.ticket_number == "1252000050001"
    assert new.status is RecordStatus.CONFIRMED
    assert new.replaces_ticket == "1252000050001"
    assert new.spend_amount == Decimal("1310.00")
    assert old.key != new.key
    assert old.journey != new.journey  # same LegId, but different tickets: not a connection


def test_rail_uses_station_names_not_iata_like_codes() -> None:
    (eurostar,) = _booking("9a0b1c2d").segments
    assert eurostar.mode is Mode.RAIL
    assert eurostar.origin == "London St Pancras International"
    assert eurostar.destination == "Paris Gare du Nord"
    assert (eurostar.carrier, eurostar.service_number) == ("9F", "9014")
    # ClassOfService "B" is a fare letter; Cabin "Standard Premier" seats 2+1, as first class
    assert eurostar.cabin is Cabin.FIRST
    assert eurostar.distance_km is None


def test_rail_without_vendor_keeps_the_train_number_whole() -> None:
    (ice,) = _booking("d6e7f8a9").segments
    assert (ice.origin, ice.destination) == ("Berlin Hbf", "München Hbf")
    assert (ice.carrier, ice.service_number) == (None, "ICE 1001")


def test_cancelled_trip_cancels_its_segments() -> None:
    booking = _booking("c4d5e6f7")
    assert [s.status for s in booking.segments] == [RecordStatus.CANCELLED]


def test_missing_cabin_defaults_with_note_and_warning() -> None:
    (flight,) = _booking("e8f9a0b1").segments
    assert flight.cabin is Cabin.ECONOMY
    assert "cabin class missing: economy assumed" in flight.notes
    (warning,) = [p for p in _problems() if p.row == 12]
    assert (warning.field, warning.rejected) == ("Cabin", False)


def test_default_cabin_comes_from_the_options() -> None:
    options = ConnectorOptions(default_cabin=Cabin.BUSINESS)
    (record,) = [
        r for r in _extract(SAMPLE, options) if isinstance(r, BookingRecord) and r.row == 12
    ]
    assert record.segments[0].cabin is Cabin.BUSINESS
    assert "cabin class missing: business assumed" in record.segments[0].notes


def test_unknown_airport_code_is_passed_through_and_unticketed_is_noted() -> None:
    (flight,) = _booking("f0a1b2c3").segments
    assert flight.destination == "JFX"
    assert flight.status is RecordStatus.CONFIRMED
    assert "booked, not ticketed" in flight.notes


def test_malformed_date_is_rejected_with_spreadsheet_row_and_field() -> None:
    rejected = [p for p in _problems() if p.rejected]
    assert rejected == [
        RowProblem(
            row=14,
            field="StartDateLocal",
            reason="not a valid date (expected YYYY-MM-DD): '2025-02-30T07:40:00'",
            value="2025-02-30T07:40:00",
        )
    ]


def test_traveller_by_id_and_email_never_by_name() -> None:
    person = _booking("8b2d4f60").traveller
    assert (person.employee_number, person.email) == ("E1002", "zhang.wei@example.com")
    assert person.name == "伟 张"


def test_modified_at_and_record_locator() -> None:
    booking = _booking("5c7e9a11")
    assert booking.modified_at == datetime.fromisoformat("2025-03-06T14:31:40+00:00")
    assert booking.record_locator == "Q8LM4R"


def test_segment_keys_are_stable_across_a_resend() -> None:
    first = [s.key for s in _booking("5c7e9a11").segments]
    again = [s.key for s in _booking("5c7e9a11").segments]
    assert first == again == ["Air:Q8LM4R:BA117:2025-03-10:LHR", "Air:Q8LM4R:BA117:2025-03-12:LHR"]


def test_identify() -> None:
    connector = get_connector("concur-itinerary")
    guard = XlsxGuard()
    assert connector.identify(head_of(SAMPLE, guard))
    assert connector.identify(head_of(FOLDER / "concur_itinerary_utf16.csv", guard))
    assert connector.identify(head_of(FOLDER / "concur_itinerary_semicolon.csv", guard))
    assert not connector.identify(head_of(GOLDEN / "navan" / "navan_bookings_export.csv", guard))
    travelperk = GOLDEN / "travelperk" / "travelperk_trips_export.json"
    assert not connector.identify(head_of(travelperk, guard))
    assert "TripId" in connector.expected()


def test_navan_file_given_to_concur_yields_only_problems() -> None:
    records = _extract(FOLDER / "navan_given_to_concur.csv")
    assert records and all(isinstance(r, RowProblem) and r.field == "TripId" for r in records)


# --- the harder sample of broken rows -------------------------------------------------------


def _by_row(path: Path = BROKEN) -> dict[int, list[Record]]:
    rows: dict[int, list[Record]] = {}
    for record in _extract(path):
        rows.setdefault(record.row, []).append(record)
    return rows


def _fields(records: list[Record]) -> set[tuple[str, bool]]:
    return {(r.field, r.rejected) for r in records if isinstance(r, RowProblem)}


def test_broken_rows_become_problems_in_file_order() -> None:
    """A trip's problems come with the trip (before its record), trips in file order."""
    records = _extract(BROKEN)
    bookings = [r.row for r in records if isinstance(r, BookingRecord)]
    problems = [r.row for r in records if isinstance(r, RowProblem)]
    assert bookings == sorted(bookings)
    assert problems == sorted(problems)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (3, {("TripId", True)}),
        (4, {("SegmentType", True)}),
        (5, {("StartCityCode", True), ("Miles", True)}),
        (6, {("TripStatus", True)}),
        (7, {("EmployeeID", True)}),
        (9, {("EndDateLocal", True)}),
        (12, {("SegmentType", True)}),
        (14, {("Miles", True)}),
        (16, {("Cabin", True)}),
        (17, {("StartRailStationName", True)}),
        (22, {("DateModifiedUtc", True), ("StartDateLocal", True)}),
        (23, {("Miles", True)}),
    ],
)
def test_rejected_rows(row: int, expected: set[tuple[str, bool]]) -> None:
    records = _by_row()[row]
    assert _fields(records) == expected
    assert not any(isinstance(r, BookingRecord) for r in records)


def test_bad_email_with_employee_number_only_warns() -> None:
    records = _by_row()[8]
    assert _fields(records) == {("UserLoginID", False)}
    (booking,) = [r for r in records if isinstance(r, BookingRecord)]
    assert booking.traveller == booking.traveller.__class__("E1001", None, "Zoë Müller")


def test_parking_row_is_skipped_with_a_warning() -> None:
    rows = _by_row()
    (booking,) = rows[10]
    assert isinstance(booking, BookingRecord) and len(booking.segments) == 1
    assert _fields(rows[11]) == {("SegmentType", False)}


def test_bad_spend_only_warns() -> None:
    records = _by_row()[15]
    assert _fields(records) == {("TotalFare", False), ("TotalFareCurrency", False)}
    (booking,) = [r for r in records if isinstance(r, BookingRecord)]
    assert booking.segments[0].spend_amount is None
    assert booking.segments[0].distance_km is not None


def test_a_repeated_segment_row_is_one_segment_with_a_warning_naming_the_first_row() -> None:
    """Rows 18 and 19 are the same flight of trip T15 (an export re-run or pasted twice)."""
    records = _by_row()
    (booking,) = records[18]
    assert isinstance(booking, BookingRecord)
    (segment,) = booking.segments
    assert not segment.key.endswith("#2")
    (warning,) = records[19]
    assert isinstance(warning, RowProblem)
    assert (warning.rejected, warning.repeat_of) == (False, 18)
    assert warning.reason == "same segment as row 18: counted once"


def test_gds_cancelled_segment_status() -> None:
    (booking,) = _by_row()[20]
    assert isinstance(booking, BookingRecord)
    assert booking.segments[0].status is RecordStatus.CANCELLED


def test_ride_and_car_hire_have_no_distance_and_a_note() -> None:
    rows = _by_row()
    (ride,) = rows[24]
    (car,) = rows[25]
    assert isinstance(ride, BookingRecord) and isinstance(car, BookingRecord)
    assert ride.segments[0].mode is Mode.TAXI
    assert car.segments[0].mode is Mode.CAR
    assert car.segments[0].distance_km is None
    assert "car hire: distance not in the export" in car.segments[0].notes


def test_non_consecutive_trip_rows_give_a_second_copy_of_the_trip() -> None:
    """Documented limit of streaming: the export must be sorted by TripId."""
    copies = [r for r in _extract(BROKEN) if isinstance(r, BookingRecord) and r.key == "T01"]
    assert [c.row for c in copies] == [2, 21]


# --- XLSX and memory --------------------------------------------------------------------------


def _write_xlsx(source: Path, target: Path, *, typed: bool) -> None:
    """The CSV as a workbook; ``typed`` stores numbers and dates as Excel would."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    with source.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    sheet.append(header)
    for row in rows[1:]:
        cells: list[object] = list(row)
        if typed:
            for index, name in enumerate(header):
                value = row[index]
                if value and name in ("LegId", "Miles", "TripStatus"):
                    cells[index] = int(value)
                elif value and name == "TotalFare":
                    cells[index] = float(value)
                elif value and name.startswith(("StartDate", "EndDate", "Date")):
                    with contextlib.suppress(ValueError):  # a malformed date stays text
                        cells[index] = datetime.fromisoformat(value)
        sheet.append(cells)
    book.save(target)


@pytest.mark.parametrize("typed", [False, True])
def test_xlsx_gives_the_same_records_as_csv(tmp_path: Path, typed: bool) -> None:
    workbook = tmp_path / "concur.xlsx"
    _write_xlsx(SAMPLE, workbook, typed=typed)
    assert get_connector("concur-itinerary").identify(head_of(workbook, XlsxGuard()))
    assert _extract(workbook) == _extract(SAMPLE)


def test_extract_streams_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:3]
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header + "\n")
        for trip in range(20_000):
            for line in body:
                fh.write(f"T{trip:06d}" + line[line.index(",") :] + "\n")
    tracemalloc.start()
    try:
        count = sum(1 for r in get_connector("concur-itinerary").extract(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    size = path.stat().st_size
    # the encoding sniff decodes 1 MB (about 3 MB peak); holding the rows would take several
    # times the file size
    assert peak < min(4_000_000, size / 2), f"peak {peak} bytes for {size}: rows are held"


def test_travel_date_is_the_local_departure_date() -> None:
    (_, back) = _booking("3f1a9c2e").segments
    assert back.travel_date == date(2025, 4, 9)
