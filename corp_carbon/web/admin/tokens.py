"""API tokens from the admin pages: list, create (the token shown once), revoke with a
confirmation. The same service as ``corp-carbon tokens``; every step is audit-logged.

The new token appears only in the answer to the form that created it: never in a flash
message (those live in the session cookie), a log line or a URL, and that answer is sent
with ``Cache-Control: no-store`` so no browser or proxy keeps it. A one-time form key in the
session makes a resent form (reload, back button) create nothing the second time.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people import tokens
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import carbon

#: the scopes a token can be given here.
KNOWN_SCOPES = ("import", "scim")
DEFAULT_EXPIRY_DAYS = 365
#: the session key of the one-time key of the create form.
FORM_KEY = "carbon_token_form"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/tokens", view_func=tokens_page, endpoint="admin_tokens")
    bp.add_url_rule(
        "/admin/tokens", view_func=create, endpoint="admin_token_create", methods=["POST"]
    )
    bp.add_url_rule(
        "/admin/tokens/<id:token_id>/revoke",
        view_func=revoke,
        endpoint="admin_token_revoke",
        methods=["POST"],
    )


@roles_required(Role.ADMIN)
def tokens_page() -> tuple[str, int, dict[str, str]]:
    """200: every token (newest first), the form to create one, and a revoke confirmation
    when ``?revoke=<id>`` names a token."""
    revoke_id = request.args.get("revoke", type=int)
    return _page(confirm_id=revoke_id), 200, NO_STORE


@roles_required(Role.ADMIN)
def create() -> Response | tuple[str, int, dict[str, str]]:
    """200: the new token, shown this once; 400: the form again, naming what was wrong;
    302 to the list when the form was already sent."""
    form = request.form
    sent_key = form.get("form_key", "")
    expected = session.pop(FORM_KEY, None)
    if not expected or not secrets.compare_digest(str(expected), sent_key):
        flash(
            gettext(
                "That form was already sent (or came from an older page), so no token was "
                "created now. A token created then is in the list below; its secret cannot be "
                "shown again, so revoke it and create a new one if it was not copied."
            ),
            "error",
        )
        return redirect(url_for("carbon.admin_tokens"))
    try:
        role = _role(form.get("role", ""))
        scopes = _scopes(form.getlist("scopes"))
        days = _days(form.get("expires_days", ""))
        raw_token, info = tokens.create_token(
            carbon().uow(),
            current_actor(),
            employee=form.get("employee", "").strip(),
            role=role,
            name=form.get("name", ""),
            scopes=scopes,
            expires_in_days=days,
        )
    except DomainError as exc:
        return _page(error=exc.message, values=form.to_dict(flat=True)), 400, NO_STORE
    html = render_template(
        "carbon/admin/token_created.html",
        token=info,
        raw_token=raw_token,
        scope_help=scope_help(),
        api_base=url_for("carbon.openapi").removesuffix("/openapi.json"),
    )
    return html, 200, NO_STORE


@roles_required(Role.ADMIN)
def revoke(token_id: int) -> Response:
    """302 to the list, saying what happened; without ``confirm=yes`` back to the question."""
    if request.form.get("confirm") != "yes":
        flash(gettext("Confirm that the token should be revoked."), "error")
        return redirect(url_for("carbon.admin_tokens", revoke=token_id, _anchor="revoke"))
    try:
        info = tokens.revoke_token(carbon().uow(), current_actor(), token_id)
    except DomainError as exc:
        flash(gettext("Token %(id)s: %(why)s", id=token_id, why=exc.message), "error")
    else:
        flash(
            gettext(
                "Revoked token %(id)s (%(name)s) of %(owner)s: programs using it are refused "
                "from now on.",
                id=info.id, name=info.name, owner=info.employee_email,
            )
        )  # fmt: skip
    return redirect(url_for("carbon.admin_tokens"))


# --- helpers --------------------------------------------------------------------------------


def _page(
    *,
    confirm_id: int | None = None,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> str:
    listed = tokens.look_at_tokens(carbon().uow(), current_actor())
    listed.reverse()  # newest first
    confirm = next((t for t in listed if t.id == confirm_id), None)
    session[FORM_KEY] = form_key = secrets.token_urlsafe(16)
    chosen = request.form.getlist("scopes") if values is not None else []
    return render_template(
        "carbon/admin/tokens.html",
        tokens=listed,
        confirm=confirm,
        confirm_missing=confirm_id is not None and confirm is None,
        error=error,
        values=values or {},
        chosen_scopes=chosen,
        roles=list(Role),
        scope_help=scope_help(),
        default_days=DEFAULT_EXPIRY_DAYS,
        max_days=tokens.MAX_EXPIRY_DAYS,
        form_key=form_key,
    )


def scope_help() -> dict[str, str]:
    """What each scope lets a token do, in the page's language."""
    return {
        "import": gettext("push booking exports to /api/v1/imports and read import runs"),
        "scim": gettext("provision employees from the HR system or identity provider (SCIM 2.0)"),
    }


def _role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        accepted = ", ".join(r.value for r in Role)
        raise DomainError(gettext("role: choose one of %(roles)s", roles=accepted)) from None


def _scopes(raw: list[str]) -> tuple[str, ...]:
    unknown = sorted(set(raw) - set(KNOWN_SCOPES))
    if unknown:
        raise DomainError(
            gettext(
                "scope %(scope)s: not one this page offers (%(offered)s)",
                scope=repr(unknown[0]), offered=", ".join(KNOWN_SCOPES),
            )
        )  # fmt: skip
    return tuple(s for s in KNOWN_SCOPES if s in raw)


def _days(raw: str) -> int:
    text = raw.strip() or str(DEFAULT_EXPIRY_DAYS)
    if not text.isdigit() or not 1 <= int(text) <= tokens.MAX_EXPIRY_DAYS:
        raise DomainError(
            gettext(
                "expires in days: %(value)s is not a whole number from 1 to %(most)s",
                value=repr(raw.strip()), most=tokens.MAX_EXPIRY_DAYS,
            )
        )  # fmt: skip
    return int(text)
