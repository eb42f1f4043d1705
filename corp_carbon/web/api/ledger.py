"""JSON API: the caller's points statement, and HR's manual adjustments of anyone's points."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify, request, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.bounds import checked_request_key
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.ledger import adjustment_requests
from corp_carbon.web.access import current_actor, login_required, roles_required
from corp_carbon.web.api.adjustment_requests import waiting_body
from corp_carbon.web.api.json_bodies import parsed
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
from corp_carbon.web.api.schemas.ledger import (
    AdjustmentRequest,
    AdjustmentResult,
    AdjustmentWaiting,
    Statement,
    StatementEntry,
)
from corp_carbon.web.params import PAGE_SCHEMA, api_page_number
from corp_carbon.web.state import carbon
from corp_carbon.web.statement import PAGE_SIZE, my_statement, worded

LEDGER = Operation(
    method="get",
    path=f"{API_PREFIX}/me/ledger",
    operation_id="myLedger",
    summary="The caller's points: balance and every ledger entry, newest first",
    description=(
        "Each entry carries its running balance, what it is in words (in the language of "
        "`Accept-Language`: English or Simplified Chinese), the day of the trip or redemption it "
        "belongs to beside its posting day, and, for earnings and their reversals, a link to "
        "the trip whose page explains the points."
    ),
    parameters=(Parameter("page", "1-based page of 100 entries", PAGE_SCHEMA),),
    responses=(
        Reply(200, "The statement", Statement),
        Reply(400, "A bad page parameter; the message names it.", Error),
        Reply(401, "No session and no valid API token.", Error),
    ),
    tags=("points",),
)


ADJUST = Operation(
    method="post",
    path=f"{API_PREFIX}/ledger/adjustments",
    operation_id="adjustPoints",
    summary="HR: credit or debit an employee's points by hand, with a reason",
    description=(
        "Send an `Idempotency-Key` header: the same key again returns the first result and "
        "writes nothing. A debit below zero answers 409 `insufficient_balance`. Nobody "
        "adjusts their own balance (403 `own_account`). An adjustment of more than "
        "`[ledger] second_person_above` points (10,000 by default) is not posted: it waits "
        "for a second HR administrator (202, see /ledger/adjustment-requests)."
    ),
    request_model=AdjustmentRequest,
    parameters=(
        idempotency_key(
            required=False,
            description="Repeat the first request's key to retry it safely (default: a new one).",
        ),
    ),
    responses=(
        Reply(201, "Posted", AdjustmentResult),
        Reply(200, "Posted earlier under the same Idempotency-Key", AdjustmentResult),
        Reply(
            202,
            "Above the second-person limit: recorded (now or earlier under the same key), "
            "waiting for a second person; nothing is posted yet",
            AdjustmentWaiting,
        ),
        Reply(400, "Invalid request", Error),
        Reply(401, "No session and no valid API token.", Error),
        Reply(403, "Only HR or an administrator may do this, and not for themselves.", Error),
        Reply(404, "Unknown employee", Error),
        Reply(409, "Insufficient balance, or the key was used for another request", Error),
    ),
    tags=("points",),
)


def register(bp: Blueprint) -> None:
    api_route(bp, LEDGER, api_my_ledger, endpoint="api_my_ledger")
    api_route(bp, ADJUST, api_adjust, endpoint="api_adjust_points")


@login_required
def api_my_ledger() -> Response:
    """200: balance and entries (newest first, 100 a page)."""
    balance, lines = my_statement()
    page = api_page_number()
    chunk = lines[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    more = len(lines) > page * PAGE_SIZE
    body = Statement(
        balance=balance,
        entries=[
            StatementEntry(
                date=line.at,
                kind=line.kind.value,
                reason=line.reason_code,
                memo=line.memo,
                amount=line.amount,
                running_balance=line.running_balance,
                transaction_id=line.transaction_id,
                reverses_transaction_id=line.reverses_id,
                activity_id=line.activity_id,
                trip=line.trip,
                redemption_id=line.redemption_id,
                redemption_url=(
                    url_for("carbon.api_redemption", redemption_id=line.redemption_id)
                    if line.redemption_id
                    else None
                ),
                reward=line.reward,
                activity_url=(
                    url_for("carbon.trip_detail", activity_id=line.activity_id)
                    if line.activity_id
                    else None
                ),
                words=row.words,
                detail=row.detail,
                dated=line.dated,
                posted_on=line.posted_on,
            )
            for line, row in ((line, worded(line)) for line in chunk)
        ],
        next=url_for("carbon.api_my_ledger", page=page + 1) if more else None,
    )
    return jsonify(body.model_dump(mode="json"))


@roles_required(Role.HR, Role.ADMIN)
def api_adjust() -> tuple[Response, int]:
    """201: posted; 200: already posted under this Idempotency-Key; 202: waiting for a second
    person; 400/403/404/409: the error."""
    body = parsed(AdjustmentRequest)
    sent = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    key = checked_request_key(sent) if sent else uuid.uuid4().hex
    outcome = adjustment_requests.request_adjustment(
        carbon().uow(),
        carbon().settings,
        current_actor(),
        employee=body.employee,
        points=body.points,
        reason=body.reason,
        request_key=f"api:{key}",
    )
    if outcome.waiting is not None:
        waiting = waiting_body(outcome.waiting).model_dump(mode="json")
        return jsonify(waiting), 202
    assert outcome.posted is not None
    result = AdjustmentResult(
        transaction_id=outcome.posted.transaction_id,
        employee=body.employee,
        points=body.points,
        created=outcome.posted.created,
    )
    return jsonify(result.model_dump()), 201 if outcome.posted.created else 200
