"""The shipped factor sets, checked against the publishers' tables they were built from.

Every factor is matched by its publisher ID against the reference extracts in
``tests/reference/factors`` (a copy of the shared reference extracts, with their sources):
DESNZ values must be equal to the published figure exactly, EPA values are recomputed from
Table 10.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
import tomllib
from collections import Counter
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from corp_carbon.catalogue.files import load_factor_set
from corp_carbon.domain.factors import FactorSet
from tests.support import need

REPO = Path(__file__).resolve().parents[2]
#: a copy of ../shared/reference/factors, kept in the repository so a fresh clone tests alone
REFERENCE = REPO / "tests" / "reference" / "factors"
FACTOR_SETS = REPO / "corp_carbon" / "catalogue" / "factor_sets"
SCRIPT = REPO / "scripts" / "extract_factor_sets.py"

DESNZ = {
    "desnz-2024": ("desnz-2024-v1.1-travel.csv", "factor_2024"),
    "desnz-2025": ("desnz-2025-travel.csv", "factor_2025"),
}
SHIPPED = ("desnz-2024", "desnz-2025", "epa-2025")
EXPECTED_META = {
    "desnz-2024": (2024, "1.1", "uk_territory"),
    "desnz-2025": (2025, None, "uk_territory"),
    "epa-2025": (2025, None, "distance_bands"),
}
# rows present in the 2024 extract whose 2025 counterpart the 2025 extract does not have
MISSING_IN_2025 = {"24_914_3188_11_1", "24_914_3189_11_1", "24_914_3190_11_1"}

CLASSES = ("economy", "premium_economy", "business", "first")
_AIR = r"air\.(domestic|short_haul|medium_haul|long_haul|international)\.(average|economy|premium_economy|business|first)\.(rf|no_rf)"
_RAIL = r"rail\.(national|international|light_rail_tram|underground|commuter|intercity_northeast|intercity_other)"
_CAR = r"car\.(small|medium|large|average)\.(diesel|petrol|hybrid|phev|bev|unknown)"
_LAND = rf"{_RAIL}|bus\.(local|coach)|taxi\.(regular|black_cab)|{_CAR}|motorbike\.(small|medium|large|average)"
_SEA = r"ferry\.(foot_passenger|car_passenger|average)"
KEY_SCHEME = re.compile(rf"(wtt\.)?({_AIR}|{_LAND}|{_SEA})|hotel\.[A-Z]{{2}}")

# --- an independent reading of the DESNZ rows, to check that each ID sits under the right key
D_HAUL = {
    "Domestic, to/from UK": "domestic",
    "Short-haul, to/from UK": "short_haul",
    "Long-haul, to/from UK": "long_haul",
    "International, to/from non-UK": "international",
}
D_CLASS = {
    "Average passenger": "average",
    "Economy class": "economy",
    "Premium economy class": "premium_economy",
    "Business class": "business",
    "First class": "first",
}
D_RF = {"With RF": "rf", "Without RF": "no_rf"}
D_SIZE = {
    "Small car": "small",
    "Medium car": "medium",
    "Large car": "large",
    "Average car": "average",
}
D_FUEL = {
    "Diesel": "diesel",
    "Petrol": "petrol",
    "Hybrid": "hybrid",
    "Plug-in Hybrid Electric Vehicle": "phev",
    "Battery Electric Vehicle": "bev",
    "Unknown": "unknown",
}
D_SIMPLE = {  # level2 (without "WTT- ", case-folded) -> prefix, level3 -> key part, required uom
    "rail": (
        "rail",
        {
            "National rail": "national",
            "International rail": "international",
            "Light rail and tram": "light_rail_tram",
            "London Underground": "underground",
        },
        "passenger.km",
    ),
    "bus": ("bus", {"Average local bus": "local", "Coach": "coach"}, "passenger.km"),
    "taxis": ("taxi", {"Regular taxi": "regular", "Black cab": "black_cab"}, "passenger.km"),
    "motorbike": (
        "motorbike",
        {"Small": "small", "Medium": "medium", "Large": "large", "Average": "average"},
        "km",
    ),
    "ferry": (
        "ferry",
        {
            "Foot passenger": "foot_passenger",
            "Car passenger": "car_passenger",
            "Average (all passenger)": "average",
        },
        "passenger.km",
    ),
}
D_UNIT = {"passenger.km": "passenger.km", "km": "vehicle.km", "Room per night": "room.night"}
# the hotel countries with a published value ("UK (London)" is a city: the scheme has no key for it)
D_HOTEL = {
    "UK": "GB", "Australia": "AU", "Belgium": "BE", "Brazil": "BR", "Canada": "CA", "Chile": "CL",
    "China": "CN", "Colombia": "CO", "Costa Rica": "CR", "Egypt": "EG", "France": "FR",
    "Germany": "DE", "Hong Kong, China": "HK", "India": "IN", "Indonesia": "ID", "Italy": "IT",
    "Japan": "JP", "Jordan": "JO", "Korea": "KR", "Malaysia": "MY", "Maldives": "MV",
    "Mexico": "MX", "Netherlands": "NL", "Oman": "OM", "Philippines": "PH", "Portugal": "PT",
    "Qatar": "QA", "Russian Federation": "RU", "Saudi Arabia": "SA", "Singapore": "SG",
    "South Africa": "ZA", "Spain": "ES", "Switzerland": "CH", "Thailand": "TH", "Turkey": "TR",
    "United Arab Emirates": "AE", "United States": "US", "Vietnam": "VN",
}  # fmt: skip


#: sets whose well-to-tank rows are deliberately not shipped (see scripts/extract_factor_sets.py).
WTT_NOT_SHIPPED = {"desnz-2025"}


def expected_desnz_key(row: dict[str, str]) -> str | None:
    """The key a kg CO2e row belongs under, or None if the scheme does not ship it."""
    if row["ghg_unit"] != "kg CO2e":
        return None
    level1, level2, level3, level4, column, uom = (
        row[k] for k in ("level1", "level2", "level3", "level4", "column_text", "uom")
    )
    if "electricity" in level1 or level1 == "Homeworking":
        return None
    prefix = "wtt." if level1.startswith("WTT") else ""
    kind = level2.removeprefix("WTT- ").casefold()
    if kind == "flights" and uom == "passenger.km":
        return f"{prefix}air.{D_HAUL[level3]}.{D_CLASS[level4]}.{D_RF[column]}"
    if kind == "cars (by size)" and uom == "km" and column in D_FUEL:
        return f"{prefix}car.{D_SIZE[level3]}.{D_FUEL[column]}"
    if kind in D_SIMPLE:
        name, parts, needed_uom = D_SIMPLE[kind]
        if uom == needed_uom and level3 in parts:
            return f"{prefix}{name}.{parts[level3]}"
    if level1 == "Hotel stay" and level3 in D_HOTEL:
        return f"hotel.{D_HOTEL[level3]}"
    return None


@cache
def shipped(set_id: str) -> FactorSet:
    return load_factor_set(FACTOR_SETS / f"{set_id}.toml")


@cache
def rows(name: str) -> dict[str, dict[str, str]]:
    need(
        "the reference factor extracts (tests/reference/factors)",
        REFERENCE.is_dir(),
        f"not found at {REFERENCE}",
    )
    with (REFERENCE / name).open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    first_column = next(iter(table[0]))  # id / territory / vehicle_type
    return {row[first_column]: row for row in table}


# --- every set loads, with the right identity -------------------------------------------------


def test_the_three_sets_are_shipped_and_every_file_loads() -> None:
    # as the catalogue reads the folder: every *.toml except rate cards
    files = sorted(
        p.stem for p in FACTOR_SETS.glob("*.toml") if not p.name.startswith("rate-card-")
    )
    assert set(SHIPPED) <= set(files)
    for stem in files:
        factor_set = load_factor_set(FACTOR_SETS / f"{stem}.toml")
        assert factor_set.id == stem
        assert factor_set.factors
        assert factor_set.sha256


@pytest.mark.parametrize("set_id", SHIPPED)
def test_identity_and_provenance(set_id: str) -> None:
    factor_set = shipped(set_id)
    year, version, haul = EXPECTED_META[set_id]
    assert factor_set.year == year
    assert factor_set.haul_rule == haul
    if version is not None:
        assert factor_set.version == version
    for text in (
        factor_set.publisher,
        factor_set.title,
        factor_set.source_url,
        factor_set.licence,
        factor_set.verification,
        factor_set.gwp,
    ):
        assert text.strip()
    assert factor_set.source_url.startswith("https://")
    assert factor_set.gwp == "AR5"
    if set_id == "desnz-2025":
        assert "secondary" in factor_set.verification
    head = (FACTOR_SETS / f"{set_id}.toml").read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("# generated by scripts/extract_factor_sets.py from ")


@pytest.mark.parametrize("set_id", SHIPPED)
def test_numbers_are_written_as_strings(set_id: str) -> None:
    data = tomllib.loads((FACTOR_SETS / f"{set_id}.toml").read_text(encoding="utf-8"))
    assert all(isinstance(entry["value"], str) for entry in data["factors"])
    assert isinstance(data["rules"]["uplift_pct"], str)
    assert all(isinstance(b.get("below_km", ""), str) for b in data["rules"]["distance_bands"])


@pytest.mark.parametrize("set_id", SHIPPED)
def test_keys_follow_the_scheme(set_id: str) -> None:
    factor_set = shipped(set_id)
    bad = [key for key in factor_set.factors if not KEY_SCHEME.fullmatch(key)]
    assert bad == []
    for key, factor in factor_set.factors.items():
        assert factor.key == key
        assert factor.value > 0
        expected_unit = (
            "room.night"
            if key.startswith("hotel.")
            else "vehicle.km"
            if re.match(r"(wtt\.)?(car|motorbike)\.", key)
            else "passenger.km"
        )
        assert factor.unit == expected_unit, key
        assert factor.publisher_id and factor.label


@pytest.mark.parametrize("set_id", SHIPPED)
def test_fallbacks_point_at_existing_keys(set_id: str) -> None:
    factor_set = shipped(set_id)
    for key, target in factor_set.fallbacks.items():
        assert KEY_SCHEME.fullmatch(key)
        assert key not in factor_set.factors, f"{key} has a factor of its own"
        assert target in factor_set.factors
    if set_id == "epa-2025":
        assert dict(factor_set.fallbacks) == {"taxi.regular": "car.average.unknown"}
    else:
        assert dict(factor_set.fallbacks) == {}


# --- every factor against the publisher's table -----------------------------------------------


@pytest.mark.parametrize("set_id", sorted(DESNZ))
def test_every_desnz_factor_equals_the_published_row(set_id: str) -> None:
    file_name, column = DESNZ[set_id]
    table = rows(file_name)
    for key, factor in shipped(set_id).factors.items():
        row = table.get(factor.publisher_id)
        assert row is not None, f"{key}: {factor.publisher_id} not in {file_name}"
        assert row["ghg_unit"] == "kg CO2e", key  # the total, not a per-gas row
        assert factor.value == Decimal(row[column]), key
        assert factor.unit == D_UNIT[row["uom"]], key
        assert row["level3"] in factor.label, key
        assert expected_desnz_key(row) == key, f"{factor.publisher_id} shipped as {key}"


@pytest.mark.parametrize("set_id", sorted(DESNZ))
def test_every_mappable_desnz_row_is_shipped(set_id: str) -> None:
    file_name, column = DESNZ[set_id]
    by_id = {f.publisher_id: key for key, f in shipped(set_id).factors.items()}
    for row_id, row in rows(file_name).items():
        key = expected_desnz_key(row)
        if key is None or not row[column].strip():
            continue
        if set_id in WTT_NOT_SHIPPED and key.startswith("wtt."):
            continue  # unverified copies, left out on purpose (see the extraction script)
        assert by_id.get(row_id) == key, f"{row_id} ({key}) not shipped"
    hotels = {
        r["level3"]
        for r in rows(file_name).values()
        if r["level1"] == "Hotel stay" and r[column].strip()
    }
    assert hotels - set(D_HOTEL) == {"UK (London)"}


def family(key: str) -> str:
    """ "wtt.air.long_haul.economy.rf" -> "wtt.air", "car.small.bev" -> "car"."""
    parts = key.split(".")
    return ".".join(parts[:2]) if parts[0] == "wtt" else parts[0]


@pytest.mark.parametrize(
    ("set_id", "count"), [("desnz-2024", 172), ("desnz-2025", 105), ("epa-2025", 14)]
)
def test_factor_counts(set_id: str, count: int) -> None:
    factors = shipped(set_id).factors
    assert len(factors) == count
    if set_id.startswith("desnz"):
        families = Counter(family(k) for k in factors)
        wtt = 0 if set_id in WTT_NOT_SHIPPED else 1
        assert families["air"] == 28
        assert families["wtt.air"] == 28 * wtt
        assert families["car"] == 24  # 4 sizes x 6 fuels
        assert families["wtt.car"] == 24 * wtt
        assert families["hotel"] == 38
        assert families["rail"] == families["motorbike"] == 4
        assert families["wtt.rail"] == families["wtt.motorbike"] == 4 * wtt
        assert families["bus"] == families["taxi"] == 2
        assert families["ferry"] == 3
        assert families["wtt.ferry"] == 3 * wtt


def test_desnz_2025_ships_the_same_ids_as_2024() -> None:
    ids_2024 = {
        k: f.publisher_id
        for k, f in shipped("desnz-2024").factors.items()
        if not k.startswith("wtt.")
    }
    ids_2025 = {k: f.publisher_id for k, f in shipped("desnz-2025").factors.items()}
    assert {k: v for k, v in ids_2024.items() if v not in MISSING_IN_2025} == ids_2025
    assert not any(k.startswith("wtt.") for k in shipped("desnz-2025").factors)


def test_every_epa_factor_is_recomputed_from_table_10() -> None:
    table = rows("epa-hub-2025-table10.csv")
    factor_set = shipped("epa-2025")
    for key, factor in factor_set.factors.items():
        prefix, _, name = factor.publisher_id.partition(":")
        assert prefix == "EPA-Hub-2025-T10"
        row = table[name]
        per_mile = (
            Decimal(row["kg_co2"])
            + Decimal(row["g_ch4"]) * 28 / 1000
            + Decimal(row["g_n2o"]) * 265 / 1000
        )
        assert abs(factor.value - per_mile / Decimal("1.609344")) <= Decimal("1e-9"), key
        assert factor.value.as_tuple().exponent >= -10
        assert (
            factor.unit
            == {"vehicle-mile": "vehicle.km", "passenger-mile": "passenger.km"}[row["unit"]]
        )
        for number in (row["kg_co2"], row["g_ch4"], row["g_n2o"], "1.609344", str(factor.value)):
            assert number in factor.derivation, key
    assert {f.publisher_id.partition(":")[2] for f in factor_set.factors.values()} == set(table)
    assert set(factor_set.factors) == {
        "air.short_haul.average.no_rf", "air.medium_haul.average.no_rf", "air.long_haul.average.no_rf",
        "car.average.unknown", "car.large.unknown", "motorbike.average",
        "rail.national", "rail.intercity_northeast", "rail.intercity_other", "rail.commuter",
        "rail.underground", "rail.light_rail_tram", "bus.local", "bus.coach",
    }  # fmt: skip


def test_epa_values_pinned() -> None:
    factors = shipped("epa-2025").factors
    assert factors["car.average.unknown"].value == Decimal("0.1855226105")
    assert factors["car.average.unknown"].publisher_id == "EPA-Hub-2025-T10:Passenger car"
    assert factors["air.short_haul.average.no_rf"].value == Decimal("0.1298219647")
    assert factors["rail.underground"].value == factors["rail.light_rail_tram"].value
    assert factors["bus.local"].value == factors["bus.coach"].value


# --- pinned DESNZ values (reference section 0, 1.2, 1.5, 1.7) -----------------------------------


@pytest.mark.parametrize(
    ("set_id", "key", "publisher_id", "value"),
    [
        # the famous swap: a public transcription has diesel and petrol the other way round
        ("desnz-2024", "car.average.diesel", "25_301_3069_4_1", "0.16984"),
        ("desnz-2024", "car.average.petrol", "25_301_3070_4_1", "0.1645"),
        ("desnz-2024", "air.long_haul.economy.rf", "21_316_3170_11_1", "0.20011"),
        ("desnz-2024", "air.long_haul.economy.no_rf", "21_316_3171_11_1", "0.11812"),
        ("desnz-2024", "air.short_haul.economy.rf", "21_316_3164_11_1", "0.18287"),
        ("desnz-2024", "bus.local", "25_314_3145_11_1", "0.10846"),
        ("desnz-2024", "motorbike.average", "25_302_3080_4_1", "0.11367"),
        ("desnz-2024", "car.average.bev", "25_301_3076_4_1", "0.04745"),
        ("desnz-2024", "hotel.GB", "29_600_4000_13_1", "10.4"),
        ("desnz-2025", "air.long_haul.economy.rf", "21_316_3170_11_1", "0.11704"),
        ("desnz-2025", "air.international.first.no_rf", "21_316_3187_11_1", "0.25794"),
        ("desnz-2025", "rail.national", "25_315_3147_11_1", "0.03546"),
        ("desnz-2025", "bus.local", "25_314_3145_11_1", "0.10385"),
    ],
)
def test_desnz_values_pinned(set_id: str, key: str, publisher_id: str, value: str) -> None:
    factor = shipped(set_id).require(key)
    assert factor.publisher_id == publisher_id
    assert factor.value == Decimal(value)


# --- structure of the DESNZ air factors ---------------------------------------------------------


def air_groups(factor_set: FactorSet) -> dict[tuple[str, str, str], dict[str, Decimal]]:
    """(prefix, haul, rf) -> class -> value."""
    groups: dict[tuple[str, str, str], dict[str, Decimal]] = {}
    for key, factor in factor_set.factors.items():
        match = re.fullmatch(r"(wtt\.)?air\.(\w+)\.(\w+)\.(rf|no_rf)", key)
        if match:
            prefix, haul, cabin, rf = match.groups()
            groups.setdefault((prefix or "", haul, rf), {})[cabin] = factor.value
    return groups


@pytest.mark.parametrize("set_id", sorted(DESNZ))
def test_cabin_factors_rise_with_the_cabin(set_id: str) -> None:
    groups = air_groups(shipped(set_id))
    # (direct, WTT) x 4 hauls x (rf, no_rf); 2025 without its unverified WTT rows
    assert len(groups) == (8 if set_id in WTT_NOT_SHIPPED else 16)
    for group, by_class in groups.items():
        values = [by_class[c] for c in CLASSES if c in by_class]
        assert values == sorted(values), group


@pytest.mark.parametrize("set_id", sorted(DESNZ))
def test_classes_published_per_haul(set_id: str) -> None:
    groups = air_groups(shipped(set_id))
    published = {
        "domestic": {"average"},
        "short_haul": {"average", "economy", "business"},
        "long_haul": {"average", *CLASSES},
        "international": {"average", *CLASSES},
    }
    for (_, haul, _), by_class in groups.items():
        assert set(by_class) == published[haul]


@pytest.mark.parametrize("set_id", sorted(DESNZ))
def test_with_rf_is_at_least_without_rf(set_id: str) -> None:
    factors = shipped(set_id).factors
    with_rf = [k for k in factors if re.fullmatch(r"(wtt\.)?air\..+\.rf", k)]
    assert len(with_rf) == (14 if set_id in WTT_NOT_SHIPPED else 28)
    for key in with_rf:
        rf, no_rf = factors[key].value, factors[key.removesuffix(".rf") + ".no_rf"].value
        assert rf >= no_rf, key
        if not key.startswith("wtt."):
            # x1.7 on the CO2 part only: the total rises by a little less than 70 %
            assert Decimal("1.6") < rf / no_rf < Decimal("1.7"), key


@pytest.mark.parametrize("set_id", SHIPPED)
def test_air_rules(set_id: str) -> None:
    factor_set = shipped(set_id)
    assert factor_set.uplift_pct == 0  # DESNZ: included already; EPA: none prescribed
    assert factor_set.uplift_note and factor_set.rf_note
    if set_id.startswith("desnz"):
        assert factor_set.uplift_included and factor_set.rf_available
        assert factor_set.distance_bands == ()
        assert "8%" in factor_set.uplift_note and "1.7" in factor_set.rf_note
    else:
        assert not factor_set.uplift_included and not factor_set.rf_available
        assert not any(k.endswith(".rf") for k in factor_set.factors)
        # 300 and 2300 statute miles in km, written to 0.001 km (482.8032 and 3701.4912)
        bands = [(b.haul, b.below_km) for b in factor_set.distance_bands]
        assert bands == [
            ("short_haul", Decimal("482.803")),
            ("medium_haul", Decimal("3701.491")),
            ("long_haul", None),
        ]
        assert abs(Decimal(300) * Decimal("1.609344") - bands[0][1]) < Decimal("0.001")
        assert abs(Decimal(2300) * Decimal("1.609344") - bands[1][1]) < Decimal("0.001")


# --- territories (DESNZ haul definition) ----------------------------------------------------------


def test_desnz_2024_territories() -> None:
    territories = shipped("desnz-2024").territories
    # every row of the Haul definition sheet maps to one ISO2 code: 4 + 47 + 164 = 215.
    # Kosovo is XKX there, a user-assigned code outside ISO 3166-1; it is shipped as XK, the
    # code airport data uses. Ascension Island (SHN) ships as SH and Wake Islands (UMI) as UM.
    assert Counter(territories.values()) == {"domestic": 4, "short_haul": 47, "long_haul": 164}
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in territories)
    assert {c for c, h in territories.items() if h == "domestic"} == {"GB", "GG", "IM", "JE"}
    assert (
        territories["FR"]
        == territories["TR"]
        == territories["EG"]
        == territories["XK"]
        == "short_haul"
    )
    assert (
        territories["US"]
        == territories["IL"]
        == territories["RU"]
        == territories["KZ"]
        == "long_haul"
    )


def test_territories_match_the_haul_definition_sheet() -> None:
    sheet = rows("desnz-2024-haul-definition.csv")
    expected = Counter(r["haul"].lower().replace(" ", "_") for r in sheet.values())
    assert Counter(shipped("desnz-2024").territories.values()) == expected


def test_desnz_2025_reuses_the_2024_territories() -> None:
    assert dict(shipped("desnz-2025").territories) == dict(shipped("desnz-2024").territories)
    assert "Haul definition" in shipped("desnz-2025").verification
    assert dict(shipped("epa-2025").territories) == {}


# --- the files are what the script generates ---------------------------------------------------


def test_shipped_files_are_what_the_script_generates(monkeypatch: pytest.MonkeyPatch) -> None:
    need("pycountry (a test extra)", importlib.util.find_spec("pycountry") is not None)
    need("the reference factor extracts", REFERENCE.is_dir(), f"not found at {REFERENCE}")
    spec = importlib.util.spec_from_file_location("extract_factor_sets", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    for built in module.build_all(REFERENCE):
        current = (FACTOR_SETS / f"{built.meta.id}.toml").read_text(encoding="utf-8")
        assert module.render(built) == current, (
            f"{built.meta.id}.toml is out of date: run {SCRIPT.name}"
        )
