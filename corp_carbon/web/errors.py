"""Errors as HTML pages for people and JSON for API clients, in one place."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import DomainError
from corp_carbon.services import outage
from corp_carbon.web.access import wants_json
from corp_carbon.web.i18n import gettext, page_language
from corp_carbon.web.state import carbon

log = logging.getLogger("corp_carbon.web")


def _title(status: int) -> str:
    """The error page's heading, in the page's language."""
    titles = {
        400: gettext("Something in the request was not right"),
        401: gettext("Please sign in"),
        403: gettext("You do not have access to this page"),
        404: gettext("Page not found"),
        405: gettext("That action is not allowed here"),
        409: gettext("That conflicts with the current state"),
        413: gettext("The upload is too large"),
        429: gettext("Too many requests in a short time"),
        500: gettext("Something went wrong on our side"),
        503: gettext("The service is unavailable for a moment"),
    }
    return titles.get(status) or gettext("Error")


def register(target: Blueprint | Flask) -> None:
    """On a Blueprint (plugin mode) only corp-carbon's own routes are affected."""
    target.register_error_handler(HTTPException, _http_error)
    target.register_error_handler(DomainError, _domain_error)
    for error_type in outage.ERROR_TYPES:
        target.register_error_handler(error_type, _database_error)
    if isinstance(target, Flask):
        target.register_error_handler(Exception, _unexpected)


def _render(
    status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None
) -> tuple[Response | str, int, list[tuple[str, str]]]:
    if wants_json():
        return jsonify(error={"code": code, "message": message}), status, headers or []
    title = _title(status)
    page = render_template("carbon/error.html", status=status, title=title, message=message)
    return page, status, headers or []


def _http_error(
    exc: HTTPException,
) -> tuple[Response | str, int, list[tuple[str, str]]] | HTTPException:
    status = exc.code or 500
    if status < 400:
        return exc
    code = (exc.name or "error").lower().replace(" ", "_")
    # the exception's own headers (Allow on a 405, WWW-Authenticate, Retry-After), not its type
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    message = exc.description or ""
    if message == type(exc).description and page_language() != "en" and not wants_json():
        message = ""  # Werkzeug's stock English sentence: the page's title says it already
    return _render(status, code, message, headers)


def _domain_error(exc: DomainError) -> tuple[Response | str, int, list[tuple[str, str]]]:
    message = exc.message
    if not wants_json() and page_language() != "en":
        # a service's English sentence: its translation when the catalogue has one, else
        # nothing (the page's title names the kind of error in the page's language)
        translated = gettext(message)
        message = "" if translated == message else translated
    return _render(exc.http_status, exc.code, message)


def _unexpected(exc: Exception) -> tuple[Response | str, int, list[tuple[str, str]]]:
    log.exception("unhandled error on %s %s", request.method, request.path)
    message = "The error was logged; please try again later."
    if not wants_json():
        message = gettext("The error was logged; please try again later.")
    return _render(500, "internal_error", message)


def _database_error(exc: Exception) -> tuple[Response | str, int, list[tuple[str, str]]]:
    """503 with Retry-After when the database cannot be reached: one log line (no traceback,
    no password), and a page drawn without the database (no name, no menu)."""
    if not outage.is_outage(exc):  # e.g. SQLite's "no such table": a fault, not an outage
        if not _standalone():
            raise exc  # plugin mode: the host's own handler decides
        return _unexpected(exc)
    url = carbon().settings.database_url
    log.warning(
        "database unavailable on %s %s: %s: %s",
        request.method, request.path, outage.where(url), outage.reason(exc, url),
    )  # fmt: skip
    g.carbon_employee = None  # the page must not look the person up: that needs the database
    seconds = outage.RETRY_AFTER_SECONDS
    if wants_json():
        message = f"The database cannot be reached just now; try again in {seconds} seconds."
    else:
        message = gettext(
            "The database cannot be reached just now. Please try again in %(seconds)s seconds.",
            seconds=seconds,
        )
    return _render(503, "database_unavailable", message, [("Retry-After", str(seconds))])


def _standalone() -> bool:
    """Whether corp-carbon is the application (its handler answers every error), not a
    blueprint inside a host's application."""
    return current_app.error_handler_spec[None][None].get(Exception) is _unexpected
