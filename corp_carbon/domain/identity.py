"""Who the company's identity provider says someone is: claims → employee attributes and roles.

Pure functions, no I/O: the web layer hands in the verified claims of an OpenID Connect
sign-in (ID token merged with userinfo) and the configured claim names; the sign-in service
turns the resulting ``Identity`` into an employee record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from corp_carbon.domain.email_address import InvalidEmail, canonical_email, quoted
from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import Role

#: column sizes of the employees table; longer claim values are refused, not truncated.
_LIMITS = {
    "subject": 255,
    "employee_number": 64,
    "name": 200,
    "department": 120,
    "cost_centre": 64,
    "office": 120,
    "grade": 64,
}


class ClaimNames(Protocol):
    """The ``[sso.claims]`` section: which claim holds which attribute ("" = not mapped)."""

    @property
    def subject(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def employee_number(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def cost_centre(self) -> str: ...
    @property
    def office(self) -> str: ...
    @property
    def groups(self) -> str: ...
    @property
    def grade(self) -> str: ...


class RoleGroups(Protocol):
    """The ``[sso.roles]`` section: IdP groups granting each role."""

    @property
    def hr(self) -> list[str]: ...
    @property
    def sustainability(self) -> list[str]: ...
    @property
    def admin(self) -> list[str]: ...


class IdentityError(DomainError):
    """The provider's answer lacks or garbles something sign-in needs; the message names the
    claim, so an administrator can fix the provider's mapping."""

    http_status = 403
    code = "sso_claims"


@dataclass(frozen=True)
class Identity:
    """An employee as the identity provider describes them. ``None``: the provider sent no
    value (the stored one is then kept)."""

    subject: str
    email: str
    #: False only when the provider says so explicitly (``email_verified: false``).
    email_verified: bool
    name: str
    employee_number: str | None
    department: str | None
    cost_centre: str | None
    office: str | None
    groups: tuple[str, ...]
    #: the provider sent a groups claim at all (absent ≠ empty for some providers).
    groups_sent: bool
    #: the travel-policy grade; None: not sent (kept as it is), "": sent empty (cleared).
    grade: str | None = None


def claim(claims: Mapping[str, Any], name: str) -> Any:
    """The value of claim ``name``: the literal key first, else a dotted path into nested
    objects (``realm_access.roles``); None when absent or not mapped ("")."""
    if not name:
        return None
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def identity_from_claims(claims: Mapping[str, Any], names: ClaimNames) -> Identity:
    """Maps verified claims to an Identity; IdentityError names what is missing or wrong."""
    subject = _text(claims, names.subject, "subject", required=True)
    assert subject is not None
    raw_email = _text(claims, names.email, "email", required=True)
    assert raw_email is not None
    try:
        email = canonical_email(raw_email)
    except InvalidEmail as exc:
        raise IdentityError(
            f"claim {names.email!r} (email) is not an email address: "
            f"{quoted(raw_email)} ({exc.reason})"
        ) from None
    name = _text(claims, names.name, "name") or _composed_name(claims) or email.split("@")[0]
    groups, groups_sent = _groups(claims, names.groups)
    return Identity(
        subject=subject,
        email=email,
        email_verified=claims.get("email_verified") not in (False, "false"),
        name=name,
        employee_number=_text(claims, names.employee_number, "employee_number"),
        department=_text(claims, names.department, "department"),
        cost_centre=_text(claims, names.cost_centre, "cost_centre"),
        office=_text(claims, names.office, "office"),
        groups=groups,
        groups_sent=groups_sent,
        grade=_grade(claims, names.grade),
    )


def roles_from_groups(groups: Iterable[str], role_groups: RoleGroups) -> tuple[Role, ...]:
    """The roles ``groups`` grant: always employee, plus each role one of whose groups is
    held. Groups compare without case and without a leading "/" (Keycloak full paths)."""
    held = {_group_key(g) for g in groups}
    granted = {Role.EMPLOYEE}
    for role, wanted in (
        (Role.HR, role_groups.hr),
        (Role.SUSTAINABILITY, role_groups.sustainability),
        (Role.ADMIN, role_groups.admin),
    ):
        if any(_group_key(g) in held for g in wanted):
            granted.add(role)
    return tuple(r for r in Role if r in granted)


def groups_overage(claims: Mapping[str, Any], groups_claim: str) -> bool:
    """Entra ID leaves the groups out when a user has too many (over 200 in a JWT) and sends
    a pointer (``_claim_names``) or ``hasgroups`` instead; roles cannot be decided then."""
    pointers = claims.get("_claim_names")
    if isinstance(pointers, Mapping) and groups_claim in pointers:
        return True
    return claims.get("hasgroups") in (True, "true")


def _group_key(group: str) -> str:
    return group.strip().lstrip("/").casefold()


def _groups(claims: Mapping[str, Any], name: str) -> tuple[tuple[str, ...], bool]:
    value = claim(claims, name)
    if value is None:
        return (), False
    if isinstance(value, str):  # one group, or a provider sending a delimited string
        items: list[Any] = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise IdentityError(f"claim {name!r} (groups) must be a list of group names")
    groups: list[str] = []
    for item in items:
        if isinstance(item, Mapping):  # e.g. [{"name": "carbon-hr"}] or {"value": ...}
            item = item.get("name", item.get("value", item.get("display")))
        if isinstance(item, str | int) and not isinstance(item, bool) and str(item).strip():
            groups.append(str(item).strip())
    return tuple(dict.fromkeys(groups)), True


def _text(
    claims: Mapping[str, Any], name: str, attribute: str, *, required: bool = False
) -> str | None:
    value = claim(claims, name)
    if isinstance(value, list) and len(value) == 1:  # some mappers wrap single values
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, str | int | None):
        raise IdentityError(f"claim {name!r} ({attribute}) must be a text, got {value!r}")
    text = str(value).strip() if value is not None else ""
    if not text:
        if required:
            mapped = f"claim {name!r}" if name else "no claim is mapped"
            raise IdentityError(
                f"the sign-in did not include the {attribute} ({mapped}); the identity "
                "provider must send it (see docs/sso.md)"
            )
        return None
    limit = _LIMITS.get(attribute)
    if limit is not None and len(text) > limit:
        raise IdentityError(f"claim {name!r} ({attribute}) is longer than {limit} characters")
    return text


def _grade(claims: Mapping[str, Any], name: str) -> str | None:
    """The grade claim: None when not mapped or not sent, "" when sent empty (to clear it)."""
    value = claim(claims, name)
    if isinstance(value, str) and not value.strip():
        return ""
    return _text(claims, name, "grade")


def _composed_name(claims: Mapping[str, Any]) -> str | None:
    parts = [claims.get("given_name"), claims.get("family_name")]
    text = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return text[: _LIMITS["name"]] or None
