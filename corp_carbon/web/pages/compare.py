"""The "compare before you book" page: every sensible way to make a trip, lowest emissions first.

The form works without JavaScript; ``static/js/compare.js`` adds place suggestions while
typing (``GET /api/v1/places``). The page says which places it read the words as, asks
"did you mean" rather than guessing a namesake, and says why no flight is offered between
places closer than ``FLIGHT_MIN_KM``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request

from corp_carbon.catalogue import catalogue_for
from corp_carbon.db.queries import grade_of
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.scoring.points import AVOIDED_GRAMS
from corp_carbon.domain.scoring.values import Assessment
from corp_carbon.domain.vocabulary import Cabin, Mode
from corp_carbon.geo import places, resolve
from corp_carbon.geo.places import UnknownPlace
from corp_carbon.services.scoring import methodology
from corp_carbon.services.scoring.estimates import FLIGHT_MIN_KM, compare, to_json
from corp_carbon.web.access import current_employee, login_required
from corp_carbon.web.i18n import gettext, number, pgettext
from corp_carbon.web.state import carbon

MAX_PLACE_LENGTH = 100


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/compare", view_func=compare_page, endpoint="compare")


@dataclass(frozen=True)
class Choices:
    """Places a name may stand for: the user picks one instead of the page guessing."""

    field: str  # "from" or "to"
    text: str
    #: "unknown": no place of that name (the options are spelt alike); "ambiguous": several.
    kind: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    origin: str  # as resolved, e.g. "London (GB)"
    destination: str
    rows: list[dict[str, Any]]
    factor_set: str
    factor_set_title: str
    methodology_version: int
    points_meaning: str
    #: how the words typed were read, when not literally: ("St Pancras", "London (GB)").
    read_as: tuple[tuple[str, str], ...] = ()
    #: why no flight is offered, in words; None when flights are among the options.
    no_flight: str | None = None


@login_required
def compare_page() -> str:
    """200: the form; with ``from`` and ``to`` the options, or why there are none, inline."""
    origin = request.args.get("from", "").strip()
    destination = request.args.get("to", "").strip()
    route: Route | None = None
    error = None
    choices: list[Choices] = []
    if origin or destination:
        try:
            choices = _choices(origin, destination)
            route = None if choices else _route(origin, destination)
        except UnknownPlace as exc:
            error = _unknown_words(exc)
        except DomainError as exc:
            error = exc.message
    return render_template(
        "carbon/pages/compare.html",
        flight_min_km=number(FLIGHT_MIN_KM),
        origin=origin,
        destination=destination,
        route=route,
        error=error,
        choices=choices,
    )


def _choices(origin: str, destination: str) -> list[Choices]:
    """For each end that is unknown or could be a namesake: what the user may have meant.
    Empty when both ends are clear (or the other end settles a namesake)."""
    if not origin or not destination:
        return []
    found: list[Choices] = []
    ends: dict[str, resolve.Resolution] = {}
    for field, text in (("from", origin), ("to", destination)):
        if len(text) > MAX_PLACE_LENGTH:
            return []  # _route says why
        try:
            ends[field] = resolve.ground(text)
        except UnknownPlace:
            options = resolve.suggest(text)
            if not options:
                raise
            found.append(Choices(field, text, "unknown", options))
    if found or len(ends) < 2:
        return found
    start, end, _ = resolve.ground_pair(origin, destination)
    for field, text, end_found in (("from", origin, start), ("to", destination, end)):
        if end_found.rivals:
            options = tuple(resolve.label(p) for p in (end_found.place, *end_found.rivals))
            found.append(Choices(field, text, "ambiguous", options))
    return found


def option_words(name: str) -> str:
    """An option's name ("Car, battery electric": the vocabulary's words) in the page's
    language."""
    mode, comma, detail = name.partition(", ")
    if not comma:
        return gettext(mode)
    if detail == "average passenger":
        words = gettext("average passenger")
    else:  # a cabin or a fuel, as the vocabulary writes it, in lower case mid-name
        words = gettext(detail[:1].upper() + detail[1:]).lower()
    return gettext("%(mode)s, %(detail)s", mode=gettext(mode), detail=words)


def _route(origin: str, destination: str) -> Route:
    if not origin or not destination:
        raise DomainError(
            gettext("Enter both where the trip starts (From) and where it ends (To).")
        )
    for name, value in (
        (pgettext("place", "From"), origin),
        (pgettext("place", "To"), destination),
    ):
        if len(value) > MAX_PLACE_LENGTH:
            raise DomainError(
                gettext(
                    "%(field)s: at most %(n)s characters, please.", field=name, n=MAX_PLACE_LENGTH
                )
            )
    start_found, end_found, _ = resolve.ground_pair(origin, destination)
    start, end = start_found.place, end_found.place
    if start == end:
        raise DomainError(
            gettext("From and To are the same place: %(place)s.", place=start.describe())
        )
    settings = carbon().settings
    catalogue = catalogue_for(settings)
    current = methodology.ensure_current(carbon().uow(), settings)
    employee = current_employee()
    grade = None
    if employee is not None:
        with carbon().uow() as uow:
            grade = grade_of(uow.session, employee.id)
    options = compare(origin, destination, current, catalogue, grade)
    largest = max((option.kg_co2e for option in options), default=0)
    rows = []
    for option in options:
        row = to_json(option)
        row["option"] = option_words(row["option"])
        row["compared_with"] = compared_words(option, current)
        share = float(option.kg_co2e / largest * 100) if largest else 0.0
        row["bar_pct"] = max(0.5, round(share, 1)) if share else 0.0  # a sliver stays visible
        rows.append(row)
    if current.points_rule == AVOIDED_GRAMS:
        meaning = gettext(
            "Points: 1 point for each gram of CO2e an option avoids compared with the option in "
            "the last column; options with nothing lower-carbon to credit earn none."
        )
    elif current.points_policy is not None and current.points_rule == current.points_policy.id:
        meaning = gettext(
            "Points follow the company's points policy (%(policy)s): a rate for each kind of "
            "lower-carbon choice, within caps; the points shown are before any monthly or "
            "yearly cap.",
            policy=current.points_policy.title,
        )
    else:
        card = catalogue.rate_cards[current.points_rule]
        meaning = gettext(
            "Points follow the %(card)s rate card: a set amount per km or per trip for each "
            "lower-carbon way of travelling.",
            card=card.title,
        )
    factor_set = options[0].factor_set if options else None
    apart = places.great_circle_km(start, end)
    no_flight = None
    if apart < FLIGHT_MIN_KM and not any(option.trip.mode.value == "air" for option in options):
        no_flight = gettext(
            "No flight is offered: the two places are %(km)s km apart, under %(min)s km. At "
            "this distance the train, coach or car is the sensible way to go, and a flight's "
            "take-off and landing would weigh far more than its distance.",
            km=number(apart), min=number(FLIGHT_MIN_KM),
        )  # fmt: skip
    read_as = tuple(
        (text, found.place.describe())
        for text, found in ((origin, start_found), (destination, end_found))
        if text.strip().casefold() not in (found.place.name.casefold(), found.place.code.casefold())
        and text.strip() != found.place.describe()
    )
    return Route(
        origin=start.describe(),
        destination=end.describe(),
        rows=rows,
        factor_set=factor_set.id if factor_set else current.factor_set,
        factor_set_title=factor_set.title if factor_set else "",
        methodology_version=current.version,
        points_meaning=meaning,
        read_as=read_as,
        no_flight=no_flight,
    )


def compared_words(option: Assessment, current: Methodology) -> str:
    """What an option is compared with, or why with nothing, in the page's language (the
    engine's own sentences are English, for the trail's technical details)."""
    if option.baseline is not None:
        words = {  # the engine's baseline codes
            "economy_flight": gettext("An economy flight"),
            "business_class": gettext("Business class"),
            "petrol_car": gettext("A petrol car of the same size"),
            "solo_car": gettext("Driving alone in an average car"),
            "declared_mode": gettext("Your usual commute"),
        }.get(option.baseline.code)
        text = option.baseline.description
        return words or gettext(text[:1].upper() + text[1:])
    mode, cabin = option.trip.mode, option.trip.cabin
    if mode in (Mode.RAIL, Mode.COACH):
        return gettext(
            "No flight to compare with: a flight is the alternative only between places "
            "%(min)s to %(max)s km apart",
            min=number(current.rail_vs_flight_min_km), max=number(current.rail_vs_flight_max_km),
        )  # fmt: skip
    if mode is Mode.AIR and cabin in (Cabin.ECONOMY, Cabin.PREMIUM_ECONOMY):
        return gettext("The travel policy does not allow business class on this flight")
    if mode is Mode.AIR:
        return gettext("No lower-carbon choice to credit for this cabin")
    return gettext("No lower-carbon choice to credit")


def _unknown_words(exc: UnknownPlace) -> str:
    """A place the page could not read, in the page's language."""
    if exc.text:
        return gettext(
            "place %(name)s: no airport code, station or city of that name", name=repr(exc.text)
        )
    return gettext("A place could not be read; write a city, a station or an airport code.")
