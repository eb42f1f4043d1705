"""The export as files: one JSON document, or a zip of CSV files (one per section).

Why a zip of CSV files rather than one CSV with a section column: each section has columns of
its own (a trip has 28, a statement line 10), so one sheet would be mostly empty cells and a
spreadsheet could not sort or sum a section without filtering first. One file per section
opens in any spreadsheet with its own header row, and the JSON document carries the same
rows for programs. CSV files start with a byte-order mark so Excel reads names in any script,
and no text can run as a formula when the file is opened (``spreadsheet_safety``).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.spreadsheet_safety import safe_cell
from corp_carbon.services.my_data.export import MyData

#: the version of the export's layout, so programs reading it can tell a later change.
EXPORT_VERSION = 1


def plain(value: Any) -> Any:
    """A value as JSON carries it: exact decimals as strings, times and days in ISO 8601,
    enum members as their stored value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def file_stem(data: MyData) -> str:
    """``my-data-<public id>-<day>``: no name or email in the file name."""
    return f"my-data-{data.public_id}-{data.exported_at.date().isoformat()}"


def to_json(data: MyData) -> bytes:
    document = {
        "export_version": EXPORT_VERSION,
        "employee": data.public_id,
        "exported_at": data.exported_at.isoformat(),
        "sections": {name: [plain(row) for row in rows] for name, rows in data.sections.items()},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return safe_cell(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, str):
        return safe_cell(value)
    return str(value)


def section_csv(rows: list[dict[str, Any]]) -> str:
    """One section as CSV text: a header row (the columns of the first row), then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if rows:
        columns = list(rows[0])
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def to_csv_zip(data: MyData) -> bytes:
    """A zip holding ``<section>.csv`` for every section (an empty section: an empty file)."""
    stem = file_stem(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in data.sections.items():
            text = "\ufeff" + section_csv(rows)
            archive.writestr(f"{stem}/{name}.csv", text.encode("utf-8"))
    return buffer.getvalue()


class UnknownFormat(DomainError):
    """A format the export is not made in; names the parameter and the accepted values."""

    http_status = 422
    code = "unknown_format"


#: the formats of the export: name -> (media type, file extension).
FORMATS: dict[str, tuple[str, str]] = {
    "json": ("application/json", "json"),
    "csv": ("application/zip", "zip"),
}


def checked_format(raw: str | None) -> str:
    """The format asked for (``json`` when none is given); 422 naming ``format`` otherwise."""
    value = (raw or "").strip().lower() or "json"
    if value not in FORMATS:
        accepted = ", ".join(FORMATS)
        raise UnknownFormat(f"format {raw!r}: accepted: {accepted}")
    return value


def render(data: MyData, file_format: str) -> tuple[bytes, str, str]:
    """The export in ``file_format``: its bytes, media type and file name."""
    media_type, extension = FORMATS[file_format]
    body = to_json(data) if file_format == "json" else to_csv_zip(data)
    return body, media_type, f"{file_stem(data)}.{extension}"
