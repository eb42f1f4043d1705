"""JSON API: the rewards catalogue and redemptions (request, follow, and HR's decisions)."""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, jsonify, request, url_for
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.rewards import catalogue, queries, redemptions
from corp_carbon.services.rewards.views import RedemptionView
from corp_carbon.web.access import current_actor, current_employee, login_required, roles_required
from corp_carbon.web.api.openapi import (
    API_PREFIX,
    IDEMPOTENCY_HEADER,
    Error,
    Operation,
    Parameter,
    Reply,
    api_route,
    idempotency_key,
)
from corp_carbon.web.api.schemas.rewards import (
    FulfilmentIn,
    NewRewardIn,
    RedemptionOut,
    RedemptionRequestIn,
    RejectionIn,
    RewardListOut,
    RewardOut,
)
from corp_carbon.web.state import carbon

HR = (Role.HR, Role.ADMIN)
Body = TypeVar("Body", bound=BaseModel)


def register(bp: Blueprint) -> None:
    api_route(bp, LIST_REWARDS, api_rewards, endpoint="api_rewards")
    api_route(bp, ADD_REWARD, api_add_reward, endpoint="api_add_reward")
    api_route(bp, REDEEM, api_redeem, endpoint="api_redeem")
    api_route(bp, GET_REDEMPTION, api_redemption, endpoint="api_redemption")
    api_route(bp, APPROVE, api_approve, endpoint="api_redemption_approve")
    api_route(bp, REJECT, api_reject, endpoint="api_redemption_reject")
    api_route(bp, FULFIL, api_fulfil, endpoint="api_redemption_fulfil")
    api_route(bp, CANCEL, api_cancel, endpoint="api_redemption_cancel")


# --- views ----------------------------------------------------------------------------------


@login_required
def api_rewards() -> Response:
    """200: the rewards that can be redeemed now, cheapest first."""
    with carbon().uow() as uow:
        found = catalogue.list_rewards(uow.session, active_only=True)
    listed = RewardListOut(
        rewards=[RewardOut.model_validate(r, from_attributes=True) for r in found]
    )
    return jsonify(listed.model_dump(mode="json"))


@roles_required(*HR)
def api_add_reward() -> tuple[Response, int]:
    """201: the stored reward; 400 naming the bad field; 409 when the name is in use."""
    body = _body(NewRewardIn)
    added = catalogue.add_reward(carbon().uow(), current_actor(), **body.model_dump())
    return jsonify(added.model_dump(mode="json")), 201


@login_required
def api_redeem() -> tuple[Response, int]:
    """201: redeemed (points held); 200: this Idempotency-Key was used before, nothing new."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        raise DomainError(
            f"{IDEMPOTENCY_HEADER}: header required, a new unique value (e.g. a UUID) per "
            "redemption; repeat it to retry the same redemption safely"
        )
    body = _body(RedemptionRequestIn)
    employee = _me()
    result = redemptions.request_redemption(
        carbon().uow(),
        current_actor(),
        employee_id=employee.id,
        reward_id=body.reward_id,
        request_key=key,
        auto_approve_below=carbon().settings.rewards.auto_approve_below_points,
    )
    response = _reply(result.redemption)
    response.headers["Location"] = url_for(
        "carbon.api_redemption", redemption_id=result.redemption.id
    )
    return response, 201 if result.created else 200


@login_required
def api_redemption(redemption_id: int) -> Response:
    """200: the redemption; 404 when it is someone else's (unless HR or admin)."""
    employee = _me()
    found = queries.look_at_redemption(
        carbon().uow(),
        current_actor(),
        redemption_id,
        viewer_id=employee.id,
        see_all=employee.has_any_role(*HR),
    )
    return _reply(found)


@roles_required(*HR)
def api_approve(redemption_id: int) -> Response:
    """200: approved; 409 unless it was requested."""
    return _reply(redemptions.approve(carbon().uow(), current_actor(), redemption_id))


@roles_required(*HR)
def api_reject(redemption_id: int) -> Response:
    """200: rejected and refunded; 409 unless it was requested or approved."""
    body = _body(RejectionIn)
    return _reply(
        redemptions.reject(carbon().uow(), current_actor(), redemption_id, reason=body.reason)
    )


@roles_required(*HR)
def api_fulfil(redemption_id: int) -> Response:
    """200: fulfilled with a voucher code or note; 409 unless it was approved."""
    body = _body(FulfilmentIn)
    return _reply(
        redemptions.fulfil(
            carbon().uow(),
            current_actor(),
            redemption_id,
            voucher_code=body.voucher_code,
            note=body.note,
        )
    )


@login_required
def api_cancel(redemption_id: int) -> Response:
    """200: cancelled and refunded; 404 for someone else's; 409 once it was decided."""
    employee = _me()
    return _reply(
        redemptions.cancel(carbon().uow(), current_actor(), redemption_id, employee_id=employee.id)
    )


# --- helpers --------------------------------------------------------------------------------


def _me() -> EmployeeProfile:
    employee = current_employee()
    assert employee is not None  # the access decorators ran first
    return employee


def _body(model: type[Body]) -> Body:
    """The JSON body as ``model``; 400 naming the first bad field."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("body: expected a JSON object (Content-Type: application/json)")
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        raise DomainError(f"{field}: {error['msg']}") from None


def _reply(found: RedemptionView) -> Response:
    return jsonify(found.model_dump(mode="json"))


# --- the API description --------------------------------------------------------------------

SIGNED_IN = Reply(401, "Not signed in.", Error)
HR_ONLY = Reply(403, "Only HR or an administrator may do this.", Error)
UNKNOWN_REDEMPTION = Reply(404, "No such redemption, or it is another employee's.", Error)
BAD_INPUT = Reply(400, "Bad input; the message names the field.", Error)
REDEMPTION_PATH = "/redemptions/<id:redemption_id>"


def _operation(
    route: str,
    operation_id: str,
    summary: str,
    description: str,
    *replies: Reply,
    hr_only: bool = False,
    request_model: type[BaseModel] | None = None,
    parameters: tuple[Parameter, ...] = (),
) -> Operation:
    """A rewards operation (``route``: "METHOD /path" below the API prefix); every one can
    answer 401, an ``hr_only`` one also 403."""
    method, path = route.split(" ", 1)
    return Operation(
        method=method,
        path=f"{API_PREFIX}{path}",
        operation_id=operation_id,
        summary=summary,
        description=description,
        request_model=request_model,
        parameters=parameters,
        responses=(*replies, SIGNED_IN, *((HR_ONLY,) if hr_only else ())),
        tags=("rewards",),
    )


def _status_change(
    verb: str,
    operation_id: str,
    summary: str,
    description: str,
    allowed: str,
    *replies: Reply,
    hr_only: bool = True,
    request_model: type[BaseModel] | None = None,
) -> Operation:
    """POST .../redemptions/<id>/<verb>: 404 for an unknown redemption, 409 when not allowed."""
    return _operation(
        f"post {REDEMPTION_PATH}/{verb}",
        operation_id,
        summary,
        description,
        *replies,
        UNKNOWN_REDEMPTION,
        Reply(409, f"invalid_transition: {allowed}", Error),
        hr_only=hr_only,
        request_model=request_model,
    )


NEW_STATUS = Reply(200, "The redemption in its new status.", RedemptionOut)

LIST_REWARDS = _operation(
    "get /rewards",
    "listRewards",
    "The rewards catalogue",
    "Rewards that can be redeemed now (active and within their window).",
    Reply(200, "The catalogue, cheapest first.", RewardListOut),
)
ADD_REWARD = _operation(
    "post /rewards",
    "addReward",
    "Add a reward to the catalogue (HR)",
    "JSON body: `NewReward`.",
    Reply(201, "The reward as stored.", RewardOut),
    BAD_INPUT,
    Reply(409, "An active reward already has this name.", Error),
    hr_only=True,
    request_model=NewRewardIn,
)
REDEEM = _operation(
    "post /redemptions",
    "redeem",
    "Redeem a reward",
    "JSON body: `RedemptionRequest`. Header `Idempotency-Key` (required): a new unique "
    "value per redemption; sending the same key again returns the first redemption with "
    "200 and holds no more points. The reward's cost is held (debited) at once; the "
    "redemption is approved automatically or waits for HR.",
    Reply(201, "Redeemed: the points are held.", RedemptionOut),
    Reply(200, "This Idempotency-Key was used before: the same redemption.", RedemptionOut),
    Reply(400, "No Idempotency-Key header, or a bad body.", Error),
    Reply(404, "No such reward.", Error),
    Reply(
        409,
        "insufficient_balance, out_of_stock, limit_reached, reward_inactive, or "
        "idempotency_key_reused (the key was used for another request).",
        Error,
    ),
    request_model=RedemptionRequestIn,
    parameters=(
        idempotency_key(
            required=True,
            description="A new unique value (e.g. a UUID) per redemption; repeat it to retry.",
        ),
    ),
)
GET_REDEMPTION = _operation(
    f"get {REDEMPTION_PATH}",
    "getRedemption",
    "One redemption",
    "An employee sees their own redemptions; HR and administrators see all.",
    Reply(200, "The redemption.", RedemptionOut),
    UNKNOWN_REDEMPTION,
)
APPROVE = _status_change(
    "approve",
    "approveRedemption",
    "Approve a requested redemption (HR)",
    "No body.",
    "only a requested redemption can be approved.",
    NEW_STATUS,
    BAD_INPUT,
)
REJECT = _status_change(
    "reject",
    "rejectRedemption",
    "Reject a redemption and refund its points (HR)",
    "JSON body: `Rejection`. The held points are refunded and the reward goes back to stock.",
    "only a requested or approved redemption can be rejected.",
    NEW_STATUS,
    BAD_INPUT,
    request_model=RejectionIn,
)
FULFIL = _status_change(
    "fulfil",
    "fulfilRedemption",
    "Mark an approved redemption fulfilled (HR)",
    "JSON body: `Fulfilment` (a voucher code, or a note).",
    "only an approved redemption can be fulfilled.",
    NEW_STATUS,
    BAD_INPUT,
    request_model=FulfilmentIn,
)
CANCEL = _status_change(
    "cancel",
    "cancelRedemption",
    "Cancel your own redemption while it awaits approval",
    "No body. The held points are refunded and the reward goes back to stock.",
    "only a requested redemption can be cancelled.",
    Reply(200, "The cancelled redemption.", RedemptionOut),
    hr_only=False,
)
