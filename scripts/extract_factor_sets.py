#!/usr/bin/env python3
"""Builds the shipped factor-set files from the reference extracts of the publishers' tables.

Reads, from the reference folder (default ``tests/reference/factors``, the shared extracts):

- ``desnz-2024-v1.1-travel.csv``     DESNZ 2024 flat file v1.1, travel categories
- ``desnz-2024-haul-definition.csv`` DESNZ 2024 full set, "Haul definition" sheet (ISO3)
- ``desnz-2025-travel.csv``          DESNZ 2025 flat file (secondary copy), same IDs
- ``epa-hub-2025-table10.csv``       US EPA GHG Emission Factors Hub 2025, Table 10

and writes ``corp_carbon/catalogue/factor_sets/{desnz-2024,desnz-2025,epa-2025}.toml`` in the shape
``corp_carbon.catalogue.files.load_factor_set`` reads. The key scheme and the rules are
documented in ``corp_carbon/catalogue/factor_sets/README.md``.

Rules applied here:

- only the "kg CO2e" total rows, never the per-gas rows; km rows, never miles;
- DESNZ values are copied as published (the CSV text, as a TOML string), each with its
  flat-file ID; a row with an empty value is not shipped;
- EPA values are derived: CO2e per mile = kg CO2 + g CH4 x 28/1000 + g N2O x 265/1000
  (AR5 GWPs printed in the workbook), divided by 1.609344 km per mile, rounded to 10
  decimal places ROUND_HALF_UP; the arithmetic is written into ``derivation``;
- output is deterministic: factors sorted by key, territories by ISO2, fallbacks by key.

``pycountry`` (ISO3 -> ISO2, hotel country names -> ISO2) is needed by this script only;
the runtime reads the ISO2 codes from the TOML files. Install it into the venv with
``.venv/bin/pip install pycountry``.

Usage::

    .venv/bin/python scripts/extract_factor_sets.py [REFERENCE_DIR] [--out DIR] [--check]

``--check`` writes nothing and exits 1 if a shipped file differs from what would be written.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

try:
    import pycountry  # script-only dependency: the runtime reads ISO2 codes from the TOML
except ModuleNotFoundError as exc:  # pragma: no cover
    raise SystemExit("pycountry is needed: .venv/bin/pip install pycountry") from exc

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = REPO / "tests" / "reference" / "factors"
DEFAULT_OUT = REPO / "corp_carbon" / "catalogue" / "factor_sets"
SCRIPT = "scripts/extract_factor_sets.py"

DESNZ_2024_TRAVEL = "desnz-2024-v1.1-travel.csv"
DESNZ_2025_TRAVEL = "desnz-2025-travel.csv"
DESNZ_HAUL = "desnz-2024-haul-definition.csv"
EPA_TABLE10 = "epa-hub-2025-table10.csv"

# --------------------------------------------------------------------------------------
# DESNZ: publisher wording -> our key parts
# --------------------------------------------------------------------------------------

AIR_HAUL = {
    "Domestic, to/from UK": "domestic",
    "Short-haul, to/from UK": "short_haul",
    "Long-haul, to/from UK": "long_haul",
    "International, to/from non-UK": "international",
}
AIR_CLASS = {
    "Average passenger": "average",
    "Economy class": "economy",
    "Premium economy class": "premium_economy",
    "Business class": "business",
    "First class": "first",
}
AIR_RF = {"With RF": "rf", "Without RF": "no_rf"}
RAIL = {
    "National rail": "national",
    "International rail": "international",
    "Light rail and tram": "light_rail_tram",
    "London Underground": "underground",
}
# "Local bus (not London)" and "Local London bus" are published too; only the average ships.
BUS = {"Average local bus": "local", "Coach": "coach"}
TAXI = {"Regular taxi": "regular", "Black cab": "black_cab"}
CAR_SIZE = {
    "Small car": "small",
    "Medium car": "medium",
    "Large car": "large",
    "Average car": "average",
}
# CNG and LPG rows exist but have no member in the product's Fuel vocabulary: not shipped.
CAR_FUEL = {
    "Diesel": "diesel",
    "Petrol": "petrol",
    "Hybrid": "hybrid",
    "Plug-in Hybrid Electric Vehicle": "phev",
    "Battery Electric Vehicle": "bev",
    "Unknown": "unknown",
}
MOTORBIKE = {"Small": "small", "Medium": "medium", "Large": "large", "Average": "average"}
FERRY = {
    "Foot passenger": "foot_passenger",
    "Car passenger": "car_passenger",
    "Average (all passenger)": "average",
}
UNIT = {"passenger.km": "passenger.km", "km": "vehicle.km", "Room per night": "room.night"}

# Hotel-stay country names that pycountry does not resolve (or resolves ambiguously).
# "UK (London)" is a city, not a country: the scheme has only hotel.{ISO2}, so it is not shipped.
HOTEL_COUNTRY_OVERRIDES = {
    "UK": "GB",
    "Korea": "KR",  # the Republic of Korea (Cornell Hotel Sustainability Benchmarking)
    "Hong Kong, China": "HK",
    "Macau, China": "MO",
    "Taiwan, China": "TW",
    "Russian Federation": "RU",
    "Vietnam": "VN",
    "Turkey": "TR",
    "Czech Republic": "CZ",
}
HOTEL_NOT_COUNTRIES = {"UK (London)"}

# ISO3 codes of the haul definition that are not ISO 3166-1: XKX (Kosovo) is a user-assigned
# code; its ISO2 counterpart XK is what airport data uses (airportsdata, OurAirports).
ISO3_OVERRIDES = {"XKX": "XK"}
HAUL = {"Domestic": "domestic", "Short Haul": "short_haul", "Long Haul": "long_haul"}

# --------------------------------------------------------------------------------------
# Set metadata and rules
# --------------------------------------------------------------------------------------

DESNZ_PUBLISHER = "UK Department for Energy Security and Net Zero (DESNZ)"
OGL = "Open Government Licence v3.0"

DESNZ_UPLIFT_NOTE = (
    "DESNZ: 'All the factors include the distance uplift of 8% to compensate for planes not "
    "flying using the most direct route (such as flying around international airspace and "
    "stacking).' Multiply the great-circle distance by the factor; never add the uplift again."
)
DESNZ_RF_NOTE = (
    "Separate 'With RF' and 'Without RF' rows. DESNZ applies a radiative-forcing multiplier of "
    "1.7 to the CO2 component only ('The entirety of the indirect effects have been applied to "
    "the CO2 factor, causing an increase of 70%'); CH4 and N2O are not uplifted, so with/without "
    "RF of the total is about 1.69. DESNZ recommends including the indirect effects and not "
    "switching between with and without RF from one year to the next."
)


@dataclass(frozen=True)
class SetMeta:
    id: str
    publisher: str
    title: str
    year: int
    version: str
    source_url: str
    licence: str
    verification: str
    gwp: str
    haul: str
    uplift_included: bool
    uplift_pct: str
    uplift_note: str
    rf_available: bool
    rf_note: str
    sources: tuple[str, ...]
    #: comment lines written under the header (provenance details).
    comments: tuple[str, ...] = ()
    distance_bands: tuple[tuple[str, str | None], ...] = ()
    #: leave the well-to-tank rows out (unverified copies; see the set's comments).
    skip_wtt: bool = False


DESNZ_2024 = SetMeta(
    id="desnz-2024",
    publisher=DESNZ_PUBLISHER,
    title="Greenhouse gas reporting: conversion factors 2024",
    year=2024,
    version="1.1",
    source_url=(
        "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2024"
    ),
    licence=OGL,
    verification=(
        "Extracted from a copy of the official flat-file xlsx v1.1 (sheet 'Factors by "
        "Category'); a second independent copy has identical values. Territory list from the "
        "'Haul definition' sheet of a copy of the official 2024 full set."
    ),
    gwp="AR5",
    haul="uk_territory",
    uplift_included=True,
    uplift_pct="0",
    uplift_note=DESNZ_UPLIFT_NOTE,
    rf_available=True,
    rf_note=DESNZ_RF_NOTE,
    sources=(DESNZ_2024_TRAVEL, DESNZ_HAUL),
)

DESNZ_2025 = SetMeta(
    id="desnz-2025",
    publisher=DESNZ_PUBLISHER,
    title="Greenhouse gas reporting: conversion factors 2025",
    year=2025,
    version="2025 flat file (version number not stated in the secondary copy)",
    source_url=(
        "https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025"
    ),
    licence=OGL,
    verification=(
        "Transcribed from a secondary CSV copy of the 2025 flat file, not from the official "
        "xlsx; several rows cross-checked against other sources (e.g. 21_316_3170_11_1, "
        "21_316_3160_11_1, 21_316_3187_11_1, 25_315_3147_11_1, 25_314_3145_11_1). The WTT and "
        "hotel rows of the copy are identical to 2024 and were not cross-checked. The territory "
        "list is the 2024 'Haul definition' sheet (the 2025 sheet was not extracted)."
    ),
    gwp="AR5",
    haul="uk_territory",
    uplift_included=True,
    uplift_pct="0",
    uplift_note=DESNZ_UPLIFT_NOTE,
    rf_available=True,
    rf_note=DESNZ_RF_NOTE,
    sources=(DESNZ_2025_TRAVEL, DESNZ_HAUL),
    comments=(
        "territories: the 2024 Haul definition sheet, reused (no 2025 haul sheet in the extracts).",
        "not shipped: the well-to-tank rows. In the secondary copy all 100 are identical to 2024",
        "to the last digit while the direct air factors fell 16-42 %, and the air WTT/CO2 ratio",
        "is inconsistent across hauls (2024: 0.210 everywhere). They return once checked",
        "against the official 2025 file; until then the engine states 'no WTT factor'.",
    ),
    skip_wtt=True,
)

MILE_KM = Decimal("1.609344")  # exact by definition
GWP_CH4 = Decimal(28)  # AR5, as printed in the EPA workbook
GWP_N2O = Decimal(265)

EPA_2025 = SetMeta(
    id="epa-2025",
    publisher="US Environmental Protection Agency (EPA)",
    title=(
        "GHG Emission Factors Hub 2025, Table 10: Scope 3 Category 6 and 7 (business travel "
        "and employee commuting)"
    ),
    year=2025,
    version="2025 (last modified 15 January 2025)",
    source_url="https://www.epa.gov/system/files/documents/2025-01/ghg-emission-factors-hub-2025.pdf",
    licence="US public domain",
    verification=(
        "kg CO2, g CH4 and g N2O read from a copy of the official 2025 workbook; CO2e per mile "
        "computed here with the AR5 GWPs printed in the same workbook (CH4 28, N2O 265) and "
        "converted to per km (1 mile = 1.609344 km); see each factor's derivation."
    ),
    gwp="AR5",
    haul="distance_bands",
    uplift_included=False,
    uplift_pct="0",
    uplift_note=(
        "EPA Table 10 neither states nor prescribes a great-circle distance uplift, so none is "
        "added (0 %). EPA took its air factors from the Defra 2022 conversion factors (2018 "
        "activity data); Defra's own air factors include a distance uplift (8 % in the 2024 "
        "set), and EPA does not say whether its per-mile figures keep it."
    ),
    rf_available=False,
    rf_note=(
        "EPA publishes no radiative-forcing factors: the air factors are CO2, CH4 and N2O "
        "combustion emissions only (tank-to-wheel), without RF and without cabin classes."
    ),
    sources=(EPA_TABLE10,),
    comments=(
        "distance bands: EPA short haul < 300 miles, medium haul >= 300 and < 2300 miles,",
        "long haul >= 2300 miles; 300 mi = 482.8032 km and 2300 mi = 3701.4912 km, written to",
        "0.001 km (the band edges move by less than a metre).",
    ),
    distance_bands=(
        ("short_haul", "482.803"),
        ("medium_haul", "3701.491"),
        ("long_haul", None),
    ),
)

# EPA Table 10 row -> our keys (one row may serve several keys).
EPA_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "Passenger car": (("car.average.unknown", ""),),
    "Light-duty truck": (
        (
            "car.large.unknown",
            "mapped to a large car of unknown fuel: EPA has no car size classes",
        ),
    ),
    "Motorcycle": (("motorbike.average", ""),),
    "Intercity rail - Northeast Corridor": (("rail.intercity_northeast", ""),),
    "Intercity rail - other routes": (("rail.intercity_other", ""),),
    "Intercity rail - national average": (("rail.national", ""),),
    "Commuter rail": (("rail.commuter", ""),),
    "Transit rail (subway and tram)": (
        ("rail.underground", "one EPA row for subway and tram"),
        ("rail.light_rail_tram", "one EPA row for subway and tram"),
    ),
    "Bus": (
        ("bus.local", "one EPA row for all buses"),
        ("bus.coach", "one EPA row for all buses"),
    ),
    "Air travel - short haul (< 300 miles)": (("air.short_haul.average.no_rf", ""),),
    "Air travel - medium haul (>= 300 and < 2300 miles)": (("air.medium_haul.average.no_rf", ""),),
    "Air travel - long haul (>= 2300 miles)": (("air.long_haul.average.no_rf", ""),),
}
EPA_UNIT = {"vehicle-mile": "vehicle.km", "passenger-mile": "passenger.km"}
# A key without a factor of its own -> an existing key; the engine states the fallback.
EPA_FALLBACKS = {"taxi.regular": "car.average.unknown"}


# --------------------------------------------------------------------------------------
# Model of what is written
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    publisher_id: str
    value: str
    unit: str
    label: str
    derivation: str = ""


@dataclass
class Built:
    meta: SetMeta
    factors: list[Row]
    territories: dict[str, str] = field(default_factory=dict)
    fallbacks: dict[str, str] = field(default_factory=dict)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def plain(value: str) -> str:
    """The published text, or its plain decimal form if the copy used an exponent (1e-05)."""
    text = value.strip()
    if "e" in text.lower():
        return format(Decimal(text), "f")
    return text


# --------------------------------------------------------------------------------------
# DESNZ
# --------------------------------------------------------------------------------------


def desnz_key(row: dict[str, str]) -> str | None:
    """Our key for a DESNZ flat-file row, or None when the scheme does not ship that row."""
    if row["ghg_unit"] != "kg CO2e" or row["uom"] not in UNIT:
        return None
    level1, level2, level3 = row["level1"], row["level2"], row["level3"]
    level4, column = row["level4"], row["column_text"]
    wtt = level1.startswith("WTT-")
    base: str | None = None
    if level2 in ("Flights", "WTT- flights"):
        if level3 in AIR_HAUL and level4 in AIR_CLASS and column in AIR_RF:
            base = f"air.{AIR_HAUL[level3]}.{AIR_CLASS[level4]}.{AIR_RF[column]}"
    elif level2 in ("Rail", "WTT- rail"):
        base = _part("rail", RAIL, level3)
    elif level2 in ("Bus", "WTT- bus"):
        base = _part("bus", BUS, level3)
    elif level2 in ("Taxis", "WTT- taxis"):
        # passenger.km rows only (DESNZ publishes both per passenger.km and per vehicle km)
        base = _part("taxi", TAXI, level3) if row["uom"] == "passenger.km" else None
    elif level2 in ("Cars (by size)", "WTT- cars (by size)"):
        # not the "UK electricity (T&D) for EVs" rows: Business travel- land already has them
        in_category = level1.startswith(("Business travel", "WTT-")) and row["uom"] == "km"
        if in_category and level3 in CAR_SIZE and column in CAR_FUEL:
            base = f"car.{CAR_SIZE[level3]}.{CAR_FUEL[column]}"
    elif level2 in ("Motorbike", "WTT- motorbike"):
        base = _part("motorbike", MOTORBIKE, level3) if row["uom"] == "km" else None
    elif level2 in ("Ferry", "WTT- ferry"):
        base = _part("ferry", FERRY, level3)
    elif level1 == "Hotel stay" and level3 not in HOTEL_NOT_COUNTRIES:
        base = f"hotel.{hotel_iso2(level3)}"
    if base is None:
        return None
    return f"wtt.{base}" if wtt else base


def _part(prefix: str, mapping: dict[str, str], text: str) -> str | None:
    return f"{prefix}.{mapping[text]}" if text in mapping else None


def hotel_iso2(name: str) -> str:
    if name in HOTEL_COUNTRY_OVERRIDES:
        return HOTEL_COUNTRY_OVERRIDES[name]
    return str(pycountry.countries.lookup(name).alpha_2)


def desnz_label(row: dict[str, str]) -> str:
    parts = [row[k] for k in ("level2", "level3", "level4", "column_text") if row[k]]
    label = " / ".join(parts)
    if row["level2"] in ("Taxis", "WTT- taxis"):
        label += " (per passenger.km)"
    return label


def build_desnz(meta: SetMeta, travel: Path, haul: Path, column: str) -> Built:
    factors: dict[str, Row] = {}
    for row in read_csv(travel):
        key = desnz_key(row)
        if key is None or not row[column].strip():
            continue
        if meta.skip_wtt and key.startswith("wtt."):
            continue
        if key in factors:
            raise SystemExit(
                f"{travel.name}: {key} from {row['id']} and {factors[key].publisher_id}"
            )
        factors[key] = Row(
            key=key,
            publisher_id=row["id"],
            value=plain(row[column]),
            unit=UNIT[row["uom"]],
            label=desnz_label(row),
        )
    return Built(
        meta=meta,
        factors=sorted(factors.values(), key=lambda r: r.key),
        territories=territories(haul),
    )


def territories(path: Path) -> dict[str, str]:
    result: dict[str, str] = {}
    for row in read_csv(path):
        iso3 = row["iso3"].strip()
        if iso3 in ISO3_OVERRIDES:
            iso2 = ISO3_OVERRIDES[iso3]
        else:
            country = pycountry.countries.get(alpha_3=iso3)
            if country is None:
                raise SystemExit(f"{path.name}: no ISO2 code for {iso3} ({row['territory']})")
            iso2 = str(country.alpha_2)
        if iso2 in result:
            raise SystemExit(f"{path.name}: {iso2} listed twice")
        result[iso2] = HAUL[row["haul"].strip()]
    return dict(sorted(result.items()))


# --------------------------------------------------------------------------------------
# EPA
# --------------------------------------------------------------------------------------


def epa_value(kg_co2: str, g_ch4: str, g_n2o: str) -> tuple[str, str]:
    """(value per km, derivation) for one Table 10 row; exact decimal arithmetic."""
    with localcontext() as ctx:
        ctx.prec = 60
        per_mile = (
            Decimal(kg_co2)
            + Decimal(g_ch4) * GWP_CH4 / Decimal(1000)
            + Decimal(g_n2o) * GWP_N2O / Decimal(1000)
        )
        per_km = (per_mile / MILE_KM).quantize(Decimal("1E-10"), rounding=ROUND_HALF_UP)
    return format(per_km, "f"), format(per_mile, "f")


def build_epa(meta: SetMeta, table: Path) -> Built:
    factors: list[Row] = []
    for row in read_csv(table):
        name = row["vehicle_type"].strip()
        if name not in EPA_KEYS:
            raise SystemExit(f"{table.name}: unmapped row {name!r}")
        unit_mile = row["unit"].strip()
        value, per_mile = epa_value(row["kg_co2"], row["g_ch4"], row["g_n2o"])
        derivation = (
            f"kg CO2 {row['kg_co2']} + g CH4 {row['g_ch4']} x 28/1000 + g N2O {row['g_n2o']}"
            f" x 265/1000 = {per_mile} kg CO2e per {unit_mile}; / 1.609344 km per mile"
            f" = {value} (rounded half-up to 10 decimal places)"
        )
        for key, note in EPA_KEYS[name]:
            label = f"Table 10 / {name} (per {unit_mile}, converted to per km)"
            if note:
                label += f"; {note}"
            factors.append(
                Row(
                    key=key,
                    publisher_id=f"EPA-Hub-2025-T10:{name}",
                    value=value,
                    unit=EPA_UNIT[unit_mile],
                    label=label,
                    derivation=derivation,
                )
            )
    return Built(
        meta=meta,
        factors=sorted(factors, key=lambda r: r.key),
        fallbacks=dict(sorted(EPA_FALLBACKS.items())),
    )


# --------------------------------------------------------------------------------------
# TOML writer (tomllib reads, nothing in the standard library writes)
# --------------------------------------------------------------------------------------


def q(text: str) -> str:
    """A TOML basic string; JSON string escapes are valid TOML escapes."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ValueError(f"control character in {text!r}")
    return json.dumps(text, ensure_ascii=False)


def render(built: Built) -> str:
    meta = built.meta
    lines = [
        f"# generated by {SCRIPT} from {', '.join(meta.sources)}; do not edit by hand",
        *(f"# {c}" for c in meta.comments),
        f"id = {q(meta.id)}",
        f"publisher = {q(meta.publisher)}",
        f"title = {q(meta.title)}",
        f"year = {meta.year}",
        f"version = {q(meta.version)}",
        f"source_url = {q(meta.source_url)}",
        f"licence = {q(meta.licence)}",
        f"verification = {q(meta.verification)}",
        f"gwp = {q(meta.gwp)}",
        "",
        "[rules]",
        f"haul = {q(meta.haul)}",
        f"uplift_included = {'true' if meta.uplift_included else 'false'}",
        f"uplift_pct = {q(meta.uplift_pct)}",
        f"uplift_note = {q(meta.uplift_note)}",
        f"rf_available = {'true' if meta.rf_available else 'false'}",
        f"rf_note = {q(meta.rf_note)}",
        f"distance_bands = {bands(meta.distance_bands)}",
    ]
    if built.territories:
        lines += ["", "[rules.territories]"]
        lines += [f"{iso2} = {q(haul)}" for iso2, haul in built.territories.items()]
    lines += ["", "[rules.fallbacks]"]
    lines += [f"{q(key)} = {q(target)}" for key, target in built.fallbacks.items()]
    for row in built.factors:
        lines += [
            "",
            "[[factors]]",
            f"key = {q(row.key)}",
            f"publisher_id = {q(row.publisher_id)}",
            f"value = {q(row.value)}",
            f"unit = {q(row.unit)}",
            f"label = {q(row.label)}",
            f"derivation = {q(row.derivation)}",
        ]
    return "\n".join(lines) + "\n"


def bands(items: Iterable[tuple[str, str | None]]) -> str:
    parts = []
    for haul, below in items:
        inner = f"haul = {q(haul)}" + (f", below_km = {q(below)}" if below is not None else "")
        parts.append("{" + inner + "}")
    return "[" + ", ".join(parts) + "]"


# --------------------------------------------------------------------------------------


def build_all(reference: Path) -> Iterator[Built]:
    haul = reference / DESNZ_HAUL
    yield build_desnz(DESNZ_2024, reference / DESNZ_2024_TRAVEL, haul, "factor_2024")
    yield build_desnz(DESNZ_2025, reference / DESNZ_2025_TRAVEL, haul, "factor_2025")
    yield build_epa(EPA_2025, reference / EPA_TABLE10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", nargs="?", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    if not args.reference.is_dir():
        parser.error(f"reference folder not found: {args.reference}")
    stale = 0
    for built in build_all(args.reference):
        target = args.out / f"{built.meta.id}.toml"
        text = render(built)
        if args.check:
            current = target.read_text(encoding="utf-8") if target.exists() else None
            if current != text:
                stale += 1
                print(f"out of date: {target}")
            continue
        target.write_text(text, encoding="utf-8")
        print(
            f"wrote {target} ({len(built.factors)} factors, {len(built.territories)} territories)"
        )
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
