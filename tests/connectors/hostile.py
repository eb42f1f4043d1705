"""Small hostile files, each a few kilobytes, that once took the service down (issue 15).

Each writer makes one file the way an attacker (or a broken exporter) would: the shape is
legal enough to pass the first checks, and the damage comes from what a parser does with it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl

HEADER = ("TripId", "Traveler", "Date")


def travelperk_big_integer(path: Path, digits: int = 4301) -> Path:
    """An id of 4,301 digits: ijson's C backend crashed the process on it."""
    path.write_bytes(b'{"trips": [{"bookings": [{"id": ' + b"9" * digits + b"}]}]}")
    return path


def travelperk_deep(path: Path, depth: int = 30_000) -> Path:
    """A booking value nested 30,000 arrays deep: 2 GB in ijson's C item builder."""
    path.write_bytes(
        b'{"trips": [{"bookings": [{"id": "B1", "legs": ' + b"[" * depth + b"]" * depth + b"}]}]}"
    )
    return path


def _workbook(rows: Sequence[Sequence[object]]) -> dict[str, bytes]:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


SHEET = "xl/worksheets/sheet1.xml"
ROWS = [HEADER, ("T1", "ana@example.com", "2025-04-07"), ("T2", "wei@example.com", "2025-04-08")]


def xlsx_forged_dimension(path: Path, rows: Sequence[Sequence[object]] = ROWS) -> Path:
    """A declared dimension of the whole sheet and one empty-looking row at 1,048,576: openpyxl
    padded every one of a million rows to 16,384 cells (20 minutes at 100 % CPU)."""
    parts = _workbook(rows)
    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', parts[SHEET])
    parts[SHEET] = sheet.replace(
        b"</sheetData>", b'<row r="1048576"><c r="C1048576"><v>1</v></c></row></sheetData>'
    )
    return _write(path, parts)


def xlsx_far_column(path: Path, rows: Sequence[Sequence[object]] = ROWS) -> Path:
    """A row, after the data, whose one cell sits at column XFD (16,384)."""
    parts = _workbook(rows)
    after = len(rows) + 1
    parts[SHEET] = parts[SHEET].replace(
        b"</sheetData>",
        f'<row r="{after}"><c r="XFD{after}"><v>1</v></c></row></sheetData>'.encode(),
    )
    return _write(path, parts)


def xlsx_many_shared_strings(
    path: Path, count: int, prefix: str = "", rows: Sequence[Sequence[object]] = ROWS
) -> Path:
    """``count`` distinct tiny shared strings, the count attribute lying that there is one."""
    parts = _workbook(rows)
    tag = f"{prefix}:" if prefix else ""
    items = b"".join(f"<{tag}si><{tag}t>{n}</{tag}t></{tag}si>".encode() for n in range(count))
    namespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    declaration = f'xmlns:{prefix}="{namespace}"' if prefix else f'xmlns="{namespace}"'
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0"?><{tag}sst {declaration} count="1" uniqueCount="1">'.encode()
        + items
        + f"</{tag}sst>".encode()
    )
    return _write(path, parts)


def xlsx_missing_shared_string(path: Path, rows: Sequence[Sequence[object]] = ROWS) -> Path:
    """The second row's first cell pointing at shared string 99 of a file that holds none."""
    parts = _workbook(rows)
    sheet, changed = re.subn(
        rb'<c r="A2" t="inlineStr"><is><t>[^<]*</t></is></c>',
        b'<c r="A2" t="s"><v>99</v></c>',
        parts[SHEET],
    )
    assert changed == 1, parts[SHEET][:400]
    parts[SHEET] = sheet
    return _write(path, parts)


def xlsx_row_number_beyond(path: Path, rows: Sequence[Sequence[object]] = ROWS) -> Path:
    """A row numbered 11 followed by 31 zeros: openpyxl yields an empty row for every
    number it skips (found by the fuzzing benchmark; it never ended)."""
    parts = _workbook(rows)
    sheet, changed = re.subn(rb'<row r="3"', b'<row r="11' + b"0" * 30 + b'"', parts[SHEET])
    assert changed == 1
    parts[SHEET] = sheet
    return _write(path, parts)


def xlsx_bad_colour(path: Path, rows: Sequence[Sequence[object]] = ROWS) -> Path:
    """A font colour that is not aRGB hex: openpyxl fails while opening the file, and left it
    open (found by the fuzzing test)."""
    parts = _workbook(rows)
    styles, changed = re.subn(rb'<color theme="1"\s*/>', b'<color rgb="not a colour"/>',
                              parts["xl/styles.xml"])  # fmt: skip
    assert changed == 1, parts["xl/styles.xml"][:400]
    parts["xl/styles.xml"] = styles
    return _write(path, parts)
