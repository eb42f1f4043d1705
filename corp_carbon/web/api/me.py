"""JSON API: who am I — the calling employee (by session or API token) with their balance."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, jsonify
from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.web import access
from corp_carbon.web.access import login_required
from corp_carbon.web.api.openapi import API_PREFIX, Error, Operation, Reply, api_route
from corp_carbon.web.state import carbon


class MyProfile(BaseModel):
    """The calling employee, as the company directory knows them, with their points balance."""

    id: int
    public_id: str = Field(description="Pseudonymous key used in exports instead of names.")
    email: str
    name: str
    employee_number: str | None
    department: str | None
    office: str | None
    roles: list[Role] = Field(
        description="Roles of this session or API token; always includes employee."
    )
    balance: int = Field(description="Points balance: the sum of the employee's ledger entries.")


def register(bp: Blueprint) -> None:
    # Bearer authentication lives in access.py; its cookie rule needs a hook on the blueprint.
    bp.after_request(access.keep_token_requests_cookieless)
    api_route(bp, ME, api_me, endpoint="api_me")


@login_required
def api_me() -> Response:
    """200: the caller's profile and balance; 401: no session and no valid API token."""
    employee = access.current_employee()
    assert employee is not None  # login_required
    with carbon().uow() as uow:
        points = ledger.balance(uow.session, employee.id)
    # every field of the profile except ``active`` (a caller always is), with the balance
    body = MyProfile.model_validate({**asdict(employee), "balance": points})
    return jsonify(body.model_dump(mode="json"))


ME = Operation(
    method="get",
    path=f"{API_PREFIX}/me",
    operation_id="me",
    summary="The calling employee and their points balance",
    description=(
        "Works with the browser session or with an API token in an "
        "`Authorization: Bearer <token>` header; a token acts with its own role."
    ),
    responses=(
        Reply(200, "The caller's profile, roles and balance.", MyProfile),
        Reply(401, "No session and no valid API token.", Error),
    ),
    tags=("me",),
)
