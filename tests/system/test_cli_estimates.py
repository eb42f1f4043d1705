"""`corp-carbon estimate` and `compare` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).with_name("corp-carbon"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORP_CARBON_")}
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def test_estimate_json_has_every_documented_field() -> None:
    result = run(
        "estimate",
        "--mode",
        "air",
        "--from",
        "LHR",
        "--to",
        "JFK",
        "--cabin",
        "economy",
        "--factor-set",
        "desnz-2024",
        "--grade",
        "director",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for field in (
        "kg_co2e",
        "distance_km",
        "distance_source",
        "factor_set",
        "factor_id",
        "factor_value",
        "haul",
        "baseline",
        "baseline_kg_co2e",
        "avoided_kg_co2e",
        "points",
        "explanation",
    ):
        assert field in data
    assert abs(data["kg_co2e"] - 1108.577) / 1108.577 < 0.001
    assert data["factor_id"] == "21_316_3170_11_1"
    assert data["factor_value"] == 0.20011
    assert data["haul"] == "long_haul"
    assert data["distance_source"] == "computed"
    assert data["baseline"] == "business_class"  # a director may fly business on it
    # the shipped points policy: 0.5 points per kg avoided, at most 300 a trip
    assert round((data["baseline_kg_co2e"] - data["kg_co2e"]) / 2) > 300
    assert data["points"] == 300
    assert isinstance(data["explanation"], list)
    assert "capped at 300 points a trip" in data["explanation"][-1]["text"]


def test_economy_earns_no_cabin_credit_without_an_entitlement() -> None:
    args = ("--mode", "air", "--from", "LHR", "--to", "JFK", "--cabin", "economy", "--json")
    for extra in ((), ("--grade", "staff")):
        data = json.loads(run("estimate", *args, *extra).stdout)
        assert (data["baseline"], data["points"]) == (None, 0)
        words = " ".join(step["text"] for step in data["explanation"])
        expected = "no travel-policy grade is recorded" if not extra else "allows you economy"
        assert expected in words
    assert data["explanation"][0]["step"] == "summary"


def test_estimate_without_places_and_without_rf() -> None:
    result = run(
        "estimate",
        "--mode",
        "air",
        "--distance-km",
        "1000",
        "--no-rf",
        "--factor-set",
        "desnz-2024",
        "--json",
    )
    data = json.loads(result.stdout)
    assert data["radiative_forcing"] is False
    assert data["haul"] == "international"  # airports unknown
    readable = run(
        "estimate",
        "--mode",
        "car",
        "--distance-km",
        "25",
        "--fuel",
        "petrol",
        "--kind",
        "commute",
        "--factor-set",
        "desnz-2024",
    )
    assert readable.returncode == 0
    assert readable.stdout.startswith("4.113 kg CO2e")
    assert "25_301_3070_4_1" in readable.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "plane", "--distance-km", "5"], "mode 'plane': accepted: air, rail"),
        (
            ["--mode", "air", "--from", "LHR", "--to", "Q9Z"],
            "airport code 'Q9Z': not a known IATA or ICAO airport",
        ),
        (  # not an airport: never Bath, whose GeoNames entry lists the rail code QQX
            ["--mode", "air", "--from", "LHR", "--to", "QQX"],
            "airport code 'QQX': not a known IATA or ICAO airport",
        ),
        (  # nor Loimaa (Finland)
            ["--mode", "air", "--from", "LHR", "--to", "QZJ"],
            "airport code 'QZJ': not a known IATA or ICAO airport",
        ),
        (
            ["--mode", "air", "--distance-km", "5", "--cabin", "coach"],
            "cabin 'coach': accepted: economy, premium_economy",
        ),
        (  # a train has classes, not a flight's cabins
            ["--mode", "rail", "--distance-km", "300", "--cabin", "business"],
            "cabin 'business': accepted: standard, first, sleeper (a train's classes)",
        ),
        (
            ["--mode", "air", "--distance-km", "900", "--cabin", "sleeper"],
            "cabin 'sleeper': accepted: economy, premium_economy, business, first",
        ),
        (
            ["--mode", "car", "--distance-km", "20", "--cabin", "first"],
            "cabin 'first': a car trip has no class of travel",
        ),
        (
            ["--mode", "air", "--distance-km", "5", "--factor-set", "ipcc"],
            "factor set 'ipcc': accepted: desnz-2024",
        ),
        (["--mode", "rail"], "distance: give an origin and a destination, or a distance in km"),
        (["--mode", "car", "--distance-km", "-3"], "must be between 0 and 40,000 km"),
    ],
)
def test_bad_values_exit_non_zero_with_one_line(args: list[str], message: str) -> None:
    result = run("estimate", *args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]


def test_compare_lists_every_sensible_mode_lowest_first() -> None:
    result = run("compare", "--from", "London", "--to", "Paris", "--json")
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)["options"]
    names = [o["option"] for o in options]
    assert {"Rail", "Coach", "Flight, economy", "Car, petrol", "Car, battery electric"} <= set(
        names
    )
    kgs = [o["kg_co2e"] for o in options]
    assert kgs == sorted(kgs)
    rail = next(o for o in options if o["option"] == "Rail")
    assert rail["baseline"] == "economy_flight"
    assert rail["points"] > 0
    table = run("compare", "--from", "London", "--to", "Paris")
    assert "Rail" in table.stdout
    assert "an economy flight" in table.stdout


def test_a_flight_between_city_names_says_which_airports_it_used() -> None:
    result = run("estimate", "--mode", "air", "--from", "Frankfurt", "--to", "Ulm")
    assert result.returncode == 0, result.stderr
    # Ulm has no airport: the flight ends at the one serving it, never at the town centre
    assert "'Frankfurt' read as FRA (Frankfurt Airport)" in result.stdout
    assert "'Ulm' read as STR (Stuttgart Airport), the airport serving Ulm (DE)" in result.stdout


def test_a_name_shared_by_two_cities_asks_for_a_check() -> None:
    result = run("estimate", "--mode", "hotel", "--to", "Birmingham", "--nights", "1")
    assert result.returncode == 0, result.stderr
    assert "please check 'Birmingham': read as Birmingham (GB)" in result.stdout
    assert "Birmingham (US)" in result.stdout


def test_compare_says_where_station_names_were_placed() -> None:
    result = run("compare", "--from", "St Pancras", "--to", "Gare du Nord")
    assert result.returncode == 0, result.stderr
    assert "note: 'St Pancras' placed at London (GB)" in result.stdout
    assert "note: 'Gare du Nord' placed at Paris (FR)" in result.stdout


@pytest.mark.parametrize("travel_class", ["standard", "first", "sleeper"])
def test_estimate_takes_a_trains_class(travel_class: str) -> None:
    args = ("--mode", "rail", "--from", "London", "--to", "Paris", "--json")
    result = run("estimate", *args, "--cabin", travel_class)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["mode"], data["cabin"]) == ("rail", travel_class)
    assert data["kg_co2e"] > 0 and data["baseline"] == "economy_flight"
