"""The OpenAPI 3.1 document of the JSON API, assembled from what each API module declares.

An API module registers its routes with ``api_route(bp, Operation(...), view)``: the route
and its description are declared together, so the document cannot list a path that does not
exist. Response bodies are pydantic models; their JSON Schemas (and the ``$defs`` they use)
become ``components.schemas``, named as in Python without an ``In``/``Out`` suffix (``NewRewardIn``
is ``NewReward`` to API clients). The document is built per request, so its server URL follows
the prefix the blueprint is mounted under and its enums follow the loaded catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from weakref import WeakKeyDictionary

from flask import Blueprint, current_app, jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema
from werkzeug.wrappers import Response

from corp_carbon.domain.bounds import MAX_REQUEST_KEY, REQUEST_KEY_PATTERN
from corp_carbon.web.access import public
from corp_carbon.web.params import ID_SCHEMA

API_PREFIX = "/api/v1"
DOCUMENT_PATH = f"{API_PREFIX}/openapi.json"
OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
REF_TEMPLATE = "#/components/schemas/{model}"
#: the security scheme of requests carrying the employee's browser session.
SESSION = "session"
#: the security scheme of programs carrying an API token (``corp-carbon tokens create``).
BEARER = "bearer"
JSON = "application/json"
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: the common response of every signed-in operation while the database cannot be reached.
UNAVAILABLE = "DatabaseUnavailable"

Schema = dict[str, Any]
#: a Flask rule's variable part: ``<converter(args):name>`` or ``<name>``.
RULE_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
#: the Python-side marker of request (``*In``) and response (``*Out``) bodies.
BODY_SUFFIX = re.compile(r"(?<=[a-z0-9])(In|Out)$")


def public_name(name: str) -> str:
    """A body's schema name in the document: its Python name without the In/Out suffix."""
    return BODY_SUFFIX.sub("", name)


#: the config of ``*In`` / ``*Out`` bodies: their schema title is their public name.
BODY_CONFIG = ConfigDict(model_title_generator=lambda cls: public_name(cls.__name__))


class _PublicNames(GenerateJsonSchema):
    """Names the ``$defs`` a body uses by their public names, as the components are."""

    def normalize_name(self, name: str) -> str:
        return public_name(super().normalize_name(name))


# --- shared response bodies ---------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. unknown_place.")
    message: str = Field(
        description="What was wrong, naming the bad value and the accepted ones where known."
    )


class Error(BaseModel):
    """Every 4xx/5xx answer of the API."""

    error: ErrorDetail


# --- declarations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A query (or header) parameter; ``schema`` may be a callable resolved when the document
    is built. Path parameters come from the route itself (see ``path_template``)."""

    name: str
    description: str
    schema: Schema | Callable[[], Schema]
    required: bool = False
    example: str | None = None
    location: Literal["query", "header"] = "query"


@dataclass(frozen=True)
class Body:
    """A request body of another kind than a JSON pydantic model (multipart, SCIM JSON)."""

    media_type: str
    schema: Schema | Callable[[], Schema]
    required: bool = True


#: any operation a token may call: after too many refused tokens from one address (and for
#: redemptions and uploads, too many from one person), ``[limits]`` in the configuration.
TOO_MANY_REQUESTS: dict[str, Any] = {
    "description": "Too many requests: wait the seconds Retry-After says, then try again.",
    "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


@dataclass(frozen=True)
class Reply:
    status: int
    description: str
    model: type[BaseModel] | None = None
    #: a body schema given as is, for answers that are not pydantic models (SCIM).
    schema: Schema | None = None
    media_type: str = JSON


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # below the blueprint's prefix, e.g. /api/v1/estimate
    operation_id: str
    summary: str
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    responses: tuple[Reply, ...] = ()
    tags: tuple[str, ...] = ()
    security: tuple[str, ...] = (SESSION, BEARER)
    #: the JSON body the operation takes, if any.
    request_model: type[BaseModel] | None = None
    #: any other body (multipart form, SCIM JSON).
    body: Body | None = None


def blank_or(schema: Schema) -> Schema:
    """A filter that may also be sent blank, meaning no filter (as a search form sends it)."""
    return {"anyOf": [schema, {"type": "string", "pattern": r"^\s*$"}]}


def idempotency_key(*, required: bool, description: str) -> Parameter:
    """The ``Idempotency-Key`` header, with the bounds the server checks."""
    return Parameter(
        IDEMPOTENCY_HEADER,
        description,
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_REQUEST_KEY,
            "pattern": REQUEST_KEY_PATTERN,
        },
        required=required,
        example="5f0c7a2e-9b7d-4a43-8f0e-6d2b1c3a9e41",
        location="header",
    )


#: OpenAPI schemas of the URL converters corp-carbon's routes use.
CONVERTER_SCHEMAS: dict[str, Schema] = {
    "id": ID_SCHEMA,
    "int": {"type": "integer", "minimum": 0},
    "default": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    "string": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    "path": {"type": "string", "minLength": 1},
}


def path_template(rule: str) -> tuple[str, list[Schema]]:
    """A Flask rule as an OpenAPI path template and its path parameters:
    ``/redemptions/<id:redemption_id>`` -> ``/redemptions/{redemption_id}``."""
    parameters: list[Schema] = []
    for match in RULE_VARIABLE.finditer(rule):
        converter = match.group("converter") or "default"
        if converter == "any":
            values = [v.strip().strip("'\"") for v in (match.group("args") or "").split(",")]
            schema: Schema = {"type": "string", "enum": values}
        elif converter in CONVERTER_SCHEMAS:
            schema = dict(CONVERTER_SCHEMAS[converter])
        else:
            raise ValueError(f"{rule}: no OpenAPI schema for the URL converter {converter!r}")
        parameters.append(
            {"name": match.group("name"), "in": "path", "required": True, "schema": schema}
        )
    return RULE_VARIABLE.sub(lambda m: "{" + m.group("name") + "}", rule), parameters


def enum_schema(values: Any) -> Schema:
    """A string schema accepting the values of an enum (or any iterable of strings)."""
    return {"type": "string", "enum": [str(getattr(v, "value", v)) for v in values]}


class ApiDescription:
    """The operations and schemas of one blueprint's API."""

    def __init__(self) -> None:
        self._operations: dict[tuple[str, str], Operation] = {}
        self._schemas: dict[str, Schema] = {}
        self.add_model(Error)

    def add(self, operation: Operation) -> None:
        """Describes ``operation``; its path is the Flask rule it is routed by."""
        path_template(operation.path)  # fails now, not when the document is first asked for
        key = (operation.path, operation.method.lower())
        if key in self._operations:
            raise ValueError(f"{operation.method} {operation.path} is already described")
        for reply in operation.responses:
            if reply.model is not None:
                self.add_model(reply.model)
        if operation.request_model is not None:
            self.add_model(operation.request_model)
        self._operations[key] = operation

    def add_model(self, model: type[BaseModel]) -> Schema:
        """Adds the model and the schemas it uses to the components; returns its reference."""
        schema = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=_PublicNames)
        defs: dict[str, Schema] = schema.pop("$defs", {})
        for name, definition in [*defs.items(), (public_name(model.__name__), schema)]:
            known = self._schemas.setdefault(name, definition)
            if known != definition:
                raise ValueError(f"two different schemas are named {name!r}")
        return _ref(model)

    @property
    def paths(self) -> list[str]:
        """The documented paths as OpenAPI templates."""
        return sorted({path_template(path)[0] for path, _ in self._operations})

    def document(self, *, server_url: str, cookie_name: str) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        for (rule, method), op in sorted(self._operations.items()):
            template, path_parameters = path_template(rule)
            paths.setdefault(template, {})[method] = self._operation(op, path_parameters)
        return {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": "corp-carbon API",
                "version": API_VERSION,
                "description": (
                    "Emissions (kg CO2e) and points of trips, for employees' own use. "
                    'Errors are JSON objects of the shape `{"error": {"code", "message"}}`. '
                    "While the database cannot be reached, any operation answers 503 with "
                    "`Retry-After` and the code `database_unavailable`. "
                    "The SCIM 2.0 provisioning endpoints (tag `scim`, RFC 7644) answer "
                    "`application/scim+json`, errors included."
                ),
            },
            "servers": [{"url": server_url or "/"}],
            "paths": paths,
            "components": {
                "schemas": dict(sorted(self._schemas.items())),
                "responses": {UNAVAILABLE: _unavailable_response()},
                "securitySchemes": {
                    SESSION: {
                        "type": "apiKey",
                        "in": "cookie",
                        "name": cookie_name,
                        "description": "The session of an employee signed in to corp-carbon.",
                    },
                    BEARER: {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "An API token from `corp-carbon tokens create`.",
                    },
                },
            },
        }

    def _operation(self, op: Operation, path_parameters: list[Schema]) -> dict[str, Any]:
        result: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary}
        if op.description:
            result["description"] = op.description
        if op.tags:
            result["tags"] = list(op.tags)
        parameters = [*path_parameters, *(_parameter(p) for p in op.parameters)]
        if parameters:
            result["parameters"] = parameters
        if op.request_model is not None:
            result["requestBody"] = {
                "required": True,
                "content": {JSON: {"schema": _ref(op.request_model)}},
            }
        elif op.body is not None:
            schema = op.body.schema() if callable(op.body.schema) else op.body.schema
            result["requestBody"] = {
                "required": op.body.required,
                "content": {op.body.media_type: {"schema": schema}},
            }
        responses: dict[str, Any] = {}
        for reply in op.responses:
            entry: dict[str, Any] = {"description": reply.description}
            if reply.model is not None:
                entry["content"] = {reply.media_type: {"schema": _ref(reply.model)}}
            elif reply.schema is not None:
                entry["content"] = {reply.media_type: {"schema": reply.schema}}
            same_status = responses.get(str(reply.status))
            if same_status is not None and "content" in same_status and "content" in entry:
                # one status in several media types (JSON or a file, by a query parameter)
                same_status["content"].update(entry["content"])
                continue
            responses[str(reply.status)] = entry
        if BEARER in op.security and "429" not in responses:
            responses["429"] = TOO_MANY_REQUESTS
        if op.security and op.path.startswith(API_PREFIX):  # signed-in: the database is asked
            responses.setdefault("503", {"$ref": f"#/components/responses/{UNAVAILABLE}"})
        result["responses"] = responses
        result["security"] = [{name: []} for name in op.security]
        return result


def _parameter(p: Parameter) -> dict[str, Any]:
    schema = p.schema() if callable(p.schema) else dict(p.schema)
    result: dict[str, Any] = {
        "name": p.name,
        "in": p.location,
        "required": p.required,
        "description": p.description,
        "schema": schema,
    }
    if p.example is not None:
        result["example"] = p.example
    return result


def _unavailable_response() -> dict[str, Any]:
    """The answer of any operation while the database cannot be reached (``web.errors``)."""
    return {
        "description": "The database cannot be reached just now; try again after Retry-After "
        "seconds (error code `database_unavailable`).",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
        "content": {JSON: {"schema": _ref(Error)}},
    }


_DESCRIPTIONS: WeakKeyDictionary[Blueprint, ApiDescription] = WeakKeyDictionary()


def description_for(bp: Blueprint) -> ApiDescription:
    """The API description of ``bp`` (one per blueprint, so one per application)."""
    found = _DESCRIPTIONS.get(bp)
    if found is None:
        found = _DESCRIPTIONS[bp] = ApiDescription()
    return found


def _ref(model: type[BaseModel]) -> Schema:
    return {"$ref": REF_TEMPLATE.format(model=public_name(model.__name__))}


def api_route(
    bp: Blueprint, operation: Operation, view: Callable[..., Any], *, endpoint: str
) -> None:
    """Adds the route and its description together."""
    bp.add_url_rule(
        operation.path, endpoint=endpoint, view_func=view, methods=[operation.method.upper()]
    )
    description_for(bp).add(operation)


# --- the document itself --------------------------------------------------------------------


def register(bp: Blueprint) -> None:
    description = description_for(bp)

    @public
    def openapi_document() -> Response:
        """200: the OpenAPI document; its server URL is the prefix corp-carbon is mounted at."""
        here = url_for(str(request.endpoint))
        return jsonify(
            description.document(
                server_url=here.removesuffix(DOCUMENT_PATH),
                cookie_name=str(current_app.config["SESSION_COOKIE_NAME"]),
            )
        )

    api_route(
        bp,
        Operation(
            method="get",
            path=DOCUMENT_PATH,
            operation_id="openapi",
            summary="This document",
            responses=(Reply(200, "The OpenAPI 3.1 description of the API."),),
            tags=("meta",),
            security=(),
        ),
        openapi_document,
        endpoint="openapi",
    )
