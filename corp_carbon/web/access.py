"""Who may use each route. Every view declares a rule; a test walks the URL map to check it.

The rule is stored on the view function as ``access_rule`` so it can be inspected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from corp_carbon.db.queries import profile_by_id
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.web.state import carbon

F = TypeVar("F", bound=Callable[..., Any])

SESSION_EMPLOYEE = "carbon_employee_id"
SESSION_ROLES = "carbon_roles"
SESSION_LOGIN_METHOD = "carbon_login_method"


def public(view: F) -> F:
    """Anyone, logged in or not."""
    view.access_rule = "public"  # type: ignore[attr-defined]
    return view


def login_required(view: F) -> F:
    """Any logged-in employee; their own data only."""
    return roles_required()(view)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Logged in and holding at least one of ``roles`` (none given: any employee)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            employee = current_employee()
            if employee is None:
                if _wants_json():
                    abort(401)
                return redirect(url_for("carbon.login", next=request.full_path))
            if roles and not employee.has_any_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        label = ",".join(r.value for r in roles) if roles else "employee"
        wrapper.access_rule = f"roles:{label}"  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def current_employee() -> EmployeeProfile | None:
    """The logged-in employee with the roles of this session, or None."""
    if "carbon_employee" in g:
        cached: EmployeeProfile | None = g.carbon_employee
        return cached
    employee = None
    employee_id = session.get(SESSION_EMPLOYEE)
    if isinstance(employee_id, int):
        with carbon().uow() as uow:
            employee = profile_by_id(uow.session, employee_id)
        if employee is None or not employee.active:
            session.clear()
            employee = None
        else:
            roles = tuple(Role(r) for r in session.get(SESSION_ROLES, [Role.EMPLOYEE.value]))
            employee = _with_roles(employee, roles)
    g.carbon_employee = employee
    return employee


def log_in(employee: EmployeeProfile, roles: tuple[Role, ...], method: str) -> None:
    """Starts a fresh session (new cookie contents, no fixation) for ``employee``."""
    session.clear()
    session.permanent = True
    session[SESSION_EMPLOYEE] = employee.id
    session[SESSION_ROLES] = [r.value for r in roles]
    session[SESSION_LOGIN_METHOD] = method
    g.pop("carbon_employee", None)


def _with_roles(employee: EmployeeProfile, roles: tuple[Role, ...]) -> EmployeeProfile:
    return replace(employee, roles=roles)


def _wants_json() -> bool:
    return "/api/" in request.path or request.accept_mimetypes.best == "application/json"


def redirect_home() -> Response:
    return redirect(url_for("carbon.home"))
