"""What the commute rules and the commute figures say to a person, in the page's language.

The services refuse with a stable rule or field name (``domain.commute_log``); this module
words them, for the page's flash messages and the API's error messages alike.
"""

from __future__ import annotations

from datetime import date

from corp_carbon.domain.commute_log import CommuteInputError, CommuteRefused
from corp_carbon.domain.vocabulary import Mode, label
from corp_carbon.web.i18n import gettext, local_date


def day_text(value: object) -> str:
    """A day as the page's language writes it."""
    return local_date(value, "%-d %B %Y") if isinstance(value, date) else str(value)


def field_name(field: str) -> str:
    """A form field as the page labels it."""
    names = {
        "usual_mode": gettext("Usual way to work"),
        "one_way_km": gettext("One-way distance"),
        "office_days_per_week": gettext("Office days a week"),
        "car_fuel": gettext("Car fuel"),
        "car_occupants": gettext("People in the car"),
        "baseline_mode": gettext("Way to work before the scheme"),
        "date": gettext("Date"),
        "week": gettext("Week"),
        "mode": gettext("Mode"),
        "distance_km": gettext("Distance"),
        "legs": gettext("Trips"),
        "days": gettext("Days"),
        "photo": gettext("Evidence photo"),
        "evidence_id": gettext("Evidence photo"),
    }
    return names.get(field, field)


def problem(exc: CommuteInputError) -> str:
    """What is wrong with the field, without its name."""
    v = exc.values
    words = {
        "mode": gettext("choose one of the ways to work listed"),
        "km": gettext("give a distance above 0 and at most 300 km"),
        "range": gettext(
            "give a whole number from %(low)s to %(high)s", low=v.get("low"), high=v.get("high")
        ),
        "date": gettext("give a date as YYYY-MM-DD"),
        "fuel": gettext("choose a fuel from the list"),
        "empty": gettext("the file is empty"),
        "too_big": gettext(
            "the photo is %(size)s MB; photos of at most %(max)s MB are accepted",
            size=v.get("size_mb"),
            max=v.get("max_mb"),
        ),
        "not_a_photo": gettext("this is not a photo we accept; upload a JPEG, PNG or HEIC file"),
        "unknown_evidence": gettext("there is no such photo of yours"),
        "no_days": gettext("tick at least one day"),
        "needs_distance": gettext("required, as you have no commute profile to take it from"),
    }
    return words.get(exc.problem, exc.message.removeprefix(f"{exc.field}: "))


def input_error(exc: CommuteInputError, *, api: bool = False) -> str:
    """The bad field named as the page labels it (the API names it by its JSON name)."""
    name = exc.field if api else field_name(exc.field)
    return f"{name}: {problem(exc)}"


def refusal(exc: CommuteRefused) -> str:
    """The rule that refused the entry, in words."""
    v = exc.values
    day = day_text(v.get("day"))
    words = {
        "future_date": gettext(
            "%(day)s is still to come: commutes can be logged up to today.", day=day
        ),
        "before_window": gettext(
            "%(day)s is too long ago: commutes can be logged and corrected from %(first)s on.",
            day=day,
            first=day_text(v.get("first")),
        ),
        "already_logged": gettext(
            "Duplicate: your commute on %(day)s is already recorded. Delete or replace that "
            "entry instead.",
            day=day,
        ),
        "per_day_cap": gettext(
            "Daily cap: at most %(cap)s commute trips a day earn points (%(day)s).",
            cap=v.get("cap"),
            day=day,
        ),
        "per_month_cap": gettext(
            "Monthly cap: at most %(cap)s self-reported trips a month earn points (%(day)s). "
            "Attach an evidence photo to log more.",
            cap=v.get("cap"),
            day=day,
        ),
        "outside_window": gettext(
            "Correction window closed: trips of %(day)s can no longer be deleted or replaced.",
            day=day,
        ),
        "already_deleted": gettext("This trip was already deleted."),
    }
    return words.get(exc.rule, exc.message)


def baseline(code: str | None, baseline_mode: Mode | None) -> str:
    """What a logged trip was compared with."""
    if code == "solo_car":
        return gettext("driving alone in an average car")
    if code == "declared_mode" and baseline_mode is not None:
        return gettext(
            "your way to work before the scheme (%(mode)s)", mode=gettext(label(baseline_mode))
        )
    if code is None:
        return gettext("nothing: no emissions avoided")
    return gettext("the company's reference")
