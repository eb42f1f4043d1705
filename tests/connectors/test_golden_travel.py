"""Golden files for the travel-booking connectors: concur-itinerary, navan and travelperk.

Each input ``golden/<connector>/<name>.<ext>`` is extracted and compared with
``<name>.expected.json``. Run with ``CORP_CARBON_UPDATE_GOLDEN=1`` to rewrite the JSON after a
deliberate change, then review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
from pathlib import Path

import pytest

from connectors import get_connector
from corp_carbon.domain.bookings import BookingRecord, RowProblem
from tests.connectors.golden import GOLDEN, dump, extract_plain

CONNECTORS = ("concur-itinerary", "navan", "travelperk")


def _inputs() -> list[tuple[str, Path]]:
    found = []
    for connector in CONNECTORS:
        for path in sorted((GOLDEN / connector).iterdir()):
            if path.is_file() and not path.name.endswith(".expected.json"):
                found.append((connector, path))
    return found


@pytest.mark.parametrize(
    ("connector", "path"), _inputs(), ids=lambda v: v.name if isinstance(v, Path) else v
)
def test_golden(connector: str, path: Path) -> None:
    expected_path = path.with_name(path.stem + ".expected.json")
    actual = dump(extract_plain(connector, path))
    if os.environ.get("CORP_CARBON_UPDATE_GOLDEN") == "1":
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"run with CORP_CARBON_UPDATE_GOLDEN=1 to create {expected_path}"
    assert json.loads(actual) == json.loads(expected_path.read_text(encoding="utf-8"))


def test_every_connector_has_inputs() -> None:
    assert {c for c, _ in _inputs()} == set(CONNECTORS)


@pytest.mark.parametrize(
    ("connector", "original", "variant"),
    [
        ("concur-itinerary", "concur_itinerary_export", "concur_itinerary_bom"),
        ("concur-itinerary", "concur_itinerary_export", "concur_itinerary_utf16"),
        ("concur-itinerary", "concur_itinerary_export", "concur_itinerary_gb18030"),
        ("concur-itinerary", "concur_itinerary_export", "concur_itinerary_semicolon"),
        ("navan", "navan_bookings_export", "navan_bookings_bom"),
        ("navan", "navan_bookings_export", "navan_bookings_utf16"),
        ("navan", "navan_bookings_export", "navan_bookings_gb18030"),
        ("navan", "navan_bookings_export", "navan_bookings_semicolon"),
        ("travelperk", "travelperk_trips_export", "travelperk_bom"),
        ("travelperk", "travelperk_trips_export", "travelperk_utf16"),
    ],
)
def test_encodings_and_delimiters_give_identical_golden_files(
    connector: str, original: str, variant: str
) -> None:
    """The re-encoded samples must not drift from the original's records."""
    folder = GOLDEN / connector
    assert (folder / f"{variant}.expected.json").read_text(encoding="utf-8") == (
        folder / f"{original}.expected.json"
    ).read_text(encoding="utf-8")


# --- garbage never crashes a connector ------------------------------------------------------

SAMPLES = {
    "concur-itinerary": GOLDEN / "concur-itinerary" / "concur_itinerary_export.csv",
    "navan": GOLDEN / "navan" / "navan_bookings_export.csv",
    "travelperk": GOLDEN / "travelperk" / "travelperk_trips_export.json",
}
GARBAGE_TEXT = ["", " ", "x", "-1", "1e999", "NaN", "2025-13-45", ">", ";", "A>B C", "ÿ€", "999999"]
GARBAGE_JSON: list[object] = [None, "", "x", -1, 1.5, True, [], {}, ["a"], {"a": 1}, "2025-02-30"]


def _mutate_csv(text: str, rng: random.Random) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows[1:]:
        for index in range(len(row)):
            if rng.random() < 0.3:
                row[index] = rng.choice(GARBAGE_TEXT)
        if rng.random() < 0.2:
            del row[rng.randrange(len(row)) :]
        if rng.random() < 0.1:
            row.extend(["extra"] * 3)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _mutate_json(value: object, rng: random.Random) -> object:
    if rng.random() < 0.08:
        return rng.choice(GARBAGE_JSON)
    if isinstance(value, dict):
        return {k: _mutate_json(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [_mutate_json(v, rng) for v in value]
    return value


@pytest.mark.parametrize("connector", sorted(SAMPLES))
@pytest.mark.parametrize("seed", range(25))
def test_garbage_values_become_problems_not_crashes(
    tmp_path: Path, connector: str, seed: int
) -> None:
    rng = random.Random(seed)
    sample = SAMPLES[connector]
    text = sample.read_text(encoding="utf-8")
    path = tmp_path / sample.name
    if connector == "travelperk":
        document = json.loads(text)
        document["trips"] = _mutate_json(document["trips"], rng)
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(_mutate_csv(text, rng), encoding="utf-8")
    records = list(get_connector(connector).extract(path))
    assert all(isinstance(r, BookingRecord | RowProblem) for r in records)
