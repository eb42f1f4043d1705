"""Commute survey: the hard cases of travel_formats.md §8.5, one test each."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors import ConnectorOptions, get_connector
from connectors.reading import head_of
from corp_carbon.domain.bookings import CommuteResponse, FileHead, Record, RowProblem
from corp_carbon.domain.vocabulary import DistanceSource, Fuel, Mode
from tests.connectors.golden import GOLDEN

SAMPLE = GOLDEN / "commute-survey" / "commute_survey.csv"
HEADER = SAMPLE.read_text(encoding="utf-8").splitlines()[0]
ROWS = {line.split(",")[0]: line for line in SAMPLE.read_text(encoding="utf-8").splitlines()[1:]}


def _extract(path: Path, **mapping: Any) -> list[Record]:
    return list(get_connector("commute-survey", ConnectorOptions(mapping=mapping)).extract(path))


def _one(tmp_path: Path, line: str, **mapping: Any) -> list[Record]:
    path = tmp_path / "survey.csv"
    path.write_text(f"{HEADER}\n{line}\n", encoding="utf-8")
    return _extract(path, **mapping)


def _response(records: list[Record]) -> CommuteResponse:
    found = [r for r in records if isinstance(r, CommuteResponse)]
    assert len(found) == 1, records
    return found[0]


@pytest.fixture(scope="module")
def sample() -> list[Record]:
    return _extract(SAMPLE)


def _by_key(records: list[Record]) -> dict[str, CommuteResponse]:
    return {r.key: r for r in records if isinstance(r, CommuteResponse)}


def test_identify_by_signature_columns() -> None:
    connector = get_connector("commute-survey")
    assert connector.identify(head_of(SAMPLE, ConnectorOptions().xlsx_guard))
    assert not connector.identify(FileHead("x.csv", "a,b", ("a", "b")))


def test_duplicates_are_all_yielded_for_the_pipeline(sample: list[Record]) -> None:
    keys = _by_key(sample)
    assert {"R-001", "R-007", "R-012"} <= set(keys)
    assert keys["R-012"].traveller.email == "priya.raman@example.com"


def test_iso_with_and_without_offset(sample: list[Record]) -> None:
    keys = _by_key(sample)
    assert keys["R-001"].submitted_at.utcoffset() is not None
    assert keys["R-002"].submitted_at.isoformat() == "2025-03-03T10:02:51+00:00"
    assert any("UTC" in n for n in keys["R-002"].notes)


def test_ambiguous_date_rejected_without_date_order(sample: list[Record]) -> None:
    problem = next(p for p in sample if isinstance(p, RowProblem) and p.row == 4)
    assert problem.rejected and problem.field == "submitted_at"
    assert "ambiguous" in problem.reason and "date_order" in problem.reason


def test_r003_with_date_order_converts_miles(tmp_path: Path) -> None:
    response = _response(_one(tmp_path, ROWS["R-003"], date_order="dmy"))
    assert response.submitted_at.date().isoformat() == "2025-04-03"
    assert response.one_way_km == Decimal("19.312")
    assert [(leg.mode, leg.share_pct) for leg in response.legs] == [
        (Mode.RAIL, 70),
        (Mode.BUS, 30),
    ]


def test_r004_band_midpoint_estimated(sample: list[Record]) -> None:
    r004 = _by_key(sample)["R-004"]
    assert r004.one_way_km == Decimal("7.500")
    assert r004.distance_source is DistanceSource.ESTIMATED
    assert any("band" in note for note in r004.notes)


def test_r005_missing_distance_rejected_naming_row_and_column(sample: list[Record]) -> None:
    problem = next(p for p in sample if isinstance(p, RowProblem) and p.row == 6)
    assert (problem.field, problem.reason, problem.rejected) == (
        "one_way_distance",
        "one-way distance missing",
        True,
    )


def test_r006_invalid_date_rejected(sample: list[Record]) -> None:
    problem = next(p for p in sample if isinstance(p, RowProblem) and p.row == 7)
    assert problem.rejected and problem.field == "submitted_at"
    assert problem.value == "2025-02-30T12:00:00-08:00"


def test_electric_car_with_three_occupants(tmp_path: Path) -> None:
    line = ROWS["R-006"].replace("2025-02-30", "2025-02-28")
    response = _response(_one(tmp_path, line))
    assert response.car_fuel is Fuel.BEV and response.car_occupants == 3
    assert response.one_way_km == Decimal("6.759")
    assert response.legs[0].mode is Mode.CAR


def test_r008_fully_remote_has_no_legs(sample: list[Record]) -> None:
    r008 = _by_key(sample)["R-008"]
    assert r008.legs == () and r008.office_days_per_week == 0 and r008.remote_days_per_week == 5


def test_r009_days_flagged_and_free_text_mode_rejected(sample: list[Record]) -> None:
    problems = [p for p in sample if isinstance(p, RowProblem) and p.row == 10]
    days = next(p for p in problems if p.field == "office_days_per_week")
    mode = next(p for p in problems if p.field == "main_mode")
    assert not days.rejected
    assert mode.rejected and "unrecognised mode" in mode.reason
    assert mode.value == "other: e-scooter + S-Bahn"


def test_r009_mapped_mode_is_accepted(tmp_path: Path) -> None:
    records = _one(tmp_path, ROWS["R-009"], modes={"other: e-scooter + S-Bahn": "rail"})
    assert _response(records).legs[0].mode is Mode.RAIL


def test_office_days_capped_at_seven_minus_remote(tmp_path: Path) -> None:
    line = ROWS["R-001"].replace(",3,2,,,44,", ",6,3,,,44,")
    records = _one(tmp_path, line)
    assert _response(records).office_days_per_week == 4
    assert any(isinstance(p, RowProblem) and "capped at 4" in p.reason for p in records)


def test_r010_contractor_without_employee_id_is_kept(sample: list[Record]) -> None:
    r010 = _by_key(sample)["R-010"]
    assert r010.traveller.employee_number is None
    assert r010.traveller.email == "ext.contractor@partner.example"


def test_r002_multimodal_shares_and_non_ascii(sample: list[Record]) -> None:
    r002 = _by_key(sample)["R-002"]
    assert r002.traveller.name == "张伟"
    assert [(leg.mode, leg.share_pct) for leg in r002.legs] == [(Mode.SUBWAY, 80), (Mode.WALK, 20)]


def test_utf16_and_gb18030_files_read() -> None:
    utf16 = _extract(GOLDEN / "commute-survey" / "commute_survey_utf16.txt")
    assert _by_key(utf16)["R-002"].traveller.name == "张伟"
    gb = _extract(
        GOLDEN / "commute-survey" / "commute_survey_gb18030.csv",
        modes={"地铁": "subway", "步行": "walk"},
    )
    assert _by_key(gb)["S-101"].legs[0].mode is Mode.SUBWAY


def test_bad_share_rejected(tmp_path: Path) -> None:
    line = ROWS["R-002"].replace(",metro,80,walk,", ",metro,120,walk,")
    records = _one(tmp_path, line)
    assert any(isinstance(p, RowProblem) and p.field == "main_mode_share_pct" for p in records)
