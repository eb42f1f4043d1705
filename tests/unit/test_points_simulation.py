"""The simulator's figures: caps applied in recorded order as crediting applies them, money
in Decimal, departments too small to show merged, and (property) never a negative total nor
a cap exceeded by anyone in any period."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.points_simulation import SimulatedTrip, Terms, simulate
from corp_carbon.domain.scoring.policy import CapPeriod, parse_policy
from tests import simulation_fixture as fx

POLICY = parse_policy(tomllib.loads(fx.POLICY_TOML), "test policy")
METHODOLOGY = Methodology(points_rule=POLICY.id, points_policy=POLICY)
TERMS = Terms(POLICY.id, POLICY.title, fx.FIRST, fx.LAST, fx.POINT_VALUE, "EUR", fx.MIN_GROUP_SIZE)
EMPLOYEE_IDS = {key: n for n, key in enumerate(sorted(fx.DEPARTMENTS), start=1)}
BEHAVIOUR = {"bike": "commute_bike", "bus": "commute_bus", "walk": "commute_walk"}


def _scored(commute: fx.Commute) -> SimulatedTrip:
    """What the scorer gives each fixture trip: points before the day and month caps;
    1 kg avoided per km (so the cost per tonne is easy to check)."""
    km = Decimal(commute.km)
    behaviour = BEHAVIOUR.get(commute.mode)
    points = 100 if commute.mode == "bike" else 30 if commute.mode == "bus" else 50
    trip_cap, uncapped = None, None
    if commute.mode == "car":
        behaviour = "electric_car" if commute.fuel == "bev" else None
        points = 30 if behaviour else 0
        trip_cap, uncapped = ("per_trip:electric_car", 40) if behaviour else (None, None)
    return SimulatedTrip(
        employee=EMPLOYEE_IDS[commute.employee],
        department=fx.DEPARTMENTS[commute.employee],
        day=date(2026, 3, commute.day),
        behaviour=behaviour,
        points=points,
        avoided_kg=km if points else Decimal(0),
        commute=True,
        trip_cap=trip_cap,
        uncapped_points=uncapped,
    )


def test_the_fixture_period_gives_the_golden_figures() -> None:
    result = simulate([_scored(c) for c in fx.COMMUTES], METHODOLOGY, TERMS)
    assert (result.points, result.money) == (fx.POINTS, Decimal("5.70"))
    assert (result.trips, result.credited_trips) == (12, 10)
    assert (result.employees, result.earners) == (7, 6)
    assert [(b.behaviour, b.points, str(b.share)) for b in result.by_behaviour] == fx.BY_BEHAVIOUR
    shown = [(d.department, d.employees, d.points, str(d.share)) for d in result.by_department]
    assert shown[:-1] == fx.BY_DEPARTMENT
    other = result.by_department[-1]
    assert other.other and (other.employees, other.points, str(other.share)) == fx.OTHER_DEPARTMENTS
    assert (result.top_tenth_employees, str(result.top_tenth_share)) == (1, fx.TOP_TENTH_SHARE)
    assert (result.median_points, result.max_points) == (fx.MEDIAN, 300)
    assert [(c.cap, c.points, c.trips) for c in result.capped] == fx.CAPPED
    assert result.capped_points == 210
    assert result.points_per_employee_year == fx.PER_EMPLOYEE_YEAR
    assert result.money_per_employee_year == fx.MONEY_PER_EMPLOYEE_YEAR
    # the trips that earned avoided 5+5+5+5 (A) + 8+8 (B) + 2 (C) + 20 (D) + 5 (G) + 8 (H) kg
    assert result.avoided_kg == Decimal(71)
    assert result.cost_per_tonne == Decimal("80.28")  # EUR 5.70 / 0.071 t


def test_the_same_trips_in_another_order_are_capped_in_that_order() -> None:
    """Crediting counts trips as they were recorded: whichever comes first earns."""
    first = _scored(fx.Commute("A", "walk", "2", 2))
    later = [_scored(fx.Commute("A", "bike", "5", 2)), _scored(fx.Commute("A", "bike", "5", 2))]
    one = simulate([first, *later], METHODOLOGY, TERMS)
    other = simulate([*later, first], METHODOLOGY, TERMS)
    assert [(b.behaviour, b.points) for b in one.by_behaviour] == [
        ("commute_bike", 100),
        ("commute_walk", 50),
    ]
    assert [(b.behaviour, b.points) for b in other.by_behaviour] == [("commute_bike", 150)]


def test_nothing_to_simulate_is_zero_everywhere_not_an_error() -> None:
    result = simulate([], METHODOLOGY, TERMS)
    assert (result.points, result.employees, result.median_points, result.max_points) == (
        0,
        0,
        0,
        0,
    )
    assert result.cost_per_tonne is None and result.top_tenth_share == Decimal("0.0")
    assert result.to_json()["cost_per_tonne"] is None


def test_an_odd_count_of_employees_has_the_middle_one_as_median_an_even_the_mean() -> None:
    trips = [
        SimulatedTrip(n, "X", date(2026, 3, 2), "commute_bus", p, Decimal(1))
        for n, p in enumerate((10, 20, 35, 40), start=1)
    ]
    assert simulate(trips, METHODOLOGY, TERMS).median_points == Decimal("27.5")
    assert simulate(trips[:3], METHODOLOGY, TERMS).median_points == 20


# --- properties ---------------------------------------------------------------------------------

BEHAVIOURS = ["commute_bike", "commute_bus", "electric_car", "rail_over_flight", None]
#: the fixture's caps (per day for all, per month for cycling) and a year cap for all and a
#: day cap for one behaviour.
PROPERTY_POLICY = parse_policy(
    tomllib.loads(
        fx.POLICY_TOML
        + '[[caps]]\nperiod = "year"\nbehaviour = "all"\npoints = 3000\n'
        + '[[caps]]\nperiod = "day"\nbehaviour = "commute_bus"\npoints = 60\n'
    ),
    "property policy",
)
PROPERTY_METHODOLOGY = Methodology(points_rule=PROPERTY_POLICY.id, points_policy=PROPERTY_POLICY)


def _period(day: date, period: CapPeriod) -> tuple[int, ...]:
    if period is CapPeriod.DAY:
        return (day.year, day.month, day.day)
    return (day.year, day.month) if period is CapPeriod.MONTH else (day.year,)


trips_strategy = st.lists(
    st.builds(
        SimulatedTrip,
        employee=st.integers(1, 4),
        department=st.sampled_from(["A", "B", None]),
        day=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
        behaviour=st.sampled_from(BEHAVIOURS),
        points=st.integers(-50, 2_000),
        avoided_kg=st.decimals(0, 500, places=3),
        commute=st.booleans(),
        self_reported=st.booleans(),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(trips=trips_strategy)
def test_points_are_never_negative_and_no_cap_is_exceeded(trips: list[SimulatedTrip]) -> None:
    result = simulate(trips, PROPERTY_METHODOLOGY, TERMS)
    assert result.points >= 0 and result.money >= 0
    assert all(b.points > 0 for b in result.by_behaviour)
    # replay what was credited and check every cap, per employee and period
    credited = _credited(trips)
    for cap in PROPERTY_POLICY.caps:
        if cap.period is CapPeriod.TRIP:
            continue
        used: Counter[tuple[int, tuple[int, ...]]] = Counter()
        for trip, points in credited:
            if cap.behaviour in (None, trip.behaviour):
                used[(trip.employee, _period(trip.day, cap.period))] += points
        assert all(total <= cap.points for total in used.values()), cap
    per_day: Counter[tuple[int, date]] = Counter(
        (t.employee, t.day) for t, _ in credited if t.commute
    )
    assert all(n <= PROPERTY_METHODOLOGY.commute_trips_per_day for n in per_day.values())
    assert sum(points for _, points in credited) == result.points


def _credited(trips: list[SimulatedTrip]) -> list[tuple[SimulatedTrip, int]]:
    """Each trip with what it earned: the simulation of the trips up to it, differenced."""
    earned, before = [], 0
    for n in range(len(trips)):
        now = simulate(trips[: n + 1], PROPERTY_METHODOLOGY, TERMS).points
        earned.append((trips[n], now - before))
        before = now
    return [(t, p) for t, p in earned if p > 0]


def test_a_methodology_without_a_policy_applies_only_the_count_caps() -> None:
    grams = replace(METHODOLOGY, points_rule="avoided_grams", points_policy=None)
    trips = [_scored(fx.Commute("A", "bike", "5", 2)) for _ in range(3)]
    result = simulate(trips, grams, TERMS)
    assert result.points == 200
    assert [(c.cap, c.points) for c in result.capped] == [("commute_trips_per_day", 100)]
