"""How the same trip is recognised across sources and inside a booking, and a material change
told from a re-send (``corp_carbon.domain.matching``), without a database."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from corp_carbon.domain.bookings import Segment
from corp_carbon.domain.matching import (
    MATERIAL,
    match_key,
    record_hash,
    same_trip,
    segment_identity,
    service_id,
)
from corp_carbon.domain.vocabulary import Cabin, Mode

#: place names as sources spell them: letters (some accented), digits, spaces and dashes.
PLACES = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzéüñåçøABCDEFGHIJKLMNOPQRSTUVWXYZ0123 -",
    min_size=1,
    max_size=20,
).filter(lambda text: any(c.isalnum() for c in text))
DATES = st.dates(date(2020, 1, 1), date(2030, 12, 31))
MODES = st.sampled_from(list(Mode))
EMPLOYEES = st.integers(1, 10**6)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def _respelt(text: str) -> str:
    """The same place as another source writes it: capitals, decomposed accents, dashes."""
    return unicodedata.normalize("NFD", text.upper()).replace(" ", "-")


# --- the cross-source match key ----------------------------------------------------------------


@given(EMPLOYEES, DATES, MODES, PLACES, PLACES)
def test_the_same_trip_from_two_sources_gets_the_same_key(
    employee: int, day: date, mode: Mode, origin: str, destination: str
) -> None:
    key = match_key(employee, day, mode, origin, destination)
    assert key == match_key(employee, day, mode, _respelt(origin), f" {destination.lower()} ")
    assert len(key) == 32 and int(key, 16) >= 0


@given(EMPLOYEES, DATES, MODES, PLACES, PLACES)
def test_the_way_back_is_another_trip(
    employee: int, day: date, mode: Mode, origin: str, destination: str
) -> None:
    assume(_fold(origin) != _fold(destination))
    assert match_key(employee, day, mode, origin, destination) != match_key(
        employee, day, mode, destination, origin
    )


@given(EMPLOYEES, DATES, MODES, PLACES, PLACES, st.data())
def test_another_traveller_day_or_mode_is_another_trip(
    employee: int, day: date, mode: Mode, origin: str, destination: str, data: st.DataObject
) -> None:
    key = match_key(employee, day, mode, origin, destination)
    other_employee = data.draw(EMPLOYEES.filter(lambda e: e != employee))
    other_day = data.draw(DATES.filter(lambda d: d != day))
    other_mode = data.draw(MODES.filter(lambda m: m != mode))
    assert match_key(other_employee, day, mode, origin, destination) != key
    assert match_key(employee, other_day, mode, origin, destination) != key
    assert match_key(employee, day, other_mode, origin, destination) != key


# --- carrier and service number ----------------------------------------------------------------


@given(st.sampled_from(["LH", "BA", "ICE", "DB"]), st.integers(1, 9999), st.integers(0, 3))
def test_a_service_number_matches_however_it_is_padded_or_spaced(
    carrier: str, number: int, zeros: int
) -> None:
    padded = "0" * zeros + str(number)
    assert service_id(carrier, padded) == service_id(carrier.lower(), f" {number}")


@given(st.text(max_size=6), st.text(max_size=6), st.text(max_size=6), st.text(max_size=6))
def test_same_trip_is_symmetric(
    a_service: str, a_ticket: str, b_service: str, b_ticket: str
) -> None:
    assert same_trip(a_service, a_ticket, b_service, b_ticket) == same_trip(
        b_service, b_ticket, a_service, a_ticket
    )


@given(st.text(min_size=1, max_size=6), st.text(min_size=1, max_size=6), st.text(max_size=6))
def test_two_named_services_decide_and_a_manual_entry_matches_either(
    a_service: str, b_service: str, ticket: str
) -> None:
    assert same_trip(a_service, ticket, b_service, ticket) == (a_service == b_service)
    assert same_trip(a_service, ticket, "", None)  # a manual entry names no service or ticket


# --- identity inside one booking ---------------------------------------------------------------

SEGMENTS = st.builds(
    Segment,
    key=st.text(max_size=4),
    mode=MODES,
    travel_date=DATES,
    origin=PLACES,
    destination=PLACES,
    carrier=st.sampled_from([None, "LH", "BA"]),
    service_number=st.sampled_from([None, "729", "0042"]),
    ticket_number=st.sampled_from([None, "2201234567890"]),
    cabin=st.sampled_from([None, *Cabin]),
    distance_km=st.decimals(1, 20_000, places=1),
    notes=st.lists(st.text(max_size=10), max_size=2).map(tuple),
)


@given(SEGMENTS, st.text(max_size=4), st.text(max_size=10))
def test_a_repeated_row_is_one_segment(segment: Segment, key: str, note: str) -> None:
    repeat = replace(segment, key=key, origin=_respelt(segment.origin or ""), notes=(note,))
    assert segment_identity(repeat) == segment_identity(segment)


@given(SEGMENTS)
def test_a_return_on_the_same_route_stays_a_leg(segment: Segment) -> None:
    assume(_fold(segment.origin or "") != _fold(segment.destination or ""))
    back = replace(segment, origin=segment.destination, destination=segment.origin)
    assert segment_identity(back) != segment_identity(segment)


# --- a material change against a re-send ------------------------------------------------------


@given(SEGMENTS, EMPLOYEES, st.text(max_size=10))
def test_a_new_note_is_a_change_but_not_a_material_one(
    segment: Segment, employee: int, note: str
) -> None:
    assume((note,) != segment.notes)
    before, after = (
        record_hash(segment, employee),
        record_hash(replace(segment, notes=(note,)), employee),
    )
    assert before != after
    assert before[32:] == after[32:]


@given(SEGMENTS, EMPLOYEES, st.decimals(1, 20_000, places=2), st.sampled_from(list(Cabin)))
def test_a_new_distance_or_cabin_is_a_material_change(
    segment: Segment, employee: int, km: Decimal, cabin: Cabin
) -> None:
    digest = record_hash(segment, employee)
    if km != segment.distance_km:
        assert record_hash(replace(segment, distance_km=km), employee)[32:] != digest[32:]
    if cabin != segment.cabin:
        assert record_hash(replace(segment, cabin=cabin), employee)[32:] != digest[32:]


@given(SEGMENTS, EMPLOYEES)
def test_stored_hashes_stay_comparable_across_releases(segment: Segment, employee: int) -> None:
    """Each half is the SHA-256 of the repr of (employee, fields...): what earlier releases
    stored, so a re-send after an upgrade is still recognised as unchanged."""
    everything = (employee, *(getattr(segment, f.name) for f in fields(Segment)))
    material = (employee, *(getattr(segment, name) for name in MATERIAL))
    digest = record_hash(segment, employee)
    assert digest[:32] == hashlib.sha256(repr(everything).encode()).hexdigest()[:32]
    assert digest[32:] == hashlib.sha256(repr(material).encode()).hexdigest()[:32]
