"""JSON API: large adjustments waiting for a second HR administrator, and their decisions."""

from __future__ import annotations

from flask import Blueprint, jsonify, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.ledger import adjustment_requests
from corp_carbon.services.ledger.adjustment_requests import AdjustmentView
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.api.json_bodies import parsed
from corp_carbon.web.api.openapi import API_PREFIX, Error, Operation, Reply, api_route
from corp_carbon.web.api.schemas.ledger import (
    AdjustmentDecision,
    AdjustmentWaiting,
    AdjustmentWaitingList,
)
from corp_carbon.web.state import carbon

REQUESTS = f"{API_PREFIX}/ledger/adjustment-requests"
ONE = f"{REQUESTS}/<id:request_id>"
HR = (Role.HR, Role.ADMIN)
SIGNED_IN = Reply(401, "No session and no valid API token.", Error)
HR_ONLY = Reply(403, "Only HR or an administrator may do this.", Error)
UNKNOWN = Reply(404, "No such adjustment request.", Error)

LIST = Operation(
    method="get",
    path=REQUESTS,
    operation_id="adjustmentRequests",
    summary="HR: the adjustments waiting for a second person, oldest first",
    responses=(Reply(200, "The waiting requests", AdjustmentWaitingList), SIGNED_IN, HR_ONLY),
    tags=("points",),
)
SHOW = Operation(
    method="get",
    path=ONE,
    operation_id="adjustmentRequest",
    summary="HR: one adjustment request, waiting or decided",
    responses=(Reply(200, "The request", AdjustmentWaiting), SIGNED_IN, HR_ONLY, UNKNOWN),
    tags=("points",),
)


def _decision(verb: str, posted: str) -> Operation:
    return Operation(
        method="post",
        path=f"{ONE}/{verb}",
        operation_id=f"{verb}Adjustment",
        summary=f"HR: {verb} a waiting adjustment as a second person ({posted})",
        description=(
            "The second person is neither the one who asked for the adjustment (403 "
            "`second_person`) nor the employee it credits (403 `own_account`)."
        ),
        request_model=AdjustmentDecision,
        responses=(
            Reply(200, "Decided", AdjustmentWaiting),
            Reply(400, "A bad note (a rejection needs one)", Error),
            SIGNED_IN,
            Reply(403, "Not HR, or the same person who asked, or their own account.", Error),
            UNKNOWN,
            Reply(409, "Decided already, or (approving a debit) not enough points", Error),
        ),
        tags=("points",),
    )


def register(bp: Blueprint) -> None:
    api_route(bp, LIST, api_adjustment_requests, endpoint="api_adjustment_requests")
    api_route(bp, SHOW, api_adjustment_request, endpoint="api_adjustment_request")
    api_route(bp, _decision("approve", "posts it"), api_approve_adjustment,
              endpoint="api_approve_adjustment")  # fmt: skip
    api_route(bp, _decision("reject", "posts nothing"), api_reject_adjustment,
              endpoint="api_reject_adjustment")  # fmt: skip


def waiting_body(view: AdjustmentView) -> AdjustmentWaiting:
    return AdjustmentWaiting(
        id=view.id,
        employee=view.employee,
        points=view.points,
        reason=view.reason,
        status=view.status.value,
        requested_by=view.requested_by,
        requested_at=view.requested_at,
        decided_by=view.decided_by,
        decided_at=view.decided_at,
        decision_note=view.decision_note,
        transaction_id=view.transaction_id,
        url=url_for("carbon.api_adjustment_request", request_id=view.id),
    )


@roles_required(*HR)
def api_adjustment_requests() -> Response:
    """200: the waiting adjustments (audit-logged: they name people)."""
    views = adjustment_requests.waiting_requests(carbon().uow(), current_actor())
    body = AdjustmentWaitingList(requests=[waiting_body(v) for v in views])
    return jsonify(body.model_dump(mode="json"))


@roles_required(*HR)
def api_adjustment_request(request_id: int) -> Response:
    """200: the request; 404: none."""
    view = adjustment_requests.one_request(carbon().uow(), current_actor(), request_id)
    return jsonify(waiting_body(view).model_dump(mode="json"))


@roles_required(*HR)
def api_approve_adjustment(request_id: int) -> Response:
    """200: approved and posted; 403/404/409: the error."""
    return _decide(request_id, approve=True)


@roles_required(*HR)
def api_reject_adjustment(request_id: int) -> Response:
    """200: rejected, nothing posted; 400/403/404/409: the error."""
    return _decide(request_id, approve=False)


def _decide(request_id: int, *, approve: bool) -> Response:
    body = parsed(AdjustmentDecision)
    view = adjustment_requests.decide(
        carbon().uow(), current_actor(), request_id, approve=approve, note=body.note
    )
    return jsonify(waiting_body(view).model_dump(mode="json"))
