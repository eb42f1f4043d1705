"""Mutated travel exports for fuzzing the connectors (a test and ``benchmarks/bench_fuzz.py``).

Each file starts from a reference export of one connector and takes one to four mutations of
the kinds real exports and attackers produce: flipped and inserted bytes, cut and repeated
stretches, numbers of absurd size, NUL and stray quotes, broken encodings, deep nesting,
truncation. XLSX files are mutated inside their sheet and re-zipped, so the damage reaches
the parser rather than stopping at the zip check. The rule checked: every file gives records
and row problems, or one ``UnreadableFile`` naming the file, and nothing else.
"""

from __future__ import annotations

import io
import random
import time
import tomllib
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors import connector_class
from connectors.base import ConnectorOptions
from connectors.reading import UnreadableFile, XlsxGuard
from corp_carbon.domain.bookings import RowProblem
from corp_carbon.services.imports.cells import fitting

GOLDEN = Path(__file__).resolve().parent / "golden"
#: connector -> (reference export, its generic-csv mapping or None)
SEEDS: dict[str, tuple[Path, Path | None]] = {
    "concur-itinerary": (GOLDEN / "concur-itinerary" / "concur_itinerary_export.csv", None),
    "concur-sae": (GOLDEN / "concur-sae" / "sae_expense_extract.txt", None),
    "navan": (GOLDEN / "navan" / "navan_bookings_export.csv", None),
    "travelperk": (GOLDEN / "travelperk" / "travelperk_trips_export.json", None),
    "commute-survey": (GOLDEN / "commute-survey" / "commute_survey.csv", None),
    "generic-csv": (
        GOLDEN / "generic-csv" / "reisen_de.csv",
        GOLDEN / "generic-csv" / "reisen_de.mapping.toml",
    ),
}
#: connectors that also read XLSX, fuzzed in that form too.
XLSX_CONNECTORS = ("navan", "concur-itinerary", "commute-survey")
SHEET = "xl/worksheets/sheet1.xml"
ODD_BYTES = (
    b"\x00", b'"', b"'", b",", b";", b"|", b"\t", b"\r", b"\n", b"\r\n", b"\xef\xbb\xbf",
    b"\xff\xfe", b"\xc3", b"\xe4\xb8", b"\x81\x30", b"\\", b"{", b"[", b"<", b"&", b"=",
)  # fmt: skip
ODD_VALUES = (
    b"9" * 400, b"-1", b"0", b"1E+999999", b"1e-999999", b"NaN", b"Infinity", b"-0.0",
    b"1" + b"0" * 30, b"2147483648", b"9223372036854775808", b"0x1F", b"1,5", b"\xe2\x80\x8b",
    b"2025-02-30", b"9999-12-31T25:61:61", b"", b" ", b"null", b"true", b"[]", b"{}",
    b"=HYPERLINK(\"x\")", b"<script>", b"A" * 5000,
)  # fmt: skip


def _flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 10)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _insert(data: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(data))
    piece = rng.choice([rng.choice(ODD_BYTES), rng.choice(ODD_VALUES), rng.randbytes(8)])
    return data[:at] + piece + data[at:]


def _delete(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 200) :]


def _repeat(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    stretch = data[at : at + rng.randint(1, 120)]
    return data[:at] + stretch * rng.randint(2, 300) + data[at:]


def _value(data: bytes, rng: random.Random) -> bytes:
    """A run of digits (a number, a date part) replaced by an odd value."""
    digits = [i for i, b in enumerate(data) if 48 <= b <= 57]
    if not digits:
        return _insert(data, rng)
    at = rng.choice(digits)
    end = at
    while end < len(data) and 48 <= data[end] <= 57:
        end += 1
    return data[:at] + rng.choice(ODD_VALUES) + data[end:]


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randint(0, len(data))]


def _lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    if len(lines) > 2:
        i, j = rng.randrange(1, len(lines)), rng.randrange(len(lines))
        if rng.random() < 0.5:
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i:i] = [lines[i]] * rng.randint(2, 500)
    return b"\n".join(lines)


def _nest(data: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(data))
    depth = rng.choice([5, 50, 65, 500, 5000])
    opener = rng.choice([b"[", b'{"a":'])
    closer = b"]" if opener == b"[" else b"}"
    return data[:at] + opener * depth + b"1" + closer * depth + data[at:]


MUTATIONS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    _flip, _insert, _delete, _repeat, _value, _value, _truncate, _lines, _nest,
)  # fmt: skip


def mutate(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 4)):
        data = rng.choice(MUTATIONS)(data, rng)
    return data


def xlsx_of(csv_path: Path) -> bytes:
    """The reference CSV as a workbook (every cell text), to mutate inside."""
    import csv

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def mutate_xlsx(workbook: bytes, rng: random.Random) -> bytes:
    """The sheet's XML mutated and zipped again; now and then the zip's own bytes."""
    if rng.random() < 0.1:
        return mutate(workbook, rng)
    with zipfile.ZipFile(io.BytesIO(workbook)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[SHEET] = mutate(parts[SHEET], rng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@dataclass
class Outcome:
    """What one file gave: ``kind`` is read (records, maybe problems) or unreadable."""

    connector: str
    kind: str
    records: int
    problems: int
    seconds: float
    message: str = ""


def options_for(connector: str) -> ConnectorOptions:
    _, mapping = SEEDS[connector]
    table: dict[str, Any] = tomllib.loads(mapping.read_text(encoding="utf-8")) if mapping else {}
    return ConnectorOptions(mapping=table, xlsx_guard=XlsxGuard())


def read_one(connector: str, path: Path) -> Outcome:
    """Reads ``path`` as the pipeline does (the connector, then the storable-cell check).
    Anything but records, row problems or ``UnreadableFile`` propagates: that is a finding."""
    reader = connector_class(connector)(options_for(connector))
    started = time.perf_counter()
    records = problems = 0
    try:
        for item in fitting(reader.extract(path), reader.columns_read()):
            if isinstance(item, RowProblem):
                problems += 1
            else:
                records += 1
    except UnreadableFile as exc:
        message = str(exc)
        if not message.startswith(path.name):
            raise AssertionError(f"the error does not name the file: {message!r}") from exc
        return Outcome(connector, "unreadable", records, problems,
                       time.perf_counter() - started, message)  # fmt: skip
    return Outcome(connector, "read", records, problems, time.perf_counter() - started)


def seed_bytes(connector: str, as_xlsx: bool) -> tuple[bytes, str]:
    path, _ = SEEDS[connector]
    if as_xlsx:
        return xlsx_of(path), ".xlsx"
    return path.read_bytes(), path.suffix


def tally(outcomes: list[Outcome]) -> Counter[tuple[str, str]]:
    return Counter((o.connector, o.kind) for o in outcomes)
