"""A trip in the page's language: its route, status, one-line "why" and explanation trail.

The domain keeps each trail step as a phrase (an English template and its values, see
``domain.phrases``); here each phrase is said through the catalogue, numbers per locale.
What people read stays in plain words; internal keys, fallbacks, look-up and transcription
notes are collected apart for the page's "Technical details" disclosure, each key with its
plain name beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from corp_carbon.domain.activities import ActivityView
from corp_carbon.domain.vocabulary import (
    ActivityKind,
    ActivityStatus,
    DistanceSource,
    Mode,
    label,
)
from corp_carbon.geo.places import airport
from corp_carbon.web.i18n import gettext, local_date, number, pgettext


def translated_label(value: object) -> str:
    """A vocabulary value as its word in the page's language (as the ``label`` filter)."""
    return gettext(label(value))


def say(value: Any) -> str:
    """A stored phrase (or one of its values) in the page's language."""
    if isinstance(value, Mapping):
        if "msg" in value:
            template = str(value["msg"])
            if not template:
                return ""
            args = value.get("args") or {}
            translated = gettext(template)
            if not args:
                return translated
            try:
                return translated % {name: say(v) for name, v in args.items()}
            except (KeyError, TypeError, ValueError):
                return template % {name: say(v) for name, v in args.items()}
        if "num" in value:
            try:
                return number(Decimal(str(value["num"])), int(value.get("digits", 0)))
            except (InvalidOperation, ValueError):
                return str(value["num"])
        if "label" in value:
            return translated_label(value["label"]).lower()
        if "date" in value:
            try:
                day = date.fromisoformat(str(value["date"]))
            except ValueError:
                return str(value["date"])
            return local_date(day, "%-d %B %Y")
    return str(value)


def step_text(step: Mapping[str, Any]) -> str:
    """One step in words: its phrase, or (a trail stored before phrases) its English text."""
    return say(step["say"]) if "say" in step else str(step.get("text", ""))


# --- the trip list ------------------------------------------------------------------------


#: the ends the product itself writes for a commute, said as places (家), not pages (首页).
OWN_PLACES = {
    "home": lambda: pgettext("place", "Home"),
    "office": lambda: pgettext("place", "Office"),
    "work": lambda: pgettext("place", "Work"),
}


def place_words(text: str | None, mode: Mode) -> str | None:
    """A place as a person reads it: an airport code with the airport's name beside it
    ("London Heathrow (LHR)"), a commute's "Home" in the page's language, anything else as
    resolved."""
    text = (text or "").strip() or None
    if not text:
        return None
    own = OWN_PLACES.get(text.casefold())
    if own:
        return own()
    if mode is not Mode.AIR:
        return text
    found = airport(text) if text.isascii() and text.isalnum() and len(text) in (3, 4) else None
    if found is None:
        return text
    return f"{found.name.removesuffix(' Airport').removesuffix(' International')} ({found.code})"


def route(trip: ActivityView) -> str:
    """Where the trip went, as the places were resolved; a missing end in words, never "?"."""
    mode = translated_label(trip.mode)
    start = place_words(trip.origin, trip.mode)
    end = place_words(trip.destination, trip.mode)
    if trip.mode is Mode.HOTEL and (end or start):
        return gettext("%(mode)s in %(place)s", mode=mode, place=end or start)
    if start and end:
        return gettext("%(mode)s: %(from)s → %(to)s", mode=mode, **{"from": start, "to": end})
    if end:
        return gettext("%(mode)s to %(place)s (arrival only)", mode=mode, place=end)
    if start:
        return gettext("%(mode)s from %(place)s (departure only)", mode=mode, place=start)
    return mode


def status_words(trip: ActivityView) -> str | None:
    """The status a person needs to read; None for a confirmed trip (the usual case)."""
    words = {
        ActivityStatus.CANCELLED: gettext("Cancelled"),
        ActivityStatus.REPLACED: gettext("Replaced by a changed ticket"),
        ActivityStatus.DUPLICATE: gettext("Reported twice: counted once"),
    }
    return words.get(trip.status)


def baseline_words(trip: ActivityView) -> str:
    """What the trip was compared with, from the trail's baseline step."""
    for step in trip.explanation:
        if step.get("step") == "baseline":
            what = _baseline_part(step, "what")
            if what:
                return what[:1].upper() + what[1:]
            return gettext("Nothing to compare with")
    return "—"


def _baseline_part(step: Mapping[str, Any], part: str) -> str:
    phrase = step.get("say")
    if isinstance(phrase, Mapping):
        value = (phrase.get("args") or {}).get(part)
        if value is not None:
            return say(value)
    return ""


def why(trip: ActivityView) -> str:
    """The one-line "why" under each trip: the trail's summary, or why there is none."""
    for step in trip.explanation:
        if step.get("step") == "summary":
            return step_text(step)
    if trip.status is not ActivityStatus.CONFIRMED:
        return gettext("Not scored: this trip does not count.")
    if trip.kg_co2e is None:
        return gettext("Not assessed yet.")
    return trip.plain


# --- the trip page ------------------------------------------------------------------------


@dataclass
class Line:
    """One step of the trail as people read it."""

    kind: str
    text: str
    baseline: bool = False


@dataclass
class Technical:
    """What only a specialist needs: each internal key with its plain name, and notes."""

    keys: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Trail:
    lines: list[Line]
    guesses: list[str]
    technical: Technical
    factor_set: str | None
    import_notes: list[str]


#: import notes a connector writes, said in words (the rest go to technical details).
_IMPORT_NOTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^car hire: distance not in the export$"), "car_hire"),
    (re.compile(r"^taxi: distance not in the export$"), "taxi"),
    (re.compile(r"^spend-based: no distance in the (row|expense line)$"), "spend"),
    (re.compile(r"^from/to are free text from the expense line$"), "free_text"),
    (re.compile(r"^distance from the expense line, read as (\w+)$"), "expense_distance"),
    (re.compile(r"^car-pool, (\d+) occupants$"), "car_pool"),
    (re.compile(r"^Mileage claim, round trip$"), "mileage"),
    (re.compile(r"^Cancelled: (.+)$"), "cancelled"),
    (re.compile(r"^Same flight as the (.+) record; not counted twice$"), "same_flight"),
    (re.compile(r"^Ticket exchanged to (\d{4}-\d{2}-\d{2})$"), "exchanged_to"),
    (re.compile(r"^Exchanged ticket; originally (\d{4}-\d{2}-\d{2})$"), "exchanged_from"),
)
_CABIN = re.compile(r"^cabin class missing: (.+) assumed$")
_PLACE = re.compile(r"^place (['\"])(?P<place>.+)\1 not found(: please check)?$")  # its repr


def trail(trip: ActivityView) -> Trail:
    found = Trail([], [], Technical(), None, [])
    unsure_place = False
    for step in trip.explanation:
        kind = str(step.get("step", ""))
        baseline = step.get("role") == "baseline"
        if kind == "summary":
            continue
        if kind in ("place", "note"):
            found.technical.notes.append(str(step.get("text", "")))
            unsure_place = unsure_place or kind == "place"
            continue
        if kind == "factor_set":
            found.factor_set = _set_name(step)
            found.lines.append(Line(kind, _set_line(step)))
            found.technical.keys.append(
                (str(step.get("factor_set", "")), gettext("the factor set's id"))
            )
            for name, value in (("version", step.get("version")), ("source", step.get("source"))):
                if value:
                    found.technical.notes.append(f"{name}: {value}")
            continue
        if kind == "factor":
            key, plain = step.get("factor_key"), step.get("factor_label")
            if key:
                found.technical.keys.append((str(key), str(plain or "")))
            if step.get("derivation"):
                found.technical.notes.append(str(step["derivation"]))
        if kind == "haul" and step.get("note"):
            found.technical.notes.append(str(step["note"]))
        if kind == "distance" and step.get("detail"):
            found.technical.notes.append(str(step["detail"]))
        found.lines.append(Line(kind, step_text(step), baseline))
    found.technical.notes = list(dict.fromkeys(found.technical.notes))  # once each
    found.guesses = _guesses(trip, unsure_place)
    found.import_notes = _import_notes(trip, found)
    return found


def _set_name(step: Mapping[str, Any]) -> str:
    """A factor set as people name it: "DESNZ 2025" (the publisher's short name, the year)."""
    publisher, year = str(step.get("publisher") or ""), step.get("year")
    short = re.search(r"\(([A-Z]{2,})\)", publisher)
    if publisher and year:
        return f"{short.group(1) if short else publisher} {year}"
    return str(step.get("factor_set") or "")


def _set_line(step: Mapping[str, Any]) -> str:
    if step.get("title"):
        return gettext(
            "Emission factors from %(set)s: “%(title)s”, published by %(publisher)s",
            set=_set_name(step),
            title=step["title"],
            publisher=step.get("publisher", ""),
        )
    return gettext("Emission factors from %(set)s", set=_set_name(step))


def _guesses(trip: ActivityView, unsure_place: bool) -> list[str]:
    """What the product assumed, said once, kindly, with how to put it right."""
    found = []
    commute = trip.kind is ActivityKind.COMMUTE
    fix = (
        gettext("If that is not right, correct it in your commute profile.")
        if commute
        else gettext("If that is not right, ask your travel team to correct the booking.")
    )
    if trip.distance_source is DistanceSource.ESTIMATED:
        found.append(
            gettext(
                "The booking did not give the distance, so we estimated it from the places "
                "on the ticket. %(fix)s",
                fix=fix,
            )
        )
    if unsure_place:
        found.append(
            gettext(
                "We were not completely sure which place the booking meant; the technical "
                "details below show how we read it. %(fix)s",
                fix=fix,
            )
        )
    for note in _split(trip.note):
        place = _PLACE.match(note)
        if place:
            found.append(
                gettext(
                    "We could not find “%(place)s”, the place named on the booking, so the "
                    "figures below use a general factor. %(fix)s",
                    place=place.group("place"),
                    fix=fix,
                )
            )
        cabin = _CABIN.match(note)
        if cabin:
            found.append(
                gettext(
                    "The booking did not say the cabin class, so we assumed %(cabin)s. %(fix)s",
                    cabin=translated_label(cabin.group(1).replace(" ", "_")).lower(),
                    fix=fix,
                )
            )
    return found


def _import_notes(trip: ActivityView, found: Trail) -> list[str]:
    """The import's notes in words; a note with no words here goes to technical details."""
    said = []
    notes = _split(trip.note)
    whole = (trip.note or "").strip()
    if whole and any(p.match(whole) for p, _ in _IMPORT_NOTES):
        notes = [whole]  # a note that itself contains "; "
    for note in notes:
        if _CABIN.match(note) or _PLACE.match(note):
            continue  # said among the guesses
        for pattern, name in _IMPORT_NOTES:
            match = pattern.match(note)
            if match:
                said.append(_import_note(name, match))
                break
        else:
            found.technical.notes.append(gettext("From the import: %(note)s", note=note))
    return said


def _import_note(name: str, match: re.Match[str]) -> str:
    if name == "car_hire":
        return gettext("Car hire: the booking gave no distance.")
    if name == "taxi":
        return gettext("Taxi: the booking gave no distance.")
    if name == "spend":
        return gettext("No distance was available: estimated from the price.")
    if name == "free_text":
        return gettext("The places were typed by hand on the expense claim.")
    if name == "car_pool":
        return gettext("Car-pool with %(n)s people in the car.", n=match.group(1))
    if name == "mileage":
        return gettext("Mileage claim for the journey there and back.")
    if name == "cancelled":
        return gettext(
            "Cancelled; the booking system's reason: “%(reason)s”.", reason=match.group(1)
        )
    if name == "same_flight":
        return gettext(
            "The same flight also came from %(source)s: it is counted once.",
            source=match.group(1),
        )
    if name == "exchanged_to":
        return gettext("The ticket was changed to a trip on %(day)s.", day=_day(match.group(1)))
    if name == "exchanged_from":
        return gettext("A changed ticket: first booked for %(day)s.", day=_day(match.group(1)))
    return gettext("The distance comes from the expense claim (%(unit)s).", unit=match.group(1))


def _day(iso: str) -> str:
    return local_date(date.fromisoformat(iso), "%d %B %Y")


def _split(note: str | None) -> Sequence[str]:
    return [part.strip() for part in (note or "").split("; ") if part.strip()]
