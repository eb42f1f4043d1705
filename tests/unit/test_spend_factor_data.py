"""The shipped spend factor set, checked against the EPA rows it was read from.

``tests/reference/factors/useeio-v1.2-travel.csv`` holds the header and the travel rows of
SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv unchanged (source in the README
beside it). Every factor must equal its row exactly: value, title, USEEIO code and unit.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from corp_carbon.catalogue import load_spend_sets
from corp_carbon.domain.spend import SpendFactorSet

REPO = Path(__file__).resolve().parents[2]
EXTRACT = REPO / "tests" / "reference" / "factors" / "useeio-v1.2-travel.csv"
SET_FILE = REPO / "corp_carbon" / "catalogue" / "factor_sets" / "spend" / "useeio-v1.2-2021usd.toml"
SOURCE = "SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv"


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, str]]:
    with EXTRACT.open(encoding="utf-8", newline="") as f:
        return {row["2017 NAICS Code"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def spend_set() -> SpendFactorSet:
    return load_spend_sets()["useeio-v1.2-2021usd"]


def test_every_factor_equals_its_epa_row(
    rows: dict[str, dict[str, str]], spend_set: SpendFactorSet
) -> None:
    for factor in spend_set.factors.values():
        row = rows[factor.naics]
        assert factor.value == Decimal(row["Supply Chain Emission Factors with Margins"])
        assert factor.naics_title == row["2017 NAICS Title"]
        assert factor.useeio_code == row["Reference USEEIO Code"]
        assert row["Unit"] == "kg CO2e/2021 USD, purchaser price"
        assert row["GHG"] == "All GHGs"


def test_every_extract_row_is_used(
    rows: dict[str, dict[str, str]], spend_set: SpendFactorSet
) -> None:
    assert {f.naics for f in spend_set.factors.values()} == set(rows)


@pytest.mark.parametrize(
    ("naics", "with_margins", "without", "margins"),
    [
        ("481111", "0.976", "0.976", "0"),
        ("482111", "0.558", "0.558", "0"),
        ("485310", "0.499", "0.499", "0"),
        ("532111", "0.143", "0.143", "0"),
        ("721110", "0.183", "0.183", "0"),
    ],
)
def test_published_figures_pinned(
    rows: dict[str, dict[str, str]], naics: str, with_margins: str, without: str, margins: str
) -> None:
    """A handful of EPA figures as printed; margins are 0 for these service sectors, so
    "with margins" equals "without"."""
    row = rows[naics]
    assert row["Supply Chain Emission Factors with Margins"] == with_margins
    assert row["Supply Chain Emission Factors without Margins"] == without
    assert row["Margins of Supply Chain Emission Factors"] == margins


def test_the_set_names_the_file_and_version_it_was_read_from(spend_set: SpendFactorSet) -> None:
    header = SET_FILE.read_text(encoding="utf-8").split("\nid = ", 1)[0]
    assert spend_set.dataset_file == SOURCE
    assert f"https://pasteur.epa.gov/uploads/10.23719/1528686/{SOURCE}" in header
    assert "DOI 10.23719/1528686" in header and "tag v1.2" in header
    assert "855da61b45b14b861e2b0531a00ddb01e3661c7a" in header
    assert spend_set.version.startswith("v1.2") and spend_set.price_year == 2021
    assert spend_set.licence == "US public domain (US Government work)"
