"""SCIM discovery (RFC 7644 §4): the Schemas, ResourceTypes and ServiceProviderConfig documents.

``/Schemas`` publishes only the attributes that are kept, so what a client writes there reads
back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from scim2_models import (
    Attribute,
    Bulk,
    ChangePassword,
    EnterpriseUser,
    ETag,
    Filter,
    Meta,
    Mutability,
    Patch,
    Required,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)

from corp_carbon.scim.grade import GradeAttribute
from corp_carbon.scim.model import (
    MAX_RESULTS,
    UserModel,
)

#: the core User attributes kept (others are accepted and ignored, so not published).
_USER_ATTRIBUTES: Final = {
    "userName": None,
    "name": ("givenName", "familyName"),
    "displayName": None,
    "active": None,
    "emails": ("value", "type", "primary"),
}
_ENTERPRISE_ATTRIBUTES: Final = {
    "employeeNumber": None,
    "department": None,
    "costCenter": None,
    "organization": None,
    "manager": ("value", "$ref"),
}


#: key of ``keep`` naming the attribute that holds the grade (not an attribute name itself).
_GRADE: Final = "$grade"


def _trimmed(schema: Schema, keep: Mapping[str, Any]) -> Schema:
    kept: list[Attribute] = []
    for attribute in schema.attributes or []:
        if attribute.name is None or attribute.name not in keep or attribute.name == _GRADE:
            continue
        subs = keep[attribute.name]
        update: dict[str, Any] = {}
        if subs is not None:
            update["sub_attributes"] = [s for s in attribute.sub_attributes or [] if s.name in subs]
        if attribute.name == "active":
            update["required"] = Required.true
            update["description"] = "Whether the employee is active; cannot be removed."
        if attribute.name == keep.get(_GRADE):
            update["description"] = "The employee's travel-policy grade or band."
        if attribute.name == "emails":
            # one work email, the userName: read-only here (change userName instead)
            update["mutability"] = Mutability.read_only
            update["description"] = "The employee's email address: the same as userName."
            update["sub_attributes"] = [
                s.model_copy(
                    update={
                        "mutability": Mutability.read_only,
                        "canonical_values": ["work"] if s.name == "type" else s.canonical_values,
                    }
                )
                for s in update["sub_attributes"]
            ]
        kept.append(attribute.model_copy(update=update))
    return schema.model_copy(update={"attributes": kept})


def _with_meta(schema: Schema, base_url: str) -> Schema:
    return schema.model_copy(
        update={"meta": Meta(resource_type="Schema", location=f"{base_url}/Schemas/{schema.id}")}
    )


def schemas(base_url: str, grade: GradeAttribute | None = None) -> list[Schema]:
    """What /Schemas publishes: the kept User and Enterprise User attributes (with the one
    holding the travel-policy grade), and the schemas of the discovery resources themselves."""
    user: dict[str, Any] = dict(_USER_ATTRIBUTES)
    enterprise: dict[str, Any] = dict(_ENTERPRISE_ATTRIBUTES)
    if grade is not None:
        kept = enterprise if grade.in_enterprise_extension else user
        kept.update({grade.name: None, _GRADE: grade.name})
    found = [
        _trimmed(User.to_schema(), user),
        _trimmed(EnterpriseUser.to_schema(), enterprise),
        ServiceProviderConfig.to_schema(),
        ResourceType.to_schema(),
        Schema.to_schema(),
    ]
    return [_with_meta(schema, base_url) for schema in found]


def resource_types(base_url: str) -> list[ResourceType]:
    user = ResourceType.from_resource(UserModel)
    return [
        user.model_copy(
            update={
                "description": "Employees",
                "meta": Meta(
                    resource_type="ResourceType", location=f"{base_url}/ResourceTypes/User"
                ),
            }
        )
    ]


def service_provider_config(base_url: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[
            {
                "type": "oauthbearertoken",
                "name": "API token",
                "description": "A corp-carbon API token (`corp-carbon tokens create "
                "--role admin --scope scim`) in an Authorization: Bearer header.",
                "primary": True,
            }
        ],
        meta=Meta(
            resource_type="ServiceProviderConfig", location=f"{base_url}/ServiceProviderConfig"
        ),
    )


def find_by_id(items: list[Any], wanted: str, key: Callable[[Any], str]) -> Any | None:
    """The discovery resource whose id is ``wanted`` (schema URNs compare case-insensitively)."""
    for item in items:
        if key(item).casefold() == wanted.casefold():
            return item
    return None
