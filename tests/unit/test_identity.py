"""Claims → employee attributes and groups → roles, on claim sets shaped like the real
providers' (docs/sso.md; shapes from each provider's token reference)."""

from __future__ import annotations

from typing import Any

import pytest

from corp_carbon.config import SsoClaimsSection, SsoRolesSection, load_settings
from corp_carbon.domain.identity import (
    IdentityError,
    claim,
    groups_overage,
    identity_from_claims,
    roles_from_groups,
)
from corp_carbon.domain.vocabulary import Role

DEFAULT = SsoClaimsSection()
ROLES = SsoRolesSection()

# Entra ID v2 ID token: groups as object ids (groupMembershipClaims), employee id and
# department added by a claims-mapping policy, email as an optional claim.
ENTRA = {
    "aud": "6731de76-14a6-49ae-97bc-6eba6914391e",
    "iss": "https://login.microsoftonline.com/9122040d-6c67-4c5b-b112-36a304b66dad/v2.0",
    "iat": 1536275124,
    "nbf": 1536275124,
    "exp": 1536279024,
    "nonce": "123523",
    "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
    "oid": "00000000-0000-0000-66f3-3332eca7ea81",
    "tid": "9122040d-6c67-4c5b-b112-36a304b66dad",
    "name": "Abe Lincoln",
    "preferred_username": "AbeLi@microsoft.com",
    "email": "AbeLi@Microsoft.com",
    "employeeid": "004211",
    "department": "Finance",
    "groups": [
        "1ce9c55a-9826-4e32-871c-a2488144bb32",
        "fdb2fc55-1c21-4a4b-9d6e-b2b02a6ba8f6",
    ],
    "ver": "2.0",
}
ENTRA_CLAIMS = SsoClaimsSection(subject="oid", employee_number="employeeid")
ENTRA_ROLES = SsoRolesSection(
    hr=["1CE9C55A-9826-4E32-871C-A2488144BB32"],  # Entra shows ids upper-case sometimes
    sustainability=[],
    admin=["9a4c0d7e-0000-0000-0000-000000000000"],
)

# Okta org authorization server with a groups claim (filter "carbon-") and custom claims
# for the profile attributes employeeNumber, department, costCenter.
OKTA = {
    "sub": "00uid4BxXw6I6TV4m0g3",
    "name": "John Doe",
    "email": "john.doe@example.com",
    "ver": 1,
    "iss": "https://example.okta.com",
    "aud": "0oa1x2y3z4",
    "iat": 1311280970,
    "exp": 1311281970,
    "jti": "ID.4eAWJOCMB3SX8XewDfVR",
    "amr": ["pwd"],
    "idp": "00ok1u7AsAkrwdZL3z0g3",
    "preferred_username": "john.doe@example.com",
    "auth_time": 1311280969,
    "employeeNumber": 7341,  # an Okta expression may yield a number
    "department": "Engineering",
    "costCenter": "CC-100",
    "groups": ["Everyone", "carbon-sustainability", "carbon-admin"],
}
OKTA_CLAIMS = SsoClaimsSection(employee_number="employeeNumber", cost_centre="costCenter")

# Google Workspace: no groups, department or employee id in the ID token.
GOOGLE = {
    "iss": "https://accounts.google.com",
    "azp": "1234987819200.apps.googleusercontent.com",
    "aud": "1234987819200.apps.googleusercontent.com",
    "sub": "10769150350006150715113082367",
    "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
    "hd": "example.com",
    "email": "jsmith@example.com",
    "email_verified": True,
    "iat": 1353601026,
    "exp": 1353604926,
    "given_name": "Jane",
    "family_name": "Smith",
    "picture": "https://lh3.googleusercontent.com/a/photo.jpg",
}

# Keycloak: user attributes through "User Attribute" mappers, group membership with full
# paths, realm roles nested under realm_access.
KEYCLOAK = {
    "exp": 1700000300,
    "iat": 1700000000,
    "iss": "https://sso.example.com/realms/corp",
    "aud": "corp-carbon",
    "sub": "f1b6a2c0-3c2d-4b1e-9a57-0d4b1c2e3f40",
    "typ": "ID",
    "azp": "corp-carbon",
    "sid": "8b7e2f1a",
    "email_verified": True,
    "name": "Kim Keller",
    "preferred_username": "kkeller",
    "given_name": "Kim",
    "family_name": "Keller",
    "email": "kim.keller@example.com",
    "employee_number": "K-17",
    "department": "Operations",
    "office": "Berlin",
    "groups": ["/staff", "/corp/carbon-hr"],
    "realm_access": {"roles": ["default-roles-corp", "carbon-admin"]},
}


def test_entra_id_claims() -> None:
    identity = identity_from_claims(ENTRA, ENTRA_CLAIMS)
    assert identity.subject == "00000000-0000-0000-66f3-3332eca7ea81"  # oid, not pairwise sub
    assert identity.email == "abeli@microsoft.com"
    assert identity.email_verified  # Entra sends no email_verified: not "unverified"
    assert identity.name == "Abe Lincoln"
    assert identity.employee_number == "004211"  # leading zeros kept
    assert identity.department == "Finance"
    assert identity.cost_centre is None and identity.office is None
    assert roles_from_groups(identity.groups, ENTRA_ROLES) == (Role.EMPLOYEE, Role.HR)


def test_entra_groups_overage_is_detected() -> None:
    overage = {k: v for k, v in ENTRA.items() if k != "groups"}
    overage["_claim_names"] = {"groups": "src1"}
    overage["_claim_sources"] = {
        "src1": {"endpoint": "https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}
    }
    assert groups_overage(overage, "groups")
    assert groups_overage({"hasgroups": True}, "groups")
    assert not groups_overage(ENTRA, "groups")


def test_okta_claims() -> None:
    identity = identity_from_claims(OKTA, OKTA_CLAIMS)
    assert identity.subject == "00uid4BxXw6I6TV4m0g3"
    assert identity.employee_number == "7341"
    assert identity.cost_centre == "CC-100"
    assert roles_from_groups(identity.groups, ROLES) == (
        Role.EMPLOYEE,
        Role.SUSTAINABILITY,
        Role.ADMIN,
    )


def test_okta_without_a_groups_claim_grants_only_the_employee_role() -> None:
    identity = identity_from_claims({k: v for k, v in OKTA.items() if k != "groups"}, DEFAULT)
    assert identity.groups == () and not identity.groups_sent
    assert roles_from_groups(identity.groups, ROLES) == (Role.EMPLOYEE,)


def test_google_claims() -> None:
    identity = identity_from_claims(GOOGLE, DEFAULT)
    assert identity.name == "Jane Smith"  # composed from given and family name
    assert identity.email == "jsmith@example.com"
    assert identity.employee_number is None and identity.department is None
    assert identity.groups == () and not identity.groups_sent


def test_keycloak_claims_with_full_group_paths_and_nested_roles() -> None:
    identity = identity_from_claims(KEYCLOAK, DEFAULT)
    assert identity.employee_number == "K-17" and identity.office == "Berlin"
    assert identity.groups == ("/staff", "/corp/carbon-hr")
    # a configured full path matches the full path; a plain name matches "/name" only
    by_path = SsoRolesSection(hr=["/corp/carbon-hr"], sustainability=[], admin=[])
    assert roles_from_groups(identity.groups, by_path) == (Role.EMPLOYEE, Role.HR)
    assert roles_from_groups(identity.groups, ROLES) == (Role.EMPLOYEE,)
    # realm roles as the "groups": a dotted claim path
    realm = identity_from_claims(KEYCLOAK, SsoClaimsSection(groups="realm_access.roles"))
    assert roles_from_groups(realm.groups, ROLES) == (Role.EMPLOYEE, Role.ADMIN)


def test_a_literal_dotted_claim_name_wins_over_a_path() -> None:
    claims = {"extn.employeeid": "E9", "extn": {"employeeid": "other"}}
    assert claim(claims, "extn.employeeid") == "E9"
    assert claim({"extn": {"employeeid": "nested"}}, "extn.employeeid") == "nested"
    assert claim(claims, "") is None
    assert claim(claims, "missing.path") is None


def test_explicitly_unverified_email_is_marked() -> None:
    identity = identity_from_claims({**GOOGLE, "email_verified": False}, DEFAULT)
    assert not identity.email_verified


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"email": "a@example.com"}, "subject"),
        ({"sub": "x"}, r"did not include the email \(claim 'email'\)"),
        ({"sub": "x", "email": "not-an-email"}, "is not an email address"),
        ({"sub": "x", "email": "a@example.com", "department": {"x": 1}}, "must be a text"),
        ({"sub": "x", "email": "a@example.com", "groups": 5}, "must be a list"),
        ({"sub": "x" * 256, "email": "a@example.com"}, "longer than 255"),
    ],
)
def test_unusable_claims_name_the_claim(claims: dict[str, Any], message: str) -> None:
    with pytest.raises(IdentityError, match=message):
        identity_from_claims(claims, DEFAULT)


@pytest.mark.parametrize(
    ("claims", "grade"),
    [
        ({"travel": {"grade": " Director "}}, "Director"),  # nested, trimmed
        ({}, None),  # not sent: the stored grade is kept
        ({"travel": {"grade": None}}, None),
        ({"travel": {"grade": "  "}}, ""),  # sent empty: cleared
        ({"travel": {"grade": ["band-4"]}}, "band-4"),
    ],
)
def test_the_grade_claim_when_mapped(claims: dict[str, Any], grade: str | None) -> None:
    names = SsoClaimsSection(grade="travel.grade")
    identity = identity_from_claims({"sub": "s", "email": "a@b.co", **claims}, names)
    assert identity.grade == grade


def test_the_grade_claim_is_read_only_when_mapped_and_not_too_long() -> None:
    claims = {"sub": "s", "email": "a@b.co", "grade": "director"}
    assert identity_from_claims(claims, DEFAULT).grade is None  # default: not mapped
    with pytest.raises(IdentityError, match=r"claim 'grade' \(grade\) is longer than 64"):
        identity_from_claims({**claims, "grade": "x" * 65}, SsoClaimsSection(grade="grade"))


def test_group_values_in_other_shapes() -> None:
    single = identity_from_claims({"sub": "s", "email": "a@b.co", "groups": "carbon-hr"}, DEFAULT)
    assert single.groups == ("carbon-hr",)
    objects = identity_from_claims(
        {"sub": "s", "email": "a@b.co", "groups": [{"name": "carbon-admin"}, {"value": "g2"}, ""]},
        DEFAULT,
    )
    assert objects.groups == ("carbon-admin", "g2")
    assert identity_from_claims({"sub": "s", "email": "a@b.co"}, DEFAULT).name == "a"


def test_sso_settings_defaults_and_checks() -> None:
    settings = load_settings(environ={})
    assert not settings.sso.enabled
    assert settings.sso.roles.hr == ["carbon-hr"] and settings.sso.claims.email == "email"
    nested = load_settings(
        {
            "sso": {
                "server_metadata_url": "https://login.example.com/.well-known/openid-configuration",
                "client_id": "corp-carbon",
                "claims": {"employee_number": "employeeid"},
                "roles": {"admin": ["g-1", "g-2"]},
            }
        },
        environ={"CORP_CARBON_SSO_CLIENT_SECRET": "from-env", "CORP_CARBON_SSO_ROLES_HR": '["x"]'},
    )
    assert nested.sso.enabled and nested.sso.client_secret == "from-env"
    assert nested.sso.claims.employee_number == "employeeid"
    assert nested.sso.roles.admin == ["g-1", "g-2"] and nested.sso.roles.hr == ["x"]


@pytest.mark.parametrize(
    ("sso", "message"),
    [
        ({"server_metadata_url": "http://idp.example.com/x", "client_id": "c"}, "https://"),
        ({"server_metadata_url": "https://idp.example.com/x"}, "client_id is required"),
        ({"scopes": ["email"]}, "must include 'openid'"),
        ({"claims": {"emial": "x"}}, r"\[sso.claims\] emial: unknown key"),
        ({"roles": {"auditor": ["x"]}}, r"\[sso.roles\] auditor: unknown key"),
    ],
)
def test_sso_settings_errors(sso: dict[str, Any], message: str) -> None:
    from corp_carbon.config import ConfigError

    with pytest.raises(ConfigError, match=message):
        load_settings({"sso": sso}, environ={})
