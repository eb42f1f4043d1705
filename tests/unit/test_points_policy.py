"""The points policy, the travel policy and rail classes: what a traveller would notice."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corp_carbon.catalogue import load_catalogue
from corp_carbon.domain.methodology import Methodology, methodology_from_parameters
from corp_carbon.domain.scoring.caps import PointCaps
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.policy import CapPeriod, PolicyError, parse_policy
from corp_carbon.domain.scoring.values import Trip
from corp_carbon.domain.travel_policy import Entitlement
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, DistanceSource, Mode

CATALOGUE = load_catalogue()
BALANCED = CATALOGUE.points_policies["balanced-2026"]
DIRECTORS_FLY_BUSINESS = (
    Entitlement(Mode.AIR, Cabin.BUSINESS, grades=("director",)),
    Entitlement(Mode.RAIL, Cabin.FIRST, grades=("director",)),
)
POLICY = Methodology(
    factor_set="desnz-2024",
    points_rule=BALANCED.id,
    points_policy=BALANCED,
    travel_policy=DIRECTORS_FLY_BUSINESS,
    airport_max_km=Decimal(100),
    new_commute_months=12,
    rail_class_space={"standard": Decimal(1), "first": Decimal("1.5"), "sleeper": Decimal(2)},
)


def scorer(methodology: Methodology = POLICY) -> Scorer:
    return Scorer(methodology, CATALOGUE.factor_sets, CATALOGUE.rate_cards)


def long_haul(cabin: Cabin, grade: str | None) -> Trip:
    return Trip(
        mode=Mode.AIR,
        distance_km=Decimal("5539.837"),
        distance_source=DistanceSource.COMPUTED,
        cabin=cabin,
        origin_country="GB",
        destination_country="US",
        grade=grade,
    )


def train(cabin: Cabin | None, grade: str | None = None, airport_km: str = "20") -> Trip:
    return Trip(
        mode=Mode.RAIL,
        distance_km=Decimal("495"),
        cabin=cabin,
        origin_country="GB",
        destination_country="FR",
        route_km=Decimal("344"),
        grade=grade,
        origin_airport_km=Decimal(airport_km),
        destination_airport_km=Decimal("25"),
    )


def bike(on: date, since: date | None = None, km: str = "5") -> Trip:
    return Trip(
        mode=Mode.BIKE,
        kind=ActivityKind.COMMUTE,
        distance_km=Decimal(km),
        declared_mode=Mode.CAR,
        usual_mode=Mode.BIKE,
        usual_since=since,
        travel_date=on,
    )


# -- credible baselines ---------------------------------------------------------------------


def test_economy_earns_cabin_credit_only_for_a_traveller_entitled_to_business() -> None:
    director = scorer().assess(long_haul(Cabin.ECONOMY, "director"))
    staff = scorer().assess(long_haul(Cabin.ECONOMY, "staff"))
    unknown = scorer().assess(long_haul(Cabin.ECONOMY, None))
    assert director.baseline is not None and director.baseline.code == "business_class"
    assert "the travel policy allows business class to grade director" in director.baseline.reason
    assert director.points == 300  # 0.5 points per kg, cut by the per-trip cap
    assert director.trip_cap == "per_trip:lower_class"
    assert director.uncapped_points == round(director.avoided_kg_co2e / 2) > 300
    assert staff.baseline is None and staff.points == 0
    assert "allows you economy on this trip: no class credit" in staff.no_baseline_reason
    assert unknown.points == 0
    assert "no travel-policy grade is recorded for you" in unknown.no_baseline_reason


def test_premium_economy_is_credited_only_against_business() -> None:
    methodology = replace(
        POLICY, travel_policy=(Entitlement(Mode.AIR, Cabin.FIRST, grades=("director",)),)
    )
    first = scorer(methodology).assess(long_haul(Cabin.PREMIUM_ECONOMY, "director"))
    assert first.baseline is None
    assert "only against a business-class entitlement" in first.no_baseline_reason
    business = scorer().assess(long_haul(Cabin.PREMIUM_ECONOMY, "director"))
    assert business.baseline is not None and business.points > 0


def test_a_first_class_seat_carries_one_and_a_half_standard_seats() -> None:
    standard = scorer().assess(replace(train(Cabin.STANDARD), route_km=Decimal(100)))
    first = scorer().assess(replace(train(Cabin.FIRST), route_km=Decimal(100)))
    sleeper = scorer().assess(replace(train(Cabin.SLEEPER), route_km=Decimal(100)))
    assert first.kg_co2e == (standard.kg_co2e * Decimal("1.5")).quantize(Decimal("0.001"))
    assert abs(sleeper.kg_co2e - standard.kg_co2e * 2) <= Decimal("0.001")
    assert first.actual.factor is not None
    assert "a first-class seat: 1.5 x a standard seat's space" in first.actual.factor.derivation


def test_standard_class_is_credited_against_first_only_for_an_entitled_traveller() -> None:
    near = replace(  # a domestic train, under the band where a flight is the alternative
        train(Cabin.STANDARD, "director"), route_km=Decimal(100), destination_country="GB"
    )
    credited = scorer().assess(near)
    assert credited.baseline is not None and credited.baseline.code == "entitled_class"
    assert credited.behaviour == "lower_class"
    assert scorer().score(near).points == credited.points > 0
    assert scorer().assess(replace(near, grade="staff")).points == 0


def test_rail_beats_a_flight_only_with_an_airport_near_both_ends() -> None:
    near = scorer().assess(train(Cabin.STANDARD))
    assert near.baseline is not None and near.baseline.code == "economy_flight"
    assert near.behaviour == "rail_over_flight"
    far = scorer().assess(train(Cabin.STANDARD, airport_km="180"))
    assert far.baseline is None
    assert "180 km away, more than 100 km" in far.no_baseline_reason
    assert scorer().score(train(Cabin.STANDARD, airport_km="180")).points == 0


def test_a_new_usual_commute_earns_for_twelve_months_then_is_the_baseline() -> None:
    switched = date(2025, 3, 31)
    personal = scorer(replace(POLICY, additionality="personal"))
    within = personal.assess(bike(date(2026, 3, 30), switched))
    after = personal.assess(bike(date(2026, 3, 31), switched))
    assert within.points > 0 and within.baseline is not None
    assert "you switched from car to bicycle on 31 March 2025" in within.baseline.reason
    assert after.points == 0 and after.baseline is None
    assert "after 12 months it is your usual commute" in after.no_baseline_reason
    assert personal.score(bike(date(2026, 3, 31), switched)).points == 0
    assert personal.score(bike(date(2026, 3, 30), switched)).points == within.points
    # the company's reference baseline (driving alone) does not expire
    assert scorer().score(bike(date(2026, 3, 31), switched)).points > 0


def test_a_five_km_cycle_to_work_for_a_year_outearns_six_long_haul_cabin_credits() -> None:
    """The issue's fairness rule, on the shipped default policy."""
    reference = replace(POLICY, additionality="reference")
    trip = scorer(reference).assess(bike(date(2026, 5, 4), km="5"))
    year = trip.points * 400  # 5 km each way on 200 days
    cabin = scorer(reference).assess(long_haul(Cabin.ECONOMY, "director")).points
    assert year >= 6 * cabin, (year, cabin)


def test_wuhan_bus_trip_is_reproducible_as_reported() -> None:
    wuhan = replace(POLICY, points_rule="wuhan-2024", points_policy=None)
    bus = Trip(mode=Mode.BUS, kind=ActivityKind.COMMUTE, distance_km=Decimal(7))
    result = scorer(wuhan).assess(bus)
    assert result.rate is not None and result.rate.grams == Decimal("212.5")
    assert result.rate.per == "trip" and "unverified" in result.rate.label
    assert result.points == 213  # whole points: 212.5 g rounded half up


# -- the policy as data ---------------------------------------------------------------------


def test_the_policy_is_stored_with_the_version_and_read_back_whole() -> None:
    stored = methodology_from_parameters(7, POLICY.parameters())
    assert stored == replace(POLICY, version=7)
    assert not POLICY.same_policy(replace(POLICY, points_policy=replace(BALANCED, caps=())))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "x", "rates": [{"behaviour": "flying", "points": "1", "per": "kg"}]},
         "rate 1: behaviour 'flying': accepted: commute_walk"),
        ({"id": "x", "rates": [{"behaviour": "car_pool", "points": "1", "per": "mile"}]},
         "rate 1: per 'mile': accepted: kg, km, trip"),
        ({"id": "x", "rates": [{"behaviour": "car_pool", "points": 0.5, "per": "kg"}]},
         "written as a float"),
        ({"id": "x", "caps": [{"period": "week", "points": 5}]},
         "cap 1: period 'week': accepted: trip, day, month, year"),
    ],
)  # fmt: skip
def test_a_bad_policy_names_the_entry_and_what_is_accepted(data: dict, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(data, "points-policy-x.toml")


# -- properties -----------------------------------------------------------------------------

behaviours = st.sampled_from(["commute_bike", "commute_bus", "rail_over_flight", "lower_class"])
kgs = st.decimals(min_value=0, max_value=5000, places=3)


@settings(max_examples=200, deadline=None)
@given(behaviours, kgs, kgs)
def test_points_are_never_negative_and_grow_with_avoided_kg_up_to_the_cap(
    behaviour: str, a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    points_low = BALANCED.trip_cap(behaviour, BALANCED.points(behaviour, low, None))[0]
    points_high = BALANCED.trip_cap(behaviour, BALANCED.points(behaviour, high, None))[0]
    assert 0 <= points_low <= points_high
    caps = [c.points for c in BALANCED.caps_for(CapPeriod.TRIP) if c.behaviour == behaviour]
    assert all(points_high <= cap for cap in caps)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 3),
            st.dates(date(2026, 1, 1), date(2026, 3, 31)),
            behaviours,
            st.integers(0, 5000),
        ),
        max_size=60,
    )
)
def test_period_caps_are_never_exceeded(
    earnings: list[tuple[int, date, str, int]],
) -> None:
    caps = PointCaps(BALANCED)
    given_out: dict[tuple[int, tuple[int, ...]], int] = {}
    for employee, day, behaviour, points in earnings:
        admitted = caps.admit(employee, day, behaviour, points)
        assert 0 <= admitted.points <= points
        assert (admitted.cap is None) == (admitted.points == points)
        month = (employee, (day.year, day.month))
        given_out[month] = given_out.get(month, 0) + admitted.points
    monthly = next(c.points for c in BALANCED.caps if c.period is CapPeriod.MONTH)
    assert all(total <= monthly for total in given_out.values())


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([Cabin.ECONOMY, Cabin.PREMIUM_ECONOMY]), st.sampled_from([None, "staff"]))
def test_no_cabin_credit_without_an_entitlement(cabin: Cabin, grade: str | None) -> None:
    assert scorer().assess(long_haul(cabin, grade)).points == 0
    assert scorer().score(long_haul(cabin, grade)).points == 0
