"""HR's erasure requests: record one from a profile, the queue of those waiting, and
"Confirm and erase now".

A request is recorded with who asked and why, and waits with the date it is due; the
scheduler erases it then, or HR confirms it on the queue and it is erased at once. The form,
the confirmation page (they name the person) and the queue are audit-logged looks; answers
carry ``Cache-Control: no-store``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.erasure import MAX_REASON, due_date
from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.people import erase, erasures, profiles
from corp_carbon.web import params
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import carbon

HR_ROLES = (Role.HR, Role.ADMIN)
NO_STORE = {"Cache-Control": "no-store"}


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/employees/erasures", view_func=queue_page, endpoint="admin_erasures")
    # one rule for the form and its button: two rules on one path answer an out-of-range id
    # with 405 instead of 404
    bp.add_url_rule(
        "/admin/employees/<id:employee_id>/erasure",
        view_func=erasure_page,
        endpoint="admin_erasure_form",
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/admin/employees/<id:employee_id>/erase",
        view_func=erase_page,
        endpoint="admin_erasure_confirm",
        methods=["GET", "POST"],
    )


@roles_required(*HR_ROLES)
def queue_page() -> tuple[str, int, dict[str, str]]:
    """200: the waiting erasure requests, the one due first at the top (audit-logged)."""
    queue = erasures.erasure_queue(carbon().uow(), current_actor())
    with carbon().uow() as uow:
        done = erasures.recently_erased(uow.session)
    html = render_template(
        "carbon/admin/erasures.html", queue=queue, done=done, now=datetime.now(UTC)
    )
    return html, 200, NO_STORE


@roles_required(*HR_ROLES)
def erasure_page(employee_id: int) -> Response | tuple[str, int, dict[str, str]]:
    """GET: the form; POST: the request recorded."""
    if request.method == "POST":
        return record_request(employee_id)
    return request_form(employee_id)


def request_form(employee_id: int) -> tuple[str, int, dict[str, str]]:
    """200: what recording a request does, and the form (audit-logged); 404: no employee."""
    return _form(employee_id)


def record_request(employee_id: int) -> Response | tuple[str, int, dict[str, str]]:
    """302 to the queue with the request recorded; 400: no reason (the form again, saying
    so); 409: a request is already waiting; 404: no such employee."""
    reason = request.form.get("reason", "")
    try:
        done = erasures.request_erasure(
            carbon().uow(), carbon().settings, current_actor(), employee_id, reason=reason
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _form(employee_id, error=exc.message, reason=reason, status=exc.http_status)
    flash(
        gettext(
            "Erasure request for %(name)s recorded: waiting, due on %(day)s.",
            name=done.employee_name, day=done.due_at.strftime("%Y-%m-%d"),
        )
    )  # fmt: skip
    return redirect(url_for("carbon.admin_erasures"))


def _form(
    employee_id: int, *, error: str | None = None, reason: str = "", status: int = 200
) -> tuple[str, int, dict[str, str]]:
    found = profiles.look_at_employee(
        carbon().uow(), current_actor(), employee_id, purpose="erasure"
    )
    days = carbon().settings.privacy.erase_after_days
    html = render_template(
        "carbon/admin/erasure_form.html",
        file=found,
        due_at=due_date(datetime.now(UTC), days),
        erase_after_days=days,
        max_reason=MAX_REASON,
        error=error,
        reason=reason,
    )
    return html, status, NO_STORE


@roles_required(*HR_ROLES)
def erase_page(employee_id: int) -> Response | tuple[str, int, dict[str, str]]:
    """GET: what erasing does, with the button that does it; POST: the erasure."""
    if request.method == "POST":
        return erase_now(employee_id)
    return confirm_erasure(employee_id)


def confirm_erasure(employee_id: int) -> tuple[str, int, dict[str, str]]:
    """200: what erasing the person's data removes and keeps, and the button (or, with no
    request waiting, how to record one); audit-logged, as it names the person. 404: no such
    employee (an erased one included)."""
    found = profiles.look_at_employee(carbon().uow(), current_actor(), employee_id, purpose="erase")
    html = render_template(
        "carbon/admin/erasure_confirm.html",
        file=found,
        is_self=current_actor().employee_id == employee_id,
    )
    return html, 200, NO_STORE


def erase_now(employee_id: int) -> Response:
    """302 to the queue, saying what was erased or why not; 404: no such employee or request."""
    request_id = params.form_id("request", request.form.get("request_id"))
    try:
        done = erase.confirm_and_erase(
            carbon().uow(), carbon().settings, current_actor(), employee_id, request_id
        )
    except NotFound:
        raise
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("carbon.admin_erasures"))
    flash(
        gettext(
            "Erasure request %(id)s carried out: the personal data is erased. The trips and "
            "points stay, under the name %(name)s.",
            id=done.request_id, name=done.name,
        )
    )  # fmt: skip
    return redirect(url_for("carbon.admin_erasures"))
