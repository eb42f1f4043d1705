"""How the same trip is recognised across sources, and a change from a mere re-send.

The cross-source match key is documented in the README: the traveller (our employee id), the
travel date, the mode and the route (origin and destination, case- and accent-insensitive).
Two segments with the same key are the same trip when their carrier and service number agree,
or their ticket numbers agree, or one side (a manual entry) has neither.

Inside one booking the rule is stricter, because both copies come from the same export: two
segments are one when they agree on every field that identifies travel (``segment_identity``,
built from the same folded route and service token as the cross-source match), so a repeated
row is counted once while a return on the same route, or another flight, stays a leg.
"""

from __future__ import annotations

import hashlib
import operator
import unicodedata
from dataclasses import fields
from datetime import date
from functools import lru_cache

from corp_carbon.domain.bookings import Segment
from corp_carbon.domain.vocabulary import CalculationMethod, Mode


def _fold(text: str | None) -> str:
    if not text:
        return ""
    return _folded(text)


@lru_cache(maxsize=100_000)
def _folded(text: str) -> str:
    """Kept per text: every segment folds its origin and destination (and its carrier and
    service number when de-duplicating), and the same places recur all through an export."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def match_key(
    employee_id: int, travel_date: date, mode: Mode, origin: str | None, destination: str | None
) -> str:
    """The cross-source key (32 hex characters)."""
    route = f"{_fold(origin)}|{_fold(destination)}"
    raw = f"{employee_id}|{travel_date.isoformat()}|{mode.value}|{route}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def service_id(carrier: str | None, number: str | None) -> str:
    """Carrier and number as one comparable token: "LH 0729" and "lh729" agree."""
    digits = _fold(number).lstrip("0") if number and number.strip().isdigit() else _fold(number)
    return f"{_fold(carrier)}{digits}"


def segment_identity(segment: Segment) -> tuple[object, ...]:
    """What identifies one segment's travel within its booking (the traveller is the
    booking's): mode, date, route, carrier and number, ticket, status, nights, and the amount
    when the amount is all there is (a spend-based expense line)."""
    spend = (
        (segment.spend_amount, segment.spend_currency)
        if segment.method is CalculationMethod.SPEND
        else None
    )
    return (
        segment.mode,
        segment.travel_date,
        _fold(segment.origin),
        _fold(segment.destination),
        service_id(segment.carrier, segment.service_number),
        segment.ticket_number or "",
        segment.status,
        segment.nights,
        spend,
    )


def same_trip(a_service: str, a_ticket: str | None, b_service: str, b_ticket: str | None) -> bool:
    """Given equal match keys: the same trip unless both sides name a different service (or,
    lacking services, a different ticket)."""
    if a_service and b_service:
        return a_service == b_service
    if a_ticket and b_ticket:
        return a_ticket == b_ticket
    return True


#: fields whose change means a different trip was travelled (re-scored as a new activity).
MATERIAL = (
    "mode", "travel_date", "origin", "destination", "carrier", "service_number", "cabin",
    "fuel", "vehicle_size", "occupants", "nights", "distance_km", "method", "spend_amount",
    "spend_currency", "kind",
)  # fmt: skip


_ALL = tuple(f.name for f in fields(Segment))


def record_hash(segment: Segment, employee_id: int) -> str:
    """64 hex characters: 32 that change when anything in the segment changes (notes and
    coordinates included), then 32 that change only with a material change.

    Each half hashes the ``repr`` of a tuple (the employee id, then the fields in declared
    order: all of them, or the ``MATERIAL`` ones). Reprs of enums, dates, decimals and strings
    are stable across processes and versions, so stored hashes stay comparable. The tuple's
    repr is built from each field's repr taken once for both hashes: the import hashes every
    segment it reads."""
    reprs = [repr(employee_id), *map(repr, _ALL_VALUES(segment))]
    everything = hashlib.sha256(_joined(reprs)).hexdigest()
    material = hashlib.sha256(_joined([reprs[0], *[reprs[i] for i in _MATERIAL_AT]])).hexdigest()
    return everything[:32] + material[:32]


_ALL_VALUES = operator.attrgetter(*_ALL)
#: where each material field's repr sits in ``record_hash``'s list (after the employee id)
_MATERIAL_AT = tuple(1 + _ALL.index(name) for name in MATERIAL)


def _joined(reprs: list[str]) -> bytes:
    """The ``repr`` of a tuple of two or more values, from their reprs."""
    return ("(" + ", ".join(reprs) + ")").encode()
