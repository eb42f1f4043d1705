"""Benchmark: assess N activities of mixed modes, against a bare factor-multiplication floor.

    .venv/bin/python benchmarks/bench_scoring.py            # 1,000,000 activities
    .venv/bin/python benchmarks/bench_scoring.py --n 200000 --rounds 3

Both loops run in the same process over the same pre-built trips, round-robin, so the ratio
is measured under the same conditions. The floor only looks up the trip's factor in a dict
(keyed by the trip's own year, mode, cabin, fuel and countries) and multiplies it by the
distance, with no rounding; the engine (``Scorer.score``) does everything an assessment
needs (factor set by year, haul, cabin and fuel fallbacks, baseline, avoided kg, points) and
returns the figures; ``Scorer.assess`` gives the same figures with the explanation trail,
measured separately. Both timed loops run with the cyclic garbage collector paused, as
``timeit`` does.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corp_carbon.catalogue import load_catalogue
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.bulk import TripColumns, score_columns
from corp_carbon.domain.scoring.engine import Scorer
from corp_carbon.domain.scoring.explain import explain
from corp_carbon.domain.scoring.values import Trip
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    Cabin,
    DistanceSource,
    Fuel,
    Mode,
)

COUNTRIES = ["GB", "GB", "GB", "FR", "DE", "US", "CN", "JP", "ES", "IE", "SG", "IN"]
MIX = [
    (Mode.AIR, 35),
    (Mode.RAIL, 20),
    (Mode.CAR, 15),
    (Mode.BUS, 5),
    (Mode.SUBWAY, 6),
    (Mode.TRAM, 4),
    (Mode.BIKE, 6),
    (Mode.WALK, 4),
    (Mode.TAXI, 5),
]


def make_trips(n: int, seed: int = 7) -> list[Trip]:
    rng = random.Random(seed)
    modes = [m for m, weight in MIX for _ in range(weight)]
    cabins = [Cabin.ECONOMY] * 6 + [Cabin.PREMIUM_ECONOMY, Cabin.BUSINESS, Cabin.FIRST, None]
    fuels = [Fuel.PETROL, Fuel.DIESEL, Fuel.HYBRID, Fuel.PHEV, Fuel.BEV, None]
    trips = []
    for _ in range(n):
        mode = rng.choice(modes)
        kind = (
            ActivityKind.COMMUTE
            if mode in (Mode.BIKE, Mode.WALK, Mode.SUBWAY, Mode.TRAM, Mode.BUS)
            or rng.random() < 0.3
            else ActivityKind.BUSINESS_TRAVEL
        )
        if mode is Mode.AIR:
            kind = ActivityKind.BUSINESS_TRAVEL
            km = Decimal(rng.randint(200_000, 12_000_000)).scaleb(-3)
        elif mode is Mode.RAIL:
            km = Decimal(rng.randint(5_000, 900_000)).scaleb(-3)
        else:
            km = Decimal(rng.randint(500, 60_000)).scaleb(-3)
        trips.append(
            Trip(
                mode=mode,
                kind=kind,
                distance_km=km,
                distance_source=DistanceSource.GIVEN,
                cabin=rng.choice(cabins) if mode is Mode.AIR else None,
                fuel=rng.choice(fuels) if mode is Mode.CAR else None,
                occupants=rng.choice((1, 1, 1, 2)) if mode is Mode.CAR else 1,
                origin_country=rng.choice(COUNTRIES),
                destination_country=rng.choice(COUNTRIES),
                route_km=(km / Decimal("1.2")).quantize(Decimal("0.001"))
                if mode is Mode.RAIL
                else km,
                year=rng.choice((2024, 2025)),
            )
        )
    return trips


FloorKey = tuple[object, ...]


def as_columns(trips: list[Trip]) -> TripColumns:
    """The same trips as an importer hands them over: columns, distances in whole metres
    (no source trips attached, so nothing can fall back on them unnoticed)."""
    return replace(TripColumns.from_trips(trips), source=None, extra=None)


def floor_table(trips: list[Trip], scorer: Scorer) -> dict[FloorKey, Decimal]:
    """Each trip's factor by (year, mode, cabin, fuel, origin, destination), precomputed with the
    engine, so the floor loop is: look the factor up by the trip's own fields, multiply."""
    table: dict[FloorKey, Decimal] = {}
    for trip in trips:
        key = (
            trip.year,
            trip.mode,
            trip.cabin,
            trip.fuel,
            trip.origin_country,
            trip.destination_country,
        )
        if key not in table:
            factor = scorer.assess(trip).actual.factor
            table[key] = factor.value if factor else Decimal(0)
    return table


def run_floor(columns: TripColumns, table: dict[FloorKey, Decimal]) -> float:
    out = []
    append = out.append
    start = time.perf_counter()
    for year, mode, cabin, fuel, o, d, metres in zip(
        columns.year,
        columns.mode,
        columns.cabin,
        columns.fuel,
        columns.origin_country,
        columns.destination_country,
        columns.distance_m,
        strict=True,
    ):
        append(metres * table[(year, mode, cabin, fuel, o, d)])
    return time.perf_counter() - start


def run_engine(columns: TripColumns, methodology: Methodology) -> float:
    """The bulk path an import uses: columns in, columns of figures out (ready for COPY)."""
    catalogue = load_catalogue()
    scorer = Scorer(methodology, catalogue.factor_sets, catalogue.rate_cards)  # a fresh cache
    start = time.perf_counter()
    score_columns(scorer, columns)
    return time.perf_counter() - start


def run_one_by_one(trips: list[Trip], methodology: Methodology) -> float:
    catalogue = load_catalogue()
    scorer = Scorer(methodology, catalogue.factor_sets, catalogue.rate_cards)
    score = scorer.score
    out = []
    append = out.append
    start = time.perf_counter()
    for trip in trips:
        append(score(trip))
    return time.perf_counter() - start


def run_explained(trips: list[Trip], methodology: Methodology) -> float:
    catalogue = load_catalogue()
    scorer = Scorer(methodology, catalogue.factor_sets, catalogue.rate_cards)
    start = time.perf_counter()
    for trip in trips:
        explain(scorer.assess(trip))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--explained-sample",
        type=int,
        default=100_000,
        help="trips for the with-explanation figure (rendering is the slow part)",
    )
    parser.add_argument(
        "--points-rule",
        default="avoided_grams",
        help="avoided_grams (1 point per gram), or a points policy such as balanced-2026",
    )
    args = parser.parse_args()
    catalogue = load_catalogue()
    policy = catalogue.points_policies.get(args.points_rule)
    methodology = Methodology(points_rule=args.points_rule, points_policy=policy)
    t0 = time.perf_counter()
    trips = make_trips(args.n)
    table = floor_table(trips, Scorer(methodology, catalogue.factor_sets, catalogue.rate_cards))
    columns = as_columns(trips)
    print(f"built {args.n:,} trips in {time.perf_counter() - t0:.1f}s")
    floors, engines, ratios = [], [], []
    for round_no in range(1, args.rounds + 1):
        # as timeit does: no cyclic GC inside the timed loops (the million live trips would
        # otherwise be traversed again and again by collections the loops themselves trigger)
        gc.collect()
        gc.disable()
        floor = run_floor(columns, table)
        gc.enable()
        gc.collect()
        gc.disable()
        engine = run_engine(columns, methodology)
        gc.enable()
        floors.append(floor)
        engines.append(engine)
        ratios.append(engine / floor)
        print(
            f"round {round_no}: floor {args.n / floor:,.0f}/s  engine {args.n / engine:,.0f}/s  ratio {engine / floor:.2f}x"
        )
    sample = trips[: args.explained_sample]
    gc.disable()
    one_by_one = run_one_by_one(sample, methodology)
    gc.enable()
    explained = run_explained(sample, methodology)
    print()
    print(f"activities             {args.n:,}")
    print(f"floor (lookup x km)    {args.n / statistics.median(floors):,.0f} activities/s")
    print(f"engine (score_columns) {args.n / statistics.median(engines):,.0f} activities/s")
    print(
        f"ratio engine/floor     {statistics.median(ratios):.2f}x (median of {args.rounds} rounds; target <= 5x)"
    )
    print(
        f"Scorer.score per trip  {len(sample) / one_by_one:,.0f} activities/s (sample of {len(sample):,})"
    )
    print(
        f"assess + explanation   {len(sample) / explained:,.0f} activities/s (sample of {len(sample):,})"
    )


if __name__ == "__main__":
    main()
