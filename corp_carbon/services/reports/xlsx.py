"""The ESG workbook as an XLSX file: the only module that knows openpyxl.

openpyxl's write-only mode (with lxml) streams each sheet's rows to a temporary file as they
are appended, so memory stays flat however many detail rows there are. Sheets are created in
their final order first and filled later: the detail rows stream past once, and the
aggregate sheets, which need the whole period, are written after them.

No text can run as a formula: a string starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is stored as a string cell with Excel's quote prefix (what typing a leading
apostrophe does), so it shows exactly as given and stays text when the cell is edited.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from corp_carbon.domain.spreadsheet_safety import FORMULA_LEADS
from corp_carbon.services.reports.layout import Block, Chart, Column, Format, Sheet, Styled

#: rows per detail sheet: Excel's 1,048,576 less the header; more go on "Detail (2)", ...
DETAIL_SHEET_ROWS = 1_048_575
DETAIL_TITLE = "Detail"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NUMBER_FORMATS: dict[Format, str] = {
    "int": "#,##0",
    "id": "0",
    "kg": "#,##0.000",
    "t": "#,##0.000",
    "km": "#,##0.0",
    "pct": "0.0%",
    "date": "yyyy-mm-dd",
    "money": "#,##0.00",
    "number": "General",
    "text": "General",
}
TITLE_FONT = Font(bold=True, size=14)
BLOCK_FONT = Font(bold=True, size=12)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFDDE4EE")
HEADER_BORDER = Border(bottom=Side(style="thin"))
TOTAL_BORDER = Border(top=Side(style="thin"))
NOTE_FONT = Font(italic=True, color="FF555555")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
SPAN = Alignment(wrap_text=True, vertical="top", horizontal="left")
#: widest column (characters): longer text wraps; a text row's height per line (points).
MAX_WIDTH, LINE_HEIGHT = 60, 15
#: chart size in centimetres, and the rows it covers (to keep blocks below clear of it).
CHART_WIDTH, CHART_HEIGHT, CHART_ROWS = 16.0, 7.5, 16


def _clean(text: str) -> str:
    """Control characters XML cannot hold (a name typed with one) shown as U+FFFD."""
    return str(ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))


class XlsxReport:
    """A workbook being written: reserve the sheets in order, fill them, then ``save``."""

    def __init__(self) -> None:
        self._book = Workbook(write_only=True)
        self.detail_rows = 0
        self.detail_sheets: list[str] = []

    @property
    def sheet_titles(self) -> list[str]:
        return [ws.title for ws in self._book.worksheets]

    def reserve(self, title: str) -> Any:
        """An empty sheet at the end of the workbook, to be filled by ``fill`` later."""
        return self._book.create_sheet(title)

    # -- aggregate sheets -------------------------------------------------------------------

    def fill(self, ws: Any, sheet: Sheet) -> None:
        _SheetWriter(ws, sheet).write()

    # -- detail sheets ----------------------------------------------------------------------

    def detail(self, columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> int:
        """Streams the detail rows onto "Detail", "Detail (2)", ... (Excel's row limit each),
        each with its header, frozen, filtered and printable; returns the rows written."""
        writer = _DetailWriter(self, columns)
        for values in rows:
            writer.append(values)
        writer.close()
        return self.detail_rows

    def save(self, target: IO[bytes] | str) -> None:
        self._book.save(target)

    def discard(self) -> None:
        """Ends a workbook abandoned half-way (the report failed): each sheet's XML writer is
        finished and its temporary file removed now, instead of a half-closed generator
        failing later in the garbage collector."""
        for ws in self._book.worksheets:
            writer = getattr(ws, "_writer", None)
            # the report's own error is the one to show, not one from finishing its sheets
            with contextlib.suppress(Exception):
                if not ws.closed:
                    ws.close()
            if writer is not None:
                with contextlib.suppress(OSError, ValueError):
                    writer.cleanup()


class _SheetWriter:
    """Writes one aggregate sheet block by block. Long text wraps in its cell (or across the
    sheet, for notes and the values of named-value blocks), and the row is made tall enough
    for it: spreadsheet programs do not size rows of a written file themselves."""

    def __init__(self, ws: Any, sheet: Sheet) -> None:
        self.ws, self.sheet = ws, sheet
        self.widths = tuple(min(w, MAX_WIDTH) for w in sheet.widths)
        self.last_column = max(len(self.widths), 2)
        self.count = 0

    def write(self) -> None:
        _setup(self.ws, self.widths, landscape=True)
        if self.sheet.freeze_first_header and self.sheet.blocks:
            # the first table scrolls under its frozen header (heading, lines, a blank row
            # and the table's title above it) and can be filtered; a write-only sheet takes
            # its panes before its first row
            self.ws.freeze_panes = f"A{len(self.sheet.lines) + 5}"
        self._add([_text_cell(self.ws, self.sheet.heading, font=TITLE_FONT)])
        for line in self.sheet.lines:
            self._spanning(line, None)
        chart_until = 0
        for number, block in enumerate(self.sheet.blocks):
            self._add([])
            while self.count < chart_until:  # start below the chart of an earlier block
                self._add([])
            self._add([_text_cell(self.ws, block.title, font=BLOCK_FONT)])
            self._add([self._header(c) for c in block.columns], lines=self._header_lines(block))
            header_row = self.count
            for values in block.rows:
                self._row(block, values)
            last = self.count
            if block.total is not None:
                self._row(block, block.total, total=True)
            for note in block.notes:
                self._spanning(note, NOTE_FONT)
            if number == 0 and self.sheet.freeze_first_header and block.rows:
                corner = get_column_letter(len(block.columns))
                self.ws.auto_filter.ref = f"A{header_row}:{corner}{last}"
            if block.chart is not None and block.rows:
                anchor = f"{get_column_letter(len(block.columns) + 2)}{header_row - 1}"
                self.ws.add_chart(_chart(self.ws, block.chart, header_row, last), anchor)
                chart_until = header_row - 1 + CHART_ROWS

    def _add(self, cells: list[object], lines: int = 1) -> None:
        if lines > 1:
            self.ws.row_dimensions[self.count + 1].height = LINE_HEIGHT * lines
        self.ws.append(cells)
        self.count += 1

    def _spanning(self, text: str, font: Font | None) -> None:
        """A line of text across the whole sheet width, wrapped."""
        cell = _text_cell(self.ws, text, font=font)
        cell.alignment = WRAP
        row = self.count + 1
        self.ws.merged_cells.add(f"A{row}:{get_column_letter(self.last_column)}{row}")
        self._add([cell], lines=_lines(text, sum(self.widths)))

    def _header(self, column: Column) -> WriteOnlyCell:
        cell = _text_cell(self.ws, column.title, font=HEADER_FONT)
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
        cell.alignment = WRAP
        return cell

    def _header_lines(self, block: Block) -> int:
        return max(_lines(c.title, self.widths[i], bold=True) for i, c in enumerate(block.columns))

    def _row(self, block: Block, values: tuple[object, ...], *, total: bool = False) -> None:
        cells: list[Any] = []
        lines = 1
        span = block.span_last and not total
        last = len(block.columns) - 1
        for index, (value, column) in enumerate(zip(values, block.columns, strict=True)):
            width = sum(self.widths[index:]) if span and index == last else self.widths[index]
            cell = _value_cell(self.ws, value, column.format)
            text = value.value if isinstance(value, Styled) else value
            if isinstance(text, str):
                lines = max(lines, _lines(text, width))
            if total:
                cell.font = HEADER_FONT
                cell.border = TOTAL_BORDER
            cells.append(cell)
        for index, cell in enumerate(cells):
            if span and index == last:
                cell.alignment = SPAN
            elif lines > 1:
                cell.alignment = WRAP if cell.data_type == "s" else TOP
        if span and len(block.columns) < self.last_column:
            row = self.count + 1
            first = get_column_letter(len(block.columns))
            self.ws.merged_cells.add(f"{first}{row}:{get_column_letter(self.last_column)}{row}")
        self._add(cells, lines=lines)


def _lines(text: str, width: float, *, bold: bool = False) -> int:
    """Lines ``text`` takes in a column ``width`` characters wide (an estimate: proportional
    fonts fit a little more than the width's digits, bold text a little less)."""
    per_line = max(1, int(width * (1.0 if bold else 1.25)))
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def _value_cell(ws: Any, value: object, fmt: Format) -> Any:
    if isinstance(value, Styled):
        fmt = value.format
        value = value.value
    if isinstance(value, str):
        return _text_cell(ws, value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = NUMBER_FORMATS["date"]
    elif isinstance(value, int | Decimal | float):
        cell.number_format = NUMBER_FORMATS[fmt]
    return cell


def _text_cell(ws: Any, text: str, *, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=None)
    _set_text(cell, _clean(text))
    if font is not None:
        cell.font = font
    return cell


class _DetailWriter:
    """Appends detail rows, reusing one styled cell per numeric column (its format is set
    once; the writer serialises each cell before the next row sets a new value)."""

    def __init__(self, report: XlsxReport, columns: Sequence[Column]) -> None:
        self.report = report
        self.columns = columns
        self.width = len(columns)
        self.ws: Any = None
        self.on_sheet = DETAIL_SHEET_ROWS
        self.styled: list[WriteOnlyCell | None] = []
        self.quoted: list[WriteOnlyCell] = []
        self.texts: dict[str, object] = {}

    def _next_sheet(self) -> None:
        if self.ws is not None:
            self._finish()
        number = len(self.report.detail_sheets) + 1
        title = DETAIL_TITLE if number == 1 else f"{DETAIL_TITLE} ({number})"
        ws = self.report.reserve(title)
        _setup(ws, tuple(c.width for c in self.columns), landscape=True, pages_wide=2)
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        header = []
        for column in self.columns:
            cell = _text_cell(ws, column.title, font=HEADER_FONT)
            cell.fill, cell.border, cell.alignment = HEADER_FILL, HEADER_BORDER, WRAP
            header.append(cell)
        ws.row_dimensions[1].height = LINE_HEIGHT * max(
            _lines(c.title, c.width) for c in self.columns
        )
        ws.append(header)
        self.styled = [
            _format_cell(ws, c.format) if c.format not in ("text", "date") else None
            for c in self.columns
        ]
        self.quoted = [WriteOnlyCell(ws) for _ in self.columns]
        for cell in self.quoted:
            cell.quotePrefix = True
        self.ws, self.on_sheet = ws, 0
        self.report.detail_sheets.append(title)
        self.texts.clear()

    def append(self, values: Sequence[object]) -> None:
        if self.on_sheet >= DETAIL_SHEET_ROWS:
            self._next_sheet()
        out: list[object] = list(values)
        styled = self.styled
        for index, value in enumerate(out):
            if value is None:
                continue
            cell = styled[index]
            if cell is not None:
                cell.value = value
                out[index] = cell
            elif isinstance(value, str):
                out[index] = self._text(index, value)
        self.ws.append(out)
        self.on_sheet += 1
        self.report.detail_rows += 1

    def _text(self, index: int, text: str) -> object:
        """Plain text as is (cached per distinct string); formula-like text quoted."""
        found = self.texts.get(text)
        if found is None:
            clean = _clean(text)
            found = self.texts[text] = None if clean.startswith(FORMULA_LEADS) else clean
            if len(self.texts) > 100_000:
                self.texts.clear()
        if found is not None:
            return found
        cell = self.quoted[index]
        _set_text(cell, _clean(text))
        return cell

    def close(self) -> None:
        if self.ws is None:
            self._next_sheet()
        self._finish()

    def _finish(self) -> None:
        last = get_column_letter(self.width)
        self.ws.auto_filter.ref = f"A1:{last}{self.on_sheet + 1}"


def _format_cell(ws: Any, fmt: Format) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    cell.number_format = NUMBER_FORMATS[fmt]
    return cell


def _set_text(cell: WriteOnlyCell, text: str) -> None:
    """A string cell that never becomes a formula (openpyxl makes "=..." one on assignment)."""
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_LEADS):
        cell.quotePrefix = True


def _setup(ws: Any, widths: Sequence[int], *, landscape: bool, pages_wide: int = 1) -> None:
    """Column widths and printing (landscape, ``pages_wide`` pages wide), before the first
    row."""
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _chart(ws: Any, spec: Chart, header_row: int, last_row: int) -> BarChart | LineChart:
    chart = BarChart() if spec.kind == "bar" else LineChart()
    if isinstance(chart, BarChart):
        chart.type = "col"
        chart.grouping = "clustered"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.y_axis.numFmt = "General"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = CHART_WIDTH, CHART_HEIGHT
    for column in spec.values:
        data = Reference(ws, min_col=column + 1, min_row=header_row, max_row=last_row)
        chart.add_data(data, titles_from_data=True)
    for series in chart.series:
        series.smooth = False
        if spec.kind == "line":  # a month alone is a point, not a line: show it
            series.marker.symbol = "circle"
            series.marker.size = 7
    labels = Reference(ws, min_col=spec.category + 1, min_row=header_row + 1, max_row=last_row)
    chart.set_categories(labels)
    chart.legend.position = "b"
    return chart
