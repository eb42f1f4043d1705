"""The SCIM 2.0 routes (RFC 7644) in the OpenAPI document, so clients and fuzzers find them.

The resources themselves are described by the service's own discovery endpoints
(``/Schemas``, ``/ResourceTypes``); here each body is a SCIM message with its ``schemas``
list, and every answer, errors included, is ``application/scim+json``. The paths are the
rules ``web.scim`` routes by, so the document names no route that does not exist.
"""

from __future__ import annotations

from flask import Blueprint

from corp_carbon.scim.model import DEFAULT_COUNT, MAX_RESULTS, SCIM_CONTENT_TYPE
from corp_carbon.web.api.openapi import (
    BEARER,
    Body,
    Operation,
    Parameter,
    Reply,
    Schema,
    description_for,
)

PREFIX = "/scim/v2"
TAGS = ("scim",)
RFC = "https://www.rfc-editor.org/rfc/rfc7644"

#: any SCIM message: a JSON object naming its schemas (RFC 7643 §3).
MESSAGE: Schema = {
    "type": "object",
    "required": ["schemas"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    },
    "additionalProperties": True,
}
ERROR: Schema = {
    "type": "object",
    "required": ["schemas", "status"],
    "properties": {
        "schemas": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string", "description": "The HTTP status, as a string."},
        "scimType": {"type": "string"},
        "detail": {"type": "string"},
    },
    "additionalProperties": True,
}


def _reply(status: int, description: str, schema: Schema = ERROR) -> Reply:
    return Reply(status, description, schema=schema, media_type=SCIM_CONTENT_TYPE)


OK_USER = _reply(200, "The user (an urn:ietf:params:scim:schemas:core:2.0:User).", MESSAGE)
LISTED = _reply(200, "A ListResponse.", MESSAGE)
FAILURES = (
    _reply(400, "invalidSyntax, invalidFilter, invalidValue … (scimType says which)."),
    _reply(401, "No API token, or an unknown, expired or revoked one."),
    _reply(403, "The API token holds neither the scim scope nor the admin role unscoped."),
    _reply(429, "Too many refused API tokens from this address: wait Retry-After seconds."),
)
UNKNOWN_USER = _reply(404, "No such user.")
CHANGED = _reply(412, "If-Match named an older version: the user changed meanwhile.")
CONFLICT = _reply(409, "uniqueness: the userName or employee number is in use.")
USER_BODY = Body(SCIM_CONTENT_TYPE, MESSAGE)
PATCH_BODY = Body(
    SCIM_CONTENT_TYPE,
    {**MESSAGE, "required": ["schemas", "Operations"]},
)
ATTRIBUTES = (
    Parameter("attributes", "Return only these attributes (comma-separated).", {"type": "string"}),
    Parameter(
        "excludedAttributes", "Leave these attributes out (comma-separated).", {"type": "string"}
    ),
)
IF_MATCH = Parameter(
    "If-Match", "Change only this version (the ETag).", {"type": "string"}, location="header"
)


def _op(
    method: str,
    rule: str,
    operation_id: str,
    summary: str,
    *responses: Reply,
    parameters: tuple[Parameter, ...] = (),
    body: Body | None = None,
) -> Operation:
    return Operation(
        method=method,
        path=PREFIX + rule,
        operation_id=operation_id,
        summary=summary,
        description=f"SCIM 2.0 ({RFC}); see docs/scim.md for the attributes kept.",
        parameters=parameters,
        responses=(*responses, *FAILURES),
        tags=TAGS,
        security=(BEARER,),
        body=body,
    )


LIST_PARAMETERS = (
    Parameter(
        "filter",
        'userName, externalId, id or employeeNumber eq "value".',
        {"type": "string"},
        example='userName eq "ana@example.com"',
    ),
    Parameter(
        "startIndex",
        "1-based index of the first result (below 1 reads as 1; past the end: no results).",
        {"type": "integer"},
    ),
    Parameter(
        "count",
        f"Results per page (default {DEFAULT_COUNT}; more than {MAX_RESULTS} reads as "
        f"{MAX_RESULTS}, below 0 as 0).",
        {"type": "integer"},
    ),
    *ATTRIBUTES,
)

OPERATIONS = (
    _op("get", "/Users", "scimListUsers", "List users", LISTED, parameters=LIST_PARAMETERS),
    _op(
        "post",
        "/Users",
        "scimCreateUser",
        "Create a user",
        _reply(201, "Created; Location names the user.", MESSAGE),
        CONFLICT,
        body=USER_BODY,
    ),
    _op("post", "/Users/.search", "scimSearchUsers", "Search users", LISTED, body=USER_BODY),
    _op("post", "/.search", "scimSearch", "Search all resources", LISTED, body=USER_BODY),
    _op(
        "get",
        "/Users/<public_id>",
        "scimGetUser",
        "One user",
        OK_USER,
        Reply(304, "Not modified (If-None-Match named the current version)."),
        UNKNOWN_USER,
        parameters=(
            *ATTRIBUTES,
            Parameter("If-None-Match", "An ETag held.", {"type": "string"}, location="header"),
        ),
    ),
    _op(
        "put",
        "/Users/<public_id>",
        "scimReplaceUser",
        "Replace a user",
        OK_USER,
        UNKNOWN_USER,
        CONFLICT,
        CHANGED,
        parameters=(IF_MATCH,),
        body=USER_BODY,
    ),
    _op(
        "patch",
        "/Users/<public_id>",
        "scimPatchUser",
        "Change a user (add, replace, remove)",
        OK_USER,
        UNKNOWN_USER,
        CONFLICT,
        CHANGED,
        parameters=(IF_MATCH,),
        body=PATCH_BODY,
    ),
    _op(
        "delete",
        "/Users/<public_id>",
        "scimDeleteUser",
        "Delete a user",
        Reply(204, "Deleted."),
        UNKNOWN_USER,
        CHANGED,
        parameters=(IF_MATCH,),
    ),
    _op(
        "get",
        "/ServiceProviderConfig",
        "scimServiceProviderConfig",
        "What this service supports",
        _reply(200, "The ServiceProviderConfig.", MESSAGE),
    ),
    _op("get", "/ResourceTypes", "scimResourceTypes", "Resource types", LISTED),
    _op(
        "get",
        "/ResourceTypes/<type_id>",
        "scimResourceType",
        "One resource type",
        _reply(200, "The ResourceType.", MESSAGE),
        _reply(404, "No such resource type."),
    ),
    _op("get", "/Schemas", "scimSchemas", "Schemas", LISTED),
    _op(
        "get",
        "/Schemas/<schema_id>",
        "scimSchema",
        "One schema",
        _reply(200, "The Schema.", MESSAGE),
        _reply(404, "No such schema."),
    ),
)


def describe(bp: Blueprint) -> None:
    """Adds the SCIM operations to the blueprint's API description."""
    description = description_for(bp)
    for operation in OPERATIONS:
        description.add(operation)
