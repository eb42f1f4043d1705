"""Days as people type them (``YYYY-MM-DD``), read the same way by every filter and API."""

from __future__ import annotations

from datetime import date

from corp_carbon.domain.errors import DomainError


def parse_day(name: str, raw: str | None) -> date | None:
    """``raw`` as a day; None when it is missing or blank; 400 naming ``name`` otherwise."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"{name} {text!r}: not a date (YYYY-MM-DD)") from None


def parse_period(raw_from: str | None, raw_to: str | None) -> tuple[date | None, date | None]:
    """A ``from``/``to`` pair of days, either one open; 400 when ``from`` is after ``to``."""
    date_from, date_to = parse_day("from", raw_from), parse_day("to", raw_to)
    if date_from and date_to and date_from > date_to:
        raise DomainError(f"from {date_from}: after to {date_to}")
    return date_from, date_to
