"""The employee's points page: balance and statement, newest first."""

from __future__ import annotations

from flask import Blueprint, render_template

from corp_carbon.web.access import login_required
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
        reasons=REASONS,
    )


#: what each reason code means to an employee.
REASONS = {
    "activity_assessed": "Points for a trip",
    "activity_cancelled": "Trip cancelled: its points given back",
    "ticket_exchanged": "Ticket exchanged: the old trip's points given back",
    "duplicate_of_another_source": "Same trip reported twice: points given back",
    "manual_adjustment": "Adjustment by HR",
    "fifo_expiry": "Points expired (oldest first)",
    "reward_requested": "Reward requested",
    "redemption_rejected": "Reward request rejected: points refunded",
    "redemption_cancelled": "Reward request cancelled: points refunded",
}
