"""TravelPerk connector: the hard cases of the reference sample (§8.4), broken and huge files."""

from __future__ import annotations

import json
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from connectors import get_connector
from connectors.reading import UnreadableFile, XlsxGuard, head_of
from corp_carbon.domain.bookings import BookingRecord, Record, RecordStatus, RowProblem
from corp_carbon.domain.vocabulary import Cabin, Mode
from tests.connectors.golden import GOLDEN

FOLDER = GOLDEN / "travelperk"
SAMPLE = FOLDER / "travelperk_trips_export.json"
BROKEN = FOLDER / "travelperk_broken.json"


def _extract(path: Path = SAMPLE) -> list[Record]:
    return list(get_connector("travelperk").extract(path))


def _bookings(path: Path = SAMPLE) -> dict[str, BookingRecord]:
    return {r.key: r for r in _extract(path) if isinstance(r, BookingRecord)}


def _problems(path: Path = SAMPLE) -> list[RowProblem]:
    return [r for r in _extract(path) if isinstance(r, RowProblem)]


def test_one_record_per_booking_numbered_by_ordinal() -> None:
    bookings = _bookings()
    assert list(bookings) == [
        "90211",
        "90212",
        "90230",
        "90231",
        "90251",
        "90260",
        "90270",
        "90281",
        "90282",
        "90301",
        "90302",
    ]  # 90261 (2025-06-31) is rejected
    assert bookings["90211"].row == 1
    assert bookings["90302"].row == 12


def test_round_trip_flight_is_two_journeys_with_coordinates_and_cabin() -> None:
    booking = _bookings()["90211"]
    out, back = booking.segments
    assert [s.key for s in booking.segments] == ["0.0", "1.0"]
    assert out.journey != back.journey
    assert (out.origin, out.destination, out.carrier, out.service_number) == (
        "BER",
        "LHR",
        "BA",
        "983",
    )
    assert out.origin_lat == Decimal("52.362170")
    assert out.destination_lon == Decimal("-0.461940")
    assert out.cabin is Cabin.ECONOMY  # from the exporter's GreenPerk query
    assert (out.spend_amount, out.spend_currency) == (Decimal("286.40"), "EUR")
    assert back.spend_amount is None
    assert booking.record_locator == "K7TQ2M"
    assert booking.traveller.employee_number == "E1001"
    assert out.distance_km is None


def test_connection_inside_a_leg_is_one_journey() -> None:
    first, second, back = _bookings()["90301"].segments
    assert first.journey == second.journey != back.journey
    assert (first.origin, second.destination) == ("BER", "LIS")
    assert [s.key for s in (first, second, back)] == ["0.0", "0.1", "1.0"]


def test_rail_by_station_names_without_coordinates() -> None:
    out, back = _bookings()["90230"].segments
    assert out.mode is back.mode is Mode.RAIL
    assert (out.origin, out.destination) == ("Berlin Hbf", "Hamburg Hbf")
    assert out.origin_lat is None and out.origin_lon is None  # "" is no coordinate
    assert (out.carrier, out.service_number) == (None, "ICE 702")
    assert out.cabin is None
    assert _bookings()["90230"].record_locator == "ZK4M7Q"


def test_hotel_nights_place_and_numeric_coordinates() -> None:
    (hotel,) = _bookings()["90231"].segments
    assert hotel.mode is Mode.HOTEL
    assert (hotel.nights, hotel.origin) == (1, "Hamburg")
    assert hotel.origin_lat == Decimal("53.556600")
    assert hotel.spend_amount == Decimal("134.00")


def test_unknown_airport_keeps_code_and_coordinates_and_missing_cabin_warns() -> None:
    booking = _bookings()["90251"]
    (flight,) = booking.segments
    assert flight.destination == "XQZ"
    assert (flight.destination_lat, flight.destination_lon) == (
        Decimal("46.460200"),
        Decimal("11.326400"),
    )
    assert flight.cabin is Cabin.ECONOMY
    assert "cabin class missing: economy assumed" in flight.notes
    assert booking.traveller.employee_number is None  # external_id null: matched by email
    assert booking.traveller.email == "juergen.weiss@example.com"
    warnings = [p for p in _problems() if p.row == booking.row]
    assert [(p.field, p.rejected) for p in warnings] == [
        ("trips[2].bookings[0].legs[0].segments[0].cabin", False)
    ]


def test_malformed_date_rejects_the_booking_with_its_json_path() -> None:
    rejected = [p for p in _problems() if p.rejected]
    assert rejected == [
        RowProblem(
            row=7,
            field="trips[3].bookings[1].start",
            reason="not a valid date (expected YYYY-MM-DD): '2025-06-31T09:00:00+00:00'",
            value="2025-06-31T09:00:00+00:00",
        )
    ]


def test_cancelled_booking_nets_its_refund() -> None:
    (flight,) = _bookings()["90270"].segments
    assert flight.status is RecordStatus.CANCELLED
    assert (flight.spend_amount, flight.spend_currency) == (Decimal("0.00"), "EUR")


def test_exchange_pair_cancelled_and_ticketed() -> None:
    bookings = _bookings()
    assert bookings["90281"].segments[0].status is RecordStatus.CANCELLED
    assert bookings["90282"].segments[0].status is RecordStatus.CONFIRMED
    assert bookings["90282"].segments[0].spend_amount == Decimal("171.50")
    assert bookings["90281"].record_locator == bookings["90282"].record_locator == "L7MM3X"


def test_modified_at_is_the_booking_modified() -> None:
    modified = _bookings()["90212"].modified_at
    assert modified is not None and modified.isoformat() == "2025-04-02T09:14:02.551900+00:00"


def test_identify() -> None:
    connector = get_connector("travelperk")
    guard = XlsxGuard()
    assert connector.identify(head_of(SAMPLE, guard))
    assert connector.identify(head_of(FOLDER / "travelperk_utf16.json", guard))
    assert not connector.identify(head_of(GOLDEN / "navan" / "navan_bookings_export.csv", guard))
    concur = GOLDEN / "concur-itinerary" / "concur_itinerary_export.csv"
    assert not connector.identify(head_of(concur, guard))
    assert "trips" in connector.expected()


# --- broken input -------------------------------------------------------------------------


def _broken_fields() -> dict[int, set[tuple[str, bool]]]:
    found: dict[int, set[tuple[str, bool]]] = {}
    for problem in _problems(BROKEN):
        found.setdefault(problem.row, set()).add((problem.field, problem.rejected))
    return found


def test_broken_trips_and_bookings_become_problems() -> None:
    fields = _broken_fields()
    where = "trips[1].bookings"
    assert fields[1] == {("trips[0]", True), (f"{where}[0]", True)}
    assert fields[2] == {(f"{where}[1].type", False)}
    assert fields[3] == {(f"{where}[2].status", True)}
    assert fields[4] == {(f"{where}[3].legs", True)}
    assert fields[5] == {(f"{where}[4].legs[0].segments[0].origin.location.iata_code", True)}
    assert fields[6] == {(f"{where}[5].legs[0].segments[0].origin.location.latitude", True)}
    assert fields[7] == {(f"{where}[6].invoice_lines", False)}
    assert fields[10] == {(f"{where}[9].legs[0].segments[0].origin.location", True)}
    assert (f"{where}[10].legs[0].segments[0].external_id", True) in fields[11]
    assert fields[12] == {(f"{where}[11].invoice_lines[0].total_amount", False)}
    assert fields[13] == {(f"{where}[12].legs[0].segments", True)}
    assert fields[14] == {("trips[2].travelers[0].external_id", True)}


def test_broken_file_still_yields_the_good_bookings() -> None:
    bookings = _bookings(BROKEN)
    assert set(bookings) == {"12345", "B8", "B9", "B12", "B30"}
    hotel = bookings["12345"]
    assert hotel.record_locator == "778899"
    assert hotel.traveller.employee_number == "1001"
    assert hotel.traveller.email == "zoe.mueller@example.com"
    assert hotel.segments[0].spend_amount is None  # EUR + CHF: not summed
    (car,) = bookings["B8"].segments
    assert (car.mode, car.origin, car.destination) == (Mode.CAR, "MUC", "MUC")
    assert car.origin_lat == Decimal("48.350000")
    (train,) = bookings["B9"].segments
    assert (train.origin, train.destination) == (
        "London St Pancras International",
        "Paris Gare du Nord",
    )
    assert bookings["B12"].segments[0].cabin is Cabin.BUSINESS
    assert bookings["B30"].segments[0].status is RecordStatus.CANCELLED  # trip cancelled


@pytest.mark.parametrize(
    "text",
    ['{"trips": [{"id": "1", "bookings": [', '{"trips": [}', "not json at all"],
)
def test_broken_json_is_an_unreadable_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"export\.json"):
        _extract(path)


def test_extract_streams_in_constant_memory(tmp_path: Path) -> None:
    trip = json.loads(SAMPLE.read_text(encoding="utf-8"))["trips"][0]
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"trips": [')
        for number in range(3_000):
            fh.write(("," if number else "") + json.dumps(trip, ensure_ascii=False))
        fh.write("]}")
    tracemalloc.start()
    try:
        count = sum(1 for r in get_connector("travelperk").extract(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 6_000
    size = path.stat().st_size
    assert peak < min(4_000_000, size / 2), f"peak {peak} bytes for {size}: trips are held"
