"""HR's redemption desk: filter, page through, approve, reject (the points go back) and hand
over rewards. A decision brings HR back to the same filter and page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import RedemptionStatus, Role
from corp_carbon.services.rewards import desk as desk_service
from corp_carbon.services.rewards import redemptions
from corp_carbon.web import params
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import carbon

HR_ROLES = (Role.HR, Role.ADMIN)
PAGE_SIZE = 25


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/redemptions", view_func=desk, endpoint="redemption_desk")
    bp.add_url_rule(
        "/admin/redemptions/<id:redemption_id>/<any(approve, reject, fulfil):action>",
        view_func=decide,
        endpoint="redemption_decide",
        methods=["POST"],
    )


@roles_required(*HR_ROLES)
def desk() -> tuple[str, int]:
    """200: redemptions matching ``status``, ``reward`` and ``department``, open ones first
    (oldest first), then decided ones (newest first), ``page`` by page; 400 naming a filter
    parameter that is wrong."""
    try:
        wanted = desk_service.desk_filter(request.args)
    except DomainError as exc:
        return render_template("carbon/admin/redemptions.html", error=exc.message, found=None), 400
    found = desk_service.look_at_desk(
        carbon().uow(), current_actor(), wanted, page=params.page_number(), per_page=PAGE_SIZE
    )
    html = render_template(
        "carbon/admin/redemptions.html",
        error=None,
        found=found,
        wanted=wanted,
        filter_params=wanted.as_params(),
        # the status links keep the reward and department chosen
        scope_params={k: v for k, v in wanted.as_params().items() if k != "status"},
        statuses=list(RedemptionStatus),
    )
    return html, 200


@roles_required(*HR_ROLES)
def decide(redemption_id: int, action: str) -> Response:
    """302 back to the desk with what happened (or why not)."""
    uow, actor = carbon().uow(), current_actor()
    try:
        if action == "approve":
            done = redemptions.approve(uow, actor, redemption_id)
            flash(gettext("Approved %(name)s (#%(id)s).", name=repr(done.reward_name), id=done.id))
        elif action == "reject":
            done = redemptions.reject(
                uow, actor, redemption_id, reason=request.form.get("reason", "")
            )
            flash(
                gettext(
                    "Rejected %(name)s (#%(id)s): %(points)s points refunded.",
                    name=repr(done.reward_name), id=done.id, points=format(done.cost_points, ","),
                )
            )  # fmt: skip
        else:
            done = redemptions.fulfil(
                uow,
                actor,
                redemption_id,
                voucher_code=request.form.get("voucher_code"),
                note=request.form.get("note"),
            )
            flash(
                gettext("Handed over %(name)s (#%(id)s).", name=repr(done.reward_name), id=done.id)
            )
    except DomainError as exc:
        flash(gettext("#%(id)s: %(why)s", id=redemption_id, why=exc.message), "error")
    return redirect(url_for("carbon.redemption_desk", **_back()))


def _back() -> dict[str, Any]:
    """The filter and page the decision was made on (sent with the form), to return to."""
    names = (*desk_service.FILTER_PARAMS, "page")
    back = {name: request.form.get(name, "").strip() for name in names}
    return {name: value for name, value in back.items() if value}
