"""Input hygiene shared by all connectors: encodings, delimiters, XLSX with a zip-bomb guard.

Travel exports arrive as UTF-8 with or without a byte-order mark, as UTF-16 ("Unicode text"
from Excel) and as GB18030 from Chinese systems. The encoding is decided once from the BOM
and the first megabyte (UTF-8 if it decodes, GB18030 otherwise: every byte string that is
valid UTF-8 is tried first, and GB18030 covers GBK/GB2312). Statistical detectors guess
wrong on short CSV samples, so this is deliberately a fixed, explainable order.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from corp_carbon.domain.bookings import FileHead

SNIFF_BYTES = 1 << 20
HEAD_CHARS = 64 * 1024
DELIMITERS = ",;\t|"
SNIFF_LINE_CHARS = 2000
#: rows an XLSX sheet can have; openpyxl yields an empty row for every number skipped.
EXCEL_MAX_ROWS = 1_048_576
SNIFF_CHARS = 4000


class UnreadableFile(Exception):
    """The file as a whole cannot be read (not a single row): the run fails with this message."""


@dataclass(frozen=True)
class XlsxGuard:
    """Limits checked before an XLSX file is opened (a zip bomb expands a few KB into GBs)."""

    max_uncompressed_bytes: int = 500 * 1024 * 1024
    max_ratio: int = 100
    #: openpyxl holds every shared string in memory (about 240 bytes each): 1 M is ~250 MB.
    max_shared_strings: int = 1_000_000
    #: a row reaching further is refused before it is padded out (a forged row at XFD is
    #: 16,384 cells); travel exports have tens of columns.
    max_columns: int = 1024


#: a shared string's element, with or without a namespace prefix (``<si>``, ``<x:si>``).
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_SHARED_STRINGS_PART = "xl/sharedStrings.xml"


def detect_encoding(path: Path) -> str:
    """The codec name to read ``path`` with: from its BOM, else UTF-8 if the first megabyte
    decodes as UTF-8, else GB18030."""
    with path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and sample[1] == 0 and sample[3] == 0 and sample[0] != 0:
        return "utf-16-le"  # UTF-16 without a BOM, as some exporters write it
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < SNIFF_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{path.name}: not UTF-8, UTF-16 or GB18030 text (undecodable byte at offset "
            f"{exc.start}); export the file as UTF-8 CSV"
        ) from None
    return "gb18030"


def open_text(path: Path) -> IO[str]:
    """The file as text in its detected encoding, universal newlines left to ``csv``."""
    return path.open(encoding=detect_encoding(path), newline="")


def sniff_delimiter(sample: str, allowed: str = DELIMITERS) -> str:
    """The delimiter of a delimited text, from its first lines (comma when unsure).

    ``csv.Sniffer``'s quote-guessing regular expression backtracks badly on long lines (a
    fuzzed survey with one 40,000-character line took 25 s), so it sees at most
    ``SNIFF_LINE_CHARS`` of each line and ``SNIFF_CHARS`` in all: plenty for a header and a
    few rows."""
    lines = [line[:SNIFF_LINE_CHARS] for line in sample.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    try:
        head = "\n".join(lines)[:SNIFF_CHARS]
        return csv.Sniffer().sniff(head, delimiters=allowed).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in allowed}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04" and zipfile.is_zipfile(path)


def check_xlsx(path: Path, guard: XlsxGuard) -> None:
    """Refuses an XLSX whose content would expand beyond the guard's limits."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise UnreadableFile(f"{path.name}: not a valid XLSX (zip) file") from None
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > guard.max_uncompressed_bytes:
        raise UnreadableFile(
            f"{path.name}: expands to {total // (1024 * 1024)} MB, more than the limit of "
            f"{guard.max_uncompressed_bytes // (1024 * 1024)} MB (imports.xlsx_max_uncompressed_mb)"
        )
    if total / packed > guard.max_ratio:
        raise UnreadableFile(
            f"{path.name}: compression ratio {total // packed}:1 exceeds "
            f"{guard.max_ratio}:1 (imports.xlsx_max_ratio); refusing a possible zip bomb"
        )
    if any(i.filename == _SHARED_STRINGS_PART for i in infos):
        _check_shared_strings(path, guard)


def _check_shared_strings(path: Path, guard: XlsxGuard) -> None:
    """Counts the shared strings as the part streams by (the count attribute may lie), so a
    file of millions of tiny strings is refused before openpyxl loads them all."""
    count, tail = 0, b""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(_SHARED_STRINGS_PART) as part:
            while chunk := part.read(1 << 20):
                window = tail + chunk
                count += sum(1 for m in _SHARED_STRING.finditer(window) if m.end() > len(tail))
                tail = window[-32:]
                if count > guard.max_shared_strings:
                    raise UnreadableFile(
                        f"{path.name}: more than {guard.max_shared_strings:,} distinct texts "
                        "(shared strings, imports.xlsx_max_shared_strings); split the file"
                    )
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnreadableFile(f"{path.name}: damaged XLSX ({exc})") from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def xlsx_rows(path: Path, guard: XlsxGuard) -> Iterator[tuple[str, ...]]:
    """The first sheet's rows as text, streamed (openpyxl read-only mode: constant memory).

    The sheet's declared ``<dimension>`` is ignored: openpyxl pads every row to it, and a
    forged ``A1:XFD1048576`` turns one row into 16,384 cells a million times over. A row is
    as wide as its cells, and one reaching beyond ``max_columns`` stops the file."""
    import openpyxl

    check_xlsx(path, guard)
    with path.open("rb") as file:  # ours to close: openpyxl leaves it open when it fails
        try:
            book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            said = str(exc).split("\n", 1)[0].replace(str(path), path.name)  # no server paths
            raise UnreadableFile(
                f"{path.name}: cannot open as XLSX ({said}); save it again from the "
                "spreadsheet program"
            ) from None
        yield from _sheet_rows(path, book, guard)


def _sheet_rows(path: Path, book: Any, guard: XlsxGuard) -> Iterator[tuple[str, ...]]:
    number = 0
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > EXCEL_MAX_ROWS:  # openpyxl fills the gap to a forged row number
                raise UnreadableFile(
                    f"{path.name}: a row is numbered beyond {EXCEL_MAX_ROWS:,}, the last row "
                    "a spreadsheet has; the file is damaged: save it again"
                )
            if len(row) > guard.max_columns:
                raise UnreadableFile(
                    f"{path.name}: row {number} reaches column {len(row):,}, more than "
                    f"{guard.max_columns:,}; delete the columns beyond the data and save again"
                )
            yield tuple(_cell_text(v) for v in row)
    except UnreadableFile:
        raise
    except IndexError:  # openpyxl looks a cell's shared string up by its index
        raise UnreadableFile(
            f"{path.name}: damaged XLSX: row {number + 1} has a cell whose text is not in the "
            "file (shared string out of range); save it again from the spreadsheet program"
        ) from None
    except Exception as exc:  # a damaged part (bad XML, a bad number)
        raise UnreadableFile(
            f"{path.name}: damaged XLSX: row {number + 1} cannot be read "
            f"({type(exc).__name__}: {exc})"
        ) from None
    finally:
        book.close()


def table_rows(
    path: Path, guard: XlsxGuard, delimiter: str | None = None
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """Rows of a CSV/TSV (any supported encoding, delimiter sniffed unless given) or XLSX, each
    with its spreadsheet row number (the header is row 1)."""
    if is_xlsx(path):
        for number, row in enumerate(xlsx_rows(path, guard), start=1):
            yield number, row
        return
    with open_text(path) as fh:
        sample = fh.read(HEAD_CHARS)
        fh.seek(0)
        reader = csv.reader(fh, delimiter=delimiter or sniff_delimiter(sample))
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, tuple(cells)
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"{path.name}: undecodable bytes after row {number} ({exc.reason})"
            ) from None
        except csv.Error as exc:
            raise UnreadableFile(f"{path.name}: broken CSV after row {number}: {exc}") from None


def dict_rows(
    path: Path, guard: XlsxGuard, delimiter: str | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """``table_rows`` keyed by the header (stripped); short rows are padded with ""."""
    rows = table_rows(path, guard, delimiter)
    header: tuple[str, ...] | None = None
    for number, row in rows:
        if header is None:
            header = tuple(h.strip() for h in row)
            continue
        if not any(cell.strip() for cell in row):
            continue
        values = row + ("",) * (len(header) - len(row))
        yield number, dict(zip(header, values, strict=False))


def head_of(path: Path, guard: XlsxGuard) -> FileHead:
    """The start of a file for ``Connector.identify``."""
    if is_xlsx(path):
        rows: list[tuple[str, ...]] = []
        for row in xlsx_rows(path, guard):
            rows.append(row)
            if len(rows) >= 5:
                break
        text = "\n".join(",".join(r) for r in rows)
        top = tuple(c.strip() for c in rows[0]) if rows else ()
        return FileHead(name=path.name, text=text, header=top)
    with open_text(path) as fh:
        try:
            text = fh.read(HEAD_CHARS)
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"{path.name}: undecodable bytes ({exc.reason})") from None
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return FileHead(name=path.name, text=text)
    first = text.splitlines()[0] if text else ""
    delimiter = sniff_delimiter(text)
    cells: list[str] = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    return FileHead(name=path.name, text=text, header=tuple(h.strip() for h in cells))
