"""SCIM 2.0 provisioning endpoints (RFC 7644) for Entra ID, Okta and other IdPs: /scim/v2.

Only API tokens get in: one holding the ``scim`` scope, or an administrator's token made
without scopes (a token made for other scopes is refused: a scope is what a token is for).
Sessions never do, so no CSRF token is involved. Every answer, errors included, is
``application/scim+json``; errors carry the SCIM error schema with ``status``, ``scimType``
and ``detail``.

The mapping between SCIM attributes and employees is in ``corp_carbon.scim`` (``mapping``);
the use cases in ``corp_carbon.services.people.scim_provisioning``. See docs/scim.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, request, url_for
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    ForbiddenException,
    InvalidValueException,
    ListResponse,
    NotFoundException,
    Schema,
    SCIMException,
    SearchRequest,
    UnauthorizedException,
)
from werkzeug.exceptions import HTTPException, TooManyRequests
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import Actor
from corp_carbon.domain.vocabulary import Role
from corp_carbon.scim import discovery, filters, mapping, model
from corp_carbon.scim.grade import GradeAttribute, grade_attribute
from corp_carbon.services import outage
from corp_carbon.services.people import scim_provisioning as provisioning
from corp_carbon.web import rate_limits, scim_openapi
from corp_carbon.web.access import bearer_token, current_employee, current_token
from corp_carbon.web.scim_faults import (
    ScimDatabaseUnavailable,
    TooManyScimRequests,
    unavailable,
)
from corp_carbon.web.state import carbon

log = logging.getLogger("corp_carbon.scim")

F = TypeVar("F", bound=Callable[..., Any])

SCIM_PREFIX = "/scim/v2"
#: the scope an API token needs (besides an administrator's unscoped token).
SCIM_SCOPE = "scim"
ACCESS_RULE = f"token-scope:{SCIM_SCOPE}|token-role:{Role.ADMIN.value}"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def register(bp: Blueprint) -> None:
    # before the blueprint's CSRF check: a request without a token is a SCIM 401, not a
    # CSRF failure (URL-value preprocessors run before every before_request hook)
    bp.url_value_preprocessor(_authorise_scim_requests)
    bp.register_error_handler(SCIMException, _scim_error)
    routes: list[tuple[str, str, Callable[..., Response]]] = [
        ("/Users", "scim_users", users),
        ("/Users/.search", "scim_users_search", search),
        ("/.search", "scim_search", search),
        ("/Users/<public_id>", "scim_user", user),
        ("/ServiceProviderConfig", "scim_service_provider_config", service_provider_config),
        ("/ResourceTypes", "scim_resource_types", resource_types),
        ("/ResourceTypes/<type_id>", "scim_resource_type", resource_types),
        ("/Schemas", "scim_schemas", schemas),
        ("/Schemas/<schema_id>", "scim_schema", schemas),
        ("", "scim_root", not_found),
        ("/", "scim_root_slash", not_found),
        ("/<path:rest>", "scim_not_found", not_found),
    ]
    for rule, endpoint, view in routes:
        bp.add_url_rule(
            SCIM_PREFIX + rule, endpoint, scim_view(view), methods=METHODS, strict_slashes=False
        )
    scim_openapi.describe(bp)


# --- access, errors and answers -----------------------------------------------------------------


def scim_view(view: F) -> F:
    """Authorises (see the module doc), and answers any failure as a SCIM error."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            _authorise()
            return view(*args, **kwargs)
        except SCIMException as exc:
            return _scim_error(exc)
        except DomainError as exc:
            return _error_response(Error(status=exc.http_status, detail=exc.message))
        except HTTPException as exc:
            return _error_response(Error(status=exc.code or 500, detail=exc.description))
        except Exception as exc:
            if outage.is_outage(exc):
                return _scim_error(unavailable(exc))
            log.exception("SCIM %s %s failed", request.method, request.path)
            return _error_response(
                Error(status=500, detail="The error was logged; please try again later.")
            )

    wrapper.access_rule = ACCESS_RULE  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _authorise_scim_requests(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if endpoint is not None and endpoint.split(".")[-1].startswith("scim_"):
        try:
            rate_limits.refuse_after_token_failures()
        except TooManyRequests as exc:
            raise TooManyScimRequests(detail=exc.description, retry_after=exc.retry_after) from None
        try:
            _authorise()
        except Exception as exc:
            if not outage.is_outage(exc):
                raise
            raise unavailable(exc) from None


def _authorise() -> None:
    if bearer_token() is None:
        raise UnauthorizedException(
            detail="send an API token: Authorization: Bearer <token> "
            f"(corp-carbon tokens create --role admin --scope {SCIM_SCOPE})"
        )
    employee = current_employee()
    token = current_token()
    if employee is None or token is None:
        raise UnauthorizedException(detail="the API token is unknown, expired or revoked")
    if SCIM_SCOPE in token.scopes:
        return
    if not token.scopes and token.role is Role.ADMIN and employee.has_any_role(Role.ADMIN):
        return
    raise ForbiddenException(
        detail=f"this API token may not provision users: it needs the {SCIM_SCOPE!r} scope "
        f"(corp-carbon tokens create --role admin --scope {SCIM_SCOPE})"
    )


def _scim_error(exc: SCIMException) -> Response:
    response = _error_response(exc.to_error())
    if isinstance(exc, TooManyScimRequests):
        response.headers["Retry-After"] = str(exc.context["retry_after"])
    if isinstance(exc, ScimDatabaseUnavailable):
        response.headers["Retry-After"] = str(outage.RETRY_AFTER_SECONDS)
    return response


def _error_response(error: Error) -> Response:
    response = _answer(
        error.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE), error.status or 500
    )
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="corp-carbon SCIM"'
    return response


def _answer(payload: dict[str, Any] | None, status: int = 200) -> Response:
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False)
    return Response(body, status=status, content_type=model.SCIM_CONTENT_TYPE)


def _resource_answer(
    record: mapping.EmployeeRecord,
    ctx: Context,
    status: int = 200,
    params: Any = None,
) -> Response:
    resource = mapping.to_resource(record, _users_url(), _grade())
    response = _answer(mapping.dump_resource(resource, ctx, params), status)
    response.headers["ETag"] = mapping.etag(record)
    if status == 201:
        response.headers["Location"] = f"{_users_url()}/{record.public_id}"
    return response


def _grade() -> GradeAttribute | None:
    """Where the travel-policy grade is in a User (``[scim] grade_attribute``)."""
    return grade_attribute(carbon().settings.scim.grade_attribute)


def _users_url() -> str:
    return url_for("carbon.scim_users", _external=True)


def _base_url() -> str:
    return _users_url().removesuffix("/Users")


def _body() -> Any:
    payload = request.get_json(force=True, silent=True)
    if payload is None:
        raise SCIMException.from_error(
            Error(status=400, scim_type="invalidSyntax", detail="the body is not JSON")
        )
    return payload


def _actor() -> Actor:
    employee = current_employee()
    token = current_token()
    assert employee is not None
    assert token is not None
    return Actor(
        label=f"api token {token.id} ({token.name}) of {employee.email}",
        employee_id=employee.id,
        ip=request.remote_addr,
    )


def _method_not_allowed(*allowed: str) -> Response:
    response = _error_response(
        Error(status=405, detail=f"{request.method} is not allowed here ({', '.join(allowed)})")
    )
    response.headers["Allow"] = ", ".join(allowed)
    return response


def _int_parameter(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidValueException(detail=f"{name}: {raw!r} is not an integer") from None


# --- /Users -------------------------------------------------------------------------------------


def users() -> Response:
    if request.method == "GET":
        return _list(
            request.args.get("filter"),
            _int_parameter("startIndex", 1),
            _int_parameter("count", model.DEFAULT_COUNT),
            request.args.get("attributes"),
            request.args.get("excludedAttributes"),
        )
    if request.method == "POST":
        state = carbon()
        fields = mapping.parse_create(_body(), _users_url(), _grade())
        record = provisioning.create_user(state.uow(), state.settings, _actor(), fields)
        return _resource_answer(record, Context.RESOURCE_CREATION_RESPONSE, status=201)
    return _method_not_allowed("GET", "POST")


def search() -> Response:
    """POST /.search and /Users/.search (RFC 7644 §3.4.3): a list query in the body."""
    if request.method != "POST":
        return _method_not_allowed("POST")
    try:
        query: Any = SearchRequest.model_validate(_body(), scim_ctx=Context.SEARCH_REQUEST)
    except ValidationError as exc:
        raise SCIMException.from_error(Error.from_validation_errors(exc)[0]) from None
    return _list(
        str(query.filter) if query.filter else None,
        query.start_index or 1,
        model.DEFAULT_COUNT if query.count is None else query.count,
        ",".join(str(a) for a in query.attributes) if query.attributes else None,
        ",".join(str(a) for a in query.excluded_attributes) if query.excluded_attributes else None,
    )


def _list(
    filter_text: str | None,
    start_index: int,
    count: int,
    attributes: str | None,
    excluded: str | None,
) -> Response:
    term = filters.parse_filter(filter_text) if filter_text else None
    params = mapping.response_parameters(attributes, excluded)
    count = min(max(count, 0), model.MAX_RESULTS)
    page = provisioning.list_users(carbon().uow(), term, start_index, count)
    users_url, grade = _users_url(), _grade()
    listed = ListResponse[model.UserModel](
        total_results=page.total,
        start_index=page.start_index,
        items_per_page=len(page.records),
        resources=[mapping.to_resource(record, users_url, grade) for record in page.records],
    )
    return _answer(
        listed.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=params)
    )


#: how PUT (a whole new User) and PATCH (operations on it) are read, and answered.
_CHANGES: dict[
    str,
    tuple[
        Callable[[Any, mapping.EmployeeRecord, str, GradeAttribute | None], mapping.EmployeeFields],
        Context,
    ],
] = {
    "PUT": (mapping.parse_replace, Context.RESOURCE_REPLACEMENT_RESPONSE),
    "PATCH": (mapping.apply_patch, Context.RESOURCE_PATCH_RESPONSE),
}


def user(public_id: str) -> Response:
    state = carbon()
    users_url = _users_url()
    if_match = request.headers.get("If-Match")
    if request.method == "GET":
        params = mapping.response_parameters(
            request.args.get("attributes"), request.args.get("excludedAttributes")
        )
        record = provisioning.get_user(state.uow(), public_id)
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match and mapping.etag(record) in {t.strip() for t in if_none_match.split(",")}:
            not_modified = Response(status=304)
            not_modified.headers["ETag"] = mapping.etag(record)
            return not_modified
        return _resource_answer(record, Context.RESOURCE_QUERY_RESPONSE, params=params)
    if request.method in _CHANGES:
        payload, (read, answer_context) = _body(), _CHANGES[request.method]
        record = provisioning.update_user(
            state.uow(),
            state.settings,
            _actor(),
            public_id,
            lambda current: read(payload, current, users_url, _grade()),
            if_match=if_match,
        )
        return _resource_answer(record, answer_context)
    if request.method == "DELETE":
        provisioning.delete_user(
            state.uow(), state.settings, _actor(), public_id, if_match=if_match
        )
        return Response(status=204)
    return _method_not_allowed("GET", "PUT", "PATCH", "DELETE")


# --- discovery (RFC 7644 §4) --------------------------------------------------------------------


def service_provider_config() -> Response:
    if request.method != "GET":
        return _method_not_allowed("GET")
    config = discovery.service_provider_config(_base_url())
    return _answer(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def resource_types(type_id: str | None = None) -> Response:
    if request.method != "GET":
        return _method_not_allowed("GET")
    found = discovery.resource_types(_base_url())
    return _discovery(found, type_id, "ResourceType", lambda item: str(item.id))


def schemas(schema_id: str | None = None) -> Response:
    if request.method != "GET":
        return _method_not_allowed("GET")
    found = discovery.schemas(_base_url(), _grade())
    return _discovery(found, schema_id, "Schema", lambda item: str(item.id))


def _discovery(
    items: list[Any], wanted: str | None, kind: str, key: Callable[[Any], str]
) -> Response:
    if wanted is not None:
        item = discovery.find_by_id(items, wanted, key)
        if item is None:
            raise NotFoundException(detail=f"{kind} {wanted} not found")
        return _answer(item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    model = Schema if kind == "Schema" else type(items[0])
    listed = ListResponse[model](  # type: ignore[valid-type]
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return _answer(listed.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def not_found(rest: str = "") -> Response:
    raise NotFoundException(detail=f"{request.path} is not a SCIM endpoint of this service")
