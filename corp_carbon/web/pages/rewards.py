"""The rewards page: the catalogue, the employee's balance, their redemptions, and redeeming;
and the rewards' uploaded pictures."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import DomainError
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.vocabulary import RedemptionStatus
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.rewards import images, queries, redemptions
from corp_carbon.services.rewards.views import RewardView
from corp_carbon.web.access import current_actor, current_employee, login_required
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import carbon

YEAR = 365 * 24 * 3600


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/rewards", view_func=rewards_page, endpoint="rewards")
    bp.add_url_rule(
        "/rewards/redeem", view_func=redeem, endpoint="rewards_redeem", methods=["POST"]
    )
    bp.add_url_rule(
        "/rewards/redemptions/<id:redemption_id>/cancel",
        view_func=cancel,
        endpoint="rewards_cancel",
        methods=["POST"],
    )
    bp.add_url_rule("/rewards/images/<filename>", view_func=reward_image, endpoint="reward_image")
    bp.add_app_template_filter(picture_src, "reward_picture")


def picture_src(reward: RewardView) -> str | None:
    """Where a reward's picture is shown from: its upload, else its address (or none)."""
    if reward.image_file:
        return url_for("carbon.reward_image", filename=reward.image_file)
    return reward.image_url


@login_required
def rewards_page() -> str:
    """200: what can be redeemed (and why not), the balance, and the employee's redemptions."""
    employee = _me()
    with carbon().uow() as uow:
        balance = ledger.balance(uow.session, employee.id)
        offers = queries.offers_for(uow.session, employee.id, balance=balance)
        mine = queries.redemptions_for(uow.session, employee.id)
    return render_template(
        "carbon/pages/rewards.html",
        balance=balance,
        offers=offers,
        redemptions=mine,
        # one key per rendering: a double click or a resent form redeems once
        request_key=uuid.uuid4().hex,
    )


@login_required
def redeem() -> Response:
    """302 back to the page, with what happened as a flash message."""
    employee = _me()
    try:
        reward_id = int(request.form.get("reward_id", ""))
    except ValueError:
        flash(gettext("Choose a reward to redeem."), "error")
        return redirect(url_for("carbon.rewards"))
    try:
        result = redemptions.request_redemption(
            carbon().uow(),
            current_actor(),
            employee_id=employee.id,
            reward_id=reward_id,
            request_key=request.form.get("request_key", ""),
            auto_approve_below=carbon().settings.rewards.auto_approve_below_points,
        )
    except DomainError as exc:
        flash(gettext("Not redeemed: %(why)s", why=exc.message), "error")
        return redirect(url_for("carbon.rewards"))
    done = result.redemption
    name, points = repr(done.reward_name), f"{done.cost_points:,}"
    if not result.created:
        flash(
            gettext(
                "You already redeemed %(name)s with this form; nothing more was taken.", name=name
            )
        )
    elif done.status is RedemptionStatus.APPROVED:
        flash(
            gettext("Redeemed %(name)s for %(points)s points: approved.", name=name, points=points)
        )
    else:
        flash(
            gettext(
                "Requested %(name)s: %(points)s points are held until HR approves it (you get "
                "them back if it is rejected).",
                name=name, points=points,
            )
        )  # fmt: skip
    return redirect(url_for("carbon.rewards"))


@login_required
def cancel(redemption_id: int) -> Response:
    """302 back to the page; the employee's own redemption, while it awaits approval."""
    employee = _me()
    try:
        done = redemptions.cancel(
            carbon().uow(), current_actor(), redemption_id, employee_id=employee.id
        )
    except DomainError as exc:
        flash(gettext("Not cancelled: %(why)s", why=exc.message), "error")
    else:
        flash(
            gettext(
                "Cancelled %(name)s: %(points)s points are back.",
                name=repr(done.reward_name), points=format(done.cost_points, ","),
            )
        )  # fmt: skip
    return redirect(url_for("carbon.rewards"))


@login_required
def reward_image(filename: str) -> Response:
    """200: an uploaded reward picture (named by its content, so cached for good); 404 for a
    name that is not one."""
    path = images.image_path(carbon().settings.reward_images_dir, filename)
    if path is None:
        abort(404, description=gettext("There is no such picture."))
    response = send_file(path, mimetype="image/webp", max_age=YEAR, conditional=True)
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def _me() -> EmployeeProfile:
    employee = current_employee()
    assert employee is not None  # the access decorators ran first
    return employee
