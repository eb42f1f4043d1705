"""Development login: pick any employee and a role. Exists only when the config enables it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from corp_carbon.db.queries import list_profiles, profile_by_id, profiles_with_extra_roles
from corp_carbon.domain.vocabulary import Role
from corp_carbon.web.access import log_in, public
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import carbon

PICKER_SIZE = 50


def register(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/dev-login", view_func=dev_login, endpoint="dev_login", methods=["GET", "POST"]
    )


@public
def dev_login() -> Response | str:
    """GET 200: the picker; POST 302: signed in as the chosen person and role; 404 if disabled."""
    if not carbon().settings.dev_login.enabled:
        abort(404)
    if request.method == "POST":
        return _log_in_from_form()
    search = request.args.get("q", "").strip()
    with carbon().uow() as uow:
        people = list_profiles(uow.session, search=search, limit=PICKER_SIZE + 1)
        featured = [] if search else profiles_with_extra_roles(uow.session)
    return render_template(
        "carbon/auth/dev_login.html",
        people=people[:PICKER_SIZE],
        more=len(people) > PICKER_SIZE,
        featured=featured,
        search=search,
        roles=list(Role),
    )


def _log_in_from_form() -> Response:
    try:
        employee_id = int(request.form.get("employee_id", ""))
        role = Role(request.form.get("role", Role.EMPLOYEE.value))
    except ValueError:
        flash(gettext("Choose an employee and a role."), "error")
        return redirect(url_for("carbon.dev_login"))
    with carbon().uow() as uow:
        employee = profile_by_id(uow.session, employee_id)
    if employee is None or not employee.active:
        flash(gettext("That employee does not exist or is deactivated."), "error")
        return redirect(url_for("carbon.dev_login"))
    roles = (Role.EMPLOYEE,) if role is Role.EMPLOYEE else (Role.EMPLOYEE, role)
    log_in(employee, roles, method="dev-login")
    return redirect(url_for("carbon.home"))
