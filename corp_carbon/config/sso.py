"""``[sso]``: sign-in through the company's OpenID Connect provider, its claims and roles."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from corp_carbon.config.sections import Section

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class SsoClaimsSection(Section):
    """Names of the claims (ID token or userinfo) each employee attribute is read from.

    A name may be a dotted path into nested claims (Keycloak: ``realm_access.roles``); a claim
    whose own name contains dots (Entra ``extn.employeeid``) is found first. "" = not mapped.
    """

    #: the stable identifier stored as the employee's sso_subject (Entra: "oid" is stable
    #: across app registrations, "sub" is per application).
    subject: str = Field(default="sub", min_length=1)
    email: str = Field(default="email", min_length=1)
    name: str = "name"
    employee_number: str = "employee_number"
    department: str = "department"
    cost_centre: str = "cost_centre"
    office: str = "office"
    groups: str = "groups"
    #: the travel-policy grade or band; "" = not read. Absent at a sign-in: kept as it is;
    #: an empty value: cleared.
    grade: str = ""


class SsoRolesSection(Section):
    """IdP groups (names, or ids such as Entra object ids) that grant each role."""

    hr: list[str] = Field(default_factory=lambda: ["carbon-hr"])
    sustainability: list[str] = Field(default_factory=lambda: ["carbon-sustainability"])
    admin: list[str] = Field(default_factory=lambda: ["carbon-admin"])


class SsoSection(Section):
    """Sign-in through the company's OpenID Connect provider; off while the URL is empty."""

    #: the provider's discovery document (.../.well-known/openid-configuration).
    server_metadata_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])
    #: also read the provider's userinfo endpoint (claims the ID token leaves out).
    userinfo: bool = True
    #: true: IdP groups grant and revoke hr/sustainability/admin at every login; false: the
    #: groups are ignored and roles stay as granted in corp-carbon (e.g. Google Workspace).
    roles_from_groups: bool = True
    #: seconds of clock difference tolerated when checking the ID token's exp and iat.
    clock_skew_seconds: int = Field(default=120, ge=0, le=600)
    #: on the sign-in button: "Sign in with <display_name>".
    display_name: str = "your company account"
    claims: SsoClaimsSection = SsoClaimsSection()
    roles: SsoRolesSection = SsoRolesSection()

    @field_validator("server_metadata_url")
    @classmethod
    def _valid_metadata_url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        loopback = parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
        if not parts.hostname or (parts.scheme != "https" and not loopback):
            raise ValueError(
                f"{value!r}: must be an https:// URL (plain http only on localhost/127.0.0.1)"
            )
        return value

    @field_validator("scopes")
    @classmethod
    def _openid_scope(cls, value: list[str]) -> list[str]:
        if "openid" not in value:
            raise ValueError(f"{value!r}: must include 'openid'")
        return value

    @model_validator(mode="after")
    def _client_when_enabled(self) -> SsoSection:
        if self.server_metadata_url and not self.client_id:
            raise ValueError("client_id is required when server_metadata_url is set")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.server_metadata_url)
