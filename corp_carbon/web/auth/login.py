"""Logging in and out through company SSO (OpenID Connect); the development login is separate.

GET  /login          starts the sign-in at the provider (authorization code + PKCE, state,
                     nonce), or explains that SSO is not configured
GET  /auth/callback  the provider's answer: verified, the employee found/linked/provisioned,
                     a fresh session started. A GET, so CSRF tokens do not apply; ``state``
                     (bound to this browser's session) is what protects it.
POST /logout         (CSRF-checked) clears the session; RP-initiated logout at the provider
                     when its metadata has an end_session_endpoint
GET  /signed-out     where the provider sends the browser back after logging out
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.identity import groups_overage, identity_from_claims
from corp_carbon.services.imports.pending import replay_pending
from corp_carbon.services.people import sessions, sso_login
from corp_carbon.web.access import (
    SESSION_LOGIN_METHOD,
    current_actor,
    current_employee,
    log_in,
    public,
)
from corp_carbon.web.auth import sso
from corp_carbon.web.state import carbon

log = logging.getLogger("corp_carbon.sso")

#: where to go after signing in (a local path), kept across the trip to the provider.
SESSION_NEXT = "carbon_login_next"
#: the raw ID token, for RP-initiated logout's id_token_hint (only when small enough for the
#: cookie; logout then sends client_id alone).
SESSION_ID_TOKEN = "carbon_sso_id_token"  # noqa: S105 - a session key, not a secret
ID_TOKEN_HINT_MAX = 2000


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/login", view_func=login, endpoint="login")
    bp.add_url_rule("/auth/callback", view_func=sso_callback, endpoint="sso_callback")
    bp.add_url_rule("/logout", view_func=logout, endpoint="logout", methods=["POST"])
    bp.add_url_rule("/signed-out", view_func=signed_out, endpoint="signed_out")


@public
def login() -> Response | str | tuple[str, int]:
    """302 to the company sign-in (or the development login when SSO is off and it is
    enabled); 200: SSO is not configured here; 502: the provider cannot be reached."""
    if current_employee() is not None:
        return redirect(_safe_next(request.args.get("next")) or url_for("carbon.home"))
    if not sso.configured():
        if carbon().settings.dev_login.enabled:
            return redirect(url_for("carbon.dev_login"))
        return render_template("carbon/auth/login.html", sso_configured=False)
    next_path = _safe_next(request.args.get("next"))
    session.pop(SESSION_NEXT, None)
    if next_path:
        session[SESSION_NEXT] = next_path
    try:
        response: Response = sso.authorize_redirect(url_for("carbon.sso_callback", _external=True))
    except sso.SsoError as exc:
        return _refused(exc.status, exc.message)
    return response


@public
def sso_callback() -> Response | tuple[str, int]:
    """302 into the app with a fresh session; 400 with a page saying why when the answer is
    not acceptable (state, nonce, expired or invalid ID token, provider error); 403 for a
    deactivated employee or unusable claims. A refused sign-in leaves no session behind.
    Someone already signed in goes home as from ``/login``: a forged link to this address
    must not sign them out."""
    if current_employee() is not None:
        return redirect(url_for("carbon.home"))
    if not sso.configured():
        return _refused(404, "Single sign-on is not configured on this server.")
    settings = carbon().settings
    next_path = session.get(SESSION_NEXT)
    ip = request.remote_addr
    try:
        claims, raw_id_token = sso.finish_login(settings)
    except sso.SsoError as exc:
        log.warning("sso sign-in refused (%s) from %s", exc.reason, ip)
        return _refused(exc.status, exc.message)
    if settings.sso.roles_from_groups and groups_overage(claims, settings.sso.claims.groups):
        return _refused(
            403,
            "Your company account belongs to too many groups for the sign-in to list them, "
            "so your corp-carbon roles cannot be decided. An administrator limits the groups "
            "claim to the groups assigned to corp-carbon (see docs/sso.md).",
        )
    try:
        identity = identity_from_claims(claims, settings.sso.claims)
        result = sso_login.sign_in(carbon().uow(), settings, identity, ip)
    except DomainError as exc:
        log.warning("sso sign-in refused (%s) from %s: %s", exc.code, ip, exc.message)
        return _refused(exc.http_status, exc.message)
    if result.may_have_pending_bookings:
        _replay_pending_bookings(result.profile.id)
    log_in(result.profile, result.profile.roles, method=sso_login.METHOD)
    if raw_id_token is not None and len(raw_id_token) <= ID_TOKEN_HINT_MAX:
        session[SESSION_ID_TOKEN] = raw_id_token
    target = _safe_next(next_path if isinstance(next_path, str) else None)
    return redirect(target or url_for("carbon.home"))


@public
def logout() -> Response:
    """302 to the provider's end-session endpoint (RP-initiated logout, when its metadata has
    one) or to the signed-out page; the session is cleared either way."""
    employee = current_employee()
    method = session.get(SESSION_LOGIN_METHOD)
    id_token = session.get(SESSION_ID_TOKEN)
    if employee is not None:
        sessions.sign_out(carbon().uow(), current_actor(), employee.id, method)
    session.clear()
    if method == sso_login.METHOD and sso.configured():
        end_session = sso.logout_url(
            id_token if isinstance(id_token, str) else None,
            url_for("carbon.signed_out", _external=True),
        )
        if end_session is not None:
            return redirect(end_session)
    return redirect(url_for("carbon.signed_out" if sso.configured() else "carbon.login"))


@public
def signed_out() -> Response | str:
    """200: you are signed out, with a link to sign in again."""
    if current_employee() is not None:
        return redirect(url_for("carbon.home"))
    return render_template(
        "carbon/auth/login.html", sso_configured=sso.configured(), signed_out=True
    )


def _refused(status: int, message: str) -> tuple[str, int]:
    """A clear page for a sign-in that did not work; nothing of it stays in the session."""
    session.clear()
    page = render_template(
        "carbon/auth/login.html",
        sso_configured=sso.configured(),
        problem=message,
        status=status,
    )
    return page, status


def _replay_pending_bookings(employee_id: int) -> None:
    """Imports the bookings that waited for this employee; a failure here is logged and
    left to the scheduled replay rather than failing the sign-in."""
    try:
        replayed = replay_pending(carbon().uow(), carbon().settings)
    except Exception:
        log.exception("replaying pending bookings after the sign-in of employee %s", employee_id)
        return
    if replayed:
        log.info("replayed %s pending bookings after sign-in of employee %s", replayed, employee_id)


def _safe_next(raw: str | None) -> str | None:
    """``raw`` when it is a path on this site (no scheme, host or protocol-relative //)."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return None
    return raw
