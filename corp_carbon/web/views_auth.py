"""Logging in and out. SSO (OpenID Connect) plugs in here; the development login is separate."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for
from werkzeug.wrappers import Response

from corp_carbon.web.access import current_employee, public
from corp_carbon.web.state import carbon


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/login", view_func=login, endpoint="login")
    bp.add_url_rule("/logout", view_func=logout, endpoint="logout", methods=["POST"])


@public
def login() -> Response | str:
    """200: how to sign in here; 302 to the development login when it is enabled."""
    if current_employee() is not None:
        return redirect(url_for("carbon.home"))
    if carbon().settings.dev_login.enabled:
        return redirect(url_for("carbon.dev_login"))
    return render_template("carbon/login.html")


@public
def logout() -> Response:
    """302 to the login page, with the session cleared."""
    session.clear()
    return redirect(url_for("carbon.login"))
