"""The rewards page: the catalogue, the employee's balance, their redemptions with dates; a
confirmation step before redeeming or cancelling; and the rewards' uploaded pictures.

Redeeming is two steps on purpose: a one-click button once spent 200,000 points by
accident. The catalogue's button opens ``/rewards/<id>/confirm`` (what it costs, the balance
after, whether HR approves it); only that page's form, carrying its ``confirmed`` marker and a
request key made for that rendering, redeems, so a double click or a resent form redeems once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from corp_carbon.domain.errors import DomainError, NotFound
from corp_carbon.domain.people import EmployeeProfile
from corp_carbon.domain.rewards import InvalidTransition, approved_at_once
from corp_carbon.domain.vocabulary import RedemptionStatus
from corp_carbon.services.ledger import postings as ledger
from corp_carbon.services.rewards import images, queries, redemptions
from corp_carbon.services.rewards.views import Offer, RedemptionView, RewardView
from corp_carbon.web.access import current_actor, current_employee, login_required
from corp_carbon.web.i18n import gettext, number
from corp_carbon.web.state import carbon

YEAR = 365 * 24 * 3600
#: the hidden field only the confirmation forms send.
CONFIRMED = "confirmed"


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/rewards", view_func=rewards_page, endpoint="rewards")
    bp.add_url_rule(
        "/rewards/<id:reward_id>/confirm", view_func=confirm_page, endpoint="rewards_confirm"
    )
    bp.add_url_rule(
        "/rewards/redeem", view_func=redeem, endpoint="rewards_redeem", methods=["POST"]
    )
    # one rule for the page and its form (two rules on one path answer 405 to an id that is
    # no record, where every other route answers 404)
    bp.add_url_rule(
        "/rewards/redemptions/<id:redemption_id>/cancel",
        view_func=cancel,
        endpoint="rewards_cancel",
        methods=["GET", "POST"],
    )
    bp.add_url_rule("/rewards/images/<filename>", view_func=reward_image, endpoint="reward_image")
    bp.add_app_template_filter(picture_src, "reward_picture")
    bp.add_app_template_filter(limit_words, "reward_limit")
    bp.add_app_template_filter(timeline, "redemption_timeline")


def picture_src(reward: RewardView) -> str | None:
    """Where a reward's picture is shown from: its upload, else its address (or none)."""
    if reward.image_file:
        return url_for("carbon.reward_image", filename=reward.image_file)
    return reward.image_url


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page tells before points are spent."""

    offer: Offer
    balance: int
    #: why it cannot be redeemed now, in words; None: it can.
    refusal: str | None
    needs_approval: bool

    @property
    def after(self) -> int:
        return self.balance - self.offer.reward.cost_points


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
        refusals={o.reward.id: refusal(o, balance) for o in offers},
        redemptions=mine,
    )


@login_required
def confirm_page(reward_id: int) -> str:
    """200: what redeeming this reward costs and means, with "Redeem" and "Back"; 404 for a
    reward that is not offered now."""
    found = _confirmation(reward_id)
    if found is None:
        abort(404, description=gettext("This reward is not offered right now."))
    return render_template(
        "carbon/pages/rewards_confirm.html",
        c=found,
        reward=found.offer.reward,
        # one key per rendering: a double click or a resent form redeems once
        request_key=uuid.uuid4().hex,
    )


@login_required
def redeem() -> Response:
    """302 back to the rewards page, with what happened as a flash message; a request that
    did not come from the confirmation page goes there instead, and nothing is redeemed."""
    employee = _me()
    try:
        reward_id = int(request.form.get("reward_id", ""))
    except ValueError:
        flash(gettext("Choose a reward to redeem."), "error")
        return redirect(url_for("carbon.rewards"))
    if request.form.get(CONFIRMED) != "yes":
        flash(gettext("Please check what it costs and confirm before you redeem."), "warning")
        return redirect(url_for("carbon.rewards_confirm", reward_id=reward_id))
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
        flash(gettext("Not redeemed: %(why)s", why=_why_not(exc, reward_id)), "error")
        return redirect(url_for("carbon.rewards"))
    done = result.redemption
    name, points = repr(done.reward_name), number(done.cost_points)
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
    return redirect(url_for("carbon.rewards") + f"#redemption-{done.id}")


def cancel_page(redemption_id: int) -> str:
    """200: what cancelling gives back, with "Cancel the request" and "Back"; 404 for a
    redemption that is not the employee's."""
    employee = _me()
    with carbon().uow() as uow:
        try:
            found = queries.get_redemption(uow.session, redemption_id, viewer_id=employee.id)
        except NotFound:
            abort(404, description=gettext("There is no such redemption."))
    return render_template("carbon/pages/rewards_cancel.html", d=found)


@login_required
def cancel(redemption_id: int) -> Response | str:
    """GET: the cancellation page. POST: 302 back to the rewards page; the employee's own
    redemption, while it awaits approval, and only from the cancellation page (otherwise that
    page is shown first)."""
    if request.method == "GET":
        return cancel_page(redemption_id)
    employee = _me()
    if request.form.get(CONFIRMED) != "yes":
        flash(gettext("Please confirm that you want to cancel the request."), "warning")
        return redirect(url_for("carbon.rewards_cancel", redemption_id=redemption_id))
    try:
        done = redemptions.cancel(
            carbon().uow(), current_actor(), redemption_id, employee_id=employee.id
        )
    except InvalidTransition:
        flash(gettext("Not cancelled: it no longer awaits approval."), "error")
    except NotFound:
        abort(404, description=gettext("There is no such redemption."))
    else:
        flash(
            gettext(
                "Cancelled %(name)s: %(points)s points are back.",
                name=repr(done.reward_name), points=number(done.cost_points),
            )
        )  # fmt: skip
    return redirect(url_for("carbon.rewards") + f"#redemption-{redemption_id}")


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


# --- words -----------------------------------------------------------------------------------


def refusal(offer: Offer, balance: int) -> str | None:
    """Why the employee cannot redeem the offer now, in the page's language; None: they can.
    The same checks, in the same order, as the service's ``offer_blocked``."""
    reward = offer.reward
    if offer.blocked is None:
        return None
    if reward.stock is not None and reward.stock <= 0:
        return gettext("Out of stock")
    if reward.per_person_limit is not None and offer.used >= reward.per_person_limit:
        return gettext("Limit reached: %(limit)s", limit=limit_words(reward))
    if balance < reward.cost_points:
        return gettext(
            "You need %(points)s more points", points=number(reward.cost_points - balance)
        )
    return gettext("It cannot be redeemed right now.")


def limit_words(reward: RewardView) -> str:
    """The per-person limit: "2 per year", "1 per person in total"; "—" without one."""
    n = reward.per_person_limit
    if n is None:
        return "—"
    period = reward.limit_period
    if period == "ever":
        return gettext("%(n)s per person in total", n=n)
    if period == "month":
        return gettext("%(n)s per month", n=n)
    if period == "quarter":
        return gettext("%(n)s per quarter", n=n)
    return gettext("%(n)s per year", n=n)


def timeline(d: RedemptionView) -> list[tuple[str, datetime]]:
    """What happened to a redemption and when, oldest first, in the glossary's words."""
    events = [(gettext("Requested"), d.requested_at)]
    status = d.status
    if status in (RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED) and d.decided_at:
        events.append((gettext("Approved"), d.decided_at))
    if status is RedemptionStatus.FULFILLED and d.fulfilled_at:
        events.append((gettext("Handed over"), d.fulfilled_at))
    if status is RedemptionStatus.REJECTED and d.decided_at:
        events.append((gettext("Rejected"), d.decided_at))
    if status is RedemptionStatus.CANCELLED and d.decided_at:
        events.append((gettext("Cancelled"), d.decided_at))
    return events


def _confirmation(reward_id: int) -> Confirmation | None:
    employee = _me()
    with carbon().uow() as uow:
        balance = ledger.balance(uow.session, employee.id)
        offers = queries.offers_for(uow.session, employee.id, balance=balance)
    offer = next((o for o in offers if o.reward.id == reward_id), None)
    if offer is None:
        return None
    needs_approval = not approved_at_once(
        auto_approve=offer.reward.auto_approve,
        cost_points=offer.reward.cost_points,
        auto_approve_below=carbon().settings.rewards.auto_approve_below_points,
    )
    return Confirmation(offer, balance, refusal(offer, balance), needs_approval)


def _why_not(exc: DomainError, reward_id: int) -> str:
    """A refusal of the service in the page's language (its own message is English)."""
    found = _confirmation(reward_id)
    if found is None:
        return gettext("This reward is not offered right now.")
    if found.refusal is not None:
        return found.refusal
    return gettext("It could not be redeemed just now; please try again.")


def _me() -> EmployeeProfile:
    employee = current_employee()
    assert employee is not None  # the access decorators ran first
    return employee
