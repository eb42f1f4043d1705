"""JSON API: place suggestions while typing, for the compare page's form (and any client)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import DomainError
from corp_carbon.geo.suggest import MAX_SUGGESTIONS, MIN_LETTERS, suggest
from corp_carbon.web import params
from corp_carbon.web.access import login_required
from corp_carbon.web.api.openapi import API_PREFIX, Error, Operation, Parameter, Reply, api_route
from corp_carbon.web.api.schemas.places import PlaceSuggestion, PlaceSuggestions

#: a longer text is no place name being typed.
MAX_QUERY = 100

PLACES = Operation(
    method="get",
    path=f"{API_PREFIX}/places",
    operation_id="suggestPlaces",
    summary="Places whose name starts with the text typed so far",
    description=(
        f"Cities (GeoNames) whose own name starts with `q`, largest first, and the airport "
        f"when `q` is its three-letter code; at most {MAX_SUGGESTIONS}. Fewer than "
        f"{MIN_LETTERS} letters match too much and answer an empty list. Each `value` reads "
        "back as the same place in `GET /compare` and `GET /estimate`."
    ),
    parameters=(
        Parameter(
            "q",
            "The start of a place name, or an airport code",
            {"type": "string", "maxLength": MAX_QUERY},
            required=True,
            example="Lon",
        ),
        Parameter(
            "limit",
            f"How many suggestions at most (1 to {MAX_SUGGESTIONS}, default {MAX_SUGGESTIONS})",
            {"type": "integer", "minimum": 1, "maximum": MAX_SUGGESTIONS},
        ),
    ),
    responses=(
        Reply(200, "The suggestions, best first (maybe none).", PlaceSuggestions),
        Reply(400, "A missing or bad parameter; the message names it.", Error),
        Reply(401, "No session and no valid API token.", Error),
    ),
    tags=("estimates",),
)


def register(bp: Blueprint) -> None:
    api_route(bp, PLACES, api_places, endpoint="api_places")


@login_required
def api_places() -> Response:
    """200: the suggestions; 400 naming ``q`` or ``limit`` when missing or out of range."""
    params.reject_unknown([p.name for p in PLACES.parameters])
    if "q" not in request.args:
        raise DomainError("q: required: the start of a place name")
    text = request.args["q"]
    if len(text) > MAX_QUERY:
        raise DomainError(f"q: at most {MAX_QUERY} characters")
    raw = request.args.get("limit", str(MAX_SUGGESTIONS)).strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_SUGGESTIONS:
        raise DomainError(f"limit {raw!r}: a whole number from 1 to {MAX_SUGGESTIONS}")
    found = suggest(text, limit=int(raw))
    body = PlaceSuggestions(
        query=text,
        places=[
            PlaceSuggestion(value=s.value, name=s.name, country=s.country, kind=s.kind)
            for s in found
        ],
    )
    return jsonify(body.model_dump())
