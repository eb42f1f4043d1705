"""The trip list's filters as a GET form sends them: period, from/to, mode and kind.

Read once here so the list, its count and its pager links all use the same filters. A value
the form could not have sent is not applied and is named in a message on the page; the rest
of the filters still work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from corp_carbon.domain.dates import parse_day
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.periods import preset
from corp_carbon.domain.phrases import N_
from corp_carbon.domain.vocabulary import ActivityKind, Mode
from corp_carbon.web.i18n import gettext

#: the period choices of the form, in order; "" is any time, "custom" the from/to dates.
PERIODS = (
    ("", N_("Any time")),
    ("this-month", N_("This month")),
    ("this-year", N_("This year")),
    ("last-12-months", N_("Last 12 months")),
    ("custom", N_("Between two dates")),
)


@dataclass
class TripFilters:
    period: str = ""
    date_from: date | None = None
    date_to: date | None = None
    mode: Mode | None = None
    kind: ActivityKind | None = None
    #: each problem names its field, in the page's language.
    problems: list[str] = field(default_factory=list)

    def query(self) -> dict[str, Any]:
        """The keyword filters of ``activities_for`` / ``count_activities``."""
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "mode": self.mode,
            "kind": self.kind,
        }

    def args(self) -> dict[str, str]:
        """The filters as the form sends them, for the pager's links (empty ones left out)."""
        found = {"period": self.period, "mode": self.mode or "", "kind": self.kind or ""}
        if self.period == "custom":
            found["from"] = self.date_from.isoformat() if self.date_from else ""
            found["to"] = self.date_to.isoformat() if self.date_to else ""
        return {name: str(value) for name, value in found.items() if value}

    @property
    def active(self) -> bool:
        return any(self.query().values())


def read_filters(args: Mapping[str, str], today: date | None = None) -> TripFilters:
    today = today or date.today()
    chosen = TripFilters()
    period = (args.get("period") or "").strip()
    raw_from, raw_to = args.get("from"), args.get("to")
    if not period and ((raw_from or "").strip() or (raw_to or "").strip()):
        period = "custom"  # dates typed without choosing "between two dates"
    if period not in dict(PERIODS):
        chosen.problems.append(
            gettext("Period: “%(value)s” is not one of the choices.", value=period)
        )
        period = ""
    chosen.period = period
    if period == "custom":
        _dates(chosen, raw_from, raw_to)
    elif period:
        found = preset(period, today)
        chosen.date_from, chosen.date_to = found.first, found.last
    chosen.mode = _choice(chosen, Mode, args.get("mode"), gettext("Mode"))
    chosen.kind = _choice(chosen, ActivityKind, args.get("kind"), gettext("Kind of trip"))
    return chosen


def _dates(chosen: TripFilters, raw_from: str | None, raw_to: str | None) -> None:
    for name, raw, words in (
        ("from", raw_from, gettext("From")),
        ("to", raw_to, gettext("To")),
    ):
        try:
            day = parse_day(name, raw)
        except DomainError:
            chosen.problems.append(
                gettext(
                    "%(field)s: “%(value)s” is not a date (for example 2026-03-31).",
                    field=words,
                    value=(raw or "").strip(),
                )
            )
            continue
        if name == "from":
            chosen.date_from = day
        else:
            chosen.date_to = day
    if chosen.date_from and chosen.date_to and chosen.date_from > chosen.date_to:
        chosen.problems.append(gettext("To: the last day comes before the first day."))
        chosen.date_to = None


def _choice(chosen: TripFilters, enum: Any, raw: str | None, words: str) -> Any:
    value = (raw or "").strip()
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        chosen.problems.append(
            gettext("%(field)s: “%(value)s” is not one of the choices.", field=words, value=value)
        )
        return None
