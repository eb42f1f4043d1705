"""Helpers shared by the travel-booking connectors (Concur itinerary, Navan, TravelPerk).

A booking is the unit a source re-sends, so it is also the unit of rejection: when any value
the booking needs is bad, the whole booking is dropped with a ``RowProblem`` per bad field.
Importing the rest of it would look to the pipeline as if the bad segment had been removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from connectors import fields
from connectors.fields import FieldError
from corp_carbon.domain.bookings import BookingRecord, Record, RowProblem, Segment, Traveller
from corp_carbon.domain.matching import segment_identity
from corp_carbon.domain.vocabulary import Cabin

T = TypeVar("T")
R = TypeVar("R")

MISSING_TRAVELLER = "missing traveller: no employee number or email"
CAR_HIRE_NOTE = "car hire: distance not in the export"
TAXI_NOTE = "taxi: distance not in the export"
#: IATA airline designator (two characters, at least one a letter) + flight number.
_FLIGHT = re.compile(r"^([A-Z0-9]{2})\s*(\d{1,4}[A-Z]?)$")
_VALUE_CHARS = 200


def shown(value: object) -> str | None:
    """A raw value as a RowProblem shows it (None stays None; long values are cut)."""
    as_text = "" if value is None else str(value)
    if not as_text.strip():
        return None
    return as_text if len(as_text) <= _VALUE_CHARS else as_text[: _VALUE_CHARS - 1] + "…"


@dataclass
class Findings:
    """The problems met while building one booking; ``row`` is the row being read."""

    row: int
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(p.rejected for p in self.problems)

    def reject(self, name: str, reason: str, value: object = None) -> None:
        self.problems.append(RowProblem(self.row, name, reason, shown(value)))

    def warn(self, name: str, reason: str, value: object = None) -> None:
        self.problems.append(RowProblem(self.row, name, reason, shown(value), rejected=False))

    def repeat(self, name: str, first_row: int, since: int | None = None) -> None:
        """This row repeats an earlier segment of the booking: a warning, counted once. The
        warnings met reading it since ``since`` (problems count) go: the first copy has them."""
        if since is not None:
            self.problems[since:] = [p for p in self.problems[since:] if p.rejected]
        self.problems.append(repeated(self.row, name, first_row))

    def check(self, name: str, raw: T, parse: Callable[[T], R], *, reject: bool = True) -> R | None:
        """``parse(raw)``, or None with a problem (rejecting unless ``reject=False``)."""
        try:
            return parse(raw)
        except FieldError as exc:
            (self.reject if reject else self.warn)(name, str(exc), raw)
            return None

    def need(self, name: str, raw: T, parse: Callable[[T], R | None], what: str) -> R | None:
        """Like ``check`` but an empty value is rejected too, as ``missing <what>``."""
        try:
            value = parse(raw)
        except FieldError as exc:
            self.reject(name, str(exc), raw)
            return None
        if value is None:
            self.reject(name, f"missing {what}", raw)
        return value

    def outcome(self, record: BookingRecord | None) -> Iterator[Record]:
        """The rejecting problems alone when the booking is dropped; else warnings + record."""
        if self.rejected:
            yield from (p for p in self.problems if p.rejected)
            return
        yield from self.problems
        if record is not None:
            yield record


def traveller(
    found: Findings,
    number_field: str,
    number: str | None,
    email_field: str,
    email: str | None,
    name: str | None,
) -> Traveller | None:
    """Who travelled; never matched by name, so a number or an email is required."""
    employee_number = fields.text(number)
    # a malformed email only warns when the employee number still identifies the person
    mail = found.check(email_field, email, fields.email, reject=employee_number is None)
    if employee_number is None and mail is None:
        if fields.text(email) is None:  # a malformed email was already reported
            found.reject(number_field, MISSING_TRAVELLER)
        return None
    return Traveller(employee_number=employee_number, email=mail, name=fields.text(name))


def flight_designator(value: str | None) -> tuple[str | None, str | None]:
    """Carrier and number from "LH729" / "BA 983"; anything else is kept whole as the number."""
    found = fields.text(value)
    if found is None:
        return None, None
    match = _FLIGHT.match(found.upper())
    if match and not match.group(1).isdigit():
        return match.group(1), match.group(2)
    return None, found


def flight_cabin(found: Findings, name: str, raw: str | None, default: Cabin) -> Cabin | None:
    """A flight's cabin; when missing, ``default`` with a non-rejecting problem."""
    value = found.check(name, raw, fields.cabin)
    if value is None and fields.text(raw) is None:
        found.warn(name, cabin_note(default))
        return default
    return value


def train_class(found: Findings, *candidates: tuple[str, str | None]) -> Cabin | None:
    """A train's class from the first of ``candidates`` (field, raw value) that states one.
    A lone letter is a fare-bucket code (Eurostar's "B"), not a class: it is passed over, as a
    flight's booking class is. An unknown word rejects the booking naming its field; no class
    at all stays None (the engine says standard was assumed): first class is never guessed."""
    for name, raw in candidates:
        value = fields.text(raw)
        if value is None or (len(value) == 1 and value.isalpha()):
            continue
        return found.check(name, raw, fields.rail_class)
    return None


def cabin_note(default: Cabin) -> str:
    return f"cabin class missing: {default.value.replace('_', ' ')} assumed"


def nights(found: Findings, name: str, start: date | None, end: date | None) -> int | None:
    """Nights of a stay from check-in and check-out dates; a stay needs both, in order."""
    if start is None:
        return None
    if end is None:
        found.reject(name, "missing check-out date: nights cannot be counted")
        return None
    count = (end - start).days
    if count < 0:
        found.reject(name, f"check-out {end} is before check-in {start}", end.isoformat())
        return None
    return count


def money(value: Decimal) -> Decimal:
    """Cents when the amount has no more precision (TravelPerk writes 8 decimals)."""
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value


#: beyond any fare (the SAE allows 23 digits before the point), and within what the spend
#: column holds (about 9.2 * 10^14, which ``services.imports.cells`` checks from the model):
#: a larger amount only warns, as any bad spend does, instead of rejecting the booking.
MAX_AMOUNT = Decimal(10) ** 14


def _amount(value: str | None) -> Decimal | None:
    number = fields.decimal(value)
    if number is not None and abs(number) >= MAX_AMOUNT:
        raise FieldError(f"amount out of range: {value!r}")
    return number


def spend(
    found: Findings, amount_field: str, amount: str | None, currency_field: str, code: str | None
) -> tuple[Decimal | None, str | None]:
    """Amount and currency; problems here only warn, because spend is not the score."""
    value = found.check(amount_field, amount, _amount, reject=False)
    currency = found.check(currency_field, code, fields.currency, reject=False)
    if value is None:
        return None, None
    if currency is None:
        if fields.text(code) is None:
            found.warn(currency_field, "amount without currency: spend not recorded", amount)
        return None, None
    return money(value), currency


def unique_key(key: str, seen: dict[str, int]) -> str:
    """``key``, suffixed "#2", "#3"... when the booking already has a segment with it."""
    count = seen.get(key, 0) + 1
    seen[key] = count
    return key if count == 1 else f"{key}#{count}"


def repeated(row: int, name: str, first_row: int) -> RowProblem:
    """The warning for a repeated segment (the pipeline counts it under duplicates)."""
    return RowProblem(
        row,
        name,
        f"same segment as row {first_row}: counted once",
        rejected=False,
        repeat_of=first_row,
    )


class Repeats:
    """The segments of one booking read so far, by what identifies their travel: a segment
    that agrees with an earlier one on all of it is the same segment repeated (an export
    re-run or pasted twice), not a second leg. One dict lookup per segment."""

    def __init__(self) -> None:
        self._first: dict[tuple[object, ...], int] = {}

    def first_row(self, segment: Segment, row: int, *extra: object) -> int | None:
        """The row of the earlier segment ``segment`` repeats, or None (then it is recorded).
        ``extra`` adds what identifies it beyond the segment (a line's traveller)."""
        identity = (*segment_identity(segment), *extra)
        first = self._first.get(identity)
        if first is None:
            self._first[identity] = row
        return first
