"""From a commute-survey answer to the monthly commute trips it implies
(``corp_carbon.domain.commutes``), without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corp_carbon.domain.bookings import CommuteLeg, CommuteResponse, Traveller
from corp_carbon.domain.commutes import CAR_MODES, expected_commutes
from corp_carbon.domain.vocabulary import ActivityKind, DistanceSource, Fuel, Mode

COMMUTE_MODES = [m for m in Mode if m not in (Mode.AIR, Mode.HOTEL)]


@st.composite
def legs(draw: st.DrawFn) -> tuple[CommuteLeg, ...]:
    """Up to three modes whose shares add up to 100 %."""
    modes = draw(st.lists(st.sampled_from(COMMUTE_MODES), min_size=1, max_size=3, unique=True))
    cuts = sorted(
        draw(
            st.lists(
                st.integers(1, 99), min_size=len(modes) - 1, max_size=len(modes) - 1, unique=True
            )
        )
    )
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return tuple(CommuteLeg(mode, share) for mode, share in zip(modes, shares, strict=True))


TRAVELLERS = st.builds(
    Traveller,
    employee_number=st.sampled_from([None, "E1001"]),
    email=st.sampled_from([None, "Zoe.Mueller@Example.com"]),
)
RESPONSES = st.builds(
    CommuteResponse,
    key=st.just("answer-1"),
    row=st.integers(1, 500),
    traveller=TRAVELLERS,
    submitted_at=st.datetimes(datetime(2023, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    office=st.none(),
    one_way_km=st.one_of(st.none(), st.decimals(0, 200, places=1)),
    distance_source=st.sampled_from(list(DistanceSource)),
    legs=legs(),
    office_days_per_week=st.integers(0, 7),
    remote_days_per_week=st.integers(0, 5),
    weeks_per_year=st.integers(0, 52),
    car_fuel=st.sampled_from([None, *Fuel]),
    car_occupants=st.one_of(st.none(), st.integers(1, 6)),
)
MONTHS = st.integers(1, 24)


def _month_after(first: date, offset: int) -> date:
    index = first.year * 12 + first.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


@given(RESPONSES, MONTHS)
def test_an_answer_gives_one_booking_a_month_from_the_month_it_was_given(
    response: CommuteResponse, months: int
) -> None:
    bookings = expected_commutes(response, months)
    first = response.submitted_at.date().replace(day=1)
    assert len({booking.key for booking in bookings}) == len(bookings) == months
    for offset, booking in enumerate(bookings):
        assert len(booking.segments) == len(response.legs)
        assert {s.travel_date for s in booking.segments} == {_month_after(first, offset)}
        assert booking.key.endswith(f"{_month_after(first, offset):%Y-%m}")


@given(RESPONSES, MONTHS)
def test_a_fully_remote_answer_still_covers_its_months_with_no_trips(
    response: CommuteResponse, months: int
) -> None:
    bookings = expected_commutes(replace(response, legs=()), months)
    assert len(bookings) == months
    assert all(booking.segments == () for booking in bookings)


@given(RESPONSES, MONTHS)
def test_each_month_carries_its_share_of_the_years_commuting(
    response: CommuteResponse, months: int
) -> None:
    """One-way km x 2 x office days a week x weeks a year / 12, split by the modes' shares
    (each rounded to the metre)."""
    one_way = response.one_way_km or Decimal(0)
    month_km = one_way * 2 * response.office_days_per_week * response.weeks_per_year / 12
    for booking in expected_commutes(response, months):
        total = sum(segment.distance_km or Decimal(0) for segment in booking.segments)
        assert abs(total - month_km) <= Decimal("0.0005") * len(booking.segments)
        for segment, leg in zip(booking.segments, response.legs, strict=True):
            assert segment.mode is leg.mode
            assert segment.kind is ActivityKind.COMMUTE
            assert segment.distance_km is not None and segment.distance_km >= 0


@given(RESPONSES)
def test_only_car_modes_carry_the_fuel_and_the_car_sharers(response: CommuteResponse) -> None:
    for segment in expected_commutes(response, 1)[0].segments:
        if segment.mode in CAR_MODES:
            assert segment.fuel == response.car_fuel
            assert segment.occupants == (response.car_occupants or 1)
        else:
            assert segment.fuel is None and segment.occupants == 1


@given(RESPONSES, st.integers(1, 11), MONTHS)
def test_a_later_answer_replaces_only_its_own_months_onwards(
    response: CommuteResponse, later_by: int, months: int
) -> None:
    """Bookings are keyed by traveller and month, so a later answer re-sends the months from
    its own on and leaves the earlier months as the earlier answer said."""
    later_month = _month_after(response.submitted_at.date().replace(day=1), later_by)
    submitted = datetime(later_month.year, later_month.month, 15, tzinfo=UTC)
    later = expected_commutes(replace(response, submitted_at=submitted), months)
    earlier_keys = {b.key for b in expected_commutes(response, later_by)}
    assert earlier_keys.isdisjoint(b.key for b in later)
    assert later[0].key.endswith(f"{later_month:%Y-%m}")


@pytest.mark.parametrize(
    ("number", "email", "named"),
    [
        ("E1001", "Zoe.Mueller@Example.com", "E1001"),
        (None, "Zoe.Mueller@Example.com", "zoe.mueller@example.com"),
        (None, None, "answer-1"),
    ],
)
def test_the_traveller_is_named_by_employee_number_then_email(
    number: str | None, email: str | None, named: str
) -> None:
    response = CommuteResponse(
        key="answer-1",
        row=2,
        traveller=Traveller(employee_number=number, email=email),
        submitted_at=datetime(2025, 3, 10, tzinfo=UTC),
        office=None,
        one_way_km=Decimal(12),
        distance_source=DistanceSource.DECLARED,
        legs=(CommuteLeg(Mode.BIKE, 100),),
        office_days_per_week=3,
        remote_days_per_week=2,
        weeks_per_year=46,
    )
    assert [b.key for b in expected_commutes(response, 2)] == [
        f"commute:{named}:2025-03",
        f"commute:{named}:2025-04",
    ]
