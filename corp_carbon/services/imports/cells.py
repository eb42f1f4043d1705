"""What fits the database: a record with a value its column cannot hold is a row problem.

Connectors check a value's meaning; this checks what they produced against the columns it
goes to, with the lengths and ranges read from the models themselves. Without it a value
that SQLite keeps and PostgreSQL refuses (a NUL character, a carrier longer than its column,
an amount beyond its precision) failed the whole batch on PostgreSQL; now it rejects its own
booking, naming the row and the field, on every database.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

import sqlalchemy as sa

from corp_carbon.db.models import Activity, CommuteProfile, Employee
from corp_carbon.db.types import ScaledDecimal
from corp_carbon.domain.bookings import BookingRecord, CommuteResponse, Record, RowProblem

Column = sa.orm.InstrumentedAttribute[Any]
NUL = "\x00"
#: how a NUL character is shown in a stored problem (PostgreSQL refuses NUL in text).
NUL_SHOWN = "\u2400"
_VALUE_CHARS = 200
_SEGMENT_PATH = re.compile(r"segments\[(\d+)\]\.")

#: Segment field -> the Activity column it is stored in (origin and destination are cut to
#: their columns' length on purpose: a long station name still locates the trip).
SEGMENT_COLUMNS = {
    "carrier": Activity.carrier,
    "service_number": Activity.service_number,
    "ticket_number": Activity.ticket_number,
    "spend_currency": Activity.spend_currency,
    "spend_amount": Activity.spend_amount,
    "distance_km": Activity.distance_km,
    "nights": Activity.nights,
    "occupants": Activity.occupants,
}
BOOKING_COLUMNS = {
    "key": Activity.source_booking_key,
    "record_locator": Activity.record_locator,
}
#: a commute answer becomes the employee's commute profile.
COMMUTE_COLUMNS = {
    "one_way_km": CommuteProfile.one_way_km,
    "office_days_per_week": CommuteProfile.office_days_per_week,
    "remote_days_per_week": CommuteProfile.remote_days_per_week,
    "weeks_per_year": CommuteProfile.weeks_per_year,
    "car_occupants": CommuteProfile.car_occupants,
}
TRAVELLER_COLUMNS = {
    "employee_number": Employee.employee_number,
    "email": Employee.email,
}


def storable(text: str) -> str:
    """``text`` as a stored problem can hold it (a NUL shown as the symbol for NUL)."""
    return text.replace(NUL, NUL_SHOWN)


def fitting(records: Iterable[Record], columns: Mapping[str, str]) -> Iterator[Record]:
    """The connector's stream with every record that cannot be stored replaced by its
    problems (rejecting it alone). ``columns``: our field -> the file's column it was read
    from (``Connector.columns_read``), so a problem names the column the user can fix."""
    for record in records:
        if isinstance(record, RowProblem):
            yield _storable_problem(record)
            continue
        problems = list(problems_of(record))
        if problems:
            yield from (_in_their_words(p, columns) for p in problems)
        else:
            yield record


def _in_their_words(problem: RowProblem, columns: Mapping[str, str]) -> RowProblem:
    """``segments[2].carrier`` -> the carrier's column, the reason saying which segment."""
    leaf = problem.field.rsplit(".", 1)[-1]
    column = columns.get(leaf)
    if column is None:
        return problem
    segment = _SEGMENT_PATH.match(problem.field)
    reason = problem.reason
    if segment and not reason.startswith("segment "):
        reason = f"segment {segment.group(1)}: {reason}"
    return replace(problem, field=column, reason=reason)


def _storable_problem(problem: RowProblem) -> RowProblem:
    """A connector's problem quoting a NUL (the cell it could not read) as it can be kept."""
    texts = (problem.field, problem.reason, problem.value or "")
    if not any(NUL in t for t in texts):
        return problem
    value = None if problem.value is None else storable(problem.value)
    return replace(
        problem, field=storable(problem.field), reason=storable(problem.reason), value=value
    )


def problems_of(record: BookingRecord | CommuteResponse) -> Iterator[RowProblem]:
    """One rejecting problem per value of ``record`` its column cannot hold."""
    row = record.row
    if _holds_nul(record):  # a NUL anywhere: the lengths do not matter any more
        yield from _nul_problems(row, "", record)
        return
    yield from _column_problems(row, "", record.traveller, TRAVELLER_COLUMNS)
    if isinstance(record, CommuteResponse):
        yield from _column_problems(row, "", record, COMMUTE_COLUMNS)
        return
    yield from _column_problems(row, "", record, BOOKING_COLUMNS)
    record_key = _limit(Activity.source_record_key)
    for index, segment in enumerate(record.segments):
        where = f"segment {index + 1}: " if len(record.segments) > 1 else ""
        yield from _column_problems(row, where, segment, SEGMENT_COLUMNS)
        key = f"{record.key}#{segment.key}"  # as ``batches`` stores it
        if isinstance(record_key, int) and len(key) > record_key:
            yield RowProblem(
                row,
                "key",
                f"{where}the booking and segment key together are {len(key)} characters, "
                f"longer than the {record_key} a record key may have",
                _shown(key),
            )


#: values that hold no text of their own (skipped without a look at their fields).
_NO_TEXT = (int, float, Decimal, date, datetime, Enum, type(None))


@cache
def _text_fields(kind: type) -> tuple[str, ...]:
    """A dataclass's field names (``dataclasses.fields`` is too slow to ask per record)."""
    if not dataclasses.is_dataclass(kind):
        return ()
    return tuple(item.name for item in dataclasses.fields(kind))


def _holds_nul(value: object) -> bool:
    """Whether any text of ``value`` (a record, its traveller, its segments) has a NUL: the
    common answer, no, found in a walk over the fields without building anything."""
    kind: Any = type(value)
    for name in _text_fields(kind):
        found = getattr(value, name)
        if isinstance(found, str):
            if NUL in found:
                return True
        elif isinstance(found, tuple):
            for item in found:
                if (NUL in item) if isinstance(item, str) else _holds_nul(item):
                    return True
        elif not isinstance(found, _NO_TEXT) and _holds_nul(found):
            return True
    return False


def _nul_problems(row: int, prefix: str, value: object) -> Iterator[RowProblem]:
    """Every text of a record (its traveller and segments included) with a NUL in it."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return
    for item in dataclasses.fields(value):
        found = getattr(value, item.name)
        name = f"{prefix}{item.name}"
        texts = [found] if isinstance(found, str) else []
        if isinstance(found, tuple):
            texts = [t for t in found if isinstance(t, str)]
            for index, nested in enumerate(found):
                yield from _nul_problems(row, f"{name}[{index + 1}].", nested)
        if any(NUL in t for t in texts):
            yield RowProblem(
                row,
                name,
                "contains a NUL character (byte 0), which no text can hold",
                _shown(" ".join(texts)),
            )
        yield from _nul_problems(row, f"{name}.", found)


def _fits(value: object, columns: Mapping[str, Column]) -> bool:
    """Whether every value of ``columns`` fits (``_column_problems`` finds nothing): the
    common answer, checked without building a generator or its messages."""
    for name, length, largest in _checks(id(columns), columns):
        found: Any = getattr(value, name)
        if found is None:
            continue
        if length is not None:
            if isinstance(found, str) and len(found) > length:
                return False
        elif (
            largest is not None
            and isinstance(found, int | Decimal)
            and abs(Decimal(found)) > largest
        ):
            return False
    return True


_CHECKS: dict[int, tuple[tuple[str, int | None, Decimal | None], ...]] = {}


def _checks(
    key: int, columns: Mapping[str, Column]
) -> tuple[tuple[str, int | None, Decimal | None], ...]:
    """Each field with its column's length or largest number (kept per mapping: the
    mappings are this module's constants)."""
    found = _CHECKS.get(key)
    if found is None:
        found = _CHECKS[key] = tuple(
            (
                name,
                limit if isinstance(limit := _limit(column), int) else None,
                limit if isinstance(limit, Decimal) else None,
            )
            for name, column in columns.items()
        )
    return found


def _column_problems(
    row: int, where: str, value: object, columns: Mapping[str, Column]
) -> Iterator[RowProblem]:
    if _fits(value, columns):
        return
    for name, column in columns.items():
        found: object = getattr(value, name)
        limit = _limit(column)
        if isinstance(found, str) and isinstance(limit, int) and len(found) > limit:
            yield RowProblem(
                row,
                name,
                f"{where}{len(found)} characters, longer than the {limit} it may have",
                _shown(found),
            )
        elif isinstance(found, int | Decimal) and isinstance(limit, Decimal):
            if abs(Decimal(found)) <= limit:
                continue
            yield RowProblem(row, name, f"{where}out of range: at most {limit:,.0f}", _shown(found))


@cache
def _limit(column: Column) -> int | Decimal | None:
    """A text column's length, or the largest number a number column can hold."""
    kind = column.property.columns[0].type
    if isinstance(kind, sa.String):
        return kind.length
    if isinstance(kind, ScaledDecimal):
        return Decimal(2**63 - 1).scaleb(-kind.scale).to_integral_value(rounding="ROUND_FLOOR")
    if isinstance(kind, sa.BigInteger):
        return Decimal(2**63 - 1)
    if isinstance(kind, sa.Integer):
        return Decimal(2**31 - 1)
    return None


def _shown(value: object) -> str:
    text = storable(str(value))
    return text if len(text) <= _VALUE_CHARS else text[: _VALUE_CHARS - 1] + "…"
