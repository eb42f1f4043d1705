"""One bad cell is a problem of its row, on SQLite and PostgreSQL alike.

Each case takes a reference export, spoils one value (a NUL character, a value longer than
its column, an amount or a count beyond any column) and imports it for real: the run ends,
the problem names the file, the row and the field, and the rest of the file is imported
(the same file with the cell intact, as a dry run, gives the figures to compare with).
"""

from __future__ import annotations

import csv
import json
import tomllib
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectors import fields
from corp_carbon.config import Settings
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.vocabulary import ImportRunStatus
from corp_carbon.services.imports.values import Problem, RunReport
from tests.integration.test_import_pipeline import (
    CONCUR,
    GOLDEN,
    NAVAN,
    SURVEY,
    TRAVELPERK,
    _people,
    _run,
)

GENERIC = GOLDEN / "generic-csv" / "reisen_de.csv"
GENERIC_MAPPING = tomllib.loads(
    (GOLDEN / "generic-csv" / "reisen_de.mapping.toml").read_text(encoding="utf-8")
)
SAE = GOLDEN / "concur-sae" / "sae_expense_extract.txt"
CONNECTORS = {
    CONCUR: "concur-itinerary",
    NAVAN: "navan",
    TRAVELPERK: "travelperk",
    SURVEY: "commute-survey",
    GENERIC: "generic-csv",
    SAE: "concur-sae",
}


@dataclass(frozen=True)
class Spoilt:
    """A reference file with one value spoilt, and the problem a user should be shown."""

    source: Path
    #: the file rows (1-based, header included) to spoil, and the column to spoil in them.
    rows: tuple[int, ...]
    column: str
    value: str
    #: the field the problem names, and words its reason contains.
    field: str
    reason: str
    rejected: bool = True
    #: the row the problem names, when not the first spoilt one: a segment's value is
    #: reported on its booking's first row, the field saying which segment.
    at: int | None = None


def _csv(spoilt: Spoilt, target: Path) -> None:
    text = spoilt.source.read_text(encoding="utf-8-sig")
    delimiter = ";" if spoilt.source == GENERIC else ","
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    at = rows[0].index(spoilt.column)
    for number in spoilt.rows:
        rows[number - 1][at] = spoilt.value
    with target.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, delimiter=delimiter).writerows(rows)


def _sae(spoilt: Spoilt, target: Path) -> None:
    lines = spoilt.source.read_text(encoding="utf-8").splitlines()
    for number in spoilt.rows:
        cells = lines[number - 1].split("|")
        cells[int(spoilt.column)] = spoilt.value
        lines[number - 1] = "|".join(cells)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _travelperk(spoilt: Spoilt, target: Path) -> None:
    """``column`` is the JSON path below the first trip's first booking."""
    document = json.loads(spoilt.source.read_text(encoding="utf-8"))
    node: Any = document["trips"][0]["bookings"][0]
    *path, last = spoilt.column.split(".")
    for step in path:
        node = node[int(step)] if step.isdigit() else node[step]
    node[int(last) if last.isdigit() else last] = spoilt.value
    target.write_text(json.dumps(document), encoding="utf-8")


WRITERS: dict[Path, Callable[[Spoilt, Path], None]] = {
    CONCUR: _csv,
    NAVAN: _csv,
    SURVEY: _csv,
    GENERIC: _csv,
    SAE: _sae,
    TRAVELPERK: _travelperk,
}
NUL_REASON = "NUL character"
LONG = "longer than the"

CASES = {
    # a NUL byte, in every connector
    "concur name NUL": Spoilt(
        CONCUR, (2,), "NameLast", "Mül\x00ler", "NameFirst / NameLast", NUL_REASON
    ),
    "concur vendor NUL": Spoilt(
        CONCUR, (3,), "Vendor", "B\x00A", "Vendor", "segment 2: contains a NUL", at=2
    ),
    "navan vendor NUL": Spoilt(
        NAVAN, (2,), "confirmationNumber", "P3X\x00W9D", "confirmationNumber", NUL_REASON
    ),
    "travelperk locator NUL": Spoilt(
        TRAVELPERK, (0,), "references.0.value", "K7\x00TQ2M", "record_locator", NUL_REASON
    ),
    "survey office NUL": Spoilt(
        SURVEY, (3,), "office_site", "Shang\x00hai", "office_site", NUL_REASON
    ),
    "generic name NUL": Spoilt(GENERIC, (2, 3), "Name", "Zoë\x00", "Name", NUL_REASON),
    "sae last name NUL": Spoilt(
        SAE, (2,), "5", "Mü\x00ller", "Last Name (6) / First Name (7)", NUL_REASON
    ),
    "concur date NUL": Spoilt(
        CONCUR, (2,), "StartDateLocal", "2025\x00-04-07", "StartDateLocal", "not a valid date"
    ),
    # longer than the column
    "service_number 33": Spoilt(
        CONCUR, (2,), "FlightNumber", "9" * 33, "FlightNumber / TrainNumber", LONG
    ),
    "carrier 65": Spoilt(CONCUR, (2,), "Vendor", "B" * 65, "Vendor", LONG),
    "generic service_number 33": Spoilt(GENERIC, (2,), "Flug", "L" * 33, "Flug", LONG),
    "booking key 201": Spoilt(CONCUR, (2, 3), "TripId", "T" * 201, "TripId", LONG),
    "record key 201": Spoilt(CONCUR, (2, 3), "TripId", "T" * 170, "TripId", "record key"),
    # amounts, currencies and counts beyond any column
    "amount 10^30": Spoilt(GENERIC, (2,), "Betrag", "1" + "0" * 30, "Betrag", "too large"),
    "amount beyond its column": Spoilt(
        GENERIC, (2,), "Betrag", "1" + "0" * 17, "Betrag", "out of range"
    ),
    "navan amount beyond any fare": Spoilt(
        NAVAN, (2,), "grandTotal", "1" + "0" * 15, "grandTotal", "out of range", rejected=False
    ),
    "currency EURO": Spoilt(
        GENERIC, (2,), "Währung", "EURO", "Währung", "three-letter", rejected=False
    ),
    "currency E1": Spoilt(
        GENERIC, (2,), "Währung", "E1", "Währung", "three-letter", rejected=False
    ),
    "nights 1E+999999": Spoilt(GENERIC, (2,), "Nächte", "1E+999999", "Nächte", "too large"),
    "nights beyond their column": Spoilt(
        GENERIC, (2,), "Nächte", "1" + "0" * 10, "Nächte", "out of range"
    ),
    "car occupants beyond their column": Spoilt(
        SURVEY, (3,), "car_occupants", "1" + "0" * 10, "car_occupants", "out of range"
    ),
    "office days 1E+999999": Spoilt(
        SURVEY, (3,), "office_days_per_week", "1E+999999", "office_days_per_week", "too large"
    ),
}


def _import(uow: UnitOfWork, settings: Settings, path: Path, name: str, dry_run: bool) -> RunReport:
    mapping = GENERIC_MAPPING if name == "generic-csv" else None
    return _run(uow, settings, name, path, dry_run=dry_run, mapping=mapping)


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_one_bad_cell_is_a_problem_of_its_row(
    uow: UnitOfWork, settings: Settings, tmp_path: Path, case: Spoilt
) -> None:
    _people(uow)
    connector = CONNECTORS[case.source]
    intact = _import(uow, settings, case.source, connector, dry_run=True)
    path = tmp_path / f"spoilt{case.source.suffix}"
    WRITERS[case.source](case, path)

    report = _import(uow, settings, path, connector, dry_run=False)

    assert report.error is None, report.error
    assert report.status is not ImportRunStatus.FAILED
    known = {(p.row, p.field, p.reason) for p in intact.problems}
    new = [p for p in report.problems if (p.row, p.field, p.reason) not in known]
    mine = [p for p in new if _about(p, case)]
    assert mine, new
    problem = mine[0]
    assert problem.file == path.name
    assert problem.rejected is case.rejected
    if case.source is not TRAVELPERK:  # a JSON export's rows are its bookings
        assert problem.row == (case.at or case.rows[0])
    assert "\x00" not in (problem.value or "")
    imported, intact_imported = report.counts["imported"], intact.counts["imported"]
    if case.rejected:  # that booking alone is left out
        assert 0 < imported < intact_imported
    else:
        assert imported == intact_imported


def _about(problem: Problem, case: Spoilt) -> bool:
    return problem.field == case.field and case.reason in problem.reason


def test_a_huge_whole_number_is_refused_before_it_is_converted() -> None:
    """``int(Decimal("1E+999999"))`` builds a million-digit integer (seconds of CPU)."""
    tracemalloc.start()
    try:
        with pytest.raises(fields.FieldError, match="too large"):
            fields.whole("1E+999999")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000


GOOD_COLUMNS = GENERIC_MAPPING["columns"]
BAD_MAPPINGS = {
    "columns not a table": ({"columns": "Buchungsnr"}, "sources.mapping.columns must be"),
    "a column not text": (
        {"columns": {**GOOD_COLUMNS, "record_key": 5}},
        "sources.mapping.columns.record_key must be text",
    ),
    "values not a table": (
        {"columns": GOOD_COLUMNS, "values": 3},
        "sources.mapping.values must be",
    ),
    "a value table not a table": (
        {"columns": GOOD_COLUMNS, "values": {"mode": "air"}},
        "sources.mapping.values.mode must be a table",
    ),
    "a value not text": (
        {"columns": GOOD_COLUMNS, "values": {"mode": {"Flug": ["air"]}}},
        "sources.mapping.values.mode.Flug must be text",
    ),
    "date format not text": (
        {"columns": GOOD_COLUMNS, "date_format": 5},
        "sources.mapping.date_format must be text",
    ),
}


@pytest.mark.parametrize(("mapping", "message"), BAD_MAPPINGS.values(), ids=list(BAD_MAPPINGS))
def test_a_malformed_mapping_is_a_configuration_error_naming_source_and_key(
    uow: UnitOfWork, settings: Settings, mapping: dict[str, Any], message: str
) -> None:
    report = _run(uow, settings, "generic-csv", GENERIC, mapping=mapping, source="reisen")
    assert report.status is ImportRunStatus.FAILED
    assert report.error is not None
    assert "source 'reisen'" in report.error
    assert message in report.error
