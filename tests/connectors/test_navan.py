"""Navan connector: the hard cases of the reference sample (§8.3) and broken rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors import get_connector
from connectors.reading import XlsxGuard, head_of
from corp_carbon.domain.bookings import BookingRecord, Record, RecordStatus, RowProblem
from corp_carbon.domain.vocabulary import Cabin, DistanceSource, Mode
from tests.connectors.fuzzing import xlsx_of
from tests.connectors.golden import GOLDEN

FOLDER = GOLDEN / "navan"
SAMPLE = FOLDER / "navan_bookings_export.csv"
BROKEN = FOLDER / "navan_broken_rows.csv"


def _extract(path: Path = SAMPLE) -> list[Record]:
    return list(get_connector("navan").extract(path))


def _by_row(path: Path = SAMPLE) -> dict[int, list[Record]]:
    rows: dict[int, list[Record]] = {}
    for record in _extract(path):
        rows.setdefault(record.row, []).append(record)
    return rows


def _booking(row: int, path: Path = SAMPLE) -> BookingRecord:
    (booking,) = [r for r in _by_row(path)[row] if isinstance(r, BookingRecord)]
    return booking


def _fields(records: list[Record]) -> set[tuple[str, bool]]:
    return {(r.field, r.rejected) for r in records if isinstance(r, RowProblem)}


def test_one_way_with_connection_is_one_journey_without_split_distance() -> None:
    booking = _booking(2)
    assert booking.key == "0f6a2c4e-91d3-4e57-b0a8-1c2d3e4f5a61"
    first, second = booking.segments
    assert [s.key for s in booking.segments] == ["0", "1"]
    assert first.journey == second.journey
    assert (first.origin, first.destination, second.destination) == ("PVG", "FRA", "BOS")
    assert (first.carrier, first.service_number) == ("LH", "729")
    assert first.distance_km is None and second.distance_km is None
    assert any("9164" in note for note in first.notes)
    assert first.ticket_number == second.ticket_number == "2202000012345"
    assert first.cabin is Cabin.BUSINESS
    assert booking.record_locator == "P3XW9D"


def test_round_trip_is_two_journeys_and_fare_on_first_segment() -> None:
    out, back = _booking(3).segments
    assert out.journey != back.journey
    assert (out.origin, out.destination, back.destination) == ("PVG", "SFO", "PVG")
    assert out.cabin is Cabin.PREMIUM_ECONOMY
    assert (out.spend_amount, out.spend_currency) == (Decimal("14210.00"), "CNY")
    assert back.spend_amount is None
    assert out.distance_km is None  # 12276 mi is the booking total


def test_single_segment_gets_the_booking_distance() -> None:
    (flight,) = _booking(5).segments
    assert flight.distance_km == Decimal("449.007")  # 279 mi
    assert flight.distance_source is DistanceSource.GIVEN


def test_cancelled_booking_keeps_its_amounts_but_is_cancelled() -> None:
    booking = _booking(4)
    assert [s.status for s in booking.segments] == [RecordStatus.CANCELLED]
    assert booking.segments[0].spend_amount == Decimal("143.20")


def test_resend_with_a_later_last_modified_is_yielded_again() -> None:
    older, newer = _booking(6), _booking(7)
    assert older.key == newer.key == "4dae6082-3517-429b-84ec-5a6b7c8d9ea5"
    assert older.modified_at is not None and newer.modified_at is not None
    assert newer.modified_at > older.modified_at
    assert newer.modified_at == datetime.fromisoformat("2025-09-29T21:47:12+00:00")
    assert older.segments[0].key == newer.segments[0].key == "0"
    assert newer.segments[0].service_number == "2216"
    assert newer.segments[0].travel_date == date(2025, 10, 8)
    assert newer.segments[0].ticket_number == "0162000045987"


def test_car_and_hotel() -> None:
    (car,) = _booking(8).segments
    assert car.mode is Mode.CAR and car.distance_km is None
    assert "car hire: distance not in the export" in car.notes
    (hotel,) = _booking(9).segments
    assert hotel.mode is Mode.HOTEL
    assert (hotel.nights, hotel.origin) == (2, "Chicago")
    assert hotel.spend_amount == Decimal("598.00")


def test_rail_station_names_with_spaces_are_parsed_from_the_right() -> None:
    (train,) = _booking(10).segments
    assert train.mode is Mode.RAIL
    assert (train.origin, train.destination) == ("Madrid Puerta de Atocha", "Barcelona Sants")
    assert (train.carrier, train.service_number) == (None, "AVE03063")
    assert train.cabin is None


def test_missing_cabin_defaults_and_warns() -> None:
    records = _by_row()[11]
    assert _fields(records) == {("cabin", False)}
    (booking,) = [r for r in records if isinstance(r, BookingRecord)]
    assert booking.segments[0].cabin is Cabin.ECONOMY
    assert "cabin class missing: economy assumed" in booking.segments[0].notes


def test_unknown_airport_code_is_passed_through() -> None:
    (flight,) = _booking(12).segments
    assert flight.origin == "SFX"
    assert flight.distance_km is None


def test_malformed_start_date_rejects_the_booking() -> None:
    (problem,) = _by_row()[13]
    assert problem == RowProblem(
        13, "startDate", "not a valid date (expected YYYY-MM-DD): '2025-06-31'", "2025-06-31"
    )


def test_identify() -> None:
    connector = get_connector("navan")
    guard = XlsxGuard()
    assert connector.identify(head_of(SAMPLE, guard))
    assert connector.identify(head_of(FOLDER / "navan_bookings_utf16.csv", guard))
    concur = GOLDEN / "concur-itinerary" / "concur_itinerary_export.csv"
    assert not connector.identify(head_of(concur, guard))
    travelperk = GOLDEN / "travelperk" / "travelperk_trips_export.json"
    assert not connector.identify(head_of(travelperk, guard))
    assert "uuid" in connector.expected()


def test_chinese_names_in_gb18030() -> None:
    path = FOLDER / "navan_bookings_gb18030_chinese_names.csv"
    booking = _booking(2, path)
    assert booking.traveller.name == "张伟"
    assert booking.traveller.employee_number == "E1002"


# --- broken rows --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (2, {("segments", True)}),
        (3, {("segments", True)}),
        (4, {("bookingStatus", True)}),
        (5, {("bookingType", True)}),
        (6, {("lastModified", True)}),
        (10, {("passengers.person.employeedId", True)}),
        (12, {("endDate", True)}),
        (13, {("flightMiles", True)}),
        (14, {("cabin", True)}),
        (16, {("segments", True)}),
        (18, {("uuid", True)}),
        (20, {("segments", True)}),
    ],
)
def test_rejected_rows(row: int, expected: set[tuple[str, bool]]) -> None:
    records = _by_row(BROKEN)[row]
    assert _fields(records) == expected
    assert not any(isinstance(r, BookingRecord) for r in records)


def test_round_trip_with_connections_splits_at_the_destination() -> None:
    booking = _booking(7, BROKEN)
    assert [s.journey for s in booking.segments] == ["0", "0", "1", "1"]
    assert all(s.distance_km is None for s in booking.segments)


def test_rail_round_trip_without_codes_and_a_spaced_train_number() -> None:
    out, back = _booking(8, BROKEN).segments
    assert (out.origin, out.destination, out.service_number) == (
        "Berlin Hbf",
        "Hamburg Hbf",
        "ICE 702",
    )
    assert out.journey != back.journey
    assert any("trainMiles" in note for note in out.notes)


def test_transportation_is_a_taxi() -> None:
    (ride,) = _booking(9, BROKEN).segments
    assert ride.mode is Mode.TAXI
    assert (ride.origin, ride.destination) == ("Shanghai", "PVG")


def test_one_eticket_per_segment_and_multi_city_journeys() -> None:
    first, second = _booking(11, BROKEN).segments
    assert (first.ticket_number, second.ticket_number) == ("2202000011111", "2202000022222")
    assert first.journey != second.journey


def test_bad_grand_total_only_warns() -> None:
    records = _by_row(BROKEN)[15]
    assert _fields(records) == {("grandTotal", False)}
    assert _booking(15, BROKEN).segments[0].spend_amount is None


def test_voided_is_cancelled() -> None:
    assert _booking(17, BROKEN).segments[0].status is RecordStatus.CANCELLED


def test_segment_without_flight_number() -> None:
    segment = _booking(19, BROKEN).segments[0]
    assert (segment.carrier, segment.service_number) == (None, None)


def test_email_only_traveller_is_lower_cased() -> None:
    person = _booking(21, BROKEN).traveller
    assert (person.employee_number, person.email) == (None, "zhang.wei@example.com")


def test_xlsx_gives_the_same_records_as_csv(tmp_path: Path) -> None:
    workbook = tmp_path / "navan.xlsx"
    workbook.write_bytes(xlsx_of(SAMPLE))
    assert get_connector("navan").identify(head_of(workbook, XlsxGuard()))
    assert _extract(workbook) == _extract(SAMPLE)
