"""JSON API: the audit log for administrators, newest first, with the filters of the page.

Paged by cursor (``before``: an event id), so walking the pages never repeats or skips an
event while new ones are written. Each request is itself recorded as ``audit.view``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from corp_carbon.domain.bounds import MAX_ID
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.audit import reading as audit_log
from corp_carbon.web import params
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.api.openapi import (
    API_PREFIX,
    Error,
    Operation,
    Parameter,
    Reply,
    api_route,
    blank_or,
)
from corp_carbon.web.state import carbon

PER_PAGE = 100
MAX_PER_PAGE = 500


class AuditLogEvent(BaseModel):
    """One event of the append-only audit log."""

    id: int = Field(description="Grows with every event: newest first is id descending.")
    at: datetime = Field(description="When it happened (UTC).")
    actor: str = Field(description='Who: an email, "cli:<user>", "token:<name>" or "system".')
    actor_employee_id: int | None = Field(description="The acting employee's id, if any.")
    action: str = Field(description="Dotted verb, e.g. token.create, audit.view.")
    target_type: str | None = Field(description="What was acted on, e.g. api_token.")
    target_id: str | None
    ip: str | None = Field(description="Source address of the request, if it came over HTTP.")
    detail: dict[str, Any] = Field(description="What else was recorded about it.")


class AuditLogPage(BaseModel):
    events: list[AuditLogEvent]
    next: str | None = Field(description="The next (older) page; null on the last.")


def register(bp: Blueprint) -> None:
    api_route(bp, AUDIT_LOG, api_audit_log, endpoint="api_audit_log")


@roles_required(Role.ADMIN)
def api_audit_log() -> Response:
    """200: a page of events, newest first; 400 naming a bad parameter."""
    params.reject_unknown([p.name for p in AUDIT_LOG.parameters])
    wanted = audit_log.parse_filter(request.args)
    before = audit_log.parse_before(request.args.get("before"))
    per_page = params.per_page(PER_PAGE, MAX_PER_PAGE)
    page = audit_log.look(
        carbon().uow(), current_actor(), wanted, limit=per_page, before=before, via="api"
    )
    next_url = None
    if page.next_before is not None:
        kept: dict[str, Any] = {k: v for k, v in request.args.items() if k != "before"}
        next_url = url_for("carbon.api_audit_log", before=page.next_before, **kept)
    body = AuditLogPage(
        events=[
            AuditLogEvent(
                id=e.id,
                at=e.at,
                actor=e.actor_label,
                actor_employee_id=e.actor_id,
                action=e.action,
                target_type=e.target_type,
                target_id=e.target_id,
                ip=e.ip,
                detail=e.detail,
            )
            for e in page.entries
        ],
        next=next_url,
    )
    response = jsonify(body.model_dump(mode="json"))
    response.headers["Cache-Control"] = "no-store"
    return response


AUDIT_LOG = Operation(
    method="get",
    path=f"{API_PREFIX}/audit",
    operation_id="auditLog",
    summary="The audit log, newest first (administrators)",
    description=(
        "Who did what, to what, when and from where. Administrators only (a session with the "
        "admin role, or an API token whose role is admin). Paged: follow `next` (it keeps the "
        "filters). Each request is itself recorded in the log as `audit.view`."
    ),
    parameters=(
        Parameter(
            "action",
            "Only this action, e.g. token.create; a value ending in `.` or `*` is a prefix "
            "(token.* = every token action).",
            {"type": "string", "maxLength": 64},
            example="token.*",
        ),
        Parameter(
            "actor",
            "Only events whose actor contains this text (any case): an email, cli:, token:.",
            {"type": "string", "maxLength": 320},
        ),
        Parameter(
            "target_type",
            "Only events on this kind of target.",
            {"type": "string", "maxLength": 64},
            example="api_token",
        ),
        Parameter(
            "target_id",
            "Only events on the target with this id.",
            {"type": "string", "maxLength": 64},
        ),
        Parameter(
            "from",
            "Events on or after this day (UTC).",
            blank_or({"type": "string", "format": "date"}),
        ),
        Parameter(
            "to",
            "Events on or before this day (UTC).",
            blank_or({"type": "string", "format": "date"}),
        ),
        Parameter(
            "before",
            "Where the page starts (an event id); taken from `next`.",
            blank_or({"type": "integer", "minimum": 1, "maximum": MAX_ID}),
        ),
        Parameter(
            "per_page",
            f"Events per page, 1 to {MAX_PER_PAGE} (default {PER_PAGE}).",
            blank_or({"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
        ),
    ),
    responses=(
        Reply(200, "A page of events.", AuditLogPage),
        Reply(400, "A bad parameter; the message names it.", Error),
        Reply(401, "No session and no valid API token.", Error),
        Reply(403, "Not an administrator.", Error),
    ),
    tags=("audit",),
)
