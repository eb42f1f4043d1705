"""SAP Concur Standard Accounting Extract (SAE): the expense journal file, one line per entry.

The SAE is a pipe-delimited file: an ``EXTRACT`` header row (record count in column 3) and
``DETAIL`` rows of about 400 columns (travel_formats.md §1.1). It carries no travel segments,
only expense lines, so each line becomes one booking with one segment:

- the mode comes from the client-configured expense type (column 63) by keyword (``KEYWORDS``,
  first match wins; ``options.mapping["expense_types"]`` maps exact names first, to a mode
  value or ``"skip"``). Meals, fees, parking and other non-travel lines are skipped silently;
- mileage lines carry the business distance (column 171, unit ``mapping["distance_unit"]``,
  ``"km"`` unless set, because the SAE row does not say);
- air, rail and taxi lines with both From/To locations (columns 336/337, free text) keep them
  for the distance engine; anything without a usable distance (hotels: the SAE has no nights)
  is spend-based: the transaction amount (123) and currency (65), signed;
- a credit (column 168 ``CR``) is a refund: a spend segment with a negative amount, netted by
  the pipeline; personal expenses (column 68 ``Y``) are skipped.

Key: Report ID (19) + Report Entry ID (61); further lines of the same entry (itemisation
``CHD`` rows, allocations) get ``:2``, ``:3``... in file order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import ClassVar, TypeVar

from connectors import _segments, fields
from connectors.base import Connector
from connectors.reading import table_rows
from corp_carbon.domain.bookings import (
    BookingRecord,
    FileHead,
    Record,
    RowProblem,
    Segment,
    Traveller,
)
from corp_carbon.domain.vocabulary import CalculationMethod, DistanceSource, Mode

DELIMITER = "|"
SKIP = "skip"
MILEAGE = "mileage"

#: SAE column numbers (1-based, as in the Concur workbook).
COL_KIND = 1
COL_SEQUENCE = 4
COL_EMPLOYEE_ID = 5
COL_LAST_NAME = 6
COL_FIRST_NAME = 7
COL_REPORT_ID = 19
COL_ENTRY_ID = 61
COL_ENTRY_TYPE = 62
COL_EXPENSE_TYPE = 63
COL_DATE = 64
COL_CURRENCY = 65
COL_PERSONAL = 68
COL_AMOUNT = 123
COL_DEBIT_CREDIT = 168
COL_JOURNAL_AMOUNT = 169
#: Allocation Key, Allocation Percentage, Allocation Custom 1-20: what tells one allocation
#: line of an entry from another (a 50/50 split has two lines of the same amount).
COL_ALLOCATION = range(189, 212)
COL_BUSINESS_DISTANCE = 171
COL_EMAIL = 265
COL_FROM = 336
COL_TO = 337
COL_HEADER_COUNT = 3
MIN_COLUMNS = COL_TO

FIELD_NAMES = {
    COL_EMPLOYEE_ID: "Employee ID (5)",
    COL_EXPENSE_TYPE: "Report Entry Expense Type Name (63)",
    COL_DATE: "Report Entry Transaction Date (64)",
    COL_CURRENCY: "Report Entry Currency Alpha Code (65)",
    COL_AMOUNT: "Transaction Amount (123)",
    COL_BUSINESS_DISTANCE: "Car Business Distance (171)",
    COL_EMAIL: "Employee Email Address (265)",
    COL_ENTRY_ID: "Report Entry Id (61)",
}

#: expense-type keywords (whole words or phrases, lower case) -> mode, in the order tried.
#: Skips come first so "Booking Fees (Hotel)" or "Airline fees" never count as travel.
KEYWORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        (
            "fee",
            "fees",
            "meal",
            "meals",
            "breakfast",
            "lunch",
            "dinner",
            "parking",
            "toll",
            "tolls",
            "tip",
            "tips",
            "fuel",
            "gasoline",
            "petrol",
            "internet",
            "phone",
            "laundry",
            "entertainment",
            "insurance",
            "visa",
        ),
        SKIP,
    ),
    (("car rental", "rental car", "hire car", "car hire"), Mode.CAR.value),
    (("mileage", "personal car", "private car", "kilometre", "kilometer"), MILEAGE),
    (("airfare", "air", "flight", "flights", "airline"), Mode.AIR.value),
    (("rail", "train", "railway"), Mode.RAIL.value),
    (("taxi", "cab", "uber", "lyft", "ride", "rideshare"), Mode.TAXI.value),
    (("hotel", "lodging", "accommodation"), Mode.HOTEL.value),
)
SPEND_NOTE = "spend-based: no distance in the expense line"
_WORDS = re.compile(r"[a-z]+")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Line:
    row: int
    cells: tuple[str, ...]

    def get(self, column: int) -> str:
        return self.cells[column - 1].strip() if column <= len(self.cells) else ""


class ConcurSaeConnector(Connector):
    name: ClassVar[str] = "concur-sae"
    title: ClassVar[str] = "SAP Concur Standard Accounting Extract (expense journal)"

    def columns_read(self) -> dict[str, str]:
        return {
            "key": FIELD_NAMES[COL_ENTRY_ID],
            "spend_amount": FIELD_NAMES[COL_AMOUNT],
            "spend_currency": FIELD_NAMES[COL_CURRENCY],
            "distance_km": FIELD_NAMES[COL_BUSINESS_DISTANCE],
            "employee_number": FIELD_NAMES[COL_EMPLOYEE_ID],
            "email": FIELD_NAMES[COL_EMAIL],
            "name": f"Last Name ({COL_LAST_NAME}) / First Name ({COL_FIRST_NAME})",
        }

    def identify(self, head: FileHead) -> bool:
        return head.text.lstrip("\ufeff \r\n").startswith("EXTRACT" + DELIMITER)

    def expected(self) -> str:
        return (
            "a Concur Standard Accounting Extract: pipe-delimited, a first line "
            "'EXTRACT|date|count|...' and DETAIL lines of at least 337 columns"
        )

    def extract(self, path: Path) -> Iterator[Record]:
        declared: tuple[int, str] | None = None
        details = 0
        last_entry = ""
        repeat = 0
        repeats = _segments.Repeats()
        for number, cells in table_rows(path, self.options.xlsx_guard, DELIMITER):
            line = _Line(number, cells)
            kind = line.get(COL_KIND).lstrip("\ufeff").upper()
            if kind == "EXTRACT":
                declared = (number, line.get(COL_HEADER_COUNT))
                continue
            if not any(c.strip() for c in cells):
                continue
            if kind != "DETAIL":
                yield RowProblem(number, "record type (1)", "not an EXTRACT or DETAIL line", kind)
                continue
            details += 1
            if len(cells) < MIN_COLUMNS:
                yield RowProblem(
                    number,
                    "columns",
                    f"a DETAIL line needs at least {MIN_COLUMNS} columns, this one has "
                    f"{len(cells)}; the line may be cut or use another delimiter",
                )
                continue
            entry = f"{line.get(COL_REPORT_ID)}:{line.get(COL_ENTRY_ID)}"
            repeat = repeat + 1 if entry == last_entry else 1
            if repeat == 1:
                repeats = _segments.Repeats()
            last_entry = entry
            key = entry if repeat == 1 else f"{entry}:{repeat}"
            yield from self._line(line, key, repeats)
        yield from _check_count(declared, details)

    def _line(self, line: _Line, key: str, repeats: _segments.Repeats) -> Iterator[Record]:
        """One DETAIL line's booking; a line repeating an earlier line of its entry (same
        traveller and travel) is a warning, counted once."""
        if line.get(COL_PERSONAL).upper() == "Y":
            return
        kind = self._kind(line.get(COL_EXPENSE_TYPE))
        if kind is None or kind == SKIP:
            return
        problems: list[RowProblem] = []
        traveller = _traveller(line, problems)
        segment = self._segment(line, kind, problems)
        if traveller is not None and segment is not None:
            first = repeats.first_row(segment, line.row, traveller, *_line_identity(line))
            if first is not None:
                yield _segments.repeated(line.row, FIELD_NAMES[COL_ENTRY_ID], first)
                return
        yield from problems
        if traveller is None or segment is None:
            return
        yield BookingRecord(key=key, row=line.row, traveller=traveller, segments=(segment,))

    def _kind(self, expense_type: str) -> str | None:
        configured = self.options.mapping.get("expense_types", {})
        for name, target in configured.items():
            if name.strip().lower() == expense_type.lower():
                return str(target)
        text = " " + " ".join(_WORDS.findall(expense_type.lower())) + " "
        for words, target in KEYWORDS:
            if any(f" {w} " in text for w in words):
                return target
        return None

    def _segment(self, line: _Line, kind: str, problems: list[RowProblem]) -> Segment | None:
        travel_date = _parse(line, COL_DATE, fields.iso_date, problems)
        amount = _parse(line, COL_AMOUNT, fields.decimal, problems)
        if travel_date is None:
            if not any(p.field == FIELD_NAMES[COL_DATE] for p in problems):
                problems.append(RowProblem(line.row, FIELD_NAMES[COL_DATE], "date missing"))
            return None
        if any(p.rejected for p in problems):
            return None
        credit = line.get(COL_DEBIT_CREDIT).upper() == "CR"
        mode = Mode.CAR if kind == MILEAGE else Mode(kind)
        if credit:
            return _spend(line, mode, travel_date, amount, problems, "refund (credit line)")
        unit = str(self.options.mapping.get("distance_unit", "km"))
        distance = _parse(
            line, COL_BUSINESS_DISTANCE, lambda v: fields.distance_km(v, unit), problems
        )
        origin, destination = fields.text(line.get(COL_FROM)), fields.text(line.get(COL_TO))
        if distance is not None and distance > 0 and mode in (Mode.CAR, Mode.TAXI):
            return Segment(
                key="0",
                mode=mode,
                travel_date=travel_date,
                origin=origin,
                destination=destination,
                distance_km=distance,
                distance_source=DistanceSource.GIVEN,
                notes=(f"distance from the expense line, read as {unit}",),
            )
        if origin and destination and mode in (Mode.AIR, Mode.RAIL, Mode.TAXI, Mode.CAR):
            return Segment(
                key="0",
                mode=mode,
                travel_date=travel_date,
                origin=origin,
                destination=destination,
                notes=("from/to are free text from the expense line",),
            )
        return _spend(line, mode, travel_date, amount, problems, SPEND_NOTE)


def _spend(
    line: _Line,
    mode: Mode,
    travel_date: date,
    amount: Decimal | None,
    problems: list[RowProblem],
    note: str,
) -> Segment | None:
    currency = line.get(COL_CURRENCY).upper()
    if amount is None:
        problems.append(RowProblem(line.row, FIELD_NAMES[COL_AMOUNT], "amount missing"))
        return None
    if len(currency) != 3 or not currency.isalpha():
        problems.append(
            RowProblem(
                line.row, FIELD_NAMES[COL_CURRENCY], "not a three-letter currency code", currency
            )
        )
        return None
    journal = fields.text(line.get(COL_JOURNAL_AMOUNT)) or ""
    credit = line.get(COL_DEBIT_CREDIT).upper() == "CR" or journal.startswith("-")
    signed = -abs(amount) if credit else amount
    notes = (note,) if note == SPEND_NOTE else (note, SPEND_NOTE)
    return Segment(
        key="0",
        mode=mode,
        travel_date=travel_date,
        origin=fields.text(line.get(COL_FROM)),
        destination=fields.text(line.get(COL_TO)),
        method=CalculationMethod.SPEND,
        spend_amount=signed,
        spend_currency=currency,
        notes=notes,
    )


def _line_identity(line: _Line) -> tuple[str, ...]:
    """What tells two lines of one entry apart beyond their travel: the entry type, expense
    type, journal amount and allocation (itemisations and allocations are not repeats)."""
    columns = (COL_ENTRY_TYPE, COL_EXPENSE_TYPE, COL_JOURNAL_AMOUNT, *COL_ALLOCATION)
    return tuple(line.get(c) for c in columns)


def _traveller(line: _Line, problems: list[RowProblem]) -> Traveller | None:
    employee = fields.text(line.get(COL_EMPLOYEE_ID))
    try:
        email = fields.email(line.get(COL_EMAIL))
    except fields.FieldError as exc:
        problems.append(
            RowProblem(
                line.row,
                FIELD_NAMES[COL_EMAIL],
                f"{exc}; matched by employee ID only",
                line.get(COL_EMAIL),
                rejected=employee is None,
            )
        )
        email = None
    if employee is None and email is None:
        problems.append(
            RowProblem(line.row, FIELD_NAMES[COL_EMPLOYEE_ID], "no employee ID and no email")
        )
        return None
    name = " ".join(p for p in (line.get(COL_FIRST_NAME), line.get(COL_LAST_NAME)) if p)
    return Traveller(employee_number=employee, email=email, name=name or None)


def _parse(
    line: _Line, column: int, parser: Callable[[str], T | None], problems: list[RowProblem]
) -> T | None:
    raw = line.get(column)
    try:
        return parser(raw)
    except fields.FieldError as exc:
        problems.append(RowProblem(line.row, FIELD_NAMES[column], str(exc), raw))
        return None


def _check_count(declared: tuple[int, str] | None, details: int) -> Iterator[RowProblem]:
    if declared is None:
        yield RowProblem(
            1,
            "EXTRACT",
            "no EXTRACT header line; the record count cannot be checked",
            rejected=False,
        )
        return
    row, count = declared
    if count.strip() != str(details):
        yield RowProblem(
            row,
            "Record_Count (3)",
            f"the header announces {count or 'no'} DETAIL lines but {details} were read; "
            "the file may be truncated",
            count,
            rejected=False,
        )


CONNECTOR = ConcurSaeConnector
