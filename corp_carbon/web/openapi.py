"""The OpenAPI 3.1 document of the JSON API, assembled from what each API module declares.

An API module registers its routes with ``api_route(bp, Operation(...), view)``: the route
and its description are declared together, so the document cannot list a path that does not
exist. Response bodies are pydantic models; their JSON Schemas (and the ``$defs`` they use)
become ``components.schemas``. The document is built per request, so its server URL follows
the prefix the blueprint is mounted under and its enums follow the loaded catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from flask import Blueprint, current_app, jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from corp_carbon.domain.vocabulary import Cabin, DistanceSource, Fuel, Mode
from corp_carbon.web.access import public

API_PREFIX = "/api/v1"
DOCUMENT_PATH = f"{API_PREFIX}/openapi.json"
OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
REF_TEMPLATE = "#/components/schemas/{model}"
#: the security scheme of requests carrying the employee's browser session.
SESSION = "session"
#: the security scheme of programs carrying an API token (``corp-carbon tokens create``).
BEARER = "bearer"

Schema = dict[str, Any]


# --- shared response bodies ---------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. unknown_place.")
    message: str = Field(
        description="What was wrong, naming the bad value and the accepted ones where known."
    )


class Error(BaseModel):
    """Every 4xx/5xx answer of the API."""

    error: ErrorDetail


class ExplanationStep(BaseModel):
    """One step of the calculation trail; steps carry their figures as extra fields."""

    model_config = ConfigDict(extra="allow")

    step: str = Field(description="What the step is about: distance, factor, baseline, points …")
    text: str = Field(description="The step in plain words.")


class Estimate(BaseModel):
    """Emissions and points of one trip under one methodology (nothing is stored)."""

    option: str = Field(description="The option in words, e.g. 'Flight, economy'.")
    mode: Mode
    cabin: Cabin | None
    fuel: Fuel | None
    kg_co2e: float = Field(description="Emissions of the trip, kg CO2e.")
    distance_km: float | None
    distance_source: DistanceSource | None
    factor_set: str = Field(description="Id of the factor set used, e.g. desnz-2024.")
    factor_set_version: str
    factor_id: str = Field(description="The publisher's id of the emission factor.")
    factor_value: float
    factor_unit: str | None
    radiative_forcing: bool = Field(description="Whether flight factors include it.")
    haul: str | None = Field(description="Flight haul band, e.g. long_haul; null otherwise.")
    baseline: str | None = Field(description="Code of what the trip is compared with.")
    baseline_description: str | None
    baseline_kg_co2e: float | None
    avoided_kg_co2e: float
    points: int = Field(description="Points the trip would earn.")
    points_rule: str
    methodology_version: int = Field(description="Stored methodology version (0: unstored).")
    explanation: list[ExplanationStep]


class Comparison(BaseModel):
    """Every sensible way to make one trip, lowest emissions first."""

    model_config = ConfigDict(populate_by_name=True)

    origin: str = Field(alias="from", description="Where the trip starts, as given.")
    destination: str = Field(alias="to", description="Where the trip ends, as given.")
    factor_set: str
    methodology_version: int
    options: list[Estimate]


# --- declarations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A query parameter; ``schema`` may be a callable resolved when the document is built."""

    name: str
    description: str
    schema: Schema | Callable[[], Schema]
    required: bool = False
    example: str | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    description: str
    model: type[BaseModel] | None = None


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
        schema = model.model_json_schema(ref_template=REF_TEMPLATE)
        defs: dict[str, Schema] = schema.pop("$defs", {})
        for name, definition in [*defs.items(), (model.__name__, schema)]:
            known = self._schemas.setdefault(name, definition)
            if known != definition:
                raise ValueError(f"two different schemas are named {name!r}")
        return {"$ref": REF_TEMPLATE.format(model=model.__name__)}

    @property
    def paths(self) -> list[str]:
        return sorted({path for path, _ in self._operations})

    def document(self, *, server_url: str, cookie_name: str) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        for (path, method), op in sorted(self._operations.items()):
            paths.setdefault(path, {})[method] = self._operation(op)
        return {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": "corp-carbon API",
                "version": API_VERSION,
                "description": (
                    "Emissions (kg CO2e) and points of trips, for employees' own use. "
                    'Errors are JSON objects of the shape `{"error": {"code", "message"}}`.'
                ),
            },
            "servers": [{"url": server_url or "/"}],
            "paths": paths,
            "components": {
                "schemas": dict(sorted(self._schemas.items())),
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

    def _operation(self, op: Operation) -> dict[str, Any]:
        result: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary}
        if op.description:
            result["description"] = op.description
        if op.tags:
            result["tags"] = list(op.tags)
        if op.parameters:
            result["parameters"] = [_parameter(p) for p in op.parameters]
        if op.request_model is not None:
            ref = {"$ref": REF_TEMPLATE.format(model=op.request_model.__name__)}
            result["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref}},
            }
        responses: dict[str, Any] = {}
        for reply in op.responses:
            entry: dict[str, Any] = {"description": reply.description}
            if reply.model is not None:
                ref = {"$ref": REF_TEMPLATE.format(model=reply.model.__name__)}
                entry["content"] = {"application/json": {"schema": ref}}
            responses[str(reply.status)] = entry
        result["responses"] = responses
        result["security"] = [{name: []} for name in op.security]
        return result


def _parameter(p: Parameter) -> dict[str, Any]:
    schema = p.schema() if callable(p.schema) else dict(p.schema)
    result: dict[str, Any] = {
        "name": p.name,
        "in": "query",
        "required": p.required,
        "description": p.description,
        "schema": schema,
    }
    if p.example is not None:
        result["example"] = p.example
    return result


_DESCRIPTIONS: WeakKeyDictionary[Blueprint, ApiDescription] = WeakKeyDictionary()


def description_for(bp: Blueprint) -> ApiDescription:
    """The API description of ``bp`` (one per blueprint, so one per application)."""
    found = _DESCRIPTIONS.get(bp)
    if found is None:
        found = _DESCRIPTIONS[bp] = ApiDescription()
    return found


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
