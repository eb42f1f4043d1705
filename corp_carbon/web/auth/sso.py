"""The company SSO client: Authlib's Flask OpenID Connect client, from the discovery document.

Bound per Flask application (``init_app``), only when ``[sso] server_metadata_url`` is set.
Each app gets its own unbound ``OAuth()`` registry, registered in the factory: Authlib's
registry remembers one app and caches its clients, so a module-wide instance would hand one
app's client (client id, provider metadata) to the next app created in the same process. In
plugin mode a host's own Authlib registry (``app.extensions["authlib.integrations.flask_client"]``)
is left in place.

The flow: authorization code with PKCE (S256); Authlib keeps ``state``, ``nonce`` and the
PKCE verifier in the signed session cookie and checks them, the ID token's signature (the
provider's JWKS), ``iss``, ``aud``, ``exp``/``iat`` (with ``[sso] clock_skew_seconds``) and
``nonce`` in ``authorize_access_token``.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

from corp_carbon.config import Settings

EXTENSION_KEY = "corp_carbon_sso"
CLIENT_NAME = "corp_carbon_sso"
_AUTHLIB_KEY = "authlib.integrations.flask_client"
#: seconds to wait for the provider (discovery, JWKS, token and userinfo requests).
HTTP_TIMEOUT = 15


class SsoError(Exception):
    """The sign-in answer cannot be accepted; ``message`` is shown to the person."""

    def __init__(self, message: str, status: int = 400, reason: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason


def init_app(app: Flask, settings: Settings) -> None:
    """Registers the OpenID Connect client on ``app`` when SSO is configured."""
    if not settings.sso.enabled:
        return
    sso = settings.sso
    oauth = OAuth()
    host_registry = app.extensions.get(_AUTHLIB_KEY)
    oauth.init_app(app)
    if host_registry is not None:
        app.extensions[_AUTHLIB_KEY] = host_registry
    oauth.register(
        CLIENT_NAME,
        client_id=sso.client_id,
        client_secret=sso.client_secret or None,
        server_metadata_url=sso.server_metadata_url,
        client_kwargs={
            "scope": " ".join(sso.scopes),
            "code_challenge_method": "S256",
            "default_timeout": HTTP_TIMEOUT,
        },
    )
    app.extensions[EXTENSION_KEY] = oauth


def configured() -> bool:
    return EXTENSION_KEY in current_app.extensions


def _client() -> Any:
    oauth: OAuth = current_app.extensions[EXTENSION_KEY]
    return oauth.create_client(CLIENT_NAME)


def authorize_redirect(redirect_uri: str) -> Any:
    """The 302 to the provider's authorization endpoint; remembers state, nonce, verifier."""
    try:
        return _client().authorize_redirect(redirect_uri)
    except (requests.RequestException, ValueError) as exc:  # discovery document unreachable
        raise SsoError(
            f"The company sign-in service cannot be reached right now ({_short(exc)}). "
            "Please try again in a few minutes.",
            status=502,
            reason="provider_unreachable",
        ) from None


def finish_login(settings: Settings) -> tuple[dict[str, Any], str | None]:
    """Checks the provider's answer on the callback: state, code exchange (with the PKCE
    verifier), ID token signature/iss/aud/exp/nonce, then merges userinfo. Returns the
    claims and the raw ID token (for RP-initiated logout). SsoError says what was wrong."""
    client = _client()
    try:
        token = client.authorize_access_token(leeway=settings.sso.clock_skew_seconds)
        id_claims = token.get("userinfo")
        if not id_claims or "id_token" not in token:
            raise SsoError("The identity provider sent no ID token.", reason="no_id_token")
        claims: dict[str, Any] = dict(id_claims)
        if settings.sso.userinfo and client.load_server_metadata().get("userinfo_endpoint"):
            info = dict(client.userinfo(token=token))
            if info.get("sub") != claims.get("sub"):
                raise SsoError(
                    "The identity provider's userinfo answer is for another person.",
                    reason="userinfo_subject",
                )
            claims = {**info, **claims}
    except MismatchingStateError:
        raise SsoError(
            "This sign-in was not started from this browser or has expired (the state "
            "parameter does not match). Please start again.",
            reason="state",
        ) from None
    except ExpiredTokenError:
        raise SsoError(
            "The identity provider's ID token has expired. Please sign in again; if this "
            "keeps happening, the server clocks disagree.",
            reason="expired",
        ) from None
    except ClaimError as exc:
        raise SsoError(
            f"The identity provider's ID token is not valid for this sign-in (claim "
            f"{exc.claim!r}). Please start again.",
            reason=f"claim_{exc.claim}",
        ) from None
    except OAuthError as exc:
        raise SsoError(
            f"The identity provider refused the sign-in ({_oauth_error(exc)}).",
            reason="provider_error",
        ) from None
    except (JoseError, AuthlibBaseError) as exc:
        raise SsoError(
            f"The identity provider's ID token failed verification ({_short(exc)}).",
            reason="id_token",
        ) from None
    except requests.RequestException as exc:
        raise SsoError(
            f"The company sign-in service cannot be reached right now ({_short(exc)}).",
            status=502,
            reason="provider_unreachable",
        ) from None
    raw_id_token = token.get("id_token")
    return claims, raw_id_token if isinstance(raw_id_token, str) else None


def logout_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """RP-initiated logout at the provider's ``end_session_endpoint``; None when it has none
    or cannot be reached (the local session is cleared either way)."""
    client = _client()
    try:
        if not client.load_server_metadata().get("end_session_endpoint"):
            return None
        result = client.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri,
            id_token_hint=id_token,
            client_id=client.client_id,
        )
    except (requests.RequestException, ValueError, RuntimeError):
        return None
    url: str = result["url"]
    return url


def _oauth_error(exc: OAuthError) -> str:
    parts = [str(getattr(exc, "error", "") or ""), str(getattr(exc, "description", "") or "")]
    return ": ".join(p for p in parts if p) or "unknown error"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
