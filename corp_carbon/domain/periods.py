"""Report periods as people choose them: named presets, a from/to pair, the months inside.

Dashboards ask "this year", "last 12 months"; an auditor asks for two dates. Both end up as
an inclusive [first, last] pair of days, checked once here so every page and report refuses
the same mistakes with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from corp_carbon.domain.dates import parse_day
from corp_carbon.domain.errors import DomainError

#: the longest period a dashboard scores: each one re-scores its activities in memory.
MAX_DAYS = 3 * 366

PRESETS = ("this-month", "last-12-months", "this-year", "last-year")
PRESET_LABELS = {
    "this-month": "This month",
    "last-12-months": "Last 12 months",
    "this-year": "This year",
    "last-year": "Last year",
}
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def months(self) -> list[str]:
        """``YYYY-MM`` of every month the period touches, in order."""
        found = []
        year, month = self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found


def preset(name: str, today: date) -> Period:
    """A named period ending today (this month, last 12 months, this year) or last year."""
    if name == "this-month":
        return Period(today.replace(day=1), today)
    if name == "last-12-months":
        index = today.year * 12 + today.month - 1 - 11
        return Period(date(index // 12, index % 12 + 1, 1), today)
    if name == "this-year":
        return Period(date(today.year, 1, 1), today)
    if name == "last-year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    raise DomainError(f"period {name!r}: one of {', '.join(PRESETS)}")


def chosen_period(
    raw_from: str | None, raw_to: str | None, raw_preset: str | None, today: date
) -> Period:
    """The period a form asks for: both dates, else the preset, else this year.

    A date given alone is an error naming the missing one; so is a period ending before it
    starts or longer than MAX_DAYS.
    """
    first, last = parse_day("from", raw_from), parse_day("to", raw_to)
    if first is None and last is None:
        return preset((raw_preset or "").strip() or "this-year", today)
    if first is None:
        raise DomainError("from: give the first day of the period (YYYY-MM-DD)")
    if last is None:
        raise DomainError("to: give the last day of the period (YYYY-MM-DD)")
    if first > last:
        raise DomainError(f"to {last}: before from {first}")
    period = Period(first, last)
    if period.days > MAX_DAYS:
        raise DomainError(f"to {last}: a period can be at most {MAX_DAYS} days long")
    return period


def month_label(key: str) -> str:
    """``2026-03`` as "Mar 2026"."""
    year, _, month = key.partition("-")
    try:
        return f"{MONTH_ABBREVIATIONS[int(month) - 1]} {year}"
    except (ValueError, IndexError):
        return key
