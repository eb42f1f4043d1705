"""Rate limits (Flask-Limiter) on what an attacker or a runaway script repeats: sign-in,
guessing API tokens, redemptions and uploads.

An outside probe sent 300 bad tokens in 2.3 s and 50 redemptions by one person in 1 s. Each
limit is ``[limits]`` configuration; a request beyond it gets 429 with ``Retry-After``, in
the reader's language. Sign-in and failed tokens count per client address (behind
``forwarded_for_proxies`` proxies, from X-Forwarded-For); redemptions and uploads count per
person (the signed-in employee, or the bearer token), so one office behind one address is
not one person. The counts live in ``storage_uri``: per process by default, shared by every
instance through Redis or Memcached. Each app gets its own limiter, so the counts of one
app (a test, a second mount) never leak into another's.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, request, session
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from corp_carbon.config import Settings
from corp_carbon.web.access import SESSION_EMPLOYEE, bearer_token
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import carbon

LIMITER_KEY = "corp_carbon_limiter"
TOKEN_FAILURES_KEY = "corp_carbon_token_failures"  # noqa: S105 (an extension key)
#: the endpoints each limit guards, by ``[limits]`` key.
GUARDED: dict[str, tuple[str, ...]] = {
    "sign_in": ("carbon.login", "carbon.sso_callback", "carbon.dev_login"),
    "redemptions": ("carbon.rewards_redeem", "carbon.api_redeem"),
    "uploads": (
        "carbon.admin_import_upload",
        "carbon.api_push_import",
        "carbon.api_commute_evidence",
    ),
}
#: pages whose GET only shows a form: their POST is the attempt.
POST_ONLY = frozenset({"carbon.dev_login"})
MESSAGES: dict[str, Callable[[], str]] = {
    "sign_in": lambda: gettext("Too many sign-in attempts from your address: wait a little."),
    "redemptions": lambda: gettext("Too many redemptions in a short time: wait a little."),
    "uploads": lambda: gettext("Too many uploads in a short time: wait a little."),
}


def register(bp: Blueprint) -> None:
    """The failed-token count: checked before each bearer request (as a URL-value
    preprocessor, ahead of the token look-up), counted after a 401. SCIM checks it itself,
    to answer in its own error format."""
    bp.url_value_preprocessor(_check_token_failures)
    bp.after_request(_count_token_failure)
    bp.after_request(_retry_after)


def _check_token_failures(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if endpoint is None or not endpoint.rsplit(".", 1)[-1].startswith("scim_"):
        refuse_after_token_failures()


def install(app: Flask, settings: Settings) -> None:
    """Creates ``app``'s limiter and puts the per-endpoint limits around its views (after the
    blueprint is registered, so the endpoints exist)."""
    config = settings.limits
    limiter = Limiter(
        _client_address,
        app=app,
        storage_uri=config.storage_uri,
        # Flask-Limiter's own headers would put a Retry-After on every answer of a limited
        # route (a 201, or a 503 with its own wait); ``_retry_after`` sets it on 429s only
        headers_enabled=False,
        enabled=config.enabled,
        key_prefix="corp-carbon",
    )
    app.extensions[LIMITER_KEY] = limiter
    app.extensions[TOKEN_FAILURES_KEY] = parse_many(config.token_failures)
    for key, endpoints in GUARDED.items():
        for endpoint in endpoints:
            if endpoint not in app.view_functions:
                continue
            rule = limiter.limit(
                getattr(config, key),
                key_func=_client_address if key == "sign_in" else _person,
                error_message=MESSAGES[key],
                methods=["POST"] if endpoint in POST_ONLY else None,
            )
            view: Callable[..., Any] = app.view_functions[endpoint]
            app.view_functions[endpoint] = rule(view)


def _client_address() -> str:
    """The client's address: the connection's, or the one the last trusted proxy saw."""
    proxies = carbon().settings.limits.forwarded_for_proxies
    forwarded = request.access_route if proxies else []
    if proxies and len(forwarded) >= proxies:
        return f"address:{forwarded[-proxies]}"
    return f"address:{request.remote_addr or 'unknown'}"


def _person() -> str:
    """The bearer token (by its hash: no database look-up before the limit), else the
    signed-in employee, else the client address."""
    token = bearer_token()
    if token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    employee = session.get(SESSION_EMPLOYEE)
    if employee is not None:
        return f"employee:{employee}"
    return _client_address()


def _limiter() -> Limiter | None:
    limiter = current_app.extensions.get(LIMITER_KEY)
    return limiter if isinstance(limiter, Limiter) and limiter.enabled else None


def _failure_items() -> list[RateLimitItem]:
    items: list[RateLimitItem] = current_app.extensions.get(TOKEN_FAILURES_KEY, [])
    return items


def refuse_after_token_failures() -> None:
    """TooManyRequests (with Retry-After) once this address has had too many tokens refused."""
    limiter = _limiter()
    if limiter is None or bearer_token() is None:
        return
    key = _client_address()
    for item in _failure_items():
        if not limiter.limiter.test(item, "token-failures", key):
            stats = limiter.limiter.get_window_stats(item, "token-failures", key)
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise TooManyRequests(
                gettext("Too many refused API tokens from your address: wait a little."),
                retry_after=wait,
            )


def _retry_after(response: Response) -> Response:
    """A 429 from a limit says when the window that refused it resets."""
    limiter = _limiter()
    if (
        limiter is not None
        and response.status_code == 429
        and "Retry-After" not in response.headers
    ):
        hit = limiter.current_limit
        if hit is not None:
            response.headers["Retry-After"] = str(max(1, math.ceil(hit.reset_at - time.time())))
    return response


def _count_token_failure(response: Response) -> Response:
    limiter = _limiter()
    if limiter is not None and response.status_code == 401 and bearer_token() is not None:
        key = _client_address()
        for item in _failure_items():
            limiter.limiter.hit(item, "token-failures", key)
    return response
