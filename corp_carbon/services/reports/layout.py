"""What a report sheet shows, as plain values: blocks of titled columns and rows, notes and
charts. The sheet builders fill these; the XLSX writer (``xlsx``) is the only code that knows
openpyxl, and the JSON writer reads the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

#: how a column's values are shown: units are in the column titles, formats in the writer.
Format = Literal["text", "int", "id", "kg", "t", "km", "pct", "date", "money", "number"]
CellValue = object


class Styled(NamedTuple):
    """A value shown in another format than its column's (named values of mixed kinds)."""

    value: object
    format: Format


class Column(NamedTuple):
    title: str
    format: Format = "text"
    #: width in characters (the sheet takes the widest of its blocks per column).
    width: int = 14


@dataclass(frozen=True)
class Chart:
    """A native chart of a block: ``category`` and ``values`` are column indexes."""

    kind: Literal["bar", "line"]
    title: str
    y_title: str
    category: int
    values: tuple[int, ...]


@dataclass
class Block:
    """One table: a title, the column headers, the rows, and an optional bold total row."""

    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[CellValue, ...]]
    notes: tuple[str, ...] = ()
    total: tuple[CellValue, ...] | None = None
    chart: Chart | None = None
    #: stable name of the block in the JSON output.
    key: str = ""
    #: the last column's text runs on to the sheet's last column (named values, rules).
    span_last: bool = False


@dataclass
class Sheet:
    """A sheet: its tab title (31 characters at most), a heading, lines under it, blocks."""

    title: str
    heading: str
    lines: tuple[str, ...] = ()
    blocks: list[Block] = field(default_factory=list)
    #: freeze the panes under the first block's header (tables that scroll long).
    freeze_first_header: bool = True
    key: str = ""

    @property
    def widths(self) -> tuple[int, ...]:
        count = max((len(b.columns) for b in self.blocks), default=1)
        widths = [10] * count
        for block in self.blocks:
            for index, column in enumerate(block.columns):
                widths[index] = max(widths[index], column.width)
        return tuple(widths)


def pairs(
    title: str, items: list[tuple[str, CellValue]], key: str = "", *, name_width: int = 46
) -> Block:
    """A block of named values: the value runs on across the sheet."""
    return Block(
        title,
        (Column("Item", "text", name_width), Column("Value", "text", 12)),
        [(name, value) for name, value in items],
        key=key,
        span_last=True,
    )
