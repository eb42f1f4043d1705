"""The catalogue as HR manages it: where each reward stands, its offer window in days, and
what an edit changed (for the audit log).

A reward's window is stored as instants (UTC): ``active_from`` inclusive, ``active_until``
exclusive. HR thinks in days ("offered until 31 March"), so the admin form shows and takes
the last day a reward can be redeemed, and stores the midnight after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum


class CatalogueState(StrEnum):
    """Where a reward stands for employees now; not stored, derived from its fields."""

    ACTIVE = "active"  # offered now
    SCHEDULED = "scheduled"  # offered from a day still to come
    ENDED = "ended"  # its last day has passed
    RETIRED = "retired"  # withdrawn by HR (can be offered again)


def catalogue_state(
    *, active: bool, active_from: datetime | None, active_until: datetime | None, now: datetime
) -> CatalogueState:
    if not active:
        return CatalogueState.RETIRED
    if active_until is not None and now >= active_until:
        return CatalogueState.ENDED
    if active_from is not None and now < active_from:
        return CatalogueState.SCHEDULED
    return CatalogueState.ACTIVE


def start_of(day: date) -> datetime:
    """The first instant (UTC) of ``day``: a reward offered from this day."""
    return datetime.combine(day, time(), tzinfo=UTC)


def end_after(day: date) -> datetime:
    """The stored ``active_until`` of a reward whose last day is ``day``: the next midnight."""
    return start_of(day + timedelta(days=1))


def first_day(active_from: datetime) -> date:
    """The day (UTC) a reward is first offered."""
    return active_from.astimezone(UTC).date()


def last_day(active_until: datetime) -> date:
    """The last day (UTC) a reward can be redeemed, given its exclusive end."""
    return (active_until.astimezone(UTC) - timedelta(microseconds=1)).date()


def changes(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, list[object]]:
    """``{field: [old, new]}`` for every field whose value differs, JSON-ready (times as ISO
    text), in ``after``'s order: what an audit entry of an edit records."""

    def plain(value: object) -> object:
        if isinstance(value, datetime):
            return value.isoformat()
        return getattr(value, "value", value)

    return {
        name: [plain(before.get(name)), plain(value)]
        for name, value in after.items()
        if before.get(name) != value
    }
