"""The SCIM User resource corp-carbon serves, and the limits and tolerances it is read with.

The core User (RFC 7643) with the Enterprise User extension, as ``scim2-models`` types it,
except that ``emails[].value`` is checked by corp-carbon's one email rule.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Final

from pydantic import AfterValidator
from scim2_models import (
    ComplexAttribute,
    EnterpriseUser,
    ScimPolicy,
    User,
)
from scim2_models import Email as ScimEmail
from scim2_models.resources.resource import AnyExtension

from corp_carbon.domain.email_address import InvalidEmail, canonical_email, quoted


def _email_value(value: str | None) -> str | None:
    """An ``emails[].value`` checked by the one email rule (a ValueError is a SCIM 400)."""
    if value is None:
        return None
    try:
        return canonical_email(value)
    except InvalidEmail as exc:
        raise ValueError(f"{quoted(value)} is not an email address ({exc.reason})") from None


class WorkEmail(ScimEmail):
    """scim2-models types ``emails[].value`` as pydantic's ``EmailStr``, whose email-validator
    refuses intranet and reserved domains (``corp.local``, ``example.test``): this checks it
    by corp-carbon's one email rule instead, like ``userName``."""

    value: Annotated[str | None, AfterValidator(_email_value)] = None


class CorpUser(User[AnyExtension]):
    """The core User with ``emails`` checked by the one email rule (same schema URN)."""

    emails: list[WorkEmail] | None = None  # type: ignore[assignment]  # narrower items: by design
    Emails: ClassVar[type[ComplexAttribute]] = WorkEmail


#: the resource served at /Users: the core User with the Enterprise User extension.
UserModel = CorpUser[EnterpriseUser]
USER_SCHEMA: Final = str(User.__schema__)
ENTERPRISE_SCHEMA: Final = str(EnterpriseUser.__schema__)
SCIM_CONTENT_TYPE: Final = "application/scim+json"
#: most resources one list page returns (``count`` above it is lowered to it).
MAX_RESULTS: Final = 200
DEFAULT_COUNT: Final = 100

#: tolerant where IdPs depart from RFC 7644 without any ambiguity: unknown attributes and
#: extensions are dropped (Okta/Entra custom attributes), a ``remove`` with a value selects
#: what to remove, and a PATCH path filter matching nothing creates the entry (all three as
#: Microsoft Entra sends them). String booleans ("False") are read as booleans.
POLICY: Final = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

#: column widths of the employee fields SCIM writes (db/models/people.py).
MAX_LENGTH: Final = {
    "userName": 320,
    "displayName": 200,
    "name.givenName": 100,
    "name.familyName": 100,
    "externalId": 255,
    "employeeNumber": 64,
    "department": 120,
    "costCenter": 64,
    "organization": 120,
}
