"""SCIM's answers when corp-carbon cannot serve: too many refused tokens (429) and a
database outage (503), in SCIM's error format with Retry-After, so an identity provider
backs off and tries again instead of marking the user as failed."""

from __future__ import annotations

import logging

from flask import request
from scim2_models import SCIMException

from corp_carbon.services import outage
from corp_carbon.web.state import carbon

log = logging.getLogger("corp_carbon.scim")


class TooManyScimRequests(SCIMException):
    status = 429
    _default_detail = "too many requests"


class ScimDatabaseUnavailable(SCIMException):
    """503 in SCIM's format, with Retry-After: the IdP tries again later."""

    status = 503


def unavailable(exc: Exception) -> ScimDatabaseUnavailable:
    """The SCIM answer to a database outage (logged in one line)."""
    url = carbon().settings.database_url
    log.warning("SCIM %s %s: database unavailable: %s: %s", request.method, request.path,
                outage.where(url), outage.reason(exc, url))  # fmt: skip
    seconds = outage.RETRY_AFTER_SECONDS
    return ScimDatabaseUnavailable(
        detail=f"The database cannot be reached just now; try again in {seconds} seconds."
    )
