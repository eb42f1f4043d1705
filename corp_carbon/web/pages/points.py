"""The employee's points page: balance and statement, newest first."""

from __future__ import annotations

from flask import Blueprint, render_template

from corp_carbon.web.access import login_required
from corp_carbon.web.i18n import gettext
from corp_carbon.web.params import page_count, page_number
from corp_carbon.web.statement import PAGE_SIZE, my_statement


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/points", view_func=points_page, endpoint="points")


@login_required
def points_page() -> str:
    """200: the employee's balance and statement."""
    balance, lines = my_statement()
    page = page_number()
    return render_template(
        "carbon/pages/points.html",
        balance=balance,
        lines=lines[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        page=page,
        pages=page_count(len(lines), PAGE_SIZE),
        reasons=reasons(),
    )


def reasons() -> dict[str, str]:
    """What each reason code means to an employee, in the page's language."""
    return {
        "activity_assessed": gettext("Points for a trip"),
        "activity_cancelled": gettext("Trip cancelled: its points given back"),
        "ticket_exchanged": gettext("Ticket exchanged: the old trip's points given back"),
        "duplicate_of_another_source": gettext("Same trip reported twice: points given back"),
        "manual_adjustment": gettext("Adjustment by HR"),
        "fifo_expiry": gettext("Points expired (oldest first)"),
        "reward_requested": gettext("Reward requested"),
        "redemption_rejected": gettext("Reward request rejected: points refunded"),
        "redemption_cancelled": gettext("Reward request cancelled: points refunded"),
    }
