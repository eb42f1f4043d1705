"""Parsing single values the way every connector should: strictly, with a reason on failure.

Each parser returns the value or raises ``FieldError`` with a reason a user can act on; the
connector turns that into a ``RowProblem`` for its row and field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from corp_carbon.domain.email_address import InvalidEmail, canonical_email, quoted
from corp_carbon.domain.vocabulary import Cabin

#: no trip is longer (the longest great-circle distance on Earth is about 20,037 km).
MAX_SEGMENT_KM = Decimal(20_100)
MILE_KM = Decimal("1.609344")


class FieldError(ValueError):
    """A value that cannot be used, with the reason."""


def text(value: str | None) -> str | None:
    """Stripped text, or None when empty."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def email(value: str | None) -> str | None:
    """The address in its stored spelling (corp-carbon's one email rule), or None when empty."""
    found = text(value)
    if found is None:
        return None
    try:
        return canonical_email(found)
    except InvalidEmail as exc:
        raise FieldError(f"not an email address: {quoted(found)} ({exc.reason})") from None


def iso_date(value: str | None) -> date | None:
    """A date from an ISO 8601 date or date-time (the date part as written, local)."""
    found = text(value)
    if found is None:
        return None
    try:
        return date.fromisoformat(found[:10])
    except ValueError:
        raise FieldError(f"not a valid date (expected YYYY-MM-DD): {found!r}") from None


def iso_datetime(value: str | None) -> datetime | None:
    """A date-time from ISO 8601 (with or without offset, 'Z' accepted); naive means UTC."""
    found = text(value)
    if found is None:
        return None
    try:
        parsed = datetime.fromisoformat(found.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(f"not a valid date-time (expected ISO 8601): {found!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


#: more digits before the point than any value an export carries (a fare, a distance, a
#: count); beyond it a number is refused before anything is computed from it (``1E+999999``
#: would otherwise cost seconds of CPU to turn into an integer).
MAX_DIGITS = 20


def decimal(value: str | float | int | None, *, minimum: Decimal | None = None) -> Decimal | None:
    """A finite number of at most ``MAX_DIGITS`` digits before the point, or None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise FieldError(f"not a number: {value!r}")
    if number and number.adjusted() >= MAX_DIGITS:
        raise FieldError(f"number too large (more than {MAX_DIGITS} digits): {value!r}")
    if minimum is not None and number < minimum:
        raise FieldError(f"must be at least {minimum}: {value!r}")
    return number


def whole(value: str | float | int | None, *, minimum: int = 0) -> int | None:
    """A whole number of at least ``minimum`` (None when empty); its size is checked before
    it is converted (see ``decimal``)."""
    number = decimal(value, minimum=Decimal(minimum))
    if number is None:
        return None
    if number != number.to_integral_value():
        raise FieldError(f"not a whole number: {value!r}")
    return int(number)


def distance_km(value: str | float | int | None, unit: str = "km") -> Decimal | None:
    """A segment distance in km from km or miles; negative or beyond any trip is refused."""
    number = decimal(value)
    if number is None:
        return None
    if number < 0:
        raise FieldError(f"distance is negative: {value!r}")
    km = number * MILE_KM if unit.strip().lower() in ("mi", "mile", "miles") else number
    if km > MAX_SEGMENT_KM:
        raise FieldError(f"distance {km:.0f} km is longer than any trip on Earth: {value!r}")
    return km.quantize(Decimal("0.001"))


def coordinate(value: str | float | int | None, *, limit: int) -> Decimal | None:
    number = decimal(value)
    if number is None:
        return None
    if abs(number) > limit:
        raise FieldError(f"not a coordinate (beyond ±{limit}): {value!r}")
    return number.quantize(Decimal("0.000001"))


_CABINS = {
    "economy": Cabin.ECONOMY,
    "coach": Cabin.ECONOMY,
    "y": Cabin.ECONOMY,
    "e": Cabin.ECONOMY,
    "standard": Cabin.ECONOMY,
    "premium_economy": Cabin.PREMIUM_ECONOMY,
    "premium economy": Cabin.PREMIUM_ECONOMY,
    "premium": Cabin.PREMIUM_ECONOMY,
    "w": Cabin.PREMIUM_ECONOMY,
    "business": Cabin.BUSINESS,
    "busin": Cabin.BUSINESS,
    "c": Cabin.BUSINESS,
    "j": Cabin.BUSINESS,
    "first": Cabin.FIRST,
    "f": Cabin.FIRST,
}


def cabin(value: str | None) -> Cabin | None:
    """A cabin from the words and letters exports use (None when empty)."""
    found = text(value)
    if found is None:
        return None
    key = found.lower().replace("-", " ")
    if key in _CABINS:
        return _CABINS[key]
    if key.replace(" ", "_") in _CABINS:
        return _CABINS[key.replace(" ", "_")]
    raise FieldError(f"unknown cabin class: {found!r} (economy, premium economy, business, first)")


#: a train's class as exports write it (Eurostar's "Standard Premier" and "Business Premier"
#: seat passengers 2+1, like first class elsewhere).
_RAIL_CLASSES = {
    "standard": Cabin.STANDARD,
    "standard class": Cabin.STANDARD,
    "second": Cabin.STANDARD,
    "second class": Cabin.STANDARD,
    "2nd": Cabin.STANDARD,
    "2nd class": Cabin.STANDARD,
    "2": Cabin.STANDARD,
    "coach": Cabin.STANDARD,
    "economy": Cabin.STANDARD,
    "二等座": Cabin.STANDARD,
    "二等": Cabin.STANDARD,
    "first": Cabin.FIRST,
    "first class": Cabin.FIRST,
    "1st": Cabin.FIRST,
    "1st class": Cabin.FIRST,
    "1": Cabin.FIRST,
    "business": Cabin.FIRST,
    "premium": Cabin.FIRST,
    "standard premier": Cabin.FIRST,
    "business premier": Cabin.FIRST,
    "一等座": Cabin.FIRST,
    "一等": Cabin.FIRST,
    "商务座": Cabin.FIRST,
    "特等座": Cabin.FIRST,
    "sleeper": Cabin.SLEEPER,
    "couchette": Cabin.SLEEPER,
    "berth": Cabin.SLEEPER,
    "sleeping car": Cabin.SLEEPER,
    "卧铺": Cabin.SLEEPER,
    "软卧": Cabin.SLEEPER,
    "硬卧": Cabin.SLEEPER,
}
RAIL_CLASS_WORDS = "standard (second), first, sleeper (couchette, berth)"


def rail_class(value: str | None) -> Cabin | None:
    """A train's class from the words and codes exports use (None when empty): standard,
    first or a sleeper berth. Never a flight's cabin: "economy" on a train is standard."""
    found = text(value)
    if found is None:
        return None
    key = " ".join(found.lower().replace("-", " ").replace("_", " ").split())
    if key in _RAIL_CLASSES:
        return _RAIL_CLASSES[key]
    raise FieldError(f"unknown class of travel on a train: {found!r} ({RAIL_CLASS_WORDS})")


def iata(value: str | None) -> str | None:
    """An upper-case three-letter code, or None; anything else is refused."""
    found = text(value)
    if found is None:
        return None
    code = found.upper()
    if not (len(code) == 3 and code.isalpha()):
        raise FieldError(f"not a three-letter IATA code: {found!r}")
    return code


def currency(value: str | None) -> str | None:
    """An upper-case ISO 4217 code (three ASCII letters), or None; anything else is refused."""
    found = text(value)
    if found is None:
        return None
    code = found.upper()
    if not (len(code) == 3 and code.isascii() and code.isalpha()):
        raise FieldError(f"not a three-letter currency code: {found!r}")
    return code
