"""Security headers of every corp-carbon response, in one place: what a page may load, who
may frame it, no content sniffing, no address leaking to other sites, and HTTPS only once a
browser has seen it (HSTS, when ``[session] cookie_secure`` says the service runs on HTTPS).
In plugin mode they are set on corp-carbon's own responses only (a blueprint hook).

Scripts and styles come from corp-carbon's own files only: no inline script, no inline
style, no ``eval`` (``CONTENT_POLICY``), so markup that slipped into a page could not run.
Pictures may come from https addresses (a reward's picture).

No page can be framed (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``, against
clickjacking a "Redeem" or "Approve" button), except the widget, which the company portal
shows in an iframe: its ``frame-ancestors`` are the origins of ``[web]
widget_allowed_origins`` (checked when the configuration is loaded). A response that already
has a Content-Security-Policy (a reward picture's ``default-src 'none'``) keeps it and gains
the directive.
"""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from corp_carbon.web.state import carbon

#: the view that may be framed, and only by the configured origins.
WIDGET_ENDPOINT = "widget"
NONE = "'none'"
#: what a page may load: its own scripts, styles, fonts and requests; pictures also from
#: https addresses; no plugins; no <base> elsewhere. ``frame-ancestors`` is added per page.
CONTENT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https:; "
    "object-src 'none'; base-uri 'self'"
)
#: how long a browser keeps to HTTPS after one response (a year, the usual value).
HSTS_SECONDS = 31_536_000


def register(bp: Blueprint) -> None:
    widget = f"{bp.name}.{WIDGET_ENDPOINT}"

    def framing(response: Response) -> Response:
        ancestors = NONE
        if request.endpoint == widget:
            ancestors = " ".join(carbon().settings.web.widget_allowed_origins) or NONE
        response.headers.setdefault("Content-Security-Policy", CONTENT_POLICY)
        set_frame_ancestors(response, ancestors)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if carbon().settings.session.cookie_secure:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
        return response

    bp.after_request(framing)


def set_frame_ancestors(response: Response, ancestors: str) -> None:
    """Adds ``frame-ancestors`` to the response's policy; ``X-Frame-Options: DENY`` too when
    no one may frame it (old browsers without CSP), and never otherwise (DENY would win)."""
    directive = f"frame-ancestors {ancestors}"
    policy = response.headers.get("Content-Security-Policy", "").strip().rstrip(";")
    if "frame-ancestors" not in policy:
        policy = f"{policy}; {directive}" if policy else directive
    response.headers["Content-Security-Policy"] = policy
    if ancestors == NONE:
        response.headers["X-Frame-Options"] = "DENY"
    else:
        response.headers.pop("X-Frame-Options", None)
