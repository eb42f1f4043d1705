"""JSON API: what would a trip emit and earn, and every way to make it (nothing is stored)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from corp_carbon.catalogue import catalogue_for
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.methodology import Methodology
from corp_carbon.domain.vocabulary import ActivityKind, Cabin, Fuel, Mode, VehicleSize
from corp_carbon.services.scoring import methodology
from corp_carbon.services.scoring.estimates import TripQuery, compare, estimate, to_json
from corp_carbon.web import params
from corp_carbon.web.access import login_required
from corp_carbon.web.api.openapi import (
    API_PREFIX,
    Error,
    Operation,
    Parameter,
    Reply,
    Schema,
    api_route,
    enum_schema,
)
from corp_carbon.web.api.schemas.estimates import Comparison, Estimate
from corp_carbon.web.state import carbon


def register(bp: Blueprint) -> None:
    api_route(bp, ESTIMATE, api_estimate, endpoint="api_estimate")
    api_route(bp, COMPARE, api_compare, endpoint="api_compare")


@login_required
def api_estimate() -> Response:
    """200: one hypothetical trip as ``to_json``; 400/404/422: the error naming the bad value."""
    params.reject_unknown([p.name for p in ESTIMATE.parameters])
    origin, destination = _text("from"), _text("to")
    distance_km = _text("distance_km")
    mode = _text("mode") or ""
    if mode != Mode.HOTEL.value and not distance_km and not (origin and destination):
        raise DomainError("distance: give both from and to, or distance_km")
    query = TripQuery(
        mode=mode,
        origin=origin,
        destination=destination,
        distance_km=distance_km,
        cabin=_text("cabin"),
        fuel=_text("fuel"),
        size=_text("size"),
        kind=_text("kind") or ActivityKind.BUSINESS_TRAVEL.value,
        occupants=_integer("occupants", minimum=1) or 1,
        nights=_integer("nights", minimum=0),
        year=_integer("year", minimum=1990, maximum=2100),
    )
    state = carbon()
    result = estimate(
        query,
        _current_methodology(),
        catalogue_for(state.settings),
        factor_set=_text("factor_set"),
        radiative_forcing=_boolean("rf"),
    )
    return jsonify(to_json(result))


@login_required
def api_compare() -> Response:
    """200: every sensible way to make the trip, lowest emissions first; 422: unknown place."""
    params.reject_unknown([p.name for p in COMPARE.parameters])
    origin, destination = _required_place("from"), _required_place("to")
    current = _current_methodology()
    options = compare(origin, destination, current, catalogue_for(carbon().settings))
    return jsonify(
        {
            "from": origin,
            "to": destination,
            "factor_set": options[0].factor_set.id if options else current.factor_set,
            "methodology_version": current.version,
            "options": [to_json(option) for option in options],
        }
    )


def _current_methodology() -> Methodology:
    return methodology.ensure_current(carbon().uow(), carbon().settings)


# --- query parameters -----------------------------------------------------------------------


def _text(name: str) -> str | None:
    """The parameter's value; None when it is left out, 400 when it is given empty."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.strip():
        raise DomainError(f"{name}: empty; give a value or leave the parameter out")
    return raw.strip()


def _required_place(name: str) -> str:
    value = _text(name)
    if value is None:
        raise DomainError(f"{name}: required (an IATA/ICAO code or a place name)")
    return value


def _integer(name: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    raw = _text(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise DomainError(f"{name} {raw!r}: not a whole number") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise DomainError(f"{name} {raw!r}: must be {bounds}")
    return value


def _boolean(name: str) -> bool | None:
    raw = _text(name)
    return None if raw is None else params.flag(name, raw)


# --- the API description --------------------------------------------------------------------


def _factor_sets() -> Schema:
    return enum_schema(sorted(catalogue_for(carbon().settings).factor_sets))


PLACE = "An IATA or ICAO airport code, or a place name (e.g. LHR or London)."
#: a place: some text that is not only blanks.
PLACE_SCHEMA: Schema = {"type": "string", "minLength": 1, "pattern": "\\S"}
ERRORS = (
    Reply(400, "Bad input: unknown mode or cabin, no distance, malformed number.", Error),
    Reply(401, "Not signed in.", Error),
)
UNKNOWN_PLACE = Reply(
    422,
    "A place that is not known, or a code that is not an airport; the message names it and "
    "suggests places that are (did you mean …?).",
    Error,
)

ESTIMATE = Operation(
    method="get",
    path=f"{API_PREFIX}/estimate",
    operation_id="estimate",
    summary="Emissions and points of one hypothetical trip",
    description=(
        "Give `from` and `to` (the distance is computed: great circle for flights, with a "
        "detour factor otherwise) or `distance_km`. Uses the current methodology; "
        "`factor_set` and `rf` override it for this answer only."
    ),
    parameters=(
        Parameter("mode", "How the trip is made.", enum_schema(Mode), required=True),
        Parameter("from", PLACE, PLACE_SCHEMA, example="LHR"),
        Parameter("to", PLACE, PLACE_SCHEMA, example="JFK"),
        Parameter(
            "distance_km",
            "Distance in km, when no places are given (or to override them).",
            {"type": "number", "minimum": 0, "maximum": 40000},
        ),
        Parameter(
            "cabin",
            "Flight cabin (economy, premium_economy, business, first) or train class "
            "(standard, first, sleeper).",
            enum_schema(Cabin),
        ),
        Parameter("fuel", "Car or taxi fuel.", enum_schema(Fuel)),
        Parameter("size", "Vehicle size.", enum_schema(VehicleSize)),
        Parameter(
            "kind",
            "Business travel or commute (default business_travel).",
            enum_schema(ActivityKind),
        ),
        Parameter(
            "occupants", "People sharing a car (default 1).", {"type": "integer", "minimum": 1}
        ),
        Parameter("nights", "Room-nights, for mode hotel.", {"type": "integer", "minimum": 0}),
        Parameter(
            "year",
            "Year of travel; chooses the factor set when the methodology follows the year.",
            {"type": "integer", "minimum": 1990, "maximum": 2100},
        ),
        Parameter("factor_set", "Factor set to use instead of the methodology's.", _factor_sets),
        Parameter("rf", "Radiative forcing for flights (true/false).", {"type": "boolean"}),
    ),
    responses=(
        Reply(200, "The estimate with its calculation trail.", Estimate),
        *ERRORS,
        Reply(404, "Unknown factor set; the message lists the accepted ones.", Error),
        Reply(
            422,
            "The factor set has no factor for this kind of trip, or a place is not known "
            "(the message names it and suggests places that are).",
            Error,
        ),
    ),
    tags=("estimates",),
)

COMPARE = Operation(
    method="get",
    path=f"{API_PREFIX}/compare",
    operation_id="compare",
    summary="Compare before you book: every sensible way to make a trip",
    description=(
        "Each flight cabin the factor set distinguishes, rail, coach and car by fuel, lowest "
        "emissions first, each with the points it would earn under the current methodology."
    ),
    parameters=(
        Parameter("from", PLACE, PLACE_SCHEMA, required=True, example="LHR"),
        Parameter("to", PLACE, PLACE_SCHEMA, required=True, example="CDG"),
    ),
    responses=(
        Reply(200, "The options, lowest emissions first.", Comparison),
        *ERRORS,
        UNKNOWN_PLACE,
    ),
    tags=("estimates",),
)
