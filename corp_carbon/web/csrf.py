"""CSRF protection for corp-carbon's own state-changing browser requests.

Flask-WTF's token functions are used per blueprint rather than ``CSRFProtect(app)``, so a host
application in plugin mode keeps control of its own routes. Requests with a bearer token
(API clients) carry no cookie credentials and are exempt.
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from corp_carbon.web.i18n import gettext

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def register(bp: Blueprint) -> None:
    bp.before_request(_check)
    bp.app_context_processor(lambda: {"csrf_token": generate_csrf})


def _check() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return
    token = request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
    try:
        validate_csrf(token)
    except ValidationError as exc:
        abort(
            400,
            description=gettext(
                "The form has expired or was not sent by this site (%(why)s). "
                "Reload the page and try again.",
                why=str(exc),
            ),
        )
