"""Hostile files of a few kilobytes: each is refused with a message naming the file and
what is wrong, in bounded time and memory, instead of crashing or exhausting the process."""

from __future__ import annotations

import gc
import io
import json
import random
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.json_guard import GuardedJsonBytes, JsonBeyondLimits
from connectors.reading import UnreadableFile, XlsxGuard, dict_rows, xlsx_rows
from connectors.travelperk import TravelPerk
from tests.connectors import fuzzing, hostile

ROOT = Path(__file__).resolve().parents[2]


def _read_travelperk(path: Path) -> list[object]:
    return list(TravelPerk().extract(path))


def test_an_integer_of_4301_digits_is_refused_and_the_process_lives(tmp_path: Path) -> None:
    """In a child process: before the guard, ijson's C backend killed it (SIGSEGV)."""
    path = hostile.travelperk_big_integer(tmp_path / "trips.json")
    script = (
        "import sys\nfrom pathlib import Path\nfrom connectors.travelperk import TravelPerk\n"
        "from connectors.reading import UnreadableFile\n"
        "try:\n    list(TravelPerk().extract(Path(sys.argv[1])))\n"
        "except UnreadableFile as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "trips.json: a number of more than 100 digits at byte 32; no field of a travel export "
        "needs one"
    )


def test_json_nested_30000_deep_is_refused_in_kilobytes(tmp_path: Path) -> None:
    path = hostile.travelperk_deep(tmp_path / "trips.json")
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile, match="nested more than 64 levels deep at byte 105"):
            _read_travelperk(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # it was 2 GB


def test_long_digit_runs_and_brackets_inside_strings_are_just_text(tmp_path: Path) -> None:
    document = {"trips": [{"id": "9" * 5000, "note": "[" * 500 + '\\"{' * 100}]}
    path = tmp_path / "trips.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert _read_travelperk(path) == []  # a trip with no bookings: nothing to import


# --- the guard, chunk by chunk --------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=False)
    | st.text(alphabet=st.sampled_from('ab"\\[]{}0123456789 \u00e9\u4e2d'), max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)  # fmt: skip


def _through_guard(data: bytes, chunk: int, **limits: int) -> bytes:
    guarded, out = GuardedJsonBytes(io.BytesIO(data), **limits), bytearray()
    while piece := guarded.read(chunk):
        out += piece
    return bytes(out)


@settings(max_examples=300, deadline=None)
@given(value=JSON_VALUES, chunk=st.integers(1, 64))
def test_the_guard_passes_every_shallow_document_whatever_the_chunk_size(
    value: Any, chunk: int
) -> None:
    data = json.dumps({"trips": [value]}, ensure_ascii=False).encode()
    assert _through_guard(data, chunk) == data


@settings(max_examples=100, deadline=None)
@given(depth=st.integers(1, 40), digits=st.integers(1, 40), chunk=st.integers(1, 16))
def test_the_guard_stops_at_the_limits_whatever_the_chunk_size(
    depth: int, digits: int, chunk: int
) -> None:
    nested = ("[" * depth + "]" * depth).encode()
    _through_guard(nested, chunk, max_depth=depth)
    with pytest.raises(JsonBeyondLimits, match=f"nested more than {depth - 1} levels"):
        _through_guard(nested, chunk, max_depth=depth - 1)
    number = b"[" + b"7" * digits + b"]"
    _through_guard(number, chunk, max_digits=digits)
    with pytest.raises(JsonBeyondLimits, match=f"more than {digits - 1} digits at byte 1"):
        _through_guard(number, chunk, max_digits=digits - 1)
    quoted = b'["' + b"7" * digits + b'\\"' + b"[" * depth + b'"]'
    assert _through_guard(quoted, chunk, max_depth=1, max_digits=1) == quoted


# --- XLSX -----------------------------------------------------------------------------------


def test_a_forged_dimension_is_ignored_and_rows_keep_their_own_width(tmp_path: Path) -> None:
    path = hostile.xlsx_forged_dimension(tmp_path / "export.xlsx")
    started = time.perf_counter()
    rows = list(dict_rows(path, XlsxGuard()))
    seconds = time.perf_counter() - started
    assert [number for number, _ in rows] == [2, 3, 1_048_576]
    assert rows[0][1] == {"TripId": "T1", "Traveler": "ana@example.com", "Date": "2025-04-07"}
    assert all(len(row) == 3 for _, row in rows)
    assert seconds < 30  # it was 20 minutes; a generous bound, not a benchmark


def test_a_row_reaching_column_xfd_is_refused_naming_row_and_column(tmp_path: Path) -> None:
    path = hostile.xlsx_far_column(tmp_path / "export.xlsx")
    with pytest.raises(UnreadableFile) as refused:
        list(xlsx_rows(path, XlsxGuard()))
    assert str(refused.value) == (
        "export.xlsx: row 4 reaches column 16,384, more than 1,024; delete the columns beyond "
        "the data and save again"
    )


@pytest.mark.parametrize("prefix", ["", "x"])
def test_millions_of_shared_strings_are_refused_before_they_are_loaded(
    tmp_path: Path, prefix: str
) -> None:
    """Scaled down: 2,001 strings against a limit of 2,000 (the count attribute says 1)."""
    guard = XlsxGuard(max_shared_strings=2000)
    path = hostile.xlsx_many_shared_strings(tmp_path / "export.xlsx", 2001, prefix)
    with pytest.raises(UnreadableFile, match=r"more than 2,000 distinct texts \(shared strings"):
        list(xlsx_rows(path, guard))
    fits = hostile.xlsx_many_shared_strings(tmp_path / "fits.xlsx", 2000, prefix)
    assert len(list(xlsx_rows(fits, guard))) == 3


def test_a_shared_string_that_is_not_there_is_a_damaged_file_not_a_traceback(
    tmp_path: Path,
) -> None:
    path = hostile.xlsx_missing_shared_string(tmp_path / "export.xlsx")
    with pytest.raises(UnreadableFile) as refused:
        list(xlsx_rows(path, XlsxGuard()))
    assert str(refused.value).startswith(
        "export.xlsx: damaged XLSX: row 2 has a cell whose text is not in the file"
    )


def test_a_row_numbered_beyond_the_last_row_of_a_sheet_is_refused(tmp_path: Path) -> None:
    path = hostile.xlsx_row_number_beyond(tmp_path / "export.xlsx")
    with pytest.raises(UnreadableFile) as refused:
        list(xlsx_rows(path, XlsxGuard()))
    assert str(refused.value) == (
        "export.xlsx: a row is numbered beyond 1,048,576, the last row a spreadsheet has; the "
        "file is damaged: save it again"
    )


@pytest.mark.filterwarnings("error::ResourceWarning")
def test_a_file_openpyxl_cannot_open_is_refused_and_closed(tmp_path: Path) -> None:
    path = hostile.xlsx_bad_colour(tmp_path / "export.xlsx")
    with pytest.raises(UnreadableFile) as refused:
        list(xlsx_rows(path, XlsxGuard()))
    assert str(refused.value) == (
        "export.xlsx: cannot open as XLSX (Unable to read workbook: could not read stylesheet "
        "from export.xlsx.); save it again from the spreadsheet program"
    )
    gc.collect()  # an unclosed file would warn here, failing the test


# --- fuzzing: mutated reference exports through every connector --------------------------

FUZZ_KINDS = [(c, False) for c in fuzzing.SEEDS] + [(c, True) for c in fuzzing.XLSX_CONNECTORS]


@pytest.mark.parametrize(
    ("connector", "as_xlsx"), FUZZ_KINDS, ids=[f"{c}{'-xlsx' if x else ''}" for c, x in FUZZ_KINDS]
)
def test_any_mutation_of_an_export_gives_problems_or_one_clear_error(
    tmp_path: Path, connector: str, as_xlsx: bool
) -> None:
    """A few dozen mutated files per connector here (the benchmark runs 10,000): each gives
    records and row problems, or one ``UnreadableFile`` naming the file, within seconds."""
    data, suffix = fuzzing.seed_bytes(connector, as_xlsx)
    mutator = fuzzing.mutate_xlsx if as_xlsx else fuzzing.mutate

    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(seed=st.integers(0, 2**32 - 1))
    def one_file(seed: int) -> None:
        path = tmp_path / f"export{suffix}"
        path.write_bytes(mutator(data, random.Random(seed)))
        outcome = fuzzing.read_one(connector, path)
        assert outcome.seconds < 10, outcome

    one_file()
