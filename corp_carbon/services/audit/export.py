"""The audit log as CSV or XLSX, written row by row so a large log never sits in memory.

Every text cell goes through ``spreadsheet_safety.safe_cell``: an actor label, target id or
detail starting with ``=``, ``+``, ``-`` or ``@`` is written with a leading apostrophe, so
opening the file can never run a formula someone slipped into the log. Times are UTC.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from corp_carbon.domain.spreadsheet_safety import safe_cell, safe_value
from corp_carbon.services.audit.reading import AuditEntry

COLUMNS = (
    "Event",
    "Time (UTC)",
    "Actor",
    "Actor employee id",
    "Action",
    "Target type",
    "Target id",
    "Source IP",
    "Detail",
)
#: column widths of the XLSX sheet, in characters.
WIDTHS = (9, 20, 32, 10, 24, 14, 14, 16, 80)
#: rows per XLSX sheet: Excel's limit less the header; a longer export goes on to a new sheet.
SHEET_ROWS = 1_048_575
SHEET_TITLE = "Audit log"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: rows per chunk of a CSV download.
CSV_CHUNK_ROWS = 500


def row_values(entry: AuditEntry) -> tuple[Any, ...]:
    """One event as a row of ``COLUMNS``, text not yet made safe; the time naive UTC."""
    return (
        entry.id,
        entry.at.replace(tzinfo=None),
        entry.actor_label,
        entry.actor_id,
        entry.action,
        entry.target_type,
        entry.target_id,
        entry.ip,
        detail_text(entry.detail),
    )


def detail_text(detail: dict[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, ensure_ascii=False, default=str) if detail else ""


def csv_chunks(entries: Iterable[AuditEntry]) -> Iterator[bytes]:
    """The CSV file in chunks: UTF-8 with a byte-order mark (so Excel reads the accents),
    a header row, then one row per event; times as ISO 8601 UTC."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    first = True
    pending = 0
    for entry in entries:
        values = list(row_values(entry))
        values[1] = _iso(values[1])
        writer.writerow(["" if v is None else safe_cell(str(v)) for v in values])
        pending += 1
        if pending >= CSV_CHUNK_ROWS:
            yield _drain(buffer, bom=first)
            first, pending = False, 0
    yield _drain(buffer, bom=first)


def write_xlsx(entries: Iterable[AuditEntry], target: IO[bytes]) -> int:
    """Writes the workbook to ``target`` (openpyxl's write-only mode: rows go to disk as they
    come); returns the number of events written."""
    workbook = Workbook(write_only=True)
    header_font = Font(bold=True)
    sheet = None
    written = 0
    on_sheet = SHEET_ROWS
    for entry in entries:
        if on_sheet >= SHEET_ROWS:
            number = written // SHEET_ROWS + 1
            sheet = _new_sheet(workbook, number, header_font)
            on_sheet = 0
        assert sheet is not None
        sheet.append(_xlsx_row(sheet, entry))
        on_sheet += 1
        written += 1
    if sheet is None:
        _new_sheet(workbook, 1, header_font)
    workbook.save(target)
    return written


def _new_sheet(workbook: Workbook, number: int, header_font: Font) -> Any:
    title = SHEET_TITLE if number == 1 else f"{SHEET_TITLE} ({number})"
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = header_font
        header.append(cell)
    sheet.append(header)
    return sheet


def _xlsx_row(sheet: Any, entry: AuditEntry) -> list[Any]:
    values = [safe_value(_xml_text(v)) for v in row_values(entry)]
    at = WriteOnlyCell(sheet, value=values[1])
    at.number_format = TIME_FORMAT
    values[1] = at
    return values


def _xml_text(value: object) -> object:
    """Control characters XML cannot hold (a name typed with one) shown as U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


def _iso(value: object) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) else ""


def _drain(buffer: io.StringIO, *, bom: bool) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate(0)
    return (("\ufeff" + text) if bom else text).encode("utf-8")
