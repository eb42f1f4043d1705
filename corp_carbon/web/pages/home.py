"""The employee's home page: their carbon account.

The balance and what it stands for (avoided kg CO2e, money, the rewards it reaches), this
month and a chosen year (footprint, avoided emissions, points), the year month by month,
the newest trips, and a nudge to log today's commute. The figures come from one service
call (``services.account.summary``); this module only words them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request, url_for

from corp_carbon.domain.account import MIN_YEAR, InvalidYear, parse_year
from corp_carbon.services.account.summary import account_summary
from corp_carbon.web.access import current_employee, login_required
from corp_carbon.web.account_words import (
    endpoint_url,
    money,
    month_chart,
    month_label,
    trip_line,
)
from corp_carbon.web.i18n import gettext
from corp_carbon.web.state import carbon


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", view_func=home, endpoint="home")


@login_required
def home() -> str:
    """200: the employee's carbon account; an unreadable ``year`` shows the current year
    with a message naming the field."""
    employee = current_employee()
    assert employee is not None
    today = datetime.now(UTC).date()
    year_problem = None
    try:
        year = parse_year(request.args.get("year"), today)
    except InvalidYear:
        year = today.year
        year_problem = gettext(
            "Year %(value)s: choose a year from %(first)s to %(last)s.",
            value=repr(request.args.get("year", "").strip()),
            first=MIN_YEAR,
            last=today.year + 1,
        )
    state = carbon()
    summary = account_summary(state.uow(), state.settings, employee.id, year=year, today=today)
    return render_template(
        "carbon/pages/home.html",
        employee=employee,
        s=summary,
        year_problem=year_problem,
        chart=month_chart(summary.months, chart_id="account-months", year=summary.year),
        money=money,
        trip_line=trip_line,
        month_label=month_label,
        commute_url=endpoint_url("carbon.commute"),
        trips_url=endpoint_url("carbon.trips"),
        rewards_url=url_for("carbon.rewards"),
    )
