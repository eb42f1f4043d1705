"""One of the employee's own trips, with the whole calculation behind its figures."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from corp_carbon.db.queries import activities_for
from corp_carbon.services.scoring import trails
from corp_carbon.web.access import current_employee, login_required
from corp_carbon.web.state import carbon


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/trips/<id:activity_id>", view_func=trip_detail, endpoint="trip_detail")


@login_required
def trip_detail(activity_id: int) -> str:
    """200: one of the employee's own trips with its whole calculation; 404 for anyone else's."""
    employee = current_employee()
    assert employee is not None
    with carbon().uow() as uow:
        found = activities_for(uow.session, employee.id, limit=1, activity_id=activity_id)
        found = trails.complete(uow.session, carbon().settings, found)
    if not found:
        abort(404)
    return render_template("carbon/pages/trip_detail.html", trip=found[0])
