"""Any CSV or XLSX export, read through a column mapping in the source's configuration.

For booking tools without a connector of their own. Each data row is one segment; consecutive
rows with the same ``record_key`` value form one booking (a record key repeated later in the
file is a second copy of the booking, which the pipeline treats as a re-send).

Mapping keys (``[sources.mapping]`` in the configuration):

- ``date_format``: ``"iso"`` (default: ISO 8601 date or date-time) or a ``strptime`` format
  such as ``"%d.%m.%Y"``;
- ``distance_unit``: ``"km"`` (default) or ``"mi"``;
- ``delimiter``: ``""`` (default: sniffed) or the delimiter character; ignored for XLSX;
- ``[columns]``: our field -> the header of their column. Required: ``record_key``, ``date``,
  ``mode``. Optional: ``employee_number``, ``email``, ``name``, ``origin``, ``destination``,
  ``distance``, ``cabin``, ``carrier``, ``service_number``, ``ticket_number``, ``status``,
  ``nights``, ``amount``, ``currency``, ``journey``. A row needs an employee number or an email;
- ``[values.mode]``, ``[values.cabin]``, ``[values.status]``: their value -> ours (a
  ``Mode`` value such as ``"air"``; a cabin such as ``"business"``; ``"confirmed"``,
  ``"cancelled"`` or ``"exchanged"``). Without an entry, our own words are accepted as they are
  (cabins also in the usual letters and words, see ``connectors.fields.cabin``).

A train's class is its ``cabin`` column too, through the same ``[values.cabin]`` table:
``standard``, ``first`` or ``sleeper`` (and the words of ``connectors.fields.rail_class``:
"2nd", "一等座", "couchette"...; a train's "economy" is standard class, its "business" first).
A train without a class stays without one (scored as standard); first class is never guessed.

A segment with origin and destination (or a distance, or hotel nights) is distance-based; one
with none of these but an amount and currency is spend-based, with a note saying so.
The mapping is checked before the first row: an unknown field, a missing required column or a
column absent from the file's header fails the whole file with a message naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from connectors import _segments, fields
from connectors.base import Connector
from connectors.reading import UnreadableFile, dict_rows, head_of
from corp_carbon.domain.bookings import (
    BookingRecord,
    FileHead,
    Record,
    RecordStatus,
    RowProblem,
    Segment,
    Traveller,
)
from corp_carbon.domain.vocabulary import Cabin, CalculationMethod, DistanceSource, Mode

REQUIRED = ("record_key", "date", "mode")
OPTIONAL = (
    "employee_number",
    "email",
    "name",
    "origin",
    "destination",
    "distance",
    "cabin",
    "carrier",
    "service_number",
    "ticket_number",
    "status",
    "nights",
    "amount",
    "currency",
    "journey",
)
VALUE_TABLES = ("mode", "cabin", "status")
SETTINGS = ("date_format", "distance_unit", "delimiter", "columns", "values")
UNITS = ("km", "mi")
SPEND_NOTE = "spend-based: no distance in the row"
T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class ColumnMapping:
    """The validated mapping."""

    columns: Mapping[str, str]
    values: Mapping[str, Mapping[str, str]]
    date_format: str = "iso"
    distance_unit: str = "km"
    delimiter: str | None = None


class MappingError(UnreadableFile):
    """The configured ``[sources.mapping]`` cannot be used; the message names the key."""


def parse_mapping(raw: Mapping[str, Any]) -> ColumnMapping:
    """The mapping checked for unknown keys, values of the wrong kind and missing required
    columns (``MappingError`` naming the key, e.g. ``sources.mapping.values.mode``)."""
    unknown = sorted(str(k) for k in set(raw) - set(SETTINGS))
    if unknown:
        accepted = ", ".join(SETTINGS)
        raise MappingError(f"unknown setting {unknown[0]!r} in [sources.mapping] ({accepted})")
    columns = _table(raw.get("columns"), "columns")
    if not columns:
        raise MappingError("[sources.mapping.columns] is missing")
    for name in columns:
        if name not in REQUIRED and name not in OPTIONAL:
            raise MappingError(f"unknown field {name!r} in [sources.mapping.columns]")
    for name in REQUIRED:
        if not columns.get(name, "").strip():
            raise MappingError(f"sources.mapping.columns.{name} is required")
    values = _table(raw.get("values", {}), "values", nested=True)
    for table in values:
        if table not in VALUE_TABLES:
            raise MappingError(f"unknown table [sources.mapping.values.{table}]")
    unit = _setting(raw, "distance_unit", "km").strip().lower()
    if unit not in UNITS:
        raise MappingError(f"sources.mapping.distance_unit must be km or mi, not {unit!r}")
    return ColumnMapping(
        columns={k: v.strip() for k, v in columns.items()},
        values={
            t: {str(k).strip().lower(): str(v) for k, v in _table(m, f"values.{t}").items()}
            for t, m in values.items()
        },
        date_format=_setting(raw, "date_format", "iso") or "iso",
        distance_unit=unit,
        delimiter=_setting(raw, "delimiter", "") or None,
    )


def _setting(raw: Mapping[str, Any], key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise MappingError(f"sources.mapping.{key} must be text, not {value!r}")
    return value


def _table(value: object, key: str, *, nested: bool = False) -> dict[str, Any]:
    """A table of text values (of tables when ``nested``), else ``MappingError``."""
    kind = "a table of tables" if nested else "a table of text values"
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MappingError(f"sources.mapping.{key} must be {kind}, not {value!r}")
    for name, item in value.items():
        if not isinstance(item, Mapping if nested else str):
            what = "a table" if nested else "text"
            raise MappingError(f"sources.mapping.{key}.{name} must be {what}, not {item!r}")
    return {str(k): v for k, v in value.items()}


class GenericCsvConnector(Connector):
    name: ClassVar[str] = "generic-csv"
    title: ClassVar[str] = "Any CSV or XLSX export, through a configured column mapping"

    def columns_read(self) -> dict[str, str]:
        ours = {"record_key": "key", "amount": "spend_amount", "currency": "spend_currency",
                "distance": "distance_km"}  # fmt: skip
        columns = parse_mapping(self.options.mapping).columns
        return {ours.get(name, name): column for name, column in columns.items()}

    def check_options(self) -> None:
        parse_mapping(self.options.mapping)

    def identify(self, head: FileHead) -> bool:
        try:
            mapping = parse_mapping(self.options.mapping)
        except UnreadableFile:
            return False
        return all(mapping.columns[name] in head.header for name in REQUIRED)

    def expected(self) -> str:
        columns = self.options.mapping.get("columns", {})
        named = ", ".join(str(columns[n]) for n in REQUIRED if n in columns)
        return (
            f"a CSV or XLSX with the mapped columns {named}"
            if named
            else ("a CSV or XLSX described by [sources.mapping] (columns record_key, date, mode)")
        )

    def extract(self, path: Path) -> Iterator[Record]:
        mapping = parse_mapping(self.options.mapping)
        head = head_of(path, self.options.xlsx_guard)
        for name, header in mapping.columns.items():
            if header not in head.header:
                raise UnreadableFile(
                    f"{path.name}: column {header!r} (sources.mapping.columns.{name}) is not "
                    "in the file's header"
                )
        reader = _RowReader(mapping)
        group: list[tuple[int, dict[str, str]]] = []
        for number, row in dict_rows(path, self.options.xlsx_guard, mapping.delimiter):
            key = row.get(mapping.columns["record_key"], "").strip()
            if group and key != group[0][1].get(mapping.columns["record_key"], "").strip():
                yield from reader.booking(group)
                group = []
            group.append((number, row))
        if group:
            yield from reader.booking(group)


class _RowReader:
    def __init__(self, mapping: ColumnMapping) -> None:
        self.mapping = mapping

    def cell(self, row: Mapping[str, str], name: str) -> str:
        header = self.mapping.columns.get(name)
        return row.get(header, "").strip() if header else ""

    def booking(self, group: list[tuple[int, dict[str, str]]]) -> Iterator[Record]:
        first_row, first = group[0]
        key = self.cell(first, "record_key")
        problems: list[RowProblem] = []
        if not key:
            yield RowProblem(first_row, self.mapping.columns["record_key"], "record key missing")
            return
        traveller = self.traveller(first_row, first, problems)
        segments: list[Segment] = []
        repeats = _segments.Repeats()
        for index, (number, row) in enumerate(group):
            segment = self.segment(number, row, str(index), problems)
            if segment is None:
                continue
            earlier = repeats.first_row(segment, number)
            if earlier is None:
                segments.append(segment)
            else:  # keys stay positional, so a later row keeps its key
                column = self.mapping.columns["record_key"]
                problems.append(_segments.repeated(number, column, earlier))
        rejected = [p for p in problems if p.rejected]
        if rejected:
            for p in problems:
                yield (
                    RowProblem(p.row, p.field, f"{p.reason}; booking {key} skipped", p.value)
                    if p.rejected
                    else p
                )
            return
        yield from problems
        assert traveller is not None
        yield BookingRecord(key=key, row=first_row, traveller=traveller, segments=tuple(segments))

    def traveller(
        self, number: int, row: Mapping[str, str], problems: list[RowProblem]
    ) -> Traveller | None:
        employee = fields.text(self.cell(row, "employee_number"))
        try:
            email = fields.email(self.cell(row, "email"))
        except fields.FieldError as exc:
            problems.append(
                RowProblem(
                    number,
                    self.mapping.columns["email"],
                    str(exc),
                    self.cell(row, "email"),
                    rejected=employee is None,
                )
            )
            email = None
        if employee is None and email is None:
            problems.append(
                RowProblem(
                    number,
                    self._header("employee_number", "email"),
                    "no employee number and no email: the traveller cannot be matched",
                )
            )
            return None
        return Traveller(employee, email, fields.text(self.cell(row, "name")))

    def _header(self, *names: str) -> str:
        return (
            " / ".join(self.mapping.columns[n] for n in names if n in self.mapping.columns)
            or (names[0])
        )

    def segment(
        self, number: int, row: Mapping[str, str], key: str, problems: list[RowProblem]
    ) -> Segment | None:
        before = len(problems)
        travel_date = self._checked(number, row, "date", self.date, problems)
        mode = self._checked(number, row, "mode", self.mode, problems)
        cabin = None
        if mode is not None:
            cabin = self._checked(number, row, "cabin", lambda v: self.cabin(v, mode), problems)
        status = self._checked(number, row, "status", self.status, problems)
        unit = self.mapping.distance_unit
        distance = self._checked(
            number, row, "distance", lambda v: fields.distance_km(v, unit), problems
        )
        nights = self._checked(number, row, "nights", fields.whole, problems)
        amount = self._checked(number, row, "amount", fields.decimal, problems)
        if travel_date is None and len(problems) == before:
            problems.append(RowProblem(number, self.mapping.columns["date"], "date missing"))
        if mode is None and len(problems) == before:
            problems.append(RowProblem(number, self.mapping.columns["mode"], "mode missing"))
        if len(problems) > before or travel_date is None or mode is None:
            return None
        # spend is not the score: a bad currency only warns (the spend is not recorded)
        currency = self._checked(number, row, "currency", fields.currency, problems, reject=False)
        origin, destination = self.place(row, "origin", mode), self.place(row, "destination", mode)
        has_distance = bool(origin and destination) or distance is not None
        if mode is Mode.HOTEL:
            has_distance = nights is not None
        spend = not has_distance and amount is not None and currency is not None
        notes: tuple[str, ...] = (SPEND_NOTE,) if spend else ()
        return Segment(
            key=key,
            mode=mode,
            travel_date=travel_date,
            origin=origin,
            destination=destination,
            carrier=fields.text(self.cell(row, "carrier")),
            service_number=fields.text(self.cell(row, "service_number")),
            ticket_number=fields.text(self.cell(row, "ticket_number")),
            cabin=cabin,
            nights=nights,
            distance_km=distance,
            distance_source=DistanceSource.GIVEN if distance is not None else None,
            journey=self.cell(row, "journey"),
            status=status or RecordStatus.CONFIRMED,
            method=CalculationMethod.SPEND if spend else CalculationMethod.DISTANCE,
            spend_amount=amount,
            spend_currency=currency if amount is not None else None,
            notes=notes,
        )

    def _checked(
        self,
        number: int,
        row: Mapping[str, str],
        name: str,
        parser: Callable[[str], T | None],
        problems: list[RowProblem],
        *,
        reject: bool = True,
    ) -> T | None:
        raw = self.cell(row, name)
        if not raw:
            return None
        try:
            return parser(raw)
        except fields.FieldError as exc:
            column = self.mapping.columns[name]
            problems.append(RowProblem(number, column, str(exc), raw, rejected=reject))
            return None

    def date(self, value: str) -> date | None:
        if not value:
            return None
        if self.mapping.date_format == "iso":
            return fields.iso_date(value)
        try:
            return datetime.strptime(value, self.mapping.date_format).date()
        except ValueError:
            raise fields.FieldError(
                f"not a date in the format {self.mapping.date_format}: {value!r}"
            ) from None

    def mode(self, value: str) -> Mode | None:
        return _lookup(value, self.mapping.values.get("mode", {}), Mode, "mode")

    def cabin(self, value: str, mode: Mode) -> Cabin | None:
        """A flight's cabin, or a train's class (the same column and mapping table)."""
        mapped = self.mapping.values.get("cabin", {}).get(value.lower())
        ours = mapped if mapped is not None else value
        return fields.rail_class(ours) if mode is Mode.RAIL else fields.cabin(ours)

    def status(self, value: str) -> RecordStatus | None:
        return _lookup(value, self.mapping.values.get("status", {}), RecordStatus, "status")

    def place(self, row: Mapping[str, str], name: str, mode: Mode) -> str | None:
        value = fields.text(self.cell(row, name))
        if value and mode is Mode.AIR and len(value) == 3 and value.isalpha():
            return value.upper()
        return value


def _lookup(value: str, table: Mapping[str, str], enum: type[E], what: str) -> E | None:
    """Their value through the mapping table, else our own value as it is."""
    if not value:
        return None
    ours = table.get(value.lower(), value).strip().lower()
    try:
        return enum(ours)
    except ValueError:
        accepted = ", ".join(m.value for m in enum)
        raise fields.FieldError(
            f"unknown {what} {value!r}; map it in [sources.mapping.values.{what}] "
            f"(accepted: {accepted})"
        ) from None


CONNECTOR = GenericCsvConnector
