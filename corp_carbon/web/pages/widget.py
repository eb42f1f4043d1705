"""The carbon account widget for the company portal: balance, this month's avoided emissions
and the latest trip, in a page small enough for an iframe 300-400 px wide.

It is the one page that may be framed, and only by ``[web] widget_allowed_origins``
(``web.security_headers``). It is public: signed out (or in a portal on another site, where
the browser does not send the session cookie to an iframe) it says how to sign in, and every
link opens corp-carbon in a new tab rather than inside the portal.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from corp_carbon.services.account.summary import glance
from corp_carbon.web.access import current_employee, public
from corp_carbon.web.account_words import money, trip_line
from corp_carbon.web.state import carbon


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/widget", view_func=widget, endpoint="widget")


@public
def widget() -> str:
    """200: the signed-in employee's figures, or how to sign in."""
    employee = current_employee()
    figures = None
    if employee is not None:
        state = carbon()
        figures = glance(state.uow(), state.settings, employee.id)
    return render_template(
        "carbon/pages/widget.html",
        employee=employee,
        figures=figures,
        money=money,
        trip_line=trip_line,
        sign_in_url=url_for("carbon.login", next=url_for("carbon.home")),
    )
