"""HR's employee directory: search, a person's profile, deactivating and reactivating,
setting the travel-policy grade.

The directory (name, email, number, department, office, whether the account is on) is no
look at anyone's records; a profile is, and every opening of it, or of a confirmation page
naming the person, is audit-logged by the service. Sustainability officers get 403: they
never see names. Answers carry ``Cache-Control: no-store``: they name people.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.directory import (
    DirectoryQuery,
    StatusFilter,
    parse_status,
    search_text,
    status_change_refusal,
)
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people import accounts, directory, grades, profiles
from corp_carbon.web import params
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.i18n import gettext, local_date
from corp_carbon.web.pages import trip_words
from corp_carbon.web.state import carbon

HR_ROLES = (Role.HR, Role.ADMIN)
PAGE_SIZE = 25
NO_STORE = {"Cache-Control": "no-store"}
CHANGES = "<any(deactivate, reactivate):change>"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/employees", view_func=directory_page, endpoint="admin_employees")
    bp.add_url_rule(
        "/admin/employees/<id:employee_id>", view_func=profile_page, endpoint="admin_employee"
    )
    bp.add_url_rule(
        "/admin/employees/<id:employee_id>/grade",
        view_func=grade_change,
        endpoint="admin_employee_grade",
        methods=["POST"],
    )
    # one rule for the page and its button: with two rules on one path, an out-of-range id
    # answered 405 instead of 404 (the router sees the other method's rule first)
    bp.add_url_rule(
        f"/admin/employees/<id:employee_id>/{CHANGES}",
        view_func=change_page,
        endpoint="admin_employee_confirm",
        methods=["GET", "POST"],
    )


@roles_required(*HR_ROLES)
def directory_page() -> tuple[str, int, dict[str, str]]:
    """200: one page of the directory, by name; 400: a status filter it does not know."""
    page = params.page_number()
    error = None
    try:
        status = parse_status(request.args.get("status"))
    except DomainError as exc:
        error, status = exc.message, StatusFilter.ACTIVE
    query = DirectoryQuery(
        text=search_text(request.args.get("q")),
        department=(request.args.get("department") or "").strip(),
        status=status,
    )
    with carbon().uow() as uow:
        found = directory.DirectoryPage(entries=[], total=0)
        if error is None:
            found = directory.search_employees(
                uow.session, query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
        departments = directory.departments(uow.session)
    html = render_template(
        "carbon/admin/employees.html",
        entries=found.entries,
        total=found.total,
        page=page,
        pages=params.page_count(found.total, PAGE_SIZE),
        query=query,
        params=query.as_params(),
        departments=departments,
        error=error,
    )
    return html, 400 if error else 200, NO_STORE


@roles_required(*HR_ROLES)
def profile_page(employee_id: int) -> tuple[str, int, dict[str, str]]:
    """200: the employee's profile (audit-logged); 404: no such employee."""
    return _profile(employee_id)


def _profile(
    employee_id: int, *, grade_error: str | None = None, grade_value: str | None = None
) -> tuple[str, int, dict[str, str]]:
    actor = current_actor()
    routes = carbon().settings.privacy.hr_sees_routes
    found = profiles.look_at_employee(carbon().uow(), actor, employee_id, with_routes=routes)
    html = render_template(
        "carbon/admin/employee.html",
        file=found,
        trips=[(t, trip_words.route(t)) for t in found.trips or ()],
        refusal=_refusal(found, deactivate=found.profile.active),
        grade_error=grade_error,
        grade_value=found.grade if grade_value is None else grade_value,
        max_grade=grades.MAX_GRADE_LENGTH,
    )
    return html, 400 if grade_error else 200, NO_STORE


@roles_required(*HR_ROLES)
def grade_change(employee_id: int) -> Response | tuple[str, int, dict[str, str]]:
    """302 to the profile with the grade set (audit-logged) or cleared when blank; 400: the
    profile again, saying what is wrong with the grade; 404: no such employee."""
    raw = request.form.get("grade", "")
    try:
        done = grades.set_grade(carbon().uow(), current_actor(), employee_id, raw)
    except grades.GradeTooLong:
        error = gettext(
            "Travel-policy grade: at most %(max)s characters; this one has %(n)s.",
            max=grades.MAX_GRADE_LENGTH,
            n=len(raw.strip()),
        )
        return _profile(employee_id, grade_error=error, grade_value=raw)
    if not done.changed:
        flash(gettext("Nothing changed: the travel-policy grade was already the same."))
    elif done.new is None:
        flash(gettext("Travel-policy grade cleared."))
    else:
        flash(gettext("Travel-policy grade set to %(grade)s.", grade=done.new))
    return redirect(url_for("carbon.admin_employee", employee_id=employee_id))


@roles_required(*HR_ROLES)
def change_page(employee_id: int, change: str) -> Response | tuple[str, int, dict[str, str]]:
    """GET: the confirmation page; POST: the change itself."""
    if request.method == "POST":
        return change_status(employee_id, change)
    return confirm_change(employee_id, change)


def confirm_change(employee_id: int, change: str) -> tuple[str, int, dict[str, str]]:
    """200: what deactivating (or reactivating) does, with the button that does it, or why
    it cannot be done (audit-logged, as it names the person); 404: no such employee."""
    found = profiles.look_at_employee(carbon().uow(), current_actor(), employee_id, purpose=change)
    html = render_template(
        "carbon/admin/employee_confirm.html",
        file=found,
        change=change,
        refusal=_refusal(found, deactivate=change == "deactivate"),
    )
    return html, 200, NO_STORE


def change_status(employee_id: int, change: str) -> Response:
    """302 to the profile, saying what happened or why not; 404: no such employee."""
    try:
        done = accounts.set_active(
            carbon().uow(), current_actor(), employee_id, active=change == "reactivate"
        )
    except NotFound:
        raise
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        if not done.changed and done.active:
            flash(
                gettext("Nothing changed: %(name)s's account was already active.", name=done.name)
            )
        elif not done.changed:
            flash(
                gettext(
                    "Nothing changed: %(name)s's account was already deactivated.", name=done.name
                )
            )
        elif done.active:
            flash(gettext("%(name)s is active again and can sign in.", name=done.name))
        else:
            flash(
                gettext(
                    "%(name)s is deactivated: sign-in is blocked; the points balance is kept and "
                    "trips are still counted.",
                    name=done.name,
                )
            )
    return redirect(url_for("carbon.admin_employee", employee_id=employee_id))


def _refusal(found: profiles.EmployeeFile, *, deactivate: bool) -> str | None:
    """Why the switch is refused, in the page's language (the domain decides whether)."""
    is_self = current_actor().employee_id == found.profile.id
    due = found.scim_erasure_due_at
    if (
        status_change_refusal(deactivate=deactivate, is_self=is_self, scim_erasure_due_at=due)
        is None
    ):
        return None
    if (deactivate and is_self) or due is None:
        return gettext(
            "You cannot deactivate your own account: ask another HR officer or administrator "
            "to do it."
        )
    return gettext(
        "This account was deleted by the identity provider (SCIM) and its personal data is "
        "due for erasure on %(day)s. Only the identity provider can bring it back, by "
        "creating the user again.",
        day=local_date(due.date(), "%Y-%m-%d"),
    )
