"""Who may use each route. Every view declares a rule; a test walks the URL map to check it.

The rule is stored on the view function as ``access_rule`` so it can be inspected.

Who is calling comes from an ``Authorization: Bearer <API token>`` header when there is one
(never falling back to the session cookie then), otherwise from the session cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from corp_carbon.db.queries import profile_by_id
from corp_carbon.domain.people import Actor, EmployeeProfile
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people import tokens
from corp_carbon.web.state import carbon

F = TypeVar("F", bound=Callable[..., Any])

SESSION_EMPLOYEE = "carbon_employee_id"
SESSION_ROLES = "carbon_roles"
SESSION_LOGIN_METHOD = "carbon_login_method"
#: the employee's session version when the session started (a sign-out raises it).
SESSION_VERSION = "carbon_session_version"


def public(view: F) -> F:
    """Anyone, logged in or not."""
    view.access_rule = "public"  # type: ignore[attr-defined]
    return view


def login_required(view: F) -> F:
    """Any logged-in employee; their own data only."""
    return roles_required()(view)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Logged in and holding at least one of ``roles`` (none given: any employee)."""

    def allow(employee: EmployeeProfile) -> None:
        scopes = current_token_scopes() if bearer_token() is not None else ()
        if scopes:  # a token made for a purpose does that only, whatever its role
            abort(
                403,
                description=f"this API token may only do what its scopes name "
                f"({', '.join(scopes)}); create a token without scopes for this",
            )
        if roles and not employee.has_any_role(*roles):
            abort(403)

    label = ",".join(r.value for r in roles) if roles else "employee"
    return _signed_in_and(allow, rule=f"roles:{label}")


# --- API token scopes (added for the import push API) ------------------------------------------


def scope_or_roles_required(scope: str, *roles: Role) -> Callable[[F], F]:
    """An API token holding ``scope`` (whatever its role), or a signed-in session holding one
    of ``roles``. A token without the scope is refused even if its role would do: a scope is
    what a token was made for (``corp-carbon tokens create --scope``)."""

    def allow(employee: EmployeeProfile) -> None:
        if bearer_token() is not None:
            if scope not in current_token_scopes():
                abort(
                    403,
                    description=f"this API token lacks the {scope!r} scope; create one "
                    f"with `corp-carbon tokens create --scope {scope}`",
                )
        elif not employee.has_any_role(*roles):
            abort(403)

    label = ",".join(r.value for r in roles)
    return _signed_in_and(allow, rule=f"scope:{scope}|roles:{label}")


def _signed_in_and(allow: Callable[[EmployeeProfile], None], *, rule: str) -> Callable[[F], F]:
    """A decorator: nobody signed in is sent to sign in (401 for a program); anyone else must
    pass ``allow`` (which aborts with 403). ``rule`` is stored as the view's ``access_rule``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            employee = current_employee()
            if employee is None:
                return _to_sign_in()
            allow(employee)
            return view(*args, **kwargs)

        wrapper.access_rule = rule  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def current_token_scopes() -> tuple[str, ...]:
    """The scopes of the API token this request carries (none for a session or no token)."""
    token = current_token()
    return token.scopes if token is not None else ()


def current_token() -> tokens.TokenInfo | None:
    """What may be shown about the API token of this request (None: a session or nobody)."""
    if "carbon_token" in g:
        cached: tokens.TokenInfo | None = g.carbon_token
        return cached
    token_id = current_token_id()
    info = None
    if token_id is not None:
        with carbon().uow() as uow:
            info = tokens.get_token(uow.session, token_id)
    g.carbon_token = info
    return info


# --- end of API token scopes ---------------------------------------------------------------------


def current_employee() -> EmployeeProfile | None:
    """The calling employee with the roles of this API token or session, or None."""
    if "carbon_employee" in g:
        cached: EmployeeProfile | None = g.carbon_employee
        return cached
    raw_token = bearer_token()
    if raw_token is not None:
        by_token, g.carbon_token_id = _from_token(raw_token)
        g.carbon_employee = by_token
        return by_token
    employee = None
    employee_id = session.get(SESSION_EMPLOYEE)
    if isinstance(employee_id, int):
        with carbon().uow() as uow:
            employee = profile_by_id(uow.session, employee_id)
        version = session.get(SESSION_VERSION, 0)
        if employee is None or not employee.active or version != employee.session_version:
            session.clear()  # gone, deactivated, or signed out since (a replayed cookie)
            employee = None
        else:
            roles = tuple(Role(r) for r in session.get(SESSION_ROLES, [Role.EMPLOYEE.value]))
            employee = _with_roles(employee, roles)
    g.carbon_employee = employee
    return employee


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header ("" when the header names no token)."""
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip()


def current_token_id() -> int | None:
    """The id of the API token this request was authenticated with (None: session or nobody)."""
    current_employee()
    token_id: int | None = g.get("carbon_token_id")
    return token_id


def _from_token(raw_token: str) -> tuple[EmployeeProfile | None, int | None]:
    found = tokens.use_token(carbon().uow(), raw_token)
    return found if found is not None else (None, None)


def keep_token_requests_cookieless(response: Response) -> Response:
    """After-request hook: a request carrying a bearer token never gets a session cookie, even
    when a page it renders asks for a CSRF token (which would start a session)."""
    if bearer_token() is not None:
        session.clear()
        session.modified = False  # an empty, unmodified session sets and deletes no cookie
    return response


def current_actor() -> Actor:
    """The signed-in employee as the audit log names them, with the request's address."""
    employee = current_employee()
    if employee is None:
        raise RuntimeError("current_actor() outside an access-checked view")
    return Actor(label=employee.email, employee_id=employee.id, ip=request.remote_addr)


def log_in(employee: EmployeeProfile, roles: tuple[Role, ...], method: str) -> None:
    """Starts a fresh session (new cookie contents, no fixation) for ``employee``."""
    session.clear()
    session.permanent = True
    session[SESSION_EMPLOYEE] = employee.id
    session[SESSION_ROLES] = [r.value for r in roles]
    session[SESSION_LOGIN_METHOD] = method
    session[SESSION_VERSION] = employee.session_version
    g.pop("carbon_employee", None)


def _to_sign_in() -> Response:
    """401 for a program; a person is sent to sign in and brought back here afterwards."""
    if wants_json():
        abort(401)
    return redirect(url_for("carbon.login", next=request.full_path))


def _with_roles(employee: EmployeeProfile, roles: tuple[Role, ...]) -> EmployeeProfile:
    return replace(employee, roles=roles)


def wants_json() -> bool:
    """Whether the caller is a program (API path, JSON accepted, or a bearer token), which
    gets JSON errors and a 401 rather than pages and a redirect to the sign-in."""
    return (
        "/api/" in request.path
        or request.accept_mimetypes.best == "application/json"
        or bearer_token() is not None  # a program, which cannot follow a login redirect
    )
