"""The engine against the published worked examples, the methodology rules, and properties."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corp_carbon.catalogue import load_catalogue
from corp_carbon.domain.factors import MissingFactor
from corp_carbon.domain.geo import haversine_km
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.bulk import TripColumns, score_columns, score_many
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.explain import explain
from corp_carbon.domain.scoring.points import grams
from corp_carbon.domain.scoring.values import MissingDistance, Trip
from corp_carbon.domain.travel_policy import Entitlement
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, DistanceSource, Fuel, Mode
from corp_carbon.geo import places, resolve

CATALOGUE = load_catalogue()
DESNZ_2024 = Methodology(factor_set="desnz-2024")
#: the shipped points policy, with directors entitled to business class and first class.
POLICY_2024 = replace(
    DESNZ_2024,
    points_rule="balanced-2026",
    points_policy=CATALOGUE.points_policies["balanced-2026"],
    travel_policy=(
        Entitlement(Mode.AIR, Cabin.BUSINESS, grades=("director",)),
        Entitlement(Mode.RAIL, Cabin.FIRST, grades=("director",)),
    ),
    rail_class_space={"standard": Decimal(1), "first": Decimal("1.5"), "sleeper": Decimal(2)},
)
#: reference coordinates of emission_factors.md section 6.1 (OurAirports, 4 decimals).
LHR, JFK, CDG = (51.4707, -0.4599), (40.6394, -73.7793), (49.009, 2.5541)


def scorer(methodology: Methodology = DESNZ_2024) -> Scorer:
    return Scorer(methodology, CATALOGUE.factor_sets, CATALOGUE.rate_cards)


def flight(km: str, cabin: Cabin | None = Cabin.ECONOMY, o: str = "GB", d: str = "US") -> Trip:
    return Trip(
        mode=Mode.AIR,
        distance_km=Decimal(km),
        distance_source=DistanceSource.COMPUTED,
        cabin=cabin,
        origin_country=o,
        destination_country=d,
    )


# -- the worked examples (DESNZ 2024 v1.1, with RF) ------------------------------------------


def test_lhr_jfk_economy_matches_the_reference_and_adds_no_uplift() -> None:
    km = haversine_km(*LHR, *JFK)
    assert km == Decimal("5539.837")  # reference: 5539.836990 km
    result = scorer().assess(flight("5539.836990"))
    assert result.kg_co2e == Decimal("1108.577")
    assert result.kg_co2e != Decimal("1197.263")  # what adding the 8 % uplift again gives
    assert result.factor_id == "21_316_3170_11_1"
    assert result.actual.haul == "long_haul"


def test_lhr_cdg_economy_is_short_haul() -> None:
    assert haversine_km(*LHR, *CDG) == Decimal("347.604")
    result = scorer().assess(flight("347.604429", d="FR"))
    assert result.kg_co2e == Decimal("63.566")
    assert result.factor_id == "21_316_3164_11_1"


def test_25_km_petrol_car_rounds_half_up() -> None:
    trip = Trip(mode=Mode.CAR, fuel=Fuel.PETROL, distance_km=Decimal(25), kind=ActivityKind.COMMUTE)
    result = scorer().assess(trip)
    assert result.kg_co2e == Decimal("4.113")  # 25 x 0.1645 = 4.1125 exactly: a tie
    assert result.factor_id == "25_301_3070_4_1"


def test_airportsdata_coordinates_stay_within_a_tenth_of_a_percent() -> None:
    lhr, jfk = resolve.air("LHR")[0].place, resolve.air("KJFK")[0].place
    km = places.great_circle_km(lhr, jfk)
    assert abs(km - Decimal("5539.837")) / Decimal("5539.837") < Decimal("0.001")
    assert (lhr.country, jfk.country) == ("GB", "US")


# -- hauls, cabins, RF --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "destination", "haul"),
    [
        ("GB", "GB", "domestic"),
        ("GB", "JE", "domestic"),
        ("GB", "FR", "short_haul"),
        ("US", "GB", "long_haul"),
        ("FR", "DE", "international"),
        (None, None, "international"),
    ],
)
def test_desnz_haul_follows_the_territory_list(
    origin: str | None, destination: str | None, haul: str
) -> None:
    trip = replace(flight("800"), origin_country=origin, destination_country=destination)
    assert scorer().assess(trip).actual.haul == haul


def test_epa_haul_is_by_distance_band_without_cabins_or_rf() -> None:
    epa = scorer(Methodology(factor_set="epa-2025"))
    hauls = [epa.assess(flight(km)).actual.haul for km in ("400", "482.802", "482.803", "5000")]
    assert hauls == ["short_haul", "short_haul", "medium_haul", "long_haul"]
    result = epa.assess(flight("5000", cabin=Cabin.BUSINESS))
    assert result.actual.factor is not None
    assert result.actual.factor.key == "air.long_haul.average.no_rf"
    notes = " ".join(result.actual.notes)
    assert "no radiative-forcing factors" in notes
    assert "air.long_haul.business.no_rf" in notes  # the cabin fallback is stated


def test_a_cabin_the_haul_lacks_falls_back_and_says_so() -> None:
    result = scorer().assess(flight("900", cabin=Cabin.FIRST, d="FR"))
    assert result.actual.factor is not None
    assert result.actual.factor.key == "air.short_haul.business.rf"
    assert any("has no air.short_haul.first.rf" in n for n in result.actual.notes)
    unknown = scorer().assess(flight("900", cabin=None, d="FR"))
    assert unknown.actual.factor is not None
    assert unknown.actual.factor.key == "air.short_haul.average.rf"


def test_rf_can_be_switched_off() -> None:
    with_rf = scorer().assess(flight("5000"))
    without = scorer(replace(DESNZ_2024, radiative_forcing=False)).assess(flight("5000"))
    assert without.actual.factor is not None
    assert without.actual.factor.key.endswith(".no_rf")
    assert Decimal("1.6") < with_rf.kg_co2e / without.kg_co2e < Decimal("1.7")


def test_factor_set_by_year_falls_back_to_the_newest() -> None:
    by_year = scorer(Methodology())
    assert by_year.factor_set_for(2024).id == "desnz-2024"
    assert by_year.factor_set_for(2025).id == "desnz-2025"
    assert by_year.factor_set_for(2031).id == "desnz-2025"


def test_well_to_tank_is_added_where_published() -> None:
    wtt = replace(DESNZ_2024, include_well_to_tank=True)
    trip = Trip(mode=Mode.RAIL, distance_km=Decimal(100))
    result = scorer(wtt).assess(trip)
    assert result.actual.wtt is not None
    assert result.kg_co2e == scorer().assess(trip).kg_co2e + result.actual.wtt_kg
    in_2025 = scorer(replace(wtt, factor_set="desnz-2025")).assess(trip)
    assert in_2025.actual.wtt is None
    assert any("no well-to-tank factor" in n for n in in_2025.actual.notes)


# -- baselines -------------------------------------------------------------------------------


def test_rail_within_the_band_is_compared_with_an_economy_flight() -> None:
    trip = Trip(
        mode=Mode.RAIL,
        distance_km=Decimal("412.5"),
        route_km=Decimal("343.8"),
        origin_country="GB",
        destination_country="FR",
    )
    result = scorer().assess(trip)
    assert result.baseline is not None
    assert result.baseline.code == "economy_flight"
    flight_kg = (Decimal("343.8") * Decimal("0.18287")).quantize(Decimal("0.001"))
    assert result.baseline.emission.kg_co2e == flight_kg
    assert result.points == grams(flight_kg - result.kg_co2e)


@pytest.mark.parametrize("route", ["100", "1600"])
def test_rail_outside_the_band_earns_nothing(route: str) -> None:
    trip = Trip(mode=Mode.RAIL, distance_km=Decimal(route), route_km=Decimal(route))
    result = scorer().assess(trip)
    assert result.baseline is None
    assert result.points == 0
    assert "band" in result.no_baseline_reason


def test_economy_is_credited_against_business_only_where_policy_allows_it() -> None:
    long_haul = scorer().assess(flight("5539.837"))
    assert long_haul.baseline is not None
    assert long_haul.baseline.code == "business_class"
    short = scorer().assess(flight("347.6", d="FR"))
    assert short.baseline is None
    assert short.points == 0
    # a long flight between two non-UK airports qualifies by distance
    far = scorer().assess(flight("8859.8", o="DE", d="CN"))
    assert far.actual.haul == "international"
    assert far.baseline is not None


def test_electric_car_is_compared_with_a_petrol_car_of_the_same_size() -> None:
    trip = Trip(mode=Mode.CAR, fuel=Fuel.BEV, distance_km=Decimal(100))
    result = scorer().assess(trip)
    assert result.baseline is not None
    assert result.baseline.code == "petrol_car"
    assert result.baseline.emission.kg_co2e == Decimal("16.450")
    assert result.kg_co2e == Decimal("4.745")
    assert result.points == 11_705


def test_commutes_against_the_reference_solo_car() -> None:
    bike = Trip(mode=Mode.BIKE, kind=ActivityKind.COMMUTE, distance_km=Decimal("7.5"))
    result = scorer().assess(bike)
    assert result.kg_co2e == Decimal("0.000")
    assert result.baseline is not None
    assert result.baseline.code == "solo_car"
    solo = scorer().assess(
        Trip(mode=Mode.CAR, fuel=Fuel.PETROL, kind=ActivityKind.COMMUTE, distance_km=Decimal("7.5"))
    )
    assert solo.points == 0
    assert solo.baseline is None
    pool = scorer().assess(
        Trip(mode=Mode.CAR, kind=ActivityKind.COMMUTE, distance_km=Decimal(30), occupants=3)
    )
    assert pool.actual.divisor == 3
    assert pool.baseline is not None
    assert pool.kg_co2e * 3 == pytest.approx(pool.baseline.emission.kg_co2e, abs=Decimal("0.002"))


def test_personal_additionality_credits_only_a_change() -> None:
    personal = scorer(replace(DESNZ_2024, additionality="personal"))
    always_cycled = Trip(
        mode=Mode.BIKE, kind=ActivityKind.COMMUTE, distance_km=Decimal(8), declared_mode=Mode.BIKE
    )
    assert personal.assess(always_cycled).points == 0
    switched = replace(always_cycled, declared_mode=Mode.CAR, declared_fuel=Fuel.DIESEL)
    result = personal.assess(switched)
    assert result.baseline is not None
    assert result.baseline.code == "declared_mode"
    assert result.points == grams(Decimal(8) * Decimal("0.16984"))
    undeclared = replace(always_cycled, declared_mode=None)
    assert personal.assess(undeclared).points == 0


def test_journey_baseline_is_shared_between_legs_by_distance() -> None:
    legs = [
        Trip(
            mode=Mode.RAIL,
            distance_km=Decimal(300),
            route_km=Decimal(600),
            origin_country="GB",
            destination_country="FR",
        ),
        Trip(
            mode=Mode.RAIL,
            distance_km=Decimal(100),
            route_km=Decimal(600),
            origin_country="FR",
            destination_country="FR",
        ),
    ]
    first, second = scorer().assess_journey(legs)
    assert first.baseline is not None
    assert second.baseline is not None
    whole = scorer().assess(legs[0]).baseline
    assert whole is not None
    total = first.baseline.emission.kg_co2e + second.baseline.emission.kg_co2e
    assert abs(total - whole.emission.kg_co2e) <= Decimal("0.001")
    assert first.baseline.emission.kg_co2e == (whole.emission.kg_co2e * Decimal("0.75")).quantize(
        Decimal("0.001")
    )
    assert "share by distance 75.0%" in " ".join(s["text"] for s in explain(first))


# -- points rules ------------------------------------------------------------------------------


def test_wuhan_rate_card_points_are_incentives_not_emissions() -> None:
    wuhan = scorer(replace(DESNZ_2024, points_rule="wuhan-2024"))
    metro = wuhan.assess(Trip(mode=Mode.SUBWAY, kind=ActivityKind.COMMUTE, distance_km=Decimal(10)))
    assert metro.points == 784  # 78.4 g/km
    assert metro.kg_co2e == scorer().assess(metro.trip).kg_co2e  # emissions unchanged
    bike = wuhan.assess(Trip(mode=Mode.BIKE, kind=ActivityKind.COMMUTE, distance_km=Decimal(5)))
    assert bike.points == 467  # 93.3 x 5 = 466.5, half up
    bus = wuhan.assess(Trip(mode=Mode.BUS, kind=ActivityKind.COMMUTE, distance_km=Decimal(5)))
    assert bus.points == 213  # 212.5 g per trip, as reported
    tram = wuhan.assess(Trip(mode=Mode.TRAM, kind=ActivityKind.COMMUTE, distance_km=Decimal(5)))
    assert tram.points == 0
    assert "not on the wuhan-2024 rate card" in explain(tram)[-1]["text"]
    shenzhen = scorer(replace(DESNZ_2024, points_rule="shenzhen-2022"))
    assert shenzhen.assess(replace(metro.trip)).points == 467  # 46.7 g/pkm


def test_explanation_names_distance_factor_source_baseline_and_points() -> None:
    result = scorer().assess(flight("5539.837"))
    steps = {s["step"]: s for s in explain(result) if s.get("role", "actual") == "actual"}
    assert steps["distance"]["distance_source"] == "computed"
    assert steps["factor"]["factor_id"] == "21_316_3170_11_1"
    assert steps["factor_set"]["factor_set"] == "desnz-2024"
    assert "routing uplift" in steps["haul"]["text"]
    assert steps["points"]["points"] == result.points
    assert explain(result)[0]["step"] == "summary"


# -- properties --------------------------------------------------------------------------------

DISTANCES = st.decimals(
    min_value=0, max_value=20_000, places=3, allow_nan=False, allow_infinity=False
)
GROUND = [
    Mode.RAIL,
    Mode.SUBWAY,
    Mode.TRAM,
    Mode.BUS,
    Mode.COACH,
    Mode.TAXI,
    Mode.CAR,
    Mode.MOTORBIKE,
    Mode.FERRY,
    Mode.BIKE,
    Mode.WALK,
]


@settings(max_examples=300, deadline=None)
@given(
    km=DISTANCES,
    extra=DISTANCES,
    mode=st.sampled_from([Mode.AIR, *GROUND]),
    kind=st.sampled_from(list(ActivityKind)),
    set_id=st.sampled_from(["desnz-2024", "desnz-2025", "epa-2025"]),
    fuel=st.sampled_from([None, *Fuel]),
)
def test_emissions_are_never_negative_and_grow_with_distance(
    km: Decimal, extra: Decimal, mode: Mode, kind: ActivityKind, set_id: str, fuel: Fuel | None
) -> None:
    engine = scorer(Methodology(factor_set=set_id))
    trip = Trip(
        mode=mode,
        kind=kind,
        distance_km=km,
        fuel=fuel,
        origin_country="GB",
        destination_country="GB",
    )
    try:
        shorter = engine.assess(trip)
    except MissingFactor:  # a set without this mode (EPA: ferry, taxi by fallback) says so
        return
    longer = engine.assess(replace(trip, distance_km=km + extra))
    assert shorter.kg_co2e >= 0
    if mode is Mode.AIR and shorter.actual.haul != longer.actual.haul:
        return  # EPA bands: a longer flight may use a lower per-km factor
    assert longer.kg_co2e >= shorter.kg_co2e


@settings(max_examples=200, deadline=None)
@given(
    km=DISTANCES,
    o=st.sampled_from(["GB", "FR", "US", "CN"]),
    d=st.sampled_from(["GB", "DE", "JP"]),
    set_id=st.sampled_from(["desnz-2024", "desnz-2025", "epa-2025"]),
)
def test_cabin_order_economy_to_first(km: Decimal, o: str, d: str, set_id: str) -> None:
    engine = scorer(Methodology(factor_set=set_id))
    kgs = [
        engine.assess(
            replace(flight("1"), distance_km=km, cabin=c, origin_country=o, destination_country=d)
        ).kg_co2e
        for c in (Cabin.ECONOMY, Cabin.PREMIUM_ECONOMY, Cabin.BUSINESS, Cabin.FIRST)
    ]
    assert kgs == sorted(kgs)


@settings(max_examples=300, deadline=None)
@given(
    km=DISTANCES,
    mode=st.sampled_from([Mode.AIR, *GROUND]),
    kind=st.sampled_from(list(ActivityKind)),
    cabin=st.sampled_from([None, *Cabin]),
    fuel=st.sampled_from([None, *Fuel]),
    occupants=st.integers(min_value=1, max_value=4),
)
def test_points_are_the_grams_avoided_and_zero_without_a_saving(
    km: Decimal,
    mode: Mode,
    kind: ActivityKind,
    cabin: Cabin | None,
    fuel: Fuel | None,
    occupants: int,
) -> None:
    trip = Trip(
        mode=mode,
        kind=kind,
        distance_km=km,
        route_km=km,
        cabin=cabin,
        fuel=fuel,
        occupants=occupants,
        origin_country="GB",
        destination_country="US",
    )
    result = scorer().assess(trip)
    assert result.points >= 0
    if result.baseline is None or result.baseline.emission.kg_co2e <= result.kg_co2e:
        assert result.points == 0
    else:
        assert result.points == grams(result.baseline.emission.kg_co2e - result.kg_co2e)


@pytest.mark.parametrize("km", ["3701.491", "3701.492", "3800", "9000", "3600"])
def test_banded_flight_baseline_uses_the_trips_own_band(km: str) -> None:
    """EPA decides haul by distance band: the business-class baseline of a long-haul economy
    flight must come from the long-haul band too (found by hypothesis at 3701.491 km)."""
    engine = scorer(Methodology(factor_set="epa-2025"))
    trip = replace(flight(km), year=2025)
    full, fast = engine.assess(trip), engine.score(trip)
    expected = full.baseline.emission.kg_co2e if full.baseline else None
    assert fast.baseline_kg_co2e == expected
    assert (fast.kg_co2e, fast.points) == (full.kg_co2e, full.points)


@settings(max_examples=400, deadline=None)
@given(
    km=DISTANCES,
    route=st.one_of(st.none(), DISTANCES),
    mode=st.sampled_from([Mode.AIR, *GROUND]),
    kind=st.sampled_from(list(ActivityKind)),
    cabin=st.sampled_from([None, *Cabin]),
    fuel=st.sampled_from([None, *Fuel]),
    occupants=st.integers(min_value=1, max_value=3),
    countries=st.tuples(
        st.sampled_from(["GB", "FR", "US", "CN", None]), st.sampled_from(["GB", "DE", "JP", None])
    ),
    declared=st.sampled_from([None, Mode.CAR, Mode.BIKE, Mode.BUS]),
    variant=st.sampled_from(
        ["desnz-2024", "desnz-2025", "epa-2025", "personal", "wuhan-2024", "wtt", "policy"]
    ),
    grade=st.sampled_from([None, "director", "staff"]),
)
def test_bulk_scoring_gives_exactly_the_figures_of_a_full_assessment(
    km: Decimal,
    route: Decimal | None,
    mode: Mode,
    kind: ActivityKind,
    cabin: Cabin | None,
    fuel: Fuel | None,
    occupants: int,
    countries: tuple[str | None, str | None],
    declared: Mode | None,
    variant: str,
    grade: str | None,
) -> None:
    methodology = {
        "personal": replace(DESNZ_2024, additionality="personal"),
        "wuhan-2024": replace(DESNZ_2024, points_rule="wuhan-2024"),
        "wtt": replace(DESNZ_2024, include_well_to_tank=True),
        "policy": POLICY_2024,
    }.get(variant, Methodology(factor_set=variant))
    engine = scorer(methodology)
    trip = Trip(
        mode=mode,
        kind=kind,
        distance_km=km,
        route_km=route,
        cabin=cabin,
        fuel=fuel,
        occupants=occupants,
        origin_country=countries[0],
        destination_country=countries[1],
        declared_mode=declared,
        year=2024,
        grade=grade,
    )
    try:
        full = engine.assess(trip)
    except MissingFactor:
        with pytest.raises(MissingFactor):
            engine.score(trip)
        return
    fast = engine.score(trip)
    assert fast.kg_co2e == full.kg_co2e
    assert fast.points == full.points
    assert fast.avoided_kg_co2e == full.avoided_kg_co2e
    assert fast.factor_id == full.factor_id
    assert fast.baseline == (full.baseline.code if full.baseline else None)
    assert fast.baseline_kg_co2e == (full.baseline.emission.kg_co2e if full.baseline else None)
    assert fast.haul == full.actual.haul


@settings(max_examples=60, deadline=None)
@given(
    trips=st.lists(
        st.builds(
            Trip,
            mode=st.sampled_from([Mode.AIR, Mode.HOTEL, *GROUND]),
            kind=st.sampled_from(list(ActivityKind)),
            distance_km=st.one_of(
                st.none(), DISTANCES, st.decimals(min_value=0, max_value=50, places=5)
            ),
            route_km=st.one_of(st.none(), DISTANCES),
            cabin=st.sampled_from([None, *Cabin]),
            fuel=st.sampled_from([None, *Fuel]),
            occupants=st.integers(min_value=1, max_value=3),
            nights=st.sampled_from([None, 1, 3]),
            origin_country=st.sampled_from(["GB", "FR", "US", None]),
            destination_country=st.sampled_from(["GB", "CN", None]),
            year=st.sampled_from([2024, 2025]),
            grade=st.sampled_from([None, "Director", "staff"]),
        ),
        max_size=40,
    ),
    variant=st.sampled_from(["by-year", "epa-2025", "wtt", "wuhan-2024", "policy"]),
)
def test_bulk_columns_equal_one_by_one_scores(trips: list[Trip], variant: str) -> None:
    methodology = {
        "wtt": replace(DESNZ_2024, include_well_to_tank=True),
        "wuhan-2024": replace(DESNZ_2024, points_rule="wuhan-2024"),
        "policy": POLICY_2024,
    }.get(variant, Methodology(factor_set=variant))
    engine = scorer(methodology)
    scorable, expected = [], []
    for trip in trips:
        try:
            expected.append(engine.score(trip))
        except (MissingFactor, MissingDistance):
            continue  # the bulk call raises as the single one does
        scorable.append(trip)
    columns = score_many(engine, scorable)
    assert [columns[i] for i in range(len(columns))] == expected
    # the same trips given as columns (whole metres, as an importer parses them)
    whole = [
        (t, e)
        for t, e in zip(scorable, expected, strict=True)
        if t.mode is not Mode.HOTEL
        and t.distance_km is not None
        and t.distance_km == t.distance_km.quantize(Decimal("0.001"))
        and (t.route_km is None or t.route_km == t.route_km.quantize(Decimal("0.001")))
    ]
    table = TripColumns(
        year=[t.year or 2024 for t, _ in whole],
        mode=[t.mode for t, _ in whole],
        kind=[t.kind for t, _ in whole],
        cabin=[t.cabin for t, _ in whole],
        fuel=[t.fuel for t, _ in whole],
        occupants=[t.occupants for t, _ in whole],
        origin_country=[t.origin_country for t, _ in whole],
        destination_country=[t.destination_country for t, _ in whole],
        distance_m=[int(t.distance_km * 1000) for t, _ in whole if t.distance_km is not None],
        route_m=[None if t.route_km is None else int(t.route_km * 1000) for t, _ in whole],
        grade=[t.grade for t, _ in whole],
    )
    by_columns = score_columns(engine, table)
    got = [by_columns[i][1:] for i in range(len(by_columns))]
    assert got == [e[1:] for _, e in whole]
