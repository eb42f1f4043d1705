"""My data: download everything held about me, my privacy settings, and asking for my data
to be erased (a confirmation step, then HR's queue)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from corp_carbon.services.my_data import export
from corp_carbon.services.my_data import settings as my_settings
from corp_carbon.web.access import current_actor, current_employee, login_required
from corp_carbon.web.i18n import gettext, local_date
from corp_carbon.web.params import form_flag
from corp_carbon.web.state import carbon

NO_STORE = {"Cache-Control": "no-store"}


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/my-data", view_func=my_data, endpoint="my_data")
    bp.add_url_rule(
        "/my-data/leaderboard",
        view_func=save_leaderboard,
        endpoint="my_data_leaderboard",
        methods=["POST"],
    )
    bp.add_url_rule(
        "/my-data/erasure",
        view_func=erasure,
        endpoint="my_data_erasure",
        methods=["GET", "POST"],
    )


def _me() -> int:
    employee = current_employee()
    assert employee is not None  # login_required
    return employee.id


@login_required
def my_data() -> tuple[str, int, dict[str, str]]:
    """200: the downloads, the privacy settings and the erasure request's state."""
    privacy = my_settings.my_privacy(carbon().uow(), _me())
    html = render_template(
        "carbon/pages/my_data.html",
        privacy=privacy,
        sections=[section.name for section in export.SECTIONS],
        erase_after_days=carbon().settings.privacy.erase_after_days,
    )
    return html, 200, NO_STORE


@login_required
def save_leaderboard() -> Response:
    """302 back to the page with the choice saved (audit-logged when it changed)."""
    opt_in = form_flag("leaderboard_opt_in", request.form.get("leaderboard_opt_in"))
    changed = my_settings.set_leaderboard_opt_in(carbon().uow(), current_actor(), _me(), opt_in)
    if not changed:
        flash(gettext("Nothing changed: your leaderboard setting was already saved."))
    elif opt_in:
        flash(gettext("Saved: your name and points now show on your team's leaderboard."))
    else:
        flash(gettext("Saved: you no longer show on your team's leaderboard."))
    return redirect(url_for("carbon.my_data", _anchor="privacy"))


@login_required
def erasure() -> Response | tuple[str, int, dict[str, str]]:
    """GET: what asking for erasure does, and the button (302 to the page when a request is
    waiting already); POST: the request sent to HR's queue, 302 to the page."""
    me = _me()
    if request.method == "POST":
        asked = my_settings.ask_for_erasure(carbon().uow(), carbon().settings, current_actor(), me)
        due = local_date(asked.request.due_at.date(), "%-d %B %Y")
        if asked.created:
            flash(gettext("Your request is on its way to HR. It is due on %(day)s.", day=due))
        else:
            flash(gettext("Your request is already waiting; it is due on %(day)s.", day=due))
        return redirect(url_for("carbon.my_data", _anchor="erasure"))
    privacy = my_settings.my_privacy(carbon().uow(), me)
    if privacy.erasure is not None:
        return redirect(url_for("carbon.my_data", _anchor="erasure"))
    html = render_template(
        "carbon/pages/my_data_erasure.html",
        erase_after_days=carbon().settings.privacy.erase_after_days,
    )
    return html, 200, NO_STORE
