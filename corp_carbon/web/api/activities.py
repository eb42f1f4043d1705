"""JSON API: the caller's own trips with emissions, points and the calculation trail.

Paged by cursor (keyset on date and id, newest first), so a page never repeats or skips a
trip when new ones are imported while a client is walking the pages.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from flask import Blueprint, jsonify, request, url_for
from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from corp_carbon.db.queries import activities_page
from corp_carbon.db.session import UnitOfWork
from corp_carbon.domain.activities import ActivityView
from corp_carbon.domain.bounds import MAX_ID
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import ActivityKind, ActivityStatus, Cabin, DistanceSource, Mode
from corp_carbon.services.scoring import trails
from corp_carbon.web import params
from corp_carbon.web.access import current_employee, login_required
from corp_carbon.web.api.openapi import (
    API_PREFIX,
    Error,
    Operation,
    Parameter,
    Reply,
    api_route,
    blank_or,
    enum_schema,
)
from corp_carbon.web.api.schemas.estimates import ExplanationStep
from corp_carbon.web.state import carbon

E = TypeVar("E", bound=StrEnum)

PER_PAGE = 50
MAX_PER_PAGE = 500
_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,10})$")


def register(bp: Blueprint) -> None:
    api_route(bp, MY_ACTIVITIES, api_my_activities, endpoint="api_my_activities")


# --- the trail hook ---------------------------------------------------------------------------


def fill_missing_trails(uow: UnitOfWork, trips: list[ActivityView]) -> list[ActivityView]:
    """Activities imported in bulk are stored without their trail: rebuild it (and check it
    against the stored figures) inside the request's transaction."""
    return trails.complete(uow.session, carbon().settings, trips)


# --- bodies -----------------------------------------------------------------------------------


class ActivityExplanation(BaseModel):
    summary: str = Field(
        description="The calculation in one plain line (or why the trip has none)."
    )
    steps: list[ExplanationStep] = Field(
        description="The calculation trail, step by step; empty when none is stored."
    )


class MyActivity(BaseModel):
    id: int
    date: date
    kind: ActivityKind
    mode: Mode
    origin: str | None
    destination: str | None
    cabin: Cabin | None
    distance_km: float | None
    distance_source: DistanceSource | None
    status: ActivityStatus = Field(
        description="Only confirmed trips count; cancelled, replaced (by an exchanged ticket) "
        "and duplicate (the same trip from another source) ones never score."
    )
    kg_co2e: float | None = Field(description="Emissions, kg CO2e; null when not assessed.")
    points: int | None = Field(description="Points earned; null when not assessed.")
    explanation: ActivityExplanation
    url: str = Field(description="The trip's page, which explains its figures.")


class MyActivities(BaseModel):
    items: list[MyActivity]
    next: str | None = Field(description="The next page (a relative URL); null on the last.")


# --- the view ---------------------------------------------------------------------------------


@login_required
def api_my_activities() -> Response:
    """200: a page of the caller's own trips, newest first; 400 naming an unknown parameter,
    a bad page size or cursor; 422 naming a filter whose value it cannot read."""
    params.reject_unknown([p.name for p in MY_ACTIVITIES.parameters])
    per_page = params.per_page(PER_PAGE, MAX_PER_PAGE)
    after = _cursor()
    date_from, date_to = _period()
    status = _choice("status", ActivityStatus)
    mode = _choice("mode", Mode)
    kind = _choice("kind", ActivityKind)
    employee = current_employee()
    assert employee is not None  # login_required
    with carbon().uow() as uow:
        trips = activities_page(
            uow.session,
            employee.id,
            limit=per_page + 1,
            date_from=date_from,
            date_to=date_to,
            status=status,
            mode=mode,
            kind=kind,
            after=after,
        )
        trips = fill_missing_trails(uow, trips)
    more = len(trips) > per_page
    trips = trips[:per_page]
    next_url = None
    if more:
        last = trips[-1]
        kept: dict[str, Any] = {k: v for k, v in request.args.items() if k != "cursor"}
        kept["cursor"] = f"{last.travel_date.isoformat()}.{last.id}"
        next_url = url_for("carbon.api_my_activities", **kept)
    return jsonify({"items": [item(t) for t in trips], "next": next_url})


def item(t: ActivityView) -> dict[str, Any]:
    """One trip as ``MyActivity`` says it in JSON, written out directly: validating 50 trips'
    trails through the model and serialising them again cost a tenth of the request. The
    tests check that the model reads each item back to the same JSON."""
    steps = [dict(step) for step in t.explanation if step.get("step") != "summary"]
    if t.kg_co2e is None:
        summary = (
            "Not assessed yet."
            if t.status is ActivityStatus.CONFIRMED
            else f"Not scored: this trip was {t.status.value}."
        )
    else:
        summary = t.plain
    return {
        "id": t.id,
        "date": t.travel_date.isoformat(),
        "kind": t.kind.value,
        "mode": t.mode.value,
        "origin": t.origin,
        "destination": t.destination,
        "cabin": _value(t.cabin),
        "distance_km": None if t.distance_km is None else float(t.distance_km),
        "distance_source": _value(t.distance_source),
        "status": t.status.value,
        "kg_co2e": None if t.kg_co2e is None else float(t.kg_co2e),
        "points": t.points,
        "explanation": {"summary": summary, "steps": steps},
        "url": url_for("carbon.trip_detail", activity_id=t.id),
    }


def _value(choice: StrEnum | None) -> str | None:
    return None if choice is None else choice.value


# --- query parameters -----------------------------------------------------------------------


class BadFilter(DomainError):
    """A filter's value the API cannot read: 422 naming the filter and what it accepts."""

    http_status = 422
    code = "invalid_filter"


def _period() -> tuple[date | None, date | None]:
    try:
        return params.period()
    except DomainError as exc:
        raise BadFilter(exc.message) from None


def _choice(name: str, enum: type[E]) -> E | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return enum(raw)
    except ValueError:
        accepted = ", ".join(e.value for e in enum)
        raise BadFilter(f"{name} {raw!r}: accepted: {accepted}") from None


def _cursor() -> tuple[date, int] | None:
    raw = request.args.get("cursor", "").strip()
    if not raw:
        return None
    match = _CURSOR.match(raw)
    try:
        if match is None or int(match.group(2)) > MAX_ID:
            raise ValueError(raw)
        return date.fromisoformat(match.group(1)), int(match.group(2))
    except ValueError:
        raise DomainError(
            f"cursor {raw!r}: not a cursor this API gave; follow the `next` URL"
        ) from None


# --- the API description --------------------------------------------------------------------

MY_ACTIVITIES = Operation(
    method="get",
    path=f"{API_PREFIX}/me/activities",
    operation_id="myActivities",
    summary="The caller's own trips, newest first, with emissions, points and explanation",
    description=(
        "Only the caller's own trips, whatever their role. Paged: follow `next` (it keeps "
        "the filters; every page applies them all, so pages never run past the filtered "
        "trips). Works with the browser session or an API token. A filter with a value it "
        "cannot read (mode, kind, status, from, to) is refused with 422 naming it."
    ),
    parameters=(
        Parameter(
            "per_page",
            f"Trips per page, 1 to {MAX_PER_PAGE} (default {PER_PAGE}).",
            blank_or({"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
        ),
        Parameter(
            "cursor",
            "Where the page starts; taken from `next`.",
            blank_or({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}\.\d{1,10}$"}),
        ),
        Parameter(
            "from", "Trips on or after this date.", blank_or({"type": "string", "format": "date"})
        ),
        Parameter(
            "to", "Trips on or before this date.", blank_or({"type": "string", "format": "date"})
        ),
        Parameter("status", "Only trips in this status.", blank_or(enum_schema(ActivityStatus))),
        Parameter("mode", "Only trips by this mode.", blank_or(enum_schema(Mode))),
        Parameter(
            "kind",
            "Only business travel or only commuting.",
            blank_or(enum_schema(ActivityKind)),
        ),
    ),
    responses=(
        Reply(200, "A page of trips.", MyActivities),
        Reply(400, "An unknown parameter, a bad page size or cursor; the message names it.", Error),
        Reply(422, "A filter's value cannot be read; the message names the filter.", Error),
        Reply(401, "No session and no valid API token.", Error),
    ),
    tags=("me",),
)
