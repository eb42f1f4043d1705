"""HR's redemption desk: approve, reject (the points go back) and hand over rewards."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.vocabulary import Role
from corp_carbon.services.rewards import queries, redemptions
from corp_carbon.web.access import current_actor, roles_required
from corp_carbon.web.state import carbon

HR_ROLES = (Role.HR, Role.ADMIN)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/redemptions", view_func=desk, endpoint="redemption_desk")
    bp.add_url_rule(
        "/admin/redemptions/<id:redemption_id>/<any(approve, reject, fulfil):action>",
        view_func=decide,
        endpoint="redemption_decide",
        methods=["POST"],
    )


@roles_required(*HR_ROLES)
def desk() -> str:
    """200: redemptions waiting for approval or hand-over, then the latest decided ones."""
    items = queries.redemption_desk(carbon().uow(), current_actor())
    return render_template("carbon/admin/redemptions.html", items=items)


@roles_required(*HR_ROLES)
def decide(redemption_id: int, action: str) -> Response:
    """302 back to the desk with what happened (or why not)."""
    uow, actor = carbon().uow(), current_actor()
    try:
        if action == "approve":
            done = redemptions.approve(uow, actor, redemption_id)
            flash(f"Approved {done.reward_name!r} (#{done.id}).")
        elif action == "reject":
            done = redemptions.reject(
                uow, actor, redemption_id, reason=request.form.get("reason", "")
            )
            flash(
                f"Rejected {done.reward_name!r} (#{done.id}): {done.cost_points:,} points refunded."
            )
        else:
            done = redemptions.fulfil(
                uow,
                actor,
                redemption_id,
                voucher_code=request.form.get("voucher_code"),
                note=request.form.get("note"),
            )
            flash(f"Handed over {done.reward_name!r} (#{done.id}).")
    except DomainError as exc:
        flash(f"#{redemption_id}: {exc.message}", "error")
    return redirect(url_for("carbon.redemption_desk"))
