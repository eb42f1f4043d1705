"""The one email rule, and the pure entry points that use it (connector fields, SSO claims,
SCIM payloads), all on the shared table in tests/email_cases.py."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import SCIMException

from connectors import fields
from corp_carbon.config import SsoClaimsSection
from corp_carbon.domain.email_address import InvalidEmail, canonical_email, lookup_key
from corp_carbon.domain.identity import IdentityError, identity_from_claims
from corp_carbon.scim.mapping import parse_create
from tests.email_cases import BAD, GOOD, SPELLINGS

USERS_URL = "https://carbon.example.com/scim/v2/Users"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.mark.parametrize(("raw", "stored"), GOOD)
def test_good_addresses_are_stored_in_one_spelling(raw: str, stored: str) -> None:
    assert canonical_email(raw) == stored
    assert canonical_email(stored) == stored  # canonical is a fixed point


@pytest.mark.parametrize(("raw", "reason"), BAD)
def test_bad_addresses_are_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        canonical_email(raw)
    assert reason in caught.value.reason
    assert caught.value.message.startswith("email: ")
    assert len(caught.value.message) < 400  # an over-long value is not echoed in full


@pytest.mark.parametrize(("raw", "stored"), SPELLINGS)
def test_look_ups_use_the_stored_spelling(raw: str, stored: str) -> None:
    assert lookup_key(raw) == stored


def test_a_look_up_by_something_else_matches_no_address() -> None:
    assert lookup_key(" E1002 ") == "e1002"


@pytest.mark.parametrize(("raw", "stored"), GOOD)
def test_connector_field_accepts_good(raw: str, stored: str) -> None:
    assert fields.email(raw) == stored


@pytest.mark.parametrize(("raw", "reason"), BAD)
def test_connector_field_refuses_bad_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(fields.FieldError, match="not an email address") as caught:
        fields.email(raw)
    assert reason in str(caught.value)


def _claims(email: str) -> dict[str, Any]:
    return {"sub": "subject-1", "email": email, "name": "Kim Lee"}


@pytest.mark.parametrize(("raw", "stored"), GOOD)
def test_sso_claims_accept_good(raw: str, stored: str) -> None:
    assert identity_from_claims(_claims(raw), SsoClaimsSection()).email == stored


@pytest.mark.parametrize(("raw", "reason"), BAD)
def test_sso_claims_refuse_bad_naming_the_claim(raw: str, reason: str) -> None:
    if not raw.strip():
        pytest.skip("an empty claim is 'missing', tested in test_identity.py")
    with pytest.raises(IdentityError) as caught:
        identity_from_claims(_claims(raw), SsoClaimsSection())
    assert "claim 'email' (email) is not an email address" in caught.value.message
    assert reason in caught.value.message


@pytest.mark.parametrize(("raw", "stored"), GOOD)
def test_scim_payload_accepts_good_in_username_and_emails(raw: str, stored: str) -> None:
    body = {"schemas": [USER_SCHEMA], "userName": raw, "emails": [{"value": raw, "type": "work"}]}
    assert parse_create(body, USERS_URL).email == stored


@pytest.mark.parametrize(("raw", "reason"), BAD)
def test_scim_payload_refuses_bad_username(raw: str, reason: str) -> None:
    with pytest.raises(SCIMException) as caught:
        parse_create({"schemas": [USER_SCHEMA], "userName": raw}, USERS_URL)
    assert caught.value.status == 400
    assert reason in str(caught.value.detail)


@pytest.mark.parametrize(("raw", "reason"), BAD)
def test_scim_payload_refuses_bad_emails_value(raw: str, reason: str) -> None:
    body = {"schemas": [USER_SCHEMA], "userName": "kim@example.test", "emails": [{"value": raw}]}
    with pytest.raises(SCIMException) as caught:
        parse_create(body, USERS_URL)
    assert caught.value.status == 400
    assert reason in str(caught.value.detail)
