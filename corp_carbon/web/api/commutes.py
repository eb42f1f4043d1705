"""JSON API: the caller's commute profile, logging commutes, evidence photos, corrections.

Bad input is 422 naming the field; a rule of the scheme that refuses an entry (a cap, the
correction window, a duplicate day) is 409 naming the rule, worded in the caller's language
(``?lang=`` or Accept-Language) as on the commute page.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, TypeVar

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from werkzeug.wrappers import Response

from corp_carbon.domain.commute_log import (
    CommuteInputError,
    CommuteRefused,
    CommuteRequest,
    checked_profile,
    parse_day,
    parse_km,
    parse_legs,
    parse_mode,
)
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Fuel, Mode, Verification
from corp_carbon.services.commutes import entries, evidence, profiles
from corp_carbon.web.access import current_actor, current_employee, login_required
from corp_carbon.web.api.openapi import (
    API_PREFIX,
    BODY_CONFIG,
    IDEMPOTENCY_HEADER,
    Body,
    Error,
    Operation,
    Reply,
    api_route,
    idempotency_key,
)
from corp_carbon.web.pages import commute_words as words
from corp_carbon.web.state import carbon


def register(bp: Blueprint) -> None:
    api_route(bp, GET_PROFILE, api_commute_profile, endpoint="api_commute_profile")
    api_route(bp, PUT_PROFILE, api_save_commute_profile, endpoint="api_save_commute_profile")
    api_route(bp, LOG, api_log_commute, endpoint="api_log_commute")
    api_route(bp, EVIDENCE, api_commute_evidence, endpoint="api_commute_evidence")
    api_route(bp, DELETE, api_delete_commute, endpoint="api_delete_commute")


# --- bodies ---------------------------------------------------------------------------------


class CommuteProfileOut(BaseModel):
    model_config = BODY_CONFIG
    valid_from: date = Field(description="In force from this day until the next version.")
    usual_mode: Mode
    one_way_km: float
    office_days_per_week: int
    car_fuel: Fuel | None
    car_occupants: int | None
    baseline_mode: Mode | None = Field(
        description="The mode used before the scheme: the personal baseline."
    )


class CommuteProfileUpdateIn(BaseModel):
    model_config = ConfigDict(**BODY_CONFIG, extra="forbid")
    usual_mode: Mode
    one_way_km: float = Field(gt=0, le=300)
    office_days_per_week: int = Field(ge=0, le=7)
    car_fuel: Fuel | None = None
    car_occupants: int | None = Field(default=None, ge=1, le=9)
    baseline_mode: Mode | None = None


class NewCommuteIn(BaseModel):
    model_config = ConfigDict(**BODY_CONFIG, extra="forbid")
    date: date
    mode: Mode
    distance_km: float | None = Field(
        default=None, gt=0, le=300, description="One way; default: the profile's distance."
    )
    legs: int = Field(default=2, ge=1, le=2, description="1: one way; 2: there and back.")
    evidence_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="A photo from POST /me/commute-evidence."
    )


class LoggedTripOut(BaseModel):
    model_config = BODY_CONFIG
    id: int
    date: date
    leg: int = Field(description="1: there; 2: back.")
    mode: Mode
    distance_km: float
    verification: Verification
    kg_co2e: float | None
    baseline: str | None = Field(description="What the trip was compared with, in words.")
    baseline_kg_co2e: float | None
    avoided_kg_co2e: float | None
    points: int


class LoggedOut(BaseModel):
    model_config = BODY_CONFIG
    trips: list[LoggedTripOut]
    kg_co2e: float
    avoided_kg_co2e: float
    points: int


class EvidenceOut(BaseModel):
    model_config = BODY_CONFIG
    evidence_id: int


# --- views ----------------------------------------------------------------------------------


@login_required
def api_commute_profile() -> Response:
    """200: the profile in force today; 404 when none was ever declared."""
    me = _me()
    with carbon().uow() as uow:
        found = profiles.current(uow.session, me.id, entries.today())
    if found is None:
        raise CommuteNotFound("commute profile: none yet; PUT one first")
    return jsonify(_profile(found))


@login_required
def api_save_commute_profile() -> Response:
    """200: the new version, in force from today; 422 naming a bad field."""
    me = _me()
    data = _json()
    try:
        body = _checked(CommuteProfileUpdateIn, data)
        given = checked_profile(**{k: _plain(v) for k, v in body.model_dump().items()})
        saved = profiles.save_profile(
            carbon().uow(), current_actor(), me.id, given, entries.today()
        )
    except CommuteInputError as exc:
        return _input_error(exc)
    return jsonify(_profile(saved))


@login_required
def api_log_commute() -> tuple[Response, int]:
    """201: logged, assessed and credited; 200: this Idempotency-Key was used before; 409
    naming the rule; 422 naming the field."""
    me = _me()
    data = _json()
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip() or uuid.uuid4().hex
    today = entries.today()
    try:
        body = _checked(NewCommuteIn, data)
        mode = parse_mode("mode", body.mode.value)
        if body.distance_km is not None:
            km = parse_km("distance_km", body.distance_km)
        else:
            with carbon().uow() as uow:  # the profile of that day, else today's
                profile = profiles.current(uow.session, me.id, body.date) or profiles.current(
                    uow.session, me.id, today
                )
            if profile is None:
                raise CommuteInputError(
                    "distance_km", "needs_distance", "required: you have no commute profile yet"
                )
            km = profile.one_way_km
        wanted = CommuteRequest((parse_day("date", body.date),), mode, km, parse_legs(body.legs))
        logged = entries.log_commutes(
            carbon().uow(), carbon().settings, current_actor(),
            employee_id=me.id, request=wanted, request_key=key, today=today,
            evidence_id=body.evidence_id,
        )  # fmt: skip
    except CommuteInputError as exc:
        return _input_error(exc), 422
    except CommuteRefused as exc:
        return _refused(exc), 409
    with carbon().uow() as uow:
        profile = profiles.current(uow.session, me.id, today)
    baseline_mode = profile.baseline_mode if profile else None
    trips = [_trip(t, baseline_mode) for t in logged.trips]
    out = LoggedOut(
        trips=trips,
        kg_co2e=sum(t.kg_co2e or 0 for t in trips),
        avoided_kg_co2e=sum(t.avoided_kg_co2e or 0 for t in trips),
        points=logged.points,
    )
    return jsonify(out.model_dump(mode="json")), 201 if logged.created else 200


@login_required
def api_commute_evidence() -> tuple[Response, int]:
    """201: the stored photo's id; 422 naming the field ``photo``."""
    me = _me()
    upload = request.files.get("photo")
    if upload is None:
        return _input_error(CommuteInputError("photo", "empty", "required")), 422
    try:
        found = evidence.add_evidence(carbon().uow(), carbon().settings, me.id, upload.read())
    except CommuteInputError as exc:
        return _input_error(exc), 422
    return jsonify(EvidenceOut(evidence_id=found).model_dump(mode="json")), 201


@login_required
def api_delete_commute(activity_id: int) -> Response | tuple[Response, int]:
    """200: deleted, its points given back; 404 for another's; 409 outside the window."""
    me = _me()
    try:
        gone = entries.delete_commute(
            carbon().uow(), carbon().settings, current_actor(),
            employee_id=me.id, activity_id=activity_id, today=entries.today(),
        )  # fmt: skip
    except CommuteRefused as exc:
        return _refused(exc), 409
    return jsonify(_trip(gone, None).model_dump(mode="json"))


# --- helpers --------------------------------------------------------------------------------


class CommuteNotFound(DomainError):
    http_status = 404
    code = "not_found"


def _me() -> EmployeeProfile:
    employee = current_employee()
    assert employee is not None  # login_required
    return employee


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("body: expected a JSON object (Content-Type: application/json)")
    return data


M = TypeVar("M", bound=BaseModel)


def _checked(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        raise CommuteInputError(field, "schema", str(error["msg"])) from None


def _plain(value: object) -> object:
    return getattr(value, "value", value)


def _input_error(exc: CommuteInputError) -> Response:
    message = words.input_error(exc, api=True) if exc.problem != "schema" else exc.message
    response = jsonify(error={"code": exc.code, "field": exc.field, "message": message})
    response.status_code = 422
    return response


def _refused(exc: CommuteRefused) -> Response:
    return jsonify(error={"code": exc.rule, "rule": exc.rule, "message": words.refusal(exc)})


def _profile(found: Any) -> dict[str, Any]:
    return CommuteProfileOut(
        valid_from=found.valid_from,
        usual_mode=found.usual_mode,
        one_way_km=float(found.one_way_km),
        office_days_per_week=found.office_days_per_week,
        car_fuel=found.car_fuel,
        car_occupants=found.car_occupants,
        baseline_mode=found.baseline_mode,
    ).model_dump(mode="json")


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _trip(t: entries.LoggedTrip, baseline_mode: Mode | None) -> LoggedTripOut:
    return LoggedTripOut(
        id=t.id,
        date=t.travel_date,
        leg=t.leg,
        mode=Mode(t.mode),
        distance_km=float(t.distance_km),
        verification=t.verification,
        kg_co2e=_number(t.kg_co2e),
        baseline=words.baseline(t.baseline, baseline_mode) if t.kg_co2e is not None else None,
        baseline_kg_co2e=_number(t.baseline_kg_co2e),
        avoided_kg_co2e=_number(t.avoided_kg_co2e),
        points=t.points,
    )


# --- the API description --------------------------------------------------------------------

SIGNED_IN = Reply(401, "No session and no valid API token.", Error)
BAD_FIELD = Reply(422, "Bad input; `field` names it and the message says what is wrong.", Error)
NOT_JSON = Reply(400, "The body is not a JSON object.", Error)
PROFILE_PATH = f"{API_PREFIX}/me/commute-profile"


def _photo_form() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["photo"],
        "properties": {
            "photo": {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": "A JPEG, PNG or HEIC photo, at most `commute.max_photo_mb`.",
            }
        },
    }


GET_PROFILE = Operation(
    method="get",
    path=PROFILE_PATH,
    operation_id="myCommuteProfile",
    summary="The caller's commute profile in force today",
    responses=(
        Reply(200, "The profile.", CommuteProfileOut),
        Reply(404, "No commute profile declared yet.", Error),
        SIGNED_IN,
    ),
    tags=("me",),
)
PUT_PROFILE = Operation(
    method="put",
    path=PROFILE_PATH,
    operation_id="saveMyCommuteProfile",
    summary="State the caller's commute profile (a new version from today)",
    description=(
        "The earlier versions are kept. Without `baseline_mode` the earlier baseline stays "
        "(the first profile's usual mode when never stated). The car's fuel and occupants "
        "count only for car, motorbike and taxi."
    ),
    request_model=CommuteProfileUpdateIn,
    responses=(
        Reply(200, "The new version.", CommuteProfileOut),
        NOT_JSON,
        BAD_FIELD,
        SIGNED_IN,
    ),
    tags=("me",),
)
LOG = Operation(
    method="post",
    path=f"{API_PREFIX}/me/commutes",
    operation_id="logCommute",
    summary="Log a commute: assessed and credited at once",
    description=(
        "Self-reported, or with evidence attached when `evidence_id` names the caller's "
        "photo. Rules (409, `error.rule`): future_date, before_window (the correction window), "
        "already_logged (a day already logged or imported), per_day_cap, per_month_cap "
        "(self-reported trips a month; a photo lifts it). Header `Idempotency-Key` "
        "(optional): the same key again logs nothing more and answers 200."
    ),
    request_model=NewCommuteIn,
    parameters=(
        idempotency_key(
            required=False, description="A new unique value per submission; repeat it to retry."
        ),
    ),
    responses=(
        Reply(201, "Logged: the trips with their assessment and points.", LoggedOut),
        Reply(200, "This Idempotency-Key was used before: the same trips.", LoggedOut),
        Reply(400, "The body is not a JSON object, or a bad Idempotency-Key.", Error),
        Reply(409, "A rule of the scheme refuses the entry; `error.rule` names it.", Error),
        BAD_FIELD,
        SIGNED_IN,
    ),
    tags=("me",),
)
EVIDENCE = Operation(
    method="post",
    path=f"{API_PREFIX}/me/commute-evidence",
    operation_id="addCommuteEvidence",
    summary="Upload an evidence photo for logged commutes",
    description=(
        "Multipart `photo`. It is re-encoded without its metadata (GPS position, camera, "
        "time) and kept outside the database; attach its id to POST /me/commutes."
    ),
    body=Body("multipart/form-data", _photo_form),
    responses=(
        Reply(201, "Stored.", EvidenceOut),
        Reply(413, "The request is larger than the server accepts.", Error),
        BAD_FIELD,
        SIGNED_IN,
    ),
    tags=("me",),
)
DELETE = Operation(
    method="delete",
    path=f"{API_PREFIX}/me/commutes/<id:activity_id>",
    operation_id="deleteCommute",
    summary="Delete a logged commute within the correction window",
    description="Its points are given back by a reversing ledger transaction.",
    responses=(
        Reply(200, "Deleted.", LoggedTripOut),
        Reply(404, "No such logged commute of the caller.", Error),
        Reply(409, "outside_window or already_deleted.", Error),
        SIGNED_IN,
    ),
    tags=("me",),
)
