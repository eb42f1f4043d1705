"""SCIM 2.0 Users (RFC 7643 core User + Enterprise User extension) <-> employee fields.

Pure: no database, no Flask. Payloads are read, patched and written with ``scim2-models``
(schema validation, PATCH paths and filters are the library's, never parsed by hand).

What maps to what (decisions documented in docs/scim.md):

===========================================  ==============================================
SCIM attribute                               employee
===========================================  ==============================================
``id``                                       ``public_id`` (never the database id)
``externalId``                               ``scim_external_id`` (case-exact)
``userName``                                 ``email`` (must be an email address; stored
                                             lower-case, so ``userName eq`` is
                                             case-insensitive as RFC 7643 wants)
``emails``                                   read-only here: one work email = ``email``
``displayName`` / ``name.formatted`` /       ``name`` (the display name; see
``name.givenName`` + ``name.familyName``     :func:`display_name`)
``name.givenName`` / ``name.familyName``     ``given_name`` / ``family_name``
``active``                                   ``active`` (false sets ``deactivated_at``)
enterprise ``employeeNumber``                ``employee_number`` (unique)
enterprise ``department``                    ``department``
enterprise ``costCenter``                    ``cost_centre``
enterprise ``organization``                  ``organization`` (the legal entity, NOT
                                             ``office``: office is where someone works,
                                             used for commuting and office reports)
enterprise ``manager.value``                 ``manager_id``, by the manager's ``public_id``
``[scim] grade_attribute`` (``userType``)    ``grade``, the travel-policy grade (see
                                             :mod:`corp_carbon.scim.grade`)
===========================================  ==============================================

Attributes we do not keep (phoneNumbers, addresses, title, division, ...) are accepted and
ignored, as are unknown schema extensions (the IdP's custom attributes); ``/Schemas``
publishes only what is kept, so what a client writes there reads back unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from scim2_models import (
    Context,
    EnterpriseUser,
    Error,
    InvalidValueException,
    Manager,
    Meta,
    Name,
    PatchOp,
    ResponseParameters,
    SCIMException,
)
from scim2_models import Email as ScimEmail

from corp_carbon.domain.email_address import InvalidEmail, canonical_email, quoted
from corp_carbon.scim.grade import GradeAttribute
from corp_carbon.scim.model import (
    ENTERPRISE_SCHEMA,
    MAX_LENGTH,
    POLICY,
    UserModel,
    WorkEmail,
)


@dataclass(frozen=True)
class EmployeeFields:
    """What SCIM sets on an employee (every field, as a create or a replace leaves it)."""

    email: str
    name: str
    #: ``name`` was made from the name parts: the User has no displayName of its own.
    name_derived: bool
    given_name: str | None
    family_name: str | None
    external_id: str | None
    employee_number: str | None
    department: str | None
    cost_centre: str | None
    organization: str | None
    manager_public_id: str | None
    active: bool
    #: the travel-policy grade; kept as it is when no grade attribute is configured.
    grade: str | None


@dataclass(frozen=True, kw_only=True)
class EmployeeRecord(EmployeeFields):
    """An employee as SCIM shows it: the fields SCIM sets, and what the service keeps."""

    public_id: str
    created_at: datetime
    updated_at: datetime


# --- reading payloads ---------------------------------------------------------------------------


def _validated(model: Any, payload: Any, ctx: Context) -> Any:
    """``payload`` validated in ``ctx``; a validation error becomes the SCIM error it stands for."""
    if not isinstance(payload, Mapping):
        raise SCIMException.from_error(
            Error(status=400, scim_type="invalidSyntax", detail="the body must be a JSON object")
        )
    try:
        return model.model_validate(payload, scim_ctx=ctx, scim_policy=POLICY)
    except ValidationError as exc:
        raise SCIMException.from_error(Error.from_validation_errors(exc)[0]) from None


def parse_create(
    payload: Any, users_url: str, grade: GradeAttribute | None = None
) -> EmployeeFields:
    """The employee a POST /Users body describes (400 ``invalidValue``/``invalidSyntax``);
    ``grade``: where the travel-policy grade is read from (None: not read)."""
    payload = _with_whole_manager(payload, users_url)
    user: Any = _validated(UserModel, payload, Context.RESOURCE_CREATION_REQUEST)
    return fields_from_resource(user, active_default=True, grade=grade)


def parse_replace(
    payload: Any, current: EmployeeRecord, users_url: str, grade: GradeAttribute | None = None
) -> EmployeeFields:
    """The employee after a PUT: attributes the body names replace ours (null clears one);
    attributes it leaves out are kept ("not asserted", which RFC 7644 §3.5.1 allows), so an
    IdP that does not map, say, employeeNumber never wipes what HR set."""
    payload = _with_whole_manager(payload, users_url)
    given: Any = _validated(UserModel, payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    merged: Any = to_resource(current, users_url, grade)
    core = ["user_name", "name", "display_name", "active", "external_id"]
    if grade is not None and not grade.in_enterprise_extension:
        core.append(grade.field)
    for field in core:
        if field in given.model_fields_set:
            setattr(merged, field, getattr(given, field))
    extension = given[EnterpriseUser]
    if extension is not None:
        target = merged[EnterpriseUser]
        if target is None:
            merged[EnterpriseUser] = target = EnterpriseUser()
        for field in extension.model_fields_set:
            setattr(target, field, getattr(extension, field))
    fields = fields_from_resource(merged, active_default=current.active, grade=grade)
    return _keeping_name(_keeping_grade(fields, grade, current), merged, current)


def apply_patch(
    payload: Any, current: EmployeeRecord, users_url: str, grade: GradeAttribute | None = None
) -> EmployeeFields:
    """The employee after a PATCH (RFC 7644 §3.5.2), applied by scim2-models to our current
    representation: add/replace/remove, with or without a path, Entra's capitalised ops and
    string booleans, Okta's path-less ``{"op": "replace", "value": {"active": false}}``."""
    if isinstance(payload, Mapping) and isinstance(payload.get("Operations"), list):
        payload = {
            **payload,
            "Operations": [
                _operation_with_whole_manager(op, users_url) for op in payload["Operations"]
            ],
        }
    patch: Any = _validated(PatchOp[UserModel], payload, Context.RESOURCE_PATCH_REQUEST)
    resource: Any = to_resource(current, users_url, grade)
    try:
        with POLICY:
            patch.patch(resource)
    except ValidationError as exc:
        raise SCIMException.from_error(Error.from_validation_errors(exc)[0]) from None
    fields = fields_from_resource(resource, active_default=None, grade=grade)
    return _keeping_name(_keeping_grade(fields, grade, current), resource, current)


def _keeping_grade(
    fields: EmployeeFields, grade: GradeAttribute | None, current: EmployeeRecord
) -> EmployeeFields:
    """Without a grade attribute SCIM neither reads nor clears the grade (HR or SSO set it)."""
    return fields if grade is not None else replace(fields, grade=current.grade)


def _keeping_name(fields: EmployeeFields, user: Any, current: EmployeeRecord) -> EmployeeFields:
    """A name made from name.formatted (which is not kept) stays as long as nothing it is
    made from changes: it is made again only from new name parts or a new formatted name."""
    formatted = user.name.formatted if user.name is not None else None
    if (
        fields.name_derived
        and current.name_derived
        and formatted is None
        and (fields.given_name, fields.family_name, fields.email)
        == (current.given_name, current.family_name, current.email)
    ):
        return replace(fields, name=current.name)
    return fields


def _whole_manager(value: Any, users_url: str) -> Any:
    """Entra sends a manager as its id alone (``"value": "<id>"``) and without ``$ref``, which
    RFC 7643's schema marks required: both are made whole; an empty id clears the manager."""
    if isinstance(value, str):
        value = {"value": value}
    if isinstance(value, Mapping):
        if not str(value.get("value") or "").strip() and not value.get("$ref"):
            return None
        if value.get("value") and not value.get("$ref"):
            return {**value, "$ref": f"{users_url}/{value['value']}"}
    return value


def _with_whole_manager(payload: Any, users_url: str) -> Any:
    if not isinstance(payload, Mapping):
        return payload
    copy = dict(payload)
    for key, extension in payload.items():
        if key.casefold() == ENTERPRISE_SCHEMA.casefold() and isinstance(extension, Mapping):
            copy[key] = {
                name: _whole_manager(value, users_url) if name.casefold() == "manager" else value
                for name, value in extension.items()
            }
    return copy


def _operation_with_whole_manager(operation: Any, users_url: str) -> Any:
    if not isinstance(operation, Mapping) or "value" not in operation:
        return operation
    path = str(operation.get("path") or "").casefold()
    value = operation["value"]
    if path.endswith("manager"):
        value = _whole_manager(value, users_url)
    elif path in ("", ENTERPRISE_SCHEMA.casefold()) and isinstance(value, Mapping):
        value = (
            _with_whole_manager(value, users_url)
            if path == ""
            else _with_whole_manager({ENTERPRISE_SCHEMA: value}, users_url)[ENTERPRISE_SCHEMA]
        )
    return {**operation, "value": value}


def fields_from_resource(
    user: Any, *, active_default: bool | None, grade: GradeAttribute | None = None
) -> EmployeeFields:
    """The employee fields of a validated User resource."""
    user_name = _text(user.user_name, "userName")
    if user_name is None:
        raise InvalidValueException(detail="userName: required")
    try:
        email = canonical_email(user_name)
    except InvalidEmail as exc:
        raise InvalidValueException(
            detail=f"userName: {quoted(user_name)} is not an email address ({exc.reason}); "
            "corp-carbon matches bookings by email, so map the IdP's mail attribute to userName"
        ) from None
    name: Name | None = user.name
    given_name = _text(name.given_name if name else None, "name.givenName")
    family_name = _text(name.family_name if name else None, "name.familyName")
    formatted = _text(name.formatted if name else None, "displayName")
    display = _text(user.display_name, "displayName")
    extension: EnterpriseUser | None = user[EnterpriseUser]
    manager = extension.manager if extension is not None else None
    return EmployeeFields(
        email=email,
        name=display or display_name(formatted, given_name, family_name, email),
        name_derived=display is None,
        given_name=given_name,
        family_name=family_name,
        external_id=_text(user.external_id, "externalId", strip=False),
        employee_number=_text(extension.employee_number if extension else None, "employeeNumber"),
        department=_text(extension.department if extension else None, "department"),
        cost_centre=_text(extension.cost_center if extension else None, "costCenter"),
        organization=_text(extension.organization if extension else None, "organization"),
        manager_public_id=_manager_id(manager),
        active=_active(user, active_default),
        grade=grade.read(user) if grade is not None else None,
    )


def _active(user: Any, default: bool | None) -> bool:
    """``default`` (True on create) when the payload leaves ``active`` out; an employee always
    is or is not active, so a null or a PATCH remove is refused."""
    if user.active is not None:
        return bool(user.active)
    if default is None or "active" in user.model_fields_set:
        raise InvalidValueException(
            detail="active: cannot be removed; replace it with false to deactivate the user"
        )
    return default


def display_name(
    formatted: str | None, given_name: str | None, family_name: str | None, email: str
) -> str:
    """``name`` when no displayName is sent: name.formatted, else the name parts, else the
    email address (the column cannot be blank)."""
    parts = " ".join(p for p in (given_name, family_name) if p)
    return (formatted or parts or email)[: MAX_LENGTH["displayName"]]


def _manager_id(manager: Manager | None) -> str | None:
    if manager is None:
        return None
    value = _text(manager.value, "manager.value")
    if value is None and manager.ref:
        value = str(manager.ref).rstrip("/").rsplit("/", 1)[-1] or None
    return value


def _text(value: Any, attribute: str, *, strip: bool = True) -> str | None:
    if value is None:
        return None
    text = str(value).strip() if strip else str(value)
    if not text.strip():
        return None
    limit = MAX_LENGTH.get(attribute)
    if limit is not None and len(text) > limit:
        raise InvalidValueException(detail=f"{attribute}: at most {limit} characters")
    return text


# --- writing resources --------------------------------------------------------------------------


def etag(record: EmployeeRecord) -> str:
    """A weak entity tag that changes with every change to the employee."""
    digest = hashlib.sha256(f"{record.public_id}|{record.updated_at.isoformat()}".encode())
    return f'W/"{digest.hexdigest()[:20]}"'


def to_resource(record: EmployeeRecord, users_url: str, grade: GradeAttribute | None = None) -> Any:
    """The employee as a User resource (the GET representation). ``users_url``: the absolute
    URL of /Users, for ``meta.location`` and ``manager.$ref``; ``grade``: where the grade is
    shown (None: not shown)."""
    parts = {"given_name": record.given_name, "family_name": record.family_name}
    extension = EnterpriseUser(
        employee_number=record.employee_number,
        department=record.department,
        cost_center=record.cost_centre,
        organization=record.organization,
        manager=(
            Manager(value=record.manager_public_id, ref=f"{users_url}/{record.manager_public_id}")
            if record.manager_public_id
            else None
        ),
    )
    user: Any = UserModel(
        id=record.public_id,
        external_id=record.external_id,
        user_name=record.email,
        name=Name(**parts) if any(parts.values()) else None,
        display_name=None if record.name_derived else record.name,
        active=record.active,
        # built unchecked: the stored address passed the rule on its way in
        emails=[
            WorkEmail.model_construct(value=record.email, type=ScimEmail.Type.work, primary=True)
        ],
        meta=Meta(
            resource_type="User",
            created=record.created_at,
            last_modified=record.updated_at,
            location=f"{users_url}/{record.public_id}",
            version=etag(record),
        ),
    )
    user[EnterpriseUser] = extension
    if grade is not None:
        grade.write(user, record.grade)
    return user


def response_parameters(
    attributes: str | None, excluded_attributes: str | None
) -> ResponseParameters[Any] | None:
    """RFC 7644 §3.9 ``attributes`` / ``excludedAttributes`` (400 ``invalidValue`` if wrong)."""
    if not attributes and not excluded_attributes:
        return None
    payload = {"attributes": attributes or None, "excludedAttributes": excluded_attributes or None}
    try:
        return ResponseParameters[UserModel].model_validate(payload)
    except ValidationError as exc:
        raise SCIMException.from_error(Error.from_validation_errors(exc)[0]) from None


def dump_resource(
    user: Any, ctx: Context, params: ResponseParameters[Any] | None = None
) -> dict[str, Any]:
    dumped: dict[str, Any] = user.model_dump(scim_ctx=ctx, response_parameters=params)
    return dumped
